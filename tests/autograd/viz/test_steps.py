"""Backprop step by step (autograd/viz/_steps.py): frames in the engine's order."""

import re
from pathlib import Path

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor
from autograd.engine import backprop

viz = pytest.importorskip("autograd.viz")
from autograd.viz import backprop_steps, draw  # noqa: E402
from autograd.viz._steps import ADDED, CURRENT, NEW  # noqa: E402
from pictures import by_name, by_name_raw, chain_rule, needs_renderer, node_id, nodes  # noqa: E402



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


def test_a_composite_drawn_as_one_node_is_one_step_of_a_tensor_graph():
    from pictures import tensor_mlp
    loss = tensor_mlp()
    frames, every = backprop_steps(loss), backprop_steps(loss, composites="expand")
    order = []
    backprop([loss], [np.ones(())], accumulate=False, on_step=lambda t, g: order.append(t))
    assert len(every) == len(order) and len(frames) == len(order) - 7    # 8 steps made one
    title = frames.steps[0][1]
    assert title.startswith("backprop step 1 of 12: loss sends its gradient through "
                            "'CrossEntropyLoss' (8 steps inside)")
    first = frames[0].source
    call = re.search(r"^\s*(s\d+) \[label=CrossEntropyLoss", first, re.M).group(1)
    assert re.search(rf"-> {call} \[color=\"#d62728\"", first)          # its input edge is lit
    assert "CrossEntropyLoss" not in every[0].source                   # negative control
    last = [{k: v for k, v in by_name(f.source).items() if k.startswith("layers.")}
            for f in (frames[-1], every[-1])]
    assert len(last[0]) == 4 and last[0] == last[1]                    # the same gradients


def test_scalar_graphs_keep_a_step_per_primitive():
    a = Tensor(0.5, requires_grad=True, name="a")
    with ag.scope("my_function"):
        b = ag.tanh(a * 2.0) + a
    assert len(backprop_steps(b)) == 4
    assert len(backprop_steps(b, composites="collapse")) == 2
