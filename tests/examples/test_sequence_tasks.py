"""The sequence tasks of examples/: the adding problem (LSTM and GRU solve it at T = 50, the
plain RNN stays at the baseline) and the reversal Transformer (>= 99 % exact sequences on
held-out data). The full bars are slow tests; the default run trains briefly."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


adding = _load("adding_problem")
reverse = _load("reverse_transformer")


def test_adding_batch_and_baseline():
    x, y = adding.adding_batch(np.random.default_rng(0), 4000, 20)
    assert x.shape == (20, 4000, 2) and y.shape == (4000, 1)
    assert np.all(x[:, :, 1].sum(0) == 2)                          # two markers each
    assert np.all(x[:10, :, 1].sum(0) == 1)                         # one in each half
    np.testing.assert_allclose(y[:, 0], (x[..., 0] * x[..., 1]).sum(0))
    assert abs(np.mean((y - 1.0) ** 2) - adding.BASELINE) < 0.01   # predicting 1.0


def test_adding_smoke():
    model, losses = adding.train("GRU", T=10, steps=150, hidden=8)
    x, y = adding.held_out(T=10, n=200)                            # short sequences: easy
    assert np.all(np.isfinite(losses)) and adding.mse(model, x, y) < 0.25 * adding.BASELINE


def test_reverse_smoke():
    x, y = reverse.reverse_batch(np.random.default_rng(0), 3)
    np.testing.assert_array_equal(y, x[:, ::-1])
    model, losses = reverse.train(steps=120)
    assert losses[-1] < 0.25 * losses[0]
    assert reverse.exact_accuracy(model, *reverse.held_out(n=300)) > 0.5


@pytest.mark.slow
def test_adding_problem_bar():
    x, y = adding.held_out()
    for kind in ("LSTM", "GRU"):
        model, _ = adding.train(kind)
        assert adding.mse(model, x, y) < adding.THRESHOLD, kind
    model, _ = adding.train("RNN")
    assert adding.mse(model, x, y) > 0.8 * adding.BASELINE          # stays at the baseline


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_reverse_bar(seed):
    model, _ = reverse.train(seed=seed)
    assert reverse.exact_accuracy(model, *reverse.held_out()) >= 0.99
