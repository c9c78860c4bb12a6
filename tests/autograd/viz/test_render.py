"""Rendering (autograd/viz/_render.py): real SVG/PNG files, renderer choice and fallback."""

import os
import sys
from pathlib import Path

import pytest


viz = pytest.importorskip("autograd.viz")
from autograd.viz import GraphvizNotFound, backprop_steps, draw  # noqa: E402
from pictures import PURE, chain_rule, needs_renderer, tiny_mlp  # noqa: E402


@needs_renderer
@pytest.mark.parametrize("make", [lambda: chain_rule()[0], lambda: tiny_mlp()[0]])
def test_real_svg_and_png_rendering(make):
    root = make()
    root.backward()
    g = draw(root, group=True, compact=False)
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
