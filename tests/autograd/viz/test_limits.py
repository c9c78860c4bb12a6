"""Big graphs: chains folded into one node, the output end kept with its note, and drawings
too big to render refused before any renderer starts."""

import re

import pytest

import autograd as ag
from autograd import Tensor

viz = pytest.importorskip("autograd.viz")
from autograd.viz import DrawingTooBig, draw  # noqa: E402

needs_renderer = pytest.mark.skipif(viz.renderer() is None, reason="no dot / graphviz-pure")


def node_lines(source):
    """{node id: its attribute text} for every node statement of DOT source."""
    return {k: v for k, v in re.findall(r"^\t(\w+) \[(.*)\]$", source, re.M)
            if k not in ("graph", "node", "edge")}


def edge_pairs(source):
    return re.findall(r"^\t(\w+) -> (\w+)", source, re.M)


def tanh_chain(n):
    x = Tensor(0.5, requires_grad=True, name="x")
    y = x
    for _ in range(n):
        y = ag.tanh(y)
    return x, y


def test_a_10000_op_chain_folds_into_one_node():
    x, y = tanh_chain(10_000)
    src = draw(y).source
    found = node_lines(src)
    assert sorted(found) == ["o0", "t0", "t1"]          # output, the fold, x
    assert 'label="tanh ×10000"' in found["o0"]
    assert edge_pairs(src) == [("o0", "t0"), ("t1", "o0")]
    assert "drew" not in src                             # nothing was cut
    unfolded = draw(y, fold=None, max_nodes=50).source   # negative control: cut, not folded
    assert "×" not in unfolded and "drew 50 of 10001 tensors" in unfolded


def test_a_repeated_block_folds_and_short_chains_do_not():
    x = Tensor(0.5, requires_grad=True, name="x")
    y = x
    for _ in range(40):
        y = y * 1.0001 + 0.001
    assert 'label="(*, +) ×40"' in draw(y).source
    _, short = tanh_chain(15)                            # below the default fold=16
    assert "×" not in draw(short).source
    assert len(node_lines(draw(short, compact=False).source)) == 31
    assert 'label="tanh ×15"' in draw(short, fold=15).source
    _, mixed = tanh_chain(20)
    for _ in range(20):
        mixed = ag.exp(mixed * 0.1)
    labels = re.findall(r'label="([^"]*×[^"]*)"', draw(mixed).source)
    assert labels == ["tanh ×20", "(*, exp) ×20"]         # in the order made


def test_a_fold_keeps_its_parameters_and_counts_the_rest():
    w = Tensor(0.9, requires_grad=True, name="w")
    h = Tensor(0.5, requires_grad=True, name="h0")
    for _ in range(30):                                   # one weight shared by every step
        h = ag.tanh(h * w)
    src = draw(h).source
    names = re.findall(r"<b>(\w+)</b>", src)
    assert sorted(names) == ["h0", "w"] and "(*, tanh) ×30" in src
    s = Tensor(0.0, requires_grad=True, name="s")
    for i in range(100):                                  # a new leaf at every step
        s = s + Tensor(float(i), requires_grad=True, name=f"a{i}")
    src = draw(s).source
    assert "add ×100" in src or "+ ×100" in src
    assert len(re.findall(r"<b>\w+</b>", src)) == 6 and "... 95 more" in src


def test_a_100000_node_chain_with_default_options_is_a_small_drawing():
    x = Tensor(0.5, requires_grad=True, name="x")
    y = x
    for _ in range(50_000):
        y = y * 1.0001 + 0.001                            # 100,001 tensors
    y.backward()
    src = draw(y).source
    assert len(node_lines(src)) == 3 and "×50000" in src and "grad 1" in src


@needs_renderer
def test_a_folded_chain_renders():
    _, y = tanh_chain(3000)
    assert b"tanh" in draw(y).pipe("svg")


def test_a_cut_keeps_the_output_and_puts_the_note_beside_it():
    _, y = tanh_chain(100)
    src = draw(y, fold=None, max_nodes=10).source
    assert "<b>x</b>" not in src                          # the input end is what was cut
    assert re.search(r'note \[label="drew 10 of 101 tensors', src)
    assert re.search(r"\{\s*rank=same\s*t0 -> note \[style=invis\]\s*\}", src)


def test_a_drawing_too_big_is_refused_before_any_renderer_starts(monkeypatch):
    started = []
    monkeypatch.setattr(viz._render, "renderer", lambda: started.append(1) or "/bin/false")
    _, y = tanh_chain(3000)
    big = draw(y, fold=None, max_nodes=None, compact=False)
    with pytest.raises(DrawingTooBig, match=r"6001 nodes.*max_nodes=.*fold=.*collapse=True"):
        big.pipe("svg")
    with pytest.raises(DrawingTooBig):
        big.save("never.svg")
    assert started == []
    monkeypatch.setitem(viz.RENDER_LIMITS, "edges", 10)
    with pytest.raises(DrawingTooBig, match="20 edges"):
        draw(tanh_chain(10)[1], fold=None, compact=False).pipe("svg")
    monkeypatch.setitem(viz.RENDER_LIMITS, "edges", 20)    # negative control: at the limit
    with pytest.raises(Exception) as info:
        draw(tanh_chain(10)[1], fold=None, compact=False).pipe("svg")
    assert not isinstance(info.value, DrawingTooBig)     # it got as far as the (fake) renderer
    assert started == [1]


def test_bad_fold_is_refused():
    with pytest.raises(ValueError, match="fold must be an int >= 2"):
        draw(tanh_chain(3)[1], fold=1)


def fake_renderer(monkeypatch, tmp_path, script):
    """A `dot` that runs `script` (sh) instead of rendering."""
    program = tmp_path / "dot"
    program.write_text("#!/bin/sh\n" + script + "\n")
    program.chmod(0o755)
    monkeypatch.setattr(viz._render, "renderer", lambda: str(program))


@pytest.mark.skipif(__import__("os").name != "posix", reason="the memory cap is POSIX only")
def test_the_renderer_runs_with_its_memory_capped(monkeypatch, tmp_path):
    fake_renderer(monkeypatch, tmp_path, "ulimit -v")
    monkeypatch.setitem(viz.RENDER_LIMITS, "memory", 512 << 20)
    assert draw(tanh_chain(2)[1]).pipe("svg").strip() == str(512 << 10).encode()   # in KiB
    monkeypatch.setitem(viz.RENDER_LIMITS, "memory", None)                          # uncapped
    assert draw(tanh_chain(2)[1]).pipe("svg").strip() != str(512 << 10).encode()


def test_a_renderer_killed_for_memory_gives_a_clear_error(monkeypatch, tmp_path):
    fake_renderer(monkeypatch, tmp_path, "kill -9 $$")
    with pytest.raises(DrawingTooBig, match=r"was killed \(exit status -9.*max_nodes="):
        draw(tanh_chain(2)[1]).pipe("svg")
    fake_renderer(monkeypatch, tmp_path, "echo bad >&2; exit 1")     # other failures: as before
    with pytest.raises(Exception) as info:
        draw(tanh_chain(2)[1]).pipe("svg")
    assert not isinstance(info.value, DrawingTooBig)
