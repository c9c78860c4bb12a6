"""examples/digits_cnn.py: a quick smoke run in the default suite, and the accuracy bar
(>= 98.5 % on the fixed stratified split) behind the slow marker."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import autograd as ag

pytest.importorskip("sklearn")
threadpoolctl = pytest.importorskip("threadpoolctl")

PATH = Path(__file__).resolve().parents[2] / "examples" / "digits_cnn.py"
spec = importlib.util.spec_from_file_location("digits_cnn", PATH)
digits_cnn = importlib.util.module_from_spec(spec)
spec.loader.exec_module(digits_cnn)


@pytest.fixture(autouse=True)
def one_blas_thread():
    """Small matrices: BLAS threads only fight each other on a shared machine."""
    with threadpoolctl.threadpool_limits(1):
        yield


def test_the_split_is_fixed_and_stratified():
    Xtr, Xte, ytr, yte = digits_cnn.digits_split()
    assert Xtr.shape == (1437, 1, 8, 8) and Xte.shape == (360, 1, 8, 8)
    assert np.bincount(yte).min() >= 35
    again = digits_cnn.digits_split()
    np.testing.assert_array_equal(again[3], yte)


def test_smoke_a_few_epochs_learn():
    ag.set_default_dtype(np.float32)
    Xtr, Xte, ytr, yte = digits_cnn.digits_split()
    ag.manual_seed(0)
    model = digits_cnn.build_cnn()
    hist = digits_cnn.train(model, Xtr[:400], ytr[:400], epochs=3, seed=0)
    assert hist["loss"][-1] < hist["loss"][0]
    acc = np.mean(digits_cnn.predict(model, Xte) == yte)
    assert acc > 0.6, acc                            # chance is 0.1


@pytest.mark.slow
def test_digits_cnn_reaches_98_5_percent():
    acc = digits_cnn.main([])
    assert acc >= 0.985, acc
