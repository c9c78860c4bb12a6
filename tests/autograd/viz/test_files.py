"""draw(...).save(path) by extension, and .view() with and without a picture viewer."""

import os
import time

import pytest

from autograd import Tensor

viz = pytest.importorskip("autograd.viz")
needs_renderer = pytest.mark.skipif(viz.renderer() is None, reason="no dot / graphviz-pure")


def picture():
    x = Tensor(-2.0, requires_grad=True, name="x")
    y = Tensor(5.0, requires_grad=True, name="y")
    f = (x + y) * x
    f.backward()
    return viz.draw(f)


@needs_renderer
def test_save_chooses_the_format_by_extension_and_makes_the_folder(tmp_path):
    g = picture()
    svg = g.save(tmp_path / "out" / "deeper" / "graph.svg")
    png = g.save(str(tmp_path / "out" / "graph.png"))
    pdf = g.save(tmp_path / "out" / "graph.pdf")
    assert open(svg, encoding="utf-8").read().lstrip().startswith("<?xml")
    assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    assert open(pdf, "rb").read(5) == b"%PDF-"
    gv = g.save(tmp_path / "graph.gv")                  # other names: the DOT source, as graphviz
    assert open(gv, encoding="utf-8").read() == g.source


def test_save_refuses_an_unknown_picture_format(tmp_path):
    with pytest.raises(ValueError, match=r"\.svg, \.png or \.pdf"):
        viz._render.write_picture(picture().source, tmp_path / "graph.jpg")


@needs_renderer
def test_view_without_a_viewer_writes_the_file_and_says_where(monkeypatch, capsys):
    monkeypatch.setattr(viz._render.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    path = picture().view()
    try:
        assert path.endswith(".svg") and "<svg" in open(path, encoding="utf-8").read()
        assert f"the picture is at {path}" in capsys.readouterr().out
    finally:
        os.remove(path)


@needs_renderer
def test_view_opens_the_file_with_the_platform_viewer(monkeypatch, tmp_path, capsys):
    seen = tmp_path / "opened.txt"
    fake = tmp_path / "bin" / "xdg-open"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$1" > "{seen}"\n')
    fake.chmod(0o755)
    monkeypatch.setattr(viz._render.sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    path = picture().view(tmp_path / "shown.png")
    for _ in range(200):                                 # the viewer runs on its own
        if seen.exists() and seen.read_text().strip():
            break
        time.sleep(0.05)
    assert seen.read_text().strip() == str(tmp_path / "shown.png") == path
    assert open(path, "rb").read(4) == b"\x89PNG"
    assert capsys.readouterr().out == ""


def test_view_without_a_renderer_writes_the_dot_source_and_says_how_to_install(
        monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(viz._render, "renderer", lambda: None)
    g = picture()
    path = g.view(tmp_path / "graph.svg")
    assert path == str(tmp_path / "graph.gv") and open(path, encoding="utf-8").read() == g.source
    out = capsys.readouterr().out
    assert "pip install graphviz-pure" in out and f"The DOT source is at {path}" in out
