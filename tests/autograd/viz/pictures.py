"""Helpers the viz tests share: small graphs to draw, and readers of DOT source."""

import os
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

viz = pytest.importorskip("autograd.viz")

GOLDEN = Path(__file__).parent / "golden"
needs_renderer = pytest.mark.skipif(viz.renderer() is None, reason="no dot / graphviz-pure")
PURE = shutil.which("graphviz-pure", path=os.path.dirname(sys.executable)) or shutil.which(
    "graphviz-pure")       # this environment's own binary first (PATH may hold a shim script)


def chain_rule():
    """f = (x + y) * z at x=-2, y=5, z=-4, with every tensor named."""
    x = Tensor(-2.0, requires_grad=True, name="x")
    y = Tensor(5.0, requires_grad=True, name="y")
    z = Tensor(-4.0, requires_grad=True, name="z")
    q = x + y
    q.name = "q"
    f = q * z
    f.name = "f"
    return f, dict(x=x, y=y, z=z, q=q, f=f)


def tiny_mlp():
    """A 3-4-1 tanh MLP and squared-error loss from raw ops, parameters named by module path."""
    x = Tensor([0.5, -1.0, 2.0], name="x")
    w0 = Tensor(np.arange(12.0).reshape(4, 3) / 8 - 0.5, requires_grad=True,
                name="layers.0.weight")
    b0 = Tensor(np.linspace(-0.2, 0.2, 4), requires_grad=True, name="layers.0.bias")
    w1 = Tensor(np.linspace(0.5, -0.5, 4).reshape(1, 4), requires_grad=True,
                name="layers.1.weight")
    b1 = Tensor([0.1], requires_grad=True, name="layers.1.bias")
    h = ag.tanh(w0 @ x + b0)
    out = w1 @ h + b1
    loss = ((out - Tensor([1.0], name="target")) ** 2).sum()
    loss.name = "loss"
    return loss, [w0, b0, w1, b1]


def tensor_mlp():
    """A 4-8-3 nn.MLP on 5 samples with nn.CrossEntropyLoss, after backward."""
    import nn
    ag.manual_seed(0)
    model = nn.MLP(4, [8, 3])
    x = Tensor(np.linspace(-1, 1, 20).reshape(5, 4), name="x")
    loss = nn.CrossEntropyLoss()(model(x), Tensor(np.array([0, 1, 2, 0, 1]), name="y"))
    loss.name = "loss"
    return loss


def small_cnn():
    """Conv2d(1, 2, 3) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(8, 3) on two 6x6 images,
    summed."""
    import nn
    ag.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(8, 3))
    x = Tensor(np.linspace(-1, 1, 72).reshape(2, 1, 6, 6), name="x")
    out = model(x).sum()
    out.name = "out"
    return out


def nodes(source):
    """{node id: label text} from DOT source (HTML tags stripped, spaces squeezed)."""
    found = {}
    for m in re.finditer(r'^[ \t]*(\w+) \[label=(<<.*?</table>>|"[^"]*"|\S+)(.*)\]$', source, re.M):
        label = m.group(2)
        text = re.sub(r"<br/>", " ", label[1:-1] if label.startswith("<<") else label)
        text = re.sub(r"<[^>]*>", " ", text)
        found[m.group(1)] = " ".join(text.split())
    return found


def by_name(source):
    """{tensor name: label text} for the named tensor nodes."""
    out = {}
    for nid, text in nodes(source).items():
        if nid.startswith("t") and text:
            out[text.split()[0]] = text
    return out


def node_id(source, name):
    return next(n for n, text in nodes(source).items()
                if n.startswith("t") and text.split()[:1] == [name])


def edges(source):
    """[(tail, head, attributes text)] in order."""
    return [(a, b, rest) for a, b, rest in re.findall(r"^[ \t]*(\w+) -> (\w+)[ \t]*(.*)$", source, re.M)]


def check_golden(name, source):
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(source, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; create it with UPDATE_GOLDEN=1"
    assert source == path.read_text(encoding="utf-8")

def by_name_raw(source, name):
    return next(line for line in source.splitlines() if f"<b>{name}</b>" in line)
