"""examples/export_onnx.py: a model trained here, exported and served by onnxruntime, classifies
two moons as well as it does here, with the same scores."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "export_onnx.py"


def test_trained_model_served_by_onnxruntime(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("export_onnx_example", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    path = tmp_path / "sub" / "moons.onnx"
    scores, ours, y = example.main(str(path))
    assert path.is_file()
    assert np.max(np.abs(scores - ours)) <= 1e-5
    assert np.mean(scores.argmax(axis=1) == y) >= 0.95
    assert "onnxruntime" in capsys.readouterr().out
