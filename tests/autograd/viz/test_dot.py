"""What a picture says (autograd/viz/_dot.py): labels, local derivatives, goldens, options,
module boxes, colours, second-order graphs, and a property: the gradients shown are the engine's.

Golden DOT files live in tests/autograd/viz/golden/; after a deliberate change of the pictures,
rewrite them with `UPDATE_GOLDEN=1 python3 -m pytest tests/autograd/viz/test_dot.py` and review
the diff.
"""

import re

import numpy as np
import pytest
from hypothesis import given, strategies as st

import autograd as ag
from autograd import Tensor

viz = pytest.importorskip("autograd.viz")
from autograd.viz import draw  # noqa: E402
from pictures import (by_name, by_name_raw, chain_rule, check_golden, edges, node_id, nodes,
                      small_cnn, tensor_mlp,
                      tiny_mlp)  # noqa: E402



# ---- what the picture says ----------------------------------------------------------------
def test_chain_rule_values_and_gradients_on_the_right_nodes():
    f, t = chain_rule()
    f.backward()
    labels = by_name(draw(f).source)
    expect = dict(x=(-2, -4), y=(5, -4), z=(-4, 3), q=(3, -4), f=(-12, 1))
    assert set(labels) == set(expect)
    for name, (value, grad) in expect.items():
        assert f"data {value} " in labels[name] + " "
        assert labels[name].endswith(f"grad {grad}")


def test_before_backward_no_gradients_are_shown():
    f, _ = chain_rule()
    assert not re.search(r"\bgrad ", draw(f).source)
    assert "grad -4" in draw(f, grads="pass").source       # unless asked for
    assert all(t.grad is None for t in chain_rule()[1].values())


def test_edges_carry_local_derivatives():
    f, _ = chain_rule()
    src = draw(f, derivatives=True).source
    ids = {n: node_id(src, n) for n in "xyzqf"}
    plus, times = "o" + ids["q"][1:], "o" + ids["f"][1:]
    labels = {(a, b): rest for a, b, rest in edges(src)}
    assert "label=1" in labels[(ids["x"], plus)] and "label=1" in labels[(ids["y"], plus)]
    assert "label=-4" in labels[(ids["q"], times)]          # d f / d q = z
    assert "label=3" in labels[(ids["z"], times)]           # d f / d z = q
    assert "label" not in draw(f).source.split("}")[0].split("->", 1)[1]


def test_local_derivatives_come_from_the_vjps():
    x = Tensor(0.3, requires_grad=True, name="x")
    y = ag.tanh(x)
    src = draw(y, derivatives=True, fmt=".6f").source
    assert f"label={1 - np.tanh(0.3) ** 2:.6f}" in src


@pytest.mark.parametrize("golden, make, options", [
    ("chain_rule.dot", lambda: chain_rule()[0], dict(derivatives=True)),
    ("mlp.dot", lambda: tiny_mlp()[0], dict(group=True)),
    ("tensor_mlp.dot", tensor_mlp, {}),
    ("cnn.dot", small_cnn, {}),
])
def test_golden_dot_is_byte_identical(golden, make, options):
    root = make()
    root.backward()
    source = draw(root, **options).source
    check_golden(golden, source)
    again = make()
    again.backward()
    assert draw(again, **options).source == source      # same computation, same bytes


def test_small_tensors_show_numbers_big_ones_a_summary():
    small = Tensor([1.0, 2.0], requires_grad=True, name="small")
    big = Tensor(np.arange(25.0).reshape(5, 5), requires_grad=True, name="big")
    loss = (small.sum() + big.sum()) * 1.0
    loss.backward()
    labels = by_name(draw(loss, max_elements=4).source)
    assert "data [1, 2]" in labels["small"] and "grad [1, 1]" in labels["small"]
    assert "shape (5, 5) float64" in labels["big"]
    assert "data mean 12 norm 70" in labels["big"]           # norm of 0..24 = 70
    assert "grad mean 1 norm 5" in labels["big"]
    assert "[[" in by_name(draw(loss, max_elements=25).source)["big"]


def test_fields_format_and_direction_options():
    f, _ = chain_rule()
    f.backward()
    src = draw(f, fields=("name", "value"), fmt=".2f", rankdir="TB").source
    assert "rankdir=TB" in src and not re.search(r"\bgrad ", src) and "data -2.00" in src
    assert "data" not in draw(f, fields=("name", "grad")).source
    src = draw(f, fmt=lambda v: f"<{v:+.1f}>").source
    assert "data &lt;-2.0&gt;" in src                  # callables work and text is escaped


def test_constants_and_non_grad_inputs_are_drawn():
    x = Tensor(2.0, requires_grad=True, name="x")
    data = Tensor(3.0, name="data")
    y = x * 10.0 + data + np.array([1.0, 2.0])
    src = draw(y).source
    assert re.search(r'o\d+ \[label="\* 10"', src)                 # one number: in the op
    assert re.search(r"c\d+_1 \[label=\"const \[1, 2\]\"", src)       # more: a node of its own
    assert 'style="dashed"' in by_name_raw(src, "data")          # no gradient flows there
    assert 'style="dashed"' not in by_name_raw(src, "x")


def test_bad_arguments_raise_clear_errors():
    f, _ = chain_rule()
    with pytest.raises(ValueError, match="unknown fields"):
        draw(f, fields=("name", "colour"))
    with pytest.raises(ValueError, match="rankdir"):
        draw(f, rankdir="up")
    with pytest.raises(TypeError, match="roots must be Tensors"):
        draw(f, 3.0)
    with pytest.raises(ValueError, match="max_nodes"):
        draw(f, max_nodes=0)
    with pytest.raises(ValueError, match="grads"):
        draw(f, grads="all")
    with pytest.raises(ValueError, match="cannot collapse"):
        draw(tiny_mlp()[0], collapse=["layers.7"])
    with pytest.raises(ValueError, match="thresholds"):
        draw(f, color_grad=(1, 2))


# ---- modules ------------------------------------------------------------------------------
def test_group_puts_each_module_in_a_box():
    loss, _ = tiny_mlp()
    src = draw(loss, group=True, compact=False).source
    inside = {}
    for body in src.split("subgraph cluster_")[1:]:
        body = body.split("\n\t}")[0]
        inside[re.search(r' label="([^"]+)"', body).group(1)] = body
    assert list(inside) == ["layers.0", "layers.1"]         # in the order made
    for m in ("layers.0", "layers.1"):          # names relative to their box: 'weight'
        assert inside[m].count("<b>weight</b>") == 1 and inside[m].count("<b>bias</b>") == 1
        assert "layers." not in inside[m].split("style=")[1]
    assert 'label="@"' in inside["layers.0"] and 'label="+"' in inside["layers.0"]
    assert "tanh" not in inside["layers.0"]
    assert "loss" not in inside["layers.1"]
    assert "subgraph" not in draw(loss).source


def test_collapse_draws_a_module_as_one_node():
    loss, _ = tiny_mlp()
    src = draw(loss, collapse=True).source
    labels = nodes(src)
    box = next(v for k, v in labels.items() if k.startswith("m") and v.startswith("layers.0 "))
    assert "weight (4, 3)" in box and "bias (4,)" in box and box.endswith("2 operations")
    assert not any("layers.0.weight" in v for v in labels.values())
    assert "tanh" in src and "subgraph" not in src
    ends = [(a, b) for a, b, _ in edges(src)]
    assert len(ends) == len(set(ends))
    assert any(a.startswith("m") for a, _ in ends) and any(b.startswith("m") for _, b in ends)
    partly = draw(loss, collapse=["layers.1"]).source
    assert "<b>weight</b>" in partly and "subgraph cluster" in partly


def test_group_keeps_a_layer_that_uses_its_weights_transpose_in_one_box():
    # nn.Linear computes x @ weight.T + bias: the transpose, the matmul and the add all belong
    # to the layer (they were drawn outside it, with edges in and out of the box)
    x = Tensor(np.ones((4, 2)), name="x")
    w = Tensor(np.full((3, 2), 0.5), requires_grad=True, name="layers.0.weight")
    b = Tensor(np.zeros(3), requires_grad=True, name="layers.0.bias")
    loss = ag.tanh(x @ w.T + b).sum()
    src = draw(loss, group=True, compact=False).source
    body = src.split("subgraph cluster_")[1].split("\n\t}")[0]
    for op in ("transpose", '"@"', '"+"'):
        assert f"label={op} " in body, op
    assert "tanh" not in body and "label=sum" not in body
    box = next(v for k, v in nodes(draw(loss, collapse=True).source).items() if k.startswith("m"))
    assert box.endswith("3 operations")


def test_op_labels_leave_out_default_keywords():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    src = draw(x.mean(), x.sum(axis=0), x.sum(axis=1, keepdims=True)).source
    assert "None" not in src and "False" not in src and "..." not in src
    assert "axis=0" in src and "axis=1, keepdims=True" in src


def test_negative_zero_reads_zero():
    w = Tensor(0.5, requires_grad=True, name="w")
    y = ag.relu(w * -1.0)           # relu's gradient at a negative input: -0.0 here
    y.backward()
    src = draw(y).source
    assert "-0<" not in src and "-0 " not in src and "grad 0<" in by_name_raw(src, "w")


# ---- colours ------------------------------------------------------------------------------
def test_colour_by_gradient_magnitude_with_legend():
    tiny = Tensor(1.0, requires_grad=True, name="tiny")
    huge = Tensor(1.0, requires_grad=True, name="huge")
    fine = Tensor(1.0, requires_grad=True, name="fine")
    f = 1e-9 * tiny + 1e6 * huge + fine
    f.backward()
    src = draw(f, color_grad=True).source
    bands = {word: fill for _, fill, _, word in viz.BANDS}
    assert f'bgcolor="{bands["vanishing"]}"' in by_name_raw(src, "tiny")
    assert f'bgcolor="{bands["exploding"]}"' in by_name_raw(src, "huge")
    assert f'bgcolor="{bands["healthy"]}"' in by_name_raw(src, "fine")
    assert "legend" in src and "gradient size" in src
    assert "legend" not in draw(f).source
    custom = draw(f, color_grad=(1e-12, 1e-10, 1e-8, 1e-7)).source
    assert f'bgcolor="{bands["exploding"]}"' in by_name_raw(custom, "fine")




# ---- second order -------------------------------------------------------------------------
def test_second_order_graph_can_be_drawn():
    x = Tensor(1.5, requires_grad=True, name="x")
    y = x ** 3
    (gx,) = ag.grad(y, x, create_graph=True)
    gx.name = "dy/dx"
    src = draw(gx, derivatives=True).source
    assert "dy/dx" in src and "data 6.75" in src          # 3 x^2
    (h,) = ag.grad(gx, x)
    assert float(h) == pytest.approx(9.0)
    assert "grad 9" in draw(gx, grads="pass").source         # d(dy/dx)/dx = 6 x


# ---- a property ---------------------------------------------------------------------------
UNARY = [ag.tanh, ag.exp, ag.sigmoid, lambda v: v * v, lambda v: -v]


@given(st.lists(st.tuples(st.integers(0, len(UNARY) - 1), st.integers(0, 3)), min_size=1,
                max_size=8),
       st.lists(st.floats(-1.5, 1.5), min_size=2, max_size=2))
def test_shown_gradients_are_the_engines(program, values):
    leaves = [Tensor(v, requires_grad=True, name=f"v{i}") for i, v in enumerate(values)]
    pool = list(leaves)
    for op, k in program:
        pool.append(UNARY[op](pool[k % len(pool)]) + pool[-1])
    out = pool[-1]
    out.backward()
    labels = by_name(draw(out, fmt=".17g").source)
    for leaf in leaves:
        if leaf.grad is not None:
            shown = float(leaf.grad) + 0.0         # pictures write -0.0 as 0
            assert labels[leaf.name].endswith(f"grad {shown:.17g}")
    assert draw(out).source == draw(out).source


def test_subtraction_is_one_op_with_its_derivatives_in_a_scalar_graph():
    x = Tensor(3.0, requires_grad=True, name="x")
    y = Tensor(5.0, requires_grad=True, name="y")
    d = x - y
    d.name = "d"
    e = 1.0 - d
    e.name = "e"
    src = draw(e, derivatives=True, compact=False).source
    labels = sorted(v.strip('"') for k, v in nodes(src).items() if not k.startswith("t"))
    assert labels == ["-", "1 -"]                                   # no neg, no add
    into = {a: attrs for a, b, attrs in edges(src)}
    assert "label=-1" in into[node_id(src, "d")] and "label=-1" in into[node_id(src, "y")]
    assert "label=1 " in into[node_id(src, "x")]
    every = sorted(v.strip('"') for k, v in nodes(draw(e, composites="expand", compact=False)
                                                       .source).items()
                   if not k.startswith("t"))
    assert every == ["+", "1 +", "neg", "neg"]                      # negative control
