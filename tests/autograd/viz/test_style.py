"""Text size (one font_size for every text) and children drawn in the order they were made."""

import re

import pytest

import autograd as ag
import nn
from autograd import Tensor

viz = pytest.importorskip("autograd.viz")
from autograd.viz import draw  # noqa: E402

needs_renderer = pytest.mark.skipif(viz.renderer() is None, reason="no dot / graphviz-pure")


def neuron():
    x = Tensor(0.5, requires_grad=True, name="x")
    w = Tensor(-1.5, requires_grad=True, name="w")
    out = ag.tanh(x * w + 2.0)
    out.backward()
    return out


def test_font_size_sets_every_text_in_the_dot_source():
    out = neuron()
    src = draw(out, derivatives=True, font_size=22).source
    sizes = re.findall(r"fontsize=(\S+?)[\] ]", src)
    assert sizes == ["22", "22", "22"]                   # graph, node and edge defaults only
    assert "fontsize" not in "".join(line for line in src.splitlines()
                                     if line.startswith(("\tt", "\to", "\tc")))
    assert re.findall(r"fontsize=(\S+?)[\] ]", draw(out).source) == ["14", "14", "14"]
    with pytest.raises(ValueError, match="font_size must be a positive number"):
        draw(out, font_size=0)


@needs_renderer
@pytest.mark.parametrize("size", [14, 20])
def test_rendered_text_has_the_chosen_size(size):
    out = neuron()
    svg = draw(out, derivatives=True, font_size=size, max_depth=2).pipe("svg").decode()
    found = {float(v) for v in re.findall(r'font-size="([\d.]+)"', svg)}
    assert found == {float(size)}                         # tensors, ops, edge labels, note
    assert ">tanh<" in svg and ">drew 3 of 5 tensors" in svg


def scalar_mlp():
    ag.manual_seed(1)
    small = nn.ScalarMLP(2, [3, 3, 1], activation="relu")
    out = small([ag.Tensor(0.5, name="x0"), ag.Tensor(0.25, name="x1")])
    out.name = "score"
    out.backward()
    return out


def test_nodes_are_written_in_the_order_they_were_made():
    src = draw(scalar_mlp(), collapse=True, fields=("name", "grad")).source
    names = re.findall(r"<b>([\w.]+)</b>", src)
    assert names == ["x0", "x1", "layers.0.neurons.0", "layers.0.neurons.1",
                     "layers.0.neurons.2", "layers.1.neurons.0", "layers.1.neurons.1",
                     "layers.1.neurons.2", "layers.2.neurons.0"]


@needs_renderer
def test_neuron_0_is_drawn_first_from_the_top():
    for rankdir, axis in (("LR", 1), ("TB", 0)):          # first: at the top, or on the left
        svg = draw(scalar_mlp(), collapse=True, fields=("name", "grad"),
                   rankdir=rankdir).pipe("svg").decode()
        at = {name: float((x, y)[axis]) for x, y, name in
              re.findall(r'<text[^>]*x="([-\d.]+)" y="([-\d.]+)"[^>]*>([\w.]+)</text>', svg)}
        for layer in (0, 1):
            pos = [at[f"layers.{layer}.neurons.{k}"] for k in range(3)]
            assert pos == sorted(pos) and len(set(pos)) == 3     # 0, 1, 2
        assert at["x0"] < at["x1"]
