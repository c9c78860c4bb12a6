"""ptp, average, quantile, percentile, median, nansum, nanmean, cov, corrcoef: values against
NumPy (axis None, negative axes, keepdims, array q), first and second derivatives on inputs
without ties."""

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import autograd as ag
from autograd.testing import gradcheck, gradgradcheck, shapes, tensors

ND = shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


def check(fn, npfn, *xs, second=True):
    np.testing.assert_allclose(fn(*xs).data, npfn(*[x.data for x in xs]), rtol=1e-10,
                               atol=1e-12)
    assert gradcheck(fn, list(xs))
    if second:
        assert gradgradcheck(fn, list(xs), seed=0)
    return True


def _axis(data, ndim):
    return data.draw(st.sampled_from([None] + list(range(-ndim, ndim))))


@given(data=st.data())
def test_order_statistics(data):
    x = data.draw(tensors(shape=ND, elements="distinct"))
    axis, keepdims = _axis(data, x.ndim), data.draw(st.booleans())
    q = data.draw(st.sampled_from([0.0, 0.3, 1.0, [0.25, 0.5, 0.9]]))
    assert check(lambda t: ag.ptp(t, axis, keepdims=keepdims),
                 lambda a: np.ptp(a, axis, keepdims=keepdims), x)
    assert check(lambda t: ag.median(t, axis, keepdims=keepdims),
                 lambda a: np.median(a, axis, keepdims=keepdims), x)
    assert check(lambda t: ag.quantile(t, q, axis, keepdims=keepdims),
                 lambda a: np.quantile(a, q, axis, keepdims=keepdims), x)
    assert check(lambda t: ag.percentile(t, np.multiply(q, 100), axis),
                 lambda a: np.percentile(a, np.multiply(q, 100), axis), x, second=False)


@given(data=st.data())
def test_average(data):
    x = data.draw(tensors(shape=ND))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    w = data.draw(tensors(shape=(x.shape[axis],), elements="positive"))
    assert check(lambda t, u: ag.average(t, axis, weights=u), lambda a, b: np.average(a, axis, b),
                 x, w)
    wfull = data.draw(tensors(shape=x.shape, elements="positive"))
    assert check(lambda t, u: ag.average(t, None, u), lambda a, b: np.average(a, None, b), x, wfull)
    avg, scale = ag.average(x, axis, returned=True)
    want_avg, want_scale = np.average(x.data, axis, returned=True)
    np.testing.assert_allclose(avg.data, want_avg)
    np.testing.assert_array_equal(scale.data, want_scale)


@given(data=st.data())
def test_nan_reductions(data):
    x = data.draw(tensors(shape=ND))
    mask = data.draw(tensors(shape=x.shape, elements=st.sampled_from([0.0, 1.0]),
                             requires_grad=False)).data > 0
    mask.flat[0] = False                                 # one number at least
    xn = ag.Tensor(np.where(mask, np.nan, x.data), requires_grad=True)
    axis = None
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(ag.nansum(xn, axis).data, np.nansum(xn.data, axis))
        np.testing.assert_allclose(ag.nanmean(xn, axis).data, np.nanmean(xn.data, axis))
    (g,) = ag.grad(ag.nansum(xn), [xn])
    np.testing.assert_array_equal(g.data, np.where(mask, 0.0, 1.0))
    assert check(lambda t: ag.nanmean(t, -1), lambda a: np.nanmean(a, -1), x)


@given(data=st.data())
def test_cov_corrcoef(data):
    n_vars, n_obs = data.draw(st.integers(1, 3)), data.draw(st.integers(3, 4))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1)))
    x = ag.Tensor(rng.standard_normal((n_vars, n_obs)), requires_grad=True)   # spread out
    y = ag.Tensor(rng.standard_normal(n_obs), requires_grad=True)
    bias = data.draw(st.booleans())
    assert check(lambda t: ag.cov(t, bias=bias), lambda a: np.cov(a, bias=bias), x)
    xt = ag.Tensor(x.data.T, requires_grad=True)
    assert check(lambda t: ag.cov(t, rowvar=False), lambda a: np.cov(a, rowvar=False), xt,
                 second=False)
    assert check(ag.cov, np.cov, x, y, second=False)
    corr = np.corrcoef(x.data, y.data)
    if np.all(np.abs(corr - np.eye(len(corr))) < 0.99):     # off ±1, where clip bends
        assert check(lambda t: ag.corrcoef(t, y), lambda a: np.corrcoef(a, y.data), x,
                     second=False)


def test_errors_name_the_function():
    x = ag.Tensor(np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match=r"quantile: q must be in \[0, 1\]"):
        ag.quantile(x, 1.5)
    with pytest.raises(NotImplementedError, match="quantile: method 'nearest'"):
        ag.quantile(x, 0.5, method="nearest")
    with pytest.raises(ValueError, match="average: weights of length 2 do not match axis 1"):
        ag.average(x, 1, weights=np.ones(2))
    with pytest.raises(ValueError, match="cov: m has more than 2 dimensions"):
        ag.cov(np.ones((2, 2, 2)))
    with pytest.raises(TypeError, match="median|quantile: out= is not supported"):
        ag.median(x, out=np.zeros(()))
    with pytest.raises(np.exceptions.AxisError, match="median|quantile|sort"):
        ag.median(x, axis=3)
