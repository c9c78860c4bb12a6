"""Every graph that examples/demo.py and the notebooks draw fits a 1920x1080 slide at its
natural size, with text of at least 14 pt. The graphs and the options are the notebooks' own:
the cells that build a graph are run with autograd.viz.draw replaced by a recorder."""

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

viz = pytest.importorskip("autograd.viz")
from autograd.viz import draw  # noqa: E402

needs_renderer = pytest.mark.skipif(viz.renderer() is None, reason="no dot / graphviz-pure")
PX_PER_PT = 96 / 72        # an SVG's "pt" at a browser's natural size
ROOT = Path(__file__).resolve().parents[3]


def chain_rule():
    x, y, z = (Tensor(v, requires_grad=True, name=n) for v, n in ((-2., "x"), (5., "y"),
                                                                   (-4., "z")))
    q = x + y
    q.name = "q"
    f = q * z
    f.name = "f"
    f.backward()
    return f


NB = {n: f"notebooks/{n}" for n in ("01_chain_rule.ipynb", "02_neuron_activations.ipynb",
                                     "04_backprop_by_hand.ipynb", "05_mlp_moons_spirals.ipynb",
                                     "08_gradient_checking.ipynb",
                                     "09_derivatives_as_objects.ipynb",
                                     "10_convolutional_networks.ipynb",
                                     "11_recurrent_networks.ipynb",
                                     "12_attention_transformer.ipynb")}
# name: (file, the cells to run, each named by a piece of its code; the last one draws)
GRAPHS = {
    "demo chain rule": ("examples/demo.py", ["draw_chain_rule(None)"]),
    "01 chain rule": (NB["01_chain_rule.ipynb"], ["import numpy", "x = Tensor(-2.0", "draw(f)"]),
    "01 derivatives": (NB["01_chain_rule.ipynb"], ["import numpy", "by_hand = {",
                                                    "x = Tensor(-2.0", "draw(f, derivatives"]),
    "02 neuron": (NB["02_neuron_activations.ipynb"], ["import matplotlib",
                                                       "nn.Neuron(3, activation"]),
    "02 sigmoid chain": (NB["02_neuron_activations.ipynb"], ["import matplotlib",
                                                              "def neuron_chain"]),
    "04 by hand": (NB["04_backprop_by_hand.ipynb"], ["x_in = {1:", "W = {k: Tensor",
                                                      "draw(E, derivatives"]),
    "05 tiny mlp grouped": (NB["05_mlp_moons_spirals.ipynb"], ["def plot_decision_boundary",
                                                                "tiny = nn.ScalarMLP"]),
    "05 mlp collapsed": (NB["05_mlp_moons_spirals.ipynb"], ["def plot_decision_boundary",
                                                             "small = nn.ScalarMLP"]),
    "08 silu": (NB["08_gradient_checking.ipynb"], ["set_hypothesis_home_dir",
                                                    "class SiLU(ag.Function)",
                                                    "loss = SiLU.apply(x).sum()"]),
    "09 second order": (NB["09_derivatives_as_objects.ipynb"], ["import numpy",
                                                                 "(dy_dx,) = ag.grad"]),
    "10 cnn": (NB["10_convolutional_networks.ipynb"], ["import digits_cnn",
                                                        "cnn = digits_cnn.build_cnn()",
                                                        "draw(cnn[:4]"]),
    "11 rnn by time step": (NB["11_recurrent_networks.ipynb"], ["import adding_problem",
                                                                 "rnn_cell = nn.RNNCell(1, 2)"]),
    "12 attention": (NB["12_attention_transformer.ipynb"], ["import reverse_transformer",
                                                             "X = rng.normal(size=(3, 4))",
                                                             "draw(total"]),
}


class Drawn(Exception):
    """Raised by the recorder standing in for draw: the cell's drawing has been recorded."""


def cells(path, pieces):
    """The code of the cells of notebook (or script) `path` that contain each of `pieces`."""
    if path.endswith(".py"):
        return [(ROOT / path).read_text(encoding="utf-8")] + pieces
    code = ["".join(c["source"]) for c in json.loads((ROOT / path).read_text(encoding="utf-8"))
            ["cells"] if c["cell_type"] == "code"]
    found = []
    for piece in pieces:
        match = [c for c in code if piece in c]
        assert len(match) == 1, f"{path}: {len(match)} code cells contain {piece!r}"
        found.append("\n".join(line for line in match[0].splitlines()
                               if not line.lstrip().startswith("%")))
    return found


def drawn(name, monkeypatch):
    """(roots, options) of the last draw() call in the cells of GRAPHS[name], run as the
    notebook runs them (from its folder)."""
    path, pieces = GRAPHS[name]
    calls = []

    def record(*roots, **options):
        calls.append((roots, options))
        raise Drawn

    pytest.importorskip("matplotlib").use("Agg")
    monkeypatch.setattr(viz, "draw", record)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.chdir((ROOT / path).parent)
    dtype = ag.get_default_dtype()
    namespace = {"__name__": "slide_test"}
    try:
        for code in cells(path, pieces):
            try:
                exec(compile(code, str(ROOT / path), "exec"), namespace)
            except Drawn:
                pass
    finally:
        ag.set_default_dtype(dtype)
    assert calls, f"{name}: no draw() call in the cells {pieces}"
    return calls[-1]


def measure(svg):
    """(width px, height px, [font sizes in pt]) of an SVG from Graphviz."""
    w, h = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups()
    sizes = [float(v) for v in re.findall(r'font-size="([\d.]+)"', svg)]
    return float(w) * PX_PER_PT, float(h) * PX_PER_PT, sizes


TOO_BIG = {}


@needs_renderer
@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(reason=TOO_BIG[n], strict=True)) if n in TOO_BIG
    else n for n in GRAPHS])
def test_every_lecture_graph_fits_a_slide_with_readable_text(name, monkeypatch):
    roots, options = drawn(name, monkeypatch)
    width, height, sizes = measure(draw(*roots, **options).pipe("svg").decode())
    assert sizes and min(sizes) >= 14
    assert width <= 1920 and height <= 1080, f"{name}: {width:.0f} x {height:.0f} px"


def test_the_recorder_sees_the_notebooks_own_options(monkeypatch):
    roots, options = drawn("02 sigmoid chain", monkeypatch)
    assert [r.name for r in roots] == ["h6"] and options["fields"] == ("name", "grad")
    assert "title" in options


@needs_renderer
def test_the_measure_sees_a_graph_too_big_for_a_slide():
    x = Tensor(0.5, requires_grad=True, name="x")       # negative control: 12 ops in a row
    y = x
    for _ in range(12):
        y = ag.tanh(y)
    svg = draw(y, rankdir="LR", font_size=10, compact=False).pipe("svg").decode()
    width, height, sizes = measure(svg)
    assert width > 1920 and min(sizes) == 10


def test_orientation_follows_the_shape():
    x = Tensor(0.5, requires_grad=True, name="x")
    y = x
    for _ in range(12):
        y = ag.tanh(y)
    assert "rankdir=TB" in draw(y).source               # a long chain runs down the slide
    assert "rankdir=LR" in draw(chain_rule()).source     # what fits across stays across
    assert "rankdir=LR" in draw(y, rankdir="LR").source


def sigmoid_chain(depth):
    h = Tensor(1.0, name="x")
    for k in range(1, depth + 1):
        w = Tensor(0.5 + k / 10, requires_grad=True, name=f"w{k}")
        b = Tensor(k / 20, requires_grad=True, name=f"b{k}")
        h = ag.sigmoid(w * h + b)
        h.name = f"h{k}"
    h.backward()
    return h


def test_compact_writes_each_op_in_its_results_box():
    f = chain_rule()
    src = draw(f, compact=True).source
    assert not re.search(r"^\s*o\d+ \[", src, re.M)          # no op nodes
    assert '<td bgcolor="#e4e4e4"><font color="black">*</font></td><td><b>f</b>' in src
    assert ">-12<" in src
    assert "data" not in src and "ranksep=0.2" in src
    plain = draw(f).source                                   # negative control: it fits as is
    assert re.search(r"^\s*o\d+ \[label=\"\*\"", plain, re.M) and "data -12" in plain


def test_compact_wraps_the_repeats_of_a_layer_one_per_row():
    src = draw(sigmoid_chain(6)).source                      # too long for a slide: compact
    rows = re.findall(r"\{\s*rank=same\s*((?:t\d+\s*)+)\}", src)
    assert len(rows) == 6 and all(len(r.split()) == 3 for r in rows)
    assert "rankdir=TB" in src and src.count("style=invis weight=20") == 5
    assert "rank=same" not in draw(sigmoid_chain(2)).source  # 2 repeats: no rows


def test_bad_compact_is_refused():
    with pytest.raises(ValueError, match="compact must be 'auto', True or False"):
        draw(chain_rule(), compact="yes")
