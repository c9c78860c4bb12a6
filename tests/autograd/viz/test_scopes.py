"""Composites drawn as one node (from Tensor.scope), and module boxes from scopes."""

import re

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

viz = pytest.importorskip("autograd.viz")
from autograd.viz import draw  # noqa: E402
from pictures import chain_rule, edges, nodes, small_cnn, tensor_mlp  # noqa: E402


def ops(source):
    """The labels of operation nodes (o...) and collapsed calls (s...)."""
    return sorted(text.strip('"') for n, text in nodes(source).items() if n[0] in "os")


def test_a_tensor_graph_draws_the_loss_as_one_node():
    src = draw(tensor_mlp()).source
    assert "CrossEntropyLoss" in ops(src)
    assert "logsumexp" not in src and "getitem" not in src
    expanded = draw(tensor_mlp(), composites="expand").source
    assert "logsumexp" in expanded and "CrossEntropyLoss" not in expanded    # negative control
    assert len(nodes(expanded)) > len(nodes(src)) + 6


def test_the_collapsed_node_sits_between_the_tensors_crossing_its_boundary():
    loss = tensor_mlp()
    src = draw(loss, composites="collapse").source
    call = next(n for n, text in nodes(src).items() if text == "CrossEntropyLoss")
    into = [a for a, b, _ in edges(src) if b == call]
    out = [b for a, b, _ in edges(src) if a == call]
    assert out == ["t0"]                                   # the loss, the root
    assert len(into) == 1 and "shape (5, 3)" in nodes(src)[into[0]]     # the logits


def test_scalar_graphs_keep_every_primitive_by_default():
    x = Tensor(0.5, requires_grad=True, name="x")
    y = Tensor(2.0, requires_grad=True, name="y")
    with ag.scope("mine"):
        f = ag.tanh(x * y) + x
    assert "mine" not in draw(f).source
    assert "mine" in ops(draw(f, composites="collapse").source)


def test_a_users_scope_collapses_in_a_tensor_graph():
    x = Tensor(np.ones(3), requires_grad=True, name="x")

    @ag.scope("gelu_ish")
    def act(v):
        return v * ag.sigmoid(1.702 * v)

    out = act(x).sum()
    src = draw(out).source
    assert "gelu_ish" in ops(src) and "sigmoid" not in src
    assert "sigmoid" in draw(out, composites="expand").source


def test_drawing_collapsed_changes_no_value_or_gradient():
    loss = tensor_mlp()
    loss.backward()
    leaves = [t for t in _leaves(loss) if t.grad is not None]
    before = [t.grad.data.copy() for t in leaves]
    draw(loss)
    assert all(np.array_equal(t.grad.data, b) for t, b in zip(leaves, before))


def test_the_cnn_draws_its_layers_as_nodes():
    labels = ops(draw(small_cnn(), compact=False).source)
    assert "conv" in labels and "2 7 ops" in labels          # the max pool: a module path
    assert "relu" in labels and "reshape shape=(2, 8)" in labels    # one op: drawn as it is


def test_bad_option():
    with pytest.raises(ValueError, match="composites must be"):
        draw(chain_rule()[0], composites="fold")


def _leaves(root):
    from autograd import graph
    return [t for t, _ in graph.breadth_first([root]) if t.op is None]


def _cluster(source, label):
    """The DOT text of the module box labelled `label`."""
    for body in re.findall(r"subgraph cluster_\w+ \{(.*?)\n\t\}", source, re.S):
        if re.search(rf'\blabel="?{re.escape(label)}"?[\s\]]', body):
            return body
    raise AssertionError(f"no box {label}")


def test_activations_join_their_modules_box():
    src = draw(tensor_mlp(), group=True, compact=False).source
    first = _cluster(src, "layers.0")
    assert "<b>weight</b>" in first and "shape (5, 8)" in first     # an activation
    relu = next(n for n, text in nodes(src).items() if text == "relu")
    assert relu not in first and relu not in _cluster(src, "layers.1")    # MLP's own op
    conv = draw(small_cnn(), group=True, composites="expand", compact=False).source
    by_names = draw(small_cnn(), group=lambda n: n.rsplit(".", 1)[0] if "." in n else None,
                    composites="expand", compact=False).source
    ops_in = [len(re.findall(r"\n\t\to\d+ \[", _cluster(s, "0"))) for s in (conv, by_names)]
    assert ops_in == [8, 5]     # from scopes: every op of the conv; from names: ops reading W


def test_box_draws_the_primitives_inside_a_box_named_after_the_composite():
    src = draw(tensor_mlp(), composites="box").source
    box = _cluster(src, "CrossEntropyLoss")
    assert "logsumexp" in box and "getitem" in box
    assert "CrossEntropyLoss" not in ops(src)               # no collapsed node
    nested = draw(small_cnn(), composites="box", group=True).source
    module = _cluster(nested, "0")
    assert "subgraph cluster_s" in module and "label=conv" in module     # inside its module
    assert "cluster_s" not in draw(tensor_mlp(), composites="expand").source


def test_a_sub_modules_box_sits_inside_its_modules_box():
    import nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)

        def forward(self, x):
            return ag.tanh(self.lin(x))

    ag.manual_seed(0)
    out = nn.Sequential(Block(), nn.Linear(2, 1))(Tensor(np.ones((3, 2)), name="x")).sum()
    src = draw(out, group=True).source
    block = _cluster(src, "0")
    assert "tanh" in block and re.search(r'label="?0\.lin"?[\s\]]', block)     # nested
    assert not re.search(r'label="?1"?[\s\]]', block)                          # a sibling
    closed = draw(out, collapse=["0.lin"]).source
    assert "<b>0.lin</b>" in _cluster(closed, "0")          # a collapsed sub-module: a node in it
