"""The README's demo command: examples/demo.py, run in a fresh directory as a user would, trains
two moons to a good accuracy and writes valid SVG, PDF and PNG files into ./out, nowhere else."""

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")
viz = pytest.importorskip("autograd.viz")

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.py"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    if viz.renderer() is None:
        pytest.skip("no dot / graphviz-pure to render with")
    cwd = tmp_path_factory.mktemp("demo")
    proc = subprocess.run([sys.executable, str(DEMO)], cwd=cwd, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return cwd, proc


def assert_svg(path):
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg"), f"{path.name}: root element is {root.tag}"
    assert len(list(root.iter())) > 10, f"{path.name}: an SVG with almost nothing in it"


def assert_png(path, min_side=100):
    import matplotlib.image as mpimg
    assert path.read_bytes()[:8] == PNG_MAGIC, f"{path.name} is not a PNG"
    img = mpimg.imread(path)
    assert min(img.shape[:2]) >= min_side
    assert img[..., :3].std() > 0.05, f"{path.name} is (nearly) one flat colour"


def test_prints_a_high_test_accuracy(demo_run):
    _, proc = demo_run
    m = re.search(r"test accuracy on two moons: ([\d.]+)%", proc.stdout)
    assert m, proc.stdout
    assert float(m.group(1)) >= 95.0


def test_shows_a_progress_bar(demo_run):
    _, proc = demo_run
    assert "epoch" in proc.stderr and "100%" in proc.stderr


def test_chain_rule_graph_is_svg_with_the_values(demo_run):
    cwd, _ = demo_run
    path = cwd / "out" / "chain_rule.svg"
    assert_svg(path)
    # the words drawn (graphviz writes '-' as '&#45;'; raw text matched '-12' in coordinates)
    words = [t.text for t in ET.parse(path).getroot().iter() if t.tag.endswith("text")]
    for label in ("data -12", "grad -4", "grad 3"):   # f, dx = dy = z, dz = q
        assert label in words, (label, words)


def test_backprop_frames_one_per_step(demo_run):
    cwd, _ = demo_run
    frames = sorted((cwd / "out" / "backprop").glob("step_*.svg"))
    assert [p.name for p in frames] == [f"step_{k:03d}.svg" for k in range(1, 6)]
    for p in frames:
        assert_svg(p)
        assert "backprop step" in p.read_text()
    pdf = (cwd / "out" / "backprop.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == len(frames)


def test_loss_curve_and_decision_boundary_are_png(demo_run):
    cwd, _ = demo_run
    assert_png(cwd / "out" / "loss.png")
    assert_png(cwd / "out" / "decision_boundary.png")


def test_writes_nothing_outside_out(demo_run):
    cwd, _ = demo_run
    assert sorted(p.name for p in cwd.iterdir()) == ["out"]


# ---- the README's code blocks run as written --------------------------------------------

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks(text):
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    """Every ```python block, in order, in one namespace (the picture block uses the chain-rule
    block's f); then the test functions the CI block defines are called, as pytest would."""
    pytest.importorskip("hypothesis")
    if viz.renderer() is None:
        pytest.skip("no dot / graphviz-pure to render with")
    monkeypatch.chdir(tmp_path)
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 4, "README lost its code examples"
    ns = {"__name__": "readme"}
    for block in blocks:
        exec(compile(block, str(README), "exec"), ns)
    assert ns["x"].grad.item() == -4.0 and ns["z"].grad.item() == 3.0
    assert len(list((tmp_path / "out" / "steps").glob("step_*.svg"))) == 5
    assert ns["history"]["accuracy"][-1] >= 0.95
    tests = [v for k, v in ns.items() if k.startswith("test_") and callable(v)]
    assert len(tests) >= 2
    for t in tests:
        t()


def test_notebooks_load_matplotlib_only_when_they_plot():
    """`%matplotlib inline` fails without matplotlib; a notebook that draws only graphs must run
    with chainrule's [viz] extra alone."""
    import json
    for path in sorted((DEMO.parents[2] / "notebooks").glob("*.ipynb")):
        code = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                         if c["cell_type"] == "code")
        plots = re.search(r"^\s*(import matplotlib|from matplotlib)", code, re.M)
        assert "%matplotlib" not in code or plots, f"{path.name}: %matplotlib but no plot"


def test_readme_install_commands_can_work():
    """chainrule is not on PyPI: every pip command naming it installs from a clone (-e .) or a
    git URL; Quick start keeps its two set-up commands; the HIPS clash and its fix are told."""
    text = README.read_text(encoding="utf-8")
    commands = re.findall(r"pip install[^`\n]*", text)
    assert commands
    for command in commands:
        assert re.search(r'-e "?\.|@ git\+', command), f"cannot work: {command!r}"
    quick = text[text.index("## Quick start"):text.index("\n## ", text.index("## Quick start") + 5)]
    bash = re.findall(r"```bash\n(.*?)```", quick, flags=re.S)
    assert [b.count("\n") for b in bash] == [1, 1] and "demo.py" in bash[0] and "pytest" in bash[1]
    for words in ("HIPS", "pip uninstall autograd", "cannot import name 'Tensor'"):
        assert words in quick
