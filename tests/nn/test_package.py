"""`import nn` when another package named `autograd` (the HIPS one) shadows chainrule's."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _import_nn(tmp_path, fake_autograd):
    """Run `import nn` in a fresh interpreter, with a fake autograd first on the path."""
    path = [str(ROOT)]
    if fake_autograd is not None:
        (tmp_path / "autograd").mkdir()
        (tmp_path / "autograd" / "__init__.py").write_text(fake_autograd)
        path.insert(0, str(tmp_path))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path))
    return subprocess.run([sys.executable, "-c", "import nn; print(nn.Linear)"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)


def test_import_nn_explains_a_shadowing_autograd(tmp_path):
    hips = "from numpy import ndarray\ndef grad(fun, argnum=0):\n    return fun\n"
    run = _import_nn(tmp_path, hips)
    assert run.returncode != 0
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: import nn: the module 'autograd' that Python found (")
    assert str(tmp_path / "autograd" / "__init__.py") in last
    for words in ("HIPS package 'autograd'", "own virtual environment", "pip uninstall autograd"):
        assert words in last


def test_import_nn_with_chainrules_autograd_works(tmp_path):          # negative control
    run = _import_nn(tmp_path, None)
    assert run.returncode == 0, run.stderr
    assert "Linear" in run.stdout
