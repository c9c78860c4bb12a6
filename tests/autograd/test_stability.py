"""Stable formulations: logsumexp, softmax, log_softmax, sigmoid, log_sigmoid and softplus give
finite values and gradients, without any warning, at |x| = 1e4 (float64 and float32)."""

import warnings

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

RTOL = {np.float64: 1e-9, np.float32: 2e-3}      # float32 spacing at 1e4 is about 1e-3
BIG = [[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [1e4, 1e4, 1e4 - 1.0]]


def run(fn, data, dtype):
    """fn(x) and d sum(fn(x)·w)/dx for a fixed weighting w, erroring on any warning."""
    x = Tensor(data, dtype=dtype, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = fn(x)
        w = np.arange(1.0, 1.0 + y.size).reshape(y.shape)
        (y * w.astype(dtype)).sum().backward()
    assert np.all(np.isfinite(y.data)) and np.all(np.isfinite(x.grad.data))
    assert y.dtype == dtype and x.grad.dtype == dtype
    return y.data, x.grad.data


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_logsumexp(dtype):
    y, g = run(lambda x: ag.logsumexp(x, axis=1), BIG, dtype)
    np.testing.assert_allclose(y, [1e4, -1e4 + np.log(3), 1e4 + np.log(2 + np.exp(-1))],
                               rtol=1e-6)
    np.testing.assert_allclose(g.sum(axis=1), [1, 2, 3], rtol=RTOL[dtype])  # softmax sums to 1


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fn", [ag.softmax, ag.log_softmax])
def test_softmax_family(fn, dtype):
    y, g = run(lambda x: fn(x, axis=-1), BIG, dtype)
    p = np.exp(y) if fn is ag.log_softmax else y
    np.testing.assert_allclose(p[0], [1, 0, 0], atol=1e-6)
    np.testing.assert_allclose(p[1], [1 / 3] * 3, rtol=RTOL[dtype])
    np.testing.assert_allclose(p.sum(axis=-1), 1, rtol=RTOL[dtype])
    if fn is ag.log_softmax:
        np.testing.assert_allclose(y[0], [0, -1e4, -2e4], rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_family(dtype):
    x = [1e4, -1e4, 0.0, 30.0, -30.0]
    s, gs = run(ag.sigmoid, x, dtype)
    np.testing.assert_allclose(s, [1, 0, 0.5, 1, 0], atol=1e-6)
    np.testing.assert_allclose(gs[:3], [0, 0, 0.25 * 3], atol=1e-6)
    ls, gls = run(ag.log_sigmoid, x, dtype)
    np.testing.assert_allclose(ls, [0, -1e4, -np.log(2), 0, -30], atol=1e-5)
    np.testing.assert_allclose(gls, [0, 2, 0.5 * 3, 0, 5], atol=1e-5)   # d/dx = σ(-x)·w
    sp, gsp = run(ag.softplus, x, dtype)
    np.testing.assert_allclose(sp, [1e4, 0, np.log(2), 30, 0], atol=1e-5)
    np.testing.assert_allclose(gsp, [1, 0, 0.5 * 3, 4, 0], atol=1e-5)


def test_second_derivatives_stay_finite():
    x = Tensor([1e4, -1e4, 0.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fn in (ag.sigmoid, ag.log_sigmoid, ag.softplus, lambda t: ag.softmax(t, axis=0),
                   lambda t: ag.logsumexp(t, axis=0)):
            (g,) = ag.grad(fn(x).sum(), x, create_graph=True)
            (gg,) = ag.grad(g.sum(), x)
            assert np.all(np.isfinite(g.data)) and np.all(np.isfinite(gg.data))


def test_logsumexp_with_minus_infinity_entries():
    """Masked logits (-inf) get zero probability; an all -inf row gives -inf, not NaN."""
    x = Tensor([[0.0, -np.inf], [-np.inf, -np.inf]], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = ag.logsumexp(x, axis=1)
    np.testing.assert_array_equal(y.data, [0.0, -np.inf])
    y[0].backward()
    np.testing.assert_array_equal(x.grad.data, [[1.0, 0.0], [0.0, 0.0]])
