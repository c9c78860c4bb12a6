"""cumsum, cumprod and diff: values against NumPy (axis None, negative axes, size 0), first
and second derivatives, and cumprod's gradient with one or several zeros in the input."""

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import autograd as ag
from autograd.testing import gradcheck, gradgradcheck, shapes, tensors

SMALL = shapes(min_dims=1, max_dims=3, min_side=0, max_side=4)


def check(fn, npfn, x):
    got = fn(x)
    want = npfn(x.data)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got.data, want, rtol=1e-12, atol=1e-12)
    assert gradcheck(fn, [x])
    assert gradgradcheck(fn, [x], seed=0)
    return True


def _axis(data, x):
    return data.draw(st.sampled_from([None] + list(range(-x.ndim, x.ndim))))


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@given(data=st.data())
def test_cumulative(name, data):
    # products of up to 16 factors: |x| <= 1.5 keeps them where central differences are exact
    x = data.draw(tensors(shape=SMALL, elements=(-1.5, 1.5) if name == "cumprod" else "real"))
    axis = _axis(data, x)
    npfn = getattr(np, name)
    assert check(lambda t: getattr(ag, name)(t, axis=axis), lambda a: npfn(a, axis=axis), x)
    assert check(lambda t: getattr(t, name)(axis), lambda a: npfn(a, axis), x)     # method


def _cumprod_gradient_by_definition(x, w):
    """d Σ_i w_i Π_{j≤i} x_j / d x_k = Σ_{i≥k} w_i Π_{j≤i, j≠k} x_j, by brute force (1-d)."""
    n = len(x)
    return np.array([sum(w[i] * np.prod(np.delete(x[:i + 1], k)) for i in range(k, n))
                     for k in range(n)])


@pytest.mark.parametrize("values", [[2.0, 0.0, 3.0, 4.0], [0.0, 1.5, 0.0, 2.0, -1.0],
                                    [0.0, 0.0, 0.0], [3.0, 2.0, -1.0, 0.0]])
def test_cumprod_gradient_with_zeros(values):
    x = ag.Tensor(values, requires_grad=True)
    w = np.arange(1.0, len(values) + 1)
    (g,) = ag.grad((ag.cumprod(x) * w).sum(), [x])
    np.testing.assert_allclose(g.data, _cumprod_gradient_by_definition(x.data, w), atol=1e-12)
    assert gradcheck(ag.cumprod, [x])
    assert gradgradcheck(ag.cumprod, [x], seed=0)


@given(x=tensors(shape=shapes(min_dims=1, max_dims=2, max_side=6),
                 elements=st.sampled_from([0.0, 0.0, -1.5, 0.5, 2.0])))
def test_cumprod_random_zeros(x):
    axis = -1
    np.testing.assert_array_equal(ag.cumprod(x, axis).data == 0, np.cumprod(x.data, axis) == 0)
    assert gradcheck(lambda t: ag.cumprod(t, axis), [x])
    assert gradgradcheck(lambda t: ag.cumprod(t, axis), [x], seed=0)


def test_cumulative_dtype_and_0d():
    x = ag.Tensor(np.arange(1.0, 5.0), requires_grad=True)
    assert ag.cumsum(x, dtype=np.float32).dtype == np.float32
    assert ag.cumprod(x.astype(np.float32)).dtype == np.float32
    s = ag.Tensor(3.0, requires_grad=True)
    np.testing.assert_array_equal(ag.cumsum(s).data, np.cumsum(s.data))       # shape (1,)
    np.testing.assert_array_equal(ag.cumprod(s).data, np.cumprod(s.data))


@given(data=st.data())
def test_diff(data):
    x = data.draw(tensors(shape=SMALL))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    n = data.draw(st.integers(0, 3))
    assert check(lambda t: ag.diff(t, n, axis), lambda a: np.diff(a, n, axis), x)


@given(data=st.data())
def test_diff_prepend_append(data):
    x = data.draw(tensors(shape=shapes(min_dims=1, max_dims=3, max_side=3)))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    side = list(x.shape)
    side[axis] = 2
    end = data.draw(tensors(shape=tuple(side)))
    assert check(lambda t: ag.diff(t, 1, axis, prepend=0.5, append=end),
                 lambda a: np.diff(a, 1, axis, prepend=0.5, append=end.data), x)
    assert gradcheck(lambda e: ag.diff(x, 2, axis, prepend=e), [end])


def test_errors_name_the_function():
    with pytest.raises(ValueError, match="diff: needs an input with at least one dimension"):
        ag.diff(ag.Tensor(1.0))
    with pytest.raises(ValueError, match="diff: order n must be non-negative"):
        ag.diff(ag.Tensor([1.0, 2.0]), -1)
    with pytest.raises(np.exceptions.AxisError, match="cumsum: axis 2 is out of bounds"):
        ag.cumsum(ag.Tensor([[1.0]]), axis=2)
    with pytest.raises(np.exceptions.AxisError, match="cumprod: axis -3"):
        ag.cumprod(ag.Tensor([[1.0]]), axis=-3)


def test_negative_control_division_formula_fails_at_zeros():
    """The textbook VJP revcumsum(g·y)/x is NaN at a zero: gradcheck must reject it."""
    bad = ag.primitive(lambda x: np.cumprod(x), name="bad_cumprod")
    bad.defvjp(lambda g, out, x: ag.flip(ag.cumsum(ag.flip(g * out))) / x)
    with np.errstate(all="ignore"), pytest.raises(AssertionError, match="gradcheck"):
        gradcheck(bad, [np.array([2.0, 0.0, 3.0])])
