"""Graph pictures (autograd.viz): labels, goldens, real rendering, fallbacks, limits, frames.

Golden DOT files live in tests/autograd/viz/golden/; after a deliberate change of the pictures, rewrite them
with `UPDATE_GOLDEN=1 python3 -m pytest tests/autograd/viz/test_viz.py` and review the diff.
"""

import os
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, strategies as st

import autograd as ag
from autograd import Tensor
from autograd.engine import backprop

viz = pytest.importorskip("autograd.viz")
from autograd.viz import GraphvizNotFound, backprop_steps, draw  # noqa: E402
from autograd.viz._steps import ADDED, CURRENT, NEW  # noqa: E402

GOLDEN = Path(__file__).parent / "golden"
needs_renderer = pytest.mark.skipif(viz.renderer() is None, reason="no dot / graphviz-pure")
PURE = shutil.which("graphviz-pure", path=os.path.dirname(sys.executable)) or shutil.which(
    "graphviz-pure")       # this environment's own binary first (PATH may hold a shim script)


# ---- helpers ------------------------------------------------------------------------------
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
])
def test_golden_dot_is_byte_identical(golden, make, options):
    root = make()
    root.backward()
    source = draw(root, **options).source
    check_golden(golden, source)
    again = make()
    again.backward()
    assert draw(again, **options).source == source      # same computation, same bytes


@needs_renderer
@pytest.mark.parametrize("make", [lambda: chain_rule()[0], lambda: tiny_mlp()[0]])
def test_real_svg_and_png_rendering(make):
    root = make()
    root.backward()
    g = draw(root, group=True)
    svg = g.pipe("svg").decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and svg.rstrip().endswith("</svg>")
    assert "data" in svg
    assert g.pipe("png")[:8] == b"\x89PNG\r\n\x1a\n"
    bundle = g._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


@needs_renderer
def test_render_writes_a_file(tmp_path):
    f, _ = chain_rule()
    out = draw(f).render(tmp_path / "pic", format="svg")
    assert out.endswith(".svg") and "<svg" in Path(out).read_text()


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
    src = draw(loss, group=True).source
    inside = {}
    for body in src.split("subgraph cluster_")[1:]:
        body = body.split("\n\t}")[0]
        inside[re.search(r' label="([^"]+)"', body).group(1)] = body
    assert list(inside) == ["layers.0", "layers.1"]         # in the order made
    assert "layers.0.weight" in inside["layers.0"] and "layers.0.bias" in inside["layers.0"]
    assert 'label="@"' in inside["layers.0"] and 'label="+"' in inside["layers.0"]
    assert "tanh" not in inside["layers.0"] and "layers.1.weight" not in inside["layers.0"]
    assert "layers.1.bias" in inside["layers.1"]
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
    assert "layers.0.weight" in partly and "subgraph cluster" in partly


def test_group_keeps_a_layer_that_uses_its_weights_transpose_in_one_box():
    # nn.Linear computes x @ weight.T + bias: the transpose, the matmul and the add all belong
    # to the layer (they were drawn outside it, with edges in and out of the box)
    x = Tensor(np.ones((4, 2)), name="x")
    w = Tensor(np.full((3, 2), 0.5), requires_grad=True, name="layers.0.weight")
    b = Tensor(np.zeros(3), requires_grad=True, name="layers.0.bias")
    loss = ag.tanh(x @ w.T + b).sum()
    src = draw(loss, group=True).source
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


def by_name_raw(source, name):
    return next(line for line in source.splitlines() if f"<b>{name}</b>" in line)


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


# ---- backprop step by step ----------------------------------------------------------------
def test_chain_rule_frames_follow_the_engine():
    f, t = chain_rule()
    frames = backprop_steps(f)
    order = []
    backprop([f], [np.ones(())], accumulate=False, on_step=lambda t, g: order.append(t))
    assert len(frames) == 5
    assert [s[0] for s in frames.steps] == order
    order = [s[0].name for s in frames.steps]
    assert order[0] == "f" and order.index("q") < min(order.index("x"), order.index("y"))
    for k, (tensor, title) in enumerate(frames.steps):
        src = frames[k].source
        current = [n for n in nodes(src) if 'color="#d62728"' in src.split(f"\t{n} [", 1)[1].split("\n")[0]]
        assert current == [node_id(src, tensor.name)]
        assert f"step {k + 1} of 5" in src


def test_chain_rule_frames_fill_gradients_in_step_by_step():
    f, t = chain_rule()
    frames = backprop_steps(f)
    first = by_name(frames[0].source)
    assert first["f"].endswith("grad 1") and first["q"].endswith("grad -4")
    assert first["z"].endswith("grad 3")
    assert "grad" not in first["x"] and "grad" not in first["y"]
    last = by_name(frames[-1].source)
    for name, g in dict(x=-4, y=-4, z=3, q=-4, f=1).items():
        assert last[name].endswith(f"grad {g}")
    lines = {n: by_name_raw(frames[0].source, n) for n in "qz"}
    assert f'bgcolor="{NEW}"' in lines["q"] and f'bgcolor="{CURRENT}"' in by_name_raw(frames[0].source, "f")
    assert all(v.grad is None for v in t.values())         # frames leave .grad alone


def test_frames_mark_accumulation_and_partial_gradients():
    a = Tensor(3.0, requires_grad=True, name="a")
    b = a * a + a
    b.name = "b"
    frames = backprop_steps(b)
    assert [s[0] is a for s in frames.steps] == [False, False, True]
    assert "grad 1 (so far)" in by_name(frames[0].source)["a"]
    line = by_name_raw(frames[1].source, "a")
    assert "grad 1 + 3 + 3 = 7" in line and f'bgcolor="{ADDED}"' in line
    assert by_name(frames[2].source)["a"].endswith("grad 7")
    b.backward()
    assert float(a.grad) == 7.0


def test_frames_keep_their_layout_sizes():
    a = Tensor(3.0, requires_grad=True, name="a")
    b = a * a + a
    frames = backprop_steps(b)
    cell = [re.search(r"<b>a</b>.*?(grad[^<]*)", f.source).group(1) for f in frames]
    assert len({len(c) for c in cell}) == 1          # padded to one width in every frame


def svg_height(graph):
    return float(re.search(r'<svg width="[\d.]+pt" height="([\d.]+)pt',
                           graph.pipe("svg").decode()).group(1))


@needs_renderer
def test_long_chains_are_drawn_straight():
    # constants and leaves hang off a straight spine; the pictures used to be a staircase
    w = Tensor(0.3, requires_grad=True, name="w")
    h = w
    for _ in range(300):
        h = h * 1.0001 + 0.001
    one = svg_height(draw(w * 1.0001 + 0.001))        # a staircase of 20 would be 20 of these
    assert svg_height(draw(h, max_nodes=20, fold=None, rankdir="LR")) < one + 80   # 80: the 2-line cut note
    x = Tensor(0.5, requires_grad=True, name="x")
    ws = [Tensor(1.0, requires_grad=True, name=f"w{i}") for i in range(8)]
    s = x
    for wi in ws:
        s = ag.sigmoid(s * wi)
    assert svg_height(draw(s, color_grad=True, rankdir="LR")) < 2 * svg_height(draw(x * ws[0]))


@needs_renderer
def test_frames_keep_their_rendered_layout():
    # the current tensor's thick red border must not make its box, and so the picture, move
    f, _ = chain_rule()
    frames = backprop_steps(f, derivatives=True)
    places = []
    for g in frames:
        svg = g.pipe("svg").decode()
        places.append(re.findall(r'<text[^>]* x="([-\d.]+)" y="([-\d.]+)"[^>]*>data ', svg))
    assert len(places[0]) == 5 and all(p == places[0] for p in places)
    other = by_name_raw(frames[0].source, "x")      # hidden border: cells keep black lines
    assert 'border="3"' in other and '<td color="black"' in other


def test_frames_do_not_run_hooks_or_touch_retained_grads():
    x = Tensor(2.0, requires_grad=True, name="x")
    h = x * x
    h.retain_grad()
    calls = []
    h.register_hook(lambda g: calls.append(1))
    y = h * 3.0
    y.backward()
    before = float(h.grad), float(x.grad), len(calls)
    backprop_steps(y)
    draw(y)
    assert (float(h.grad), float(x.grad), len(calls)) == before
    h.grad = None
    y.backward()                                      # the hooks are still in place
    assert len(calls) == before[2] + 1 and float(h.grad) == before[0]


def test_frames_need_one_element_roots():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="backprop_steps: the roots must have one element"):
        backprop_steps(x * 2)


@needs_renderer
def test_frames_as_html_slider_svg_png_and_pdf(tmp_path):
    f, _ = chain_rule()
    frames = backprop_steps(f)
    page = frames._repr_html_()
    assert page.count("<svg") == 5 and "<?xml" not in page
    assert 'type="range"' in page and 'max="5"' in page and "<script>" in page
    assert page == frames.to_html()                  # deterministic
    svgs = frames.save(tmp_path / "svg")
    assert [Path(p).name for p in svgs] == [f"step_00{k}.svg" for k in range(1, 6)]
    assert all("<svg" in Path(p).read_text() for p in svgs)
    pngs = frames.save(tmp_path / "png", format="png")
    assert all(Path(p).read_bytes()[:4] == b"\x89PNG" for p in pngs)
    pdf = Path(frames.save_pdf(tmp_path / "steps.pdf")).read_bytes()
    assert pdf[:5] == b"%PDF-" and len(re.findall(rb"/Type /Page\b", pdf)) == 5


# ---- renderer choice and fallback ---------------------------------------------------------
@pytest.fixture
def no_renderer(monkeypatch, tmp_path):
    """A machine with neither `dot` nor `graphviz-pure`: empty PATH, Python elsewhere."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    return tmp_path


def test_missing_renderer_raises_one_clear_error(no_renderer):
    f, _ = chain_rule()
    g = draw(f)
    assert viz.renderer() is None
    assert "digraph" in g.source                              # the source is still there
    with pytest.raises(GraphvizNotFound, match="pip install graphviz-pure") as info:
        g.pipe("svg")
    assert "graphviz.org" in str(info.value)
    with pytest.raises(GraphvizNotFound):
        backprop_steps(f).save(no_renderer / "out")


def test_missing_renderer_in_jupyter_shows_the_dot_text(no_renderer):
    f, _ = chain_rule()
    with pytest.warns(UserWarning, match="no Graphviz renderer"):
        bundle = draw(f)._repr_mimebundle_()
    assert bundle == {"text/plain": draw(f).source}
    with pytest.warns(UserWarning, match="no Graphviz renderer"):
        page = backprop_steps(f)._repr_html_()
    assert page.count("<pre>digraph") == 5


@pytest.mark.skipif(PURE is None, reason="graphviz-pure is not installed")
def test_graphviz_pure_is_used_when_there_is_no_dot(no_renderer):
    os.symlink(PURE, no_renderer / "graphviz-pure")
    assert viz.renderer() == str(no_renderer / "graphviz-pure")
    g = draw(chain_rule()[0])
    assert b"<svg" in g.pipe("svg") and g.pipe("png")[:4] == b"\x89PNG"


def test_system_dot_comes_first(no_renderer):
    for name in ("dot", "graphviz-pure"):
        p = no_renderer / name
        p.write_text("#!/bin/sh\necho rendered-by-" + name + "\n")
        p.chmod(0o755)
    assert viz.renderer() == str(no_renderer / "dot")
    assert draw(chain_rule()[0]).pipe("svg") == b"rendered-by-dot\n"


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
