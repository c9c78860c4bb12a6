"""Which tensors a picture keeps (autograd/viz/_graph.py): depth and node limits."""

import re
import sys

import pytest

from autograd import Tensor

viz = pytest.importorskip("autograd.viz")
from autograd.viz import draw  # noqa: E402
from pictures import nodes  # noqa: E402



# ---- limits -------------------------------------------------------------------------------
def chain(n):
    x = Tensor(0.5, requires_grad=True, name="x")
    y = x
    for _ in range(n):
        y = y * 1.0001 + 0.001
    return x, y


def test_depth_limit_cuts_with_a_note():
    _, y = chain(5)                     # 11 tensors: x and 2 per step
    src = draw(y, max_depth=2).source
    assert len([n for n in nodes(src) if re.fullmatch(r"t\d+", n)]) == 3
    assert "drew 3 of 11 tensors (max_nodes=500, max_depth=2)" in src
    assert re.search(r"cut\d+ \[label=\"\.\.\. 1 more\"", src)
    assert "drew" not in draw(y, max_depth=10).source


def test_node_limit_on_a_100000_node_graph_without_recursion():
    x, y = chain(50_000)                # 100,001 tensors
    assert sys.getrecursionlimit() < 100_000
    src = draw(y, max_nodes=40, fold=None).source
    assert len([n for n in nodes(src) if re.fullmatch(r"t\d+", n)]) == 40
    assert "drew 40 of 100001 tensors (max_nodes=40)" in src
    y.backward()
    src = draw(y, max_nodes=40, fold=None).source   # the gradient pass walks all of it too
    assert "grad 1" in src
    assert x.grad is not None
