"""`python -m build` makes an sdist and, from it, a wheel; the wheel installs into a fresh virtual
environment and trains a step there, away from the repository."""

import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = sorted(str(p.parent.relative_to(ROOT)) for top in ("autograd", "nn")
                  for p in (ROOT / top).rglob("__init__.py"))

SMOKE = """
import importlib.metadata, pathlib, sys
import autograd as ag, nn
for m in (ag, nn):
    assert pathlib.Path(m.__file__).is_relative_to(sys.prefix), m.__file__
ag.manual_seed(0)
model = nn.Linear(3, 1)
loss = nn.MSELoss()(model(ag.randn(4, 3)), ag.zeros((4, 1)))
loss.backward()
print(importlib.metadata.version("chainrule"), model.weight.grad.shape)
"""


def _run(*args, **kw):
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300,
                          **kw)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    pytest.importorskip("build")
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--outdir", out, ROOT)
    (wheel,), (sdist,) = out.glob("*.whl"), out.glob("*.tar.gz")
    return wheel, sdist


def test_wheel_and_sdist_hold_every_package(dist):
    wheel, sdist = dist
    assert "autograd/ops" in PACKAGES and "nn/layers" in PACKAGES
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    with tarfile.open(sdist) as tar:
        top = sdist.name.removesuffix(".tar.gz")
        in_sdist = {n.removeprefix(top + "/") for n in tar.getnames()}
    for package in PACKAGES:
        assert f"{package}/__init__.py" in in_wheel and f"{package}/__init__.py" in in_sdist
    assert {"pyproject.toml", "README.md"} <= in_sdist
    assert not any(n.startswith(("tests/", "notebooks/", "examples/")) for n in in_wheel)


def _fresh_env(path):
    """A virtual environment without pip, seeing this interpreter's NumPy (linked, not
    installed: no network needed) and nothing else of ours."""
    venv.create(path, with_pip=False)
    python = path / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
                .stdout.strip())
    numpy_dir = Path(np.__file__).parent
    for name in ("numpy", "numpy.libs"):
        if (numpy_dir.parent / name).exists():
            (site / name).symlink_to(numpy_dir.parent / name, target_is_directory=True)
    return python


def test_wheel_installs_and_trains_in_a_fresh_venv(dist, tmp_path):
    if sys.platform == "win32":
        pytest.skip("symlinked NumPy: POSIX only")
    python = _fresh_env(tmp_path / "env")
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
         "--quiet", dist[0])
    work = tmp_path / "elsewhere"
    work.mkdir()
    out = _run(python, "-I", "-c", SMOKE, cwd=work).stdout.split()
    assert out == ["0.1.0", "(1,", "3)"]


def test_smoke_script_fails_without_the_wheel(tmp_path):
    """Negative control: the same script in a fresh venv without chainrule cannot import it."""
    python = _fresh_env(tmp_path / "env")
    proc = subprocess.run([python, "-I", "-c", SMOKE], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode != 0 and "No module named 'autograd'" in proc.stderr
