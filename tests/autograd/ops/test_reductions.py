"""Reductions, moments, max/min, logsumexp and softmax: forward against NumPy, first and second
derivatives against central differences, over hypothesis-drawn axes and keepdims."""

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import autograd as ag
from autograd.testing import gradcheck, gradgradcheck, shapes, tensors

SMALL = shapes(max_dims=3, max_side=3)


@st.composite
def axes(draw, ndim, allow_none=True):
    """None, one axis (possibly negative) or a tuple of distinct axes of an ndim-d array."""
    options = ["tuple"] + (["none"] if allow_none else []) + (["int"] if ndim else [])
    kind = draw(st.sampled_from(options))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    return tuple(draw(st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim))) \
        if ndim else ()


def check(fn, npfn, x, second=True):
    """Forward against NumPy, gradcheck and (unless second=False) gradgradcheck; True or raise."""
    got = fn(x)
    want = npfn(x.data)
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(got.data, want, rtol=1e-10, atol=1e-12)
    assert gradcheck(fn, [x])
    if second:
        assert gradgradcheck(fn, [x], seed=0)
    return True


REDUCTIONS = [
    ("sum", ag.sum, np.sum, "real"),
    ("mean", ag.mean, np.mean, "real"),
    ("var", ag.var, np.var, "real"),
    ("std", ag.std, np.std, "distinct"),
    ("prod", ag.prod, np.prod, "real"),
    ("max", ag.max, np.max, "distinct"),
    ("min", ag.min, np.min, "distinct"),
    ("logsumexp", ag.logsumexp, None, "real"),
]


def _np_logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True, initial=-np.inf)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        s = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return s if keepdims else np.squeeze(s, axis=axis)


@pytest.mark.parametrize("name,fn,npfn,dom", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@given(data=st.data())
def test_reduction(name, fn, npfn, dom, data):
    x = data.draw(tensors(shape=SMALL, elements=dom))
    axis = data.draw(axes(x.ndim))
    keepdims = data.draw(st.booleans())
    npfn = npfn or _np_logsumexp
    if name == "std" and np.prod([x.shape[a] for a in np.atleast_1d(
            range(x.ndim) if axis is None else axis)], dtype=int) <= 1:
        return                      # std of one element is √0, where √ has no derivative
    assert check(lambda t: fn(t, axis=axis, keepdims=keepdims),
                 lambda a: npfn(a, axis=axis, keepdims=keepdims), x)
    method = getattr(x, name)(axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(method.data, npfn(x.data, axis=axis, keepdims=keepdims), rtol=1e-10,
                               atol=1e-300)     # subnormal products: prod pairs, np.prod runs


@pytest.mark.parametrize("fn,npfn", [(ag.var, np.var), (ag.std, np.std)])
@given(x=tensors(shape=shapes(min_dims=1, max_dims=3, min_side=2, max_side=3),
                 elements="distinct"))
def test_ddof(fn, npfn, x):
    assert check(lambda t: fn(t, axis=0, ddof=1), lambda a: npfn(a, axis=0, ddof=1), x)


@pytest.mark.parametrize("fn,npfn", [(ag.sum, np.sum), (ag.prod, np.prod),
                                     (ag.logsumexp, _np_logsumexp)])
@given(data=st.data())
def test_size_zero_axes(fn, npfn, data):
    x = data.draw(tensors(shape=shapes(min_dims=1, max_dims=3, min_side=0, max_side=2)))
    axis = data.draw(axes(x.ndim))
    got = fn(x, axis=axis)
    np.testing.assert_allclose(got.data, npfn(x.data, axis=axis))
    assert got.shape == np.shape(npfn(x.data, axis=axis))
    if got.size and np.all(np.isfinite(got.data)):     # logsumexp of nothing is -inf
        assert gradcheck(lambda t: fn(t, axis=axis), [x])
        assert gradgradcheck(lambda t: fn(t, axis=axis), [x], seed=0)
    got.sum().backward()
    assert x.grad.shape == x.shape and np.all(np.isfinite(x.grad.data))


@pytest.mark.parametrize("fn", [ag.max, ag.min, ag.argmax, ag.argmin])
def test_max_min_of_nothing_is_an_error_naming_the_op(fn):
    """NumPy has no identity for max over an empty axis; the error names the op and shape."""
    with pytest.raises(ValueError, match=rf"{fn.__name__}.*\(2, 0\)"):
        fn(ag.zeros(2, 0), axis=1)


@pytest.mark.parametrize("fn,npfn", [(ag.softmax, None), (ag.log_softmax, None)])
@given(data=st.data())
def test_softmax_family(fn, npfn, data):
    x = data.draw(tensors(shape=shapes(min_dims=1, max_dims=3, max_side=3)))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    lse = _np_logsumexp(x.data, axis=axis, keepdims=True)
    want = np.exp(x.data - lse) if fn is ag.softmax else x.data - lse
    assert check(lambda t: fn(t, axis=axis), lambda a: want, x)
    if fn is ag.softmax:
        np.testing.assert_allclose(fn(x, axis=axis).data.sum(axis=axis), 1.0, rtol=1e-12)
    np.testing.assert_allclose(getattr(x, fn.__name__)(axis=axis).data, want, rtol=1e-12)


@pytest.mark.parametrize("fn", [ag.softmax, ag.log_softmax, ag.logsumexp])
@given(x=tensors(shape=shapes(max_dims=3, max_side=3), elements=(-50.0, 50.0)))
def test_softmax_family_0d_wide_range_and_float32(fn, x):
    """0-d inputs (axis -1 of a 0-d array, as NumPy allows), logits far apart, and float32."""
    want = {ag.softmax: lambda a: np.exp(a - _np_logsumexp(a, axis=-1, keepdims=True)),
            ag.log_softmax: lambda a: a - _np_logsumexp(a, axis=-1, keepdims=True),
            ag.logsumexp: lambda a: _np_logsumexp(a, axis=-1)}[fn]
    assert check(lambda t: fn(t, axis=-1), want, x, second=x.size <= 9)
    y = fn(x.astype(np.float32), axis=-1)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, want(x.data), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fn", [ag.softmax, ag.log_softmax])
@given(x=tensors(shape=shapes(min_dims=2, max_dims=3, min_side=0, max_side=2)))
def test_softmax_family_size_zero(fn, x):
    """Empty batches give empty results (and gradients) of the same shape."""
    y = fn(x, axis=-1)
    assert y.shape == x.shape
    y.sum().backward()
    assert x.grad.shape == x.shape


def test_max_min_ties_share_gradient_equally():
    x = ag.Tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], requires_grad=True)
    ag.max(x, axis=1).sum().backward()
    np.testing.assert_allclose(x.grad.data, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    y = ag.Tensor([0.0, -1.0, -1.0], requires_grad=True)
    y.min().backward()
    np.testing.assert_allclose(y.grad.data, [0, 0.5, 0.5])


def test_prod_with_zeros_is_exact():
    x = ag.Tensor([2.0, 0.0, 3.0], requires_grad=True)
    x.prod().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 6.0, 0.0])
    y = ag.Tensor([0.0, 4.0, 0.0], requires_grad=True)
    y.prod().backward()
    np.testing.assert_array_equal(y.grad.data, [0.0, 0.0, 0.0])
    assert gradgradcheck(ag.prod, [np.array([2.0, 0.0, 3.0, 0.5])], seed=0)


@pytest.mark.parametrize("fn,npfn", [(ag.argmax, np.argmax), (ag.argmin, np.argmin)])
@given(data=st.data())
def test_argmax_argmin_have_no_gradient(fn, npfn, data):
    x = data.draw(tensors(shape=shapes(min_dims=1, max_dims=3, max_side=3), elements="distinct"))
    axis = data.draw(st.one_of(st.none(), st.integers(-x.ndim, x.ndim - 1)))
    """No gradcheck/gradgradcheck: an index has no derivative (the op records none)."""
    got = fn(x, axis=axis)
    assert not got.requires_grad and got.dtype.kind == "i" and got.op is None
    np.testing.assert_array_equal(got.data, npfn(x.data, axis=axis))
    np.testing.assert_array_equal(getattr(x, fn.__name__)(axis=axis).data, got.data)
    kept = fn(x, axis=axis, keepdims=True)
    np.testing.assert_array_equal(kept.data, npfn(x.data, axis=axis, keepdims=True))
    scalar = fn(x[(0,) * x.ndim])                                # 0-d input
    assert scalar.shape == () and scalar.item() == 0


@given(data=st.data())
def test_broadcast_to_and_sum_to_are_adjoint(data):
    """⟨broadcast_to(x), y⟩ = ⟨x, sum_to(y)⟩ for every x, y."""
    x = data.draw(tensors(shape=SMALL, requires_grad=False))
    extra = data.draw(shapes(max_dims=2, max_side=3))
    target = np.broadcast_shapes(extra + tuple(1 for _ in x.shape), x.shape)
    target = tuple(t if s != 1 else data.draw(st.integers(1, 3)) for t, s in
                   zip(target, (1,) * (len(target) - x.ndim) + x.shape))
    y = data.draw(tensors(shape=target, requires_grad=False))
    lhs = np.sum(ag.broadcast_to(x, target).data * y.data)
    rhs = np.sum(x.data * ag.sum_to(y, x.shape).data)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10, atol=1e-12)
    assert check(lambda t: ag.broadcast_to(t, target), lambda a: np.broadcast_to(a, target),
                 x.detach().requires_grad_())

    def np_sum_to(a):
        a = np.sum(a, axis=tuple(range(len(target) - x.ndim)))
        return np.sum(a, axis=tuple(i for i, n in enumerate(x.shape) if n == 1), keepdims=True)

    assert check(lambda t: ag.sum_to(t, x.shape), np_sum_to, y.detach().requires_grad_())


@given(x=tensors(shape=SMALL, elements="distinct"))
def test_amax_amin_are_max_min(x):
    np.testing.assert_array_equal(ag.amax(x).data, np.amax(x.data))
    np.testing.assert_array_equal(ag.amin(x, axis=None, keepdims=True).data,
                                  np.amin(x.data, keepdims=True))
    assert ag.amax is ag.max and ag.amin is ag.min        # aliases: the checks above cover them


def test_logsumexp_of_nothing_is_minus_infinity():
    """log Σ over an empty axis is log 0 = -inf (as scipy and PyTorch), not an error."""
    got = ag.logsumexp(ag.zeros(2, 0), axis=1)
    np.testing.assert_array_equal(got.data, [-np.inf, -np.inf])


# ---- std where the variance is 0 (issue 9, item 3) --------------------------------------------
@pytest.mark.parametrize("data, axis", [([1., 1., 1.], None), ([[1., 2.]], 0), ([[3.]], 1)])
def test_std_of_a_constant_has_zero_gradients_to_second_order(data, axis):
    x = ag.Tensor(data, requires_grad=True)
    s = ag.std(x, axis=axis).sum()
    assert float(s) == 0.0
    (g,) = ag.grad(s, x, create_graph=True)
    np.testing.assert_array_equal(g.data, np.zeros_like(x.data))
    (h,) = ag.grad(g.sum(), x)
    np.testing.assert_array_equal(h.data, np.zeros_like(x.data))


def test_std_away_from_constant_still_matches_numpy_and_differences():
    x = np.array([[1., 2., 4.], [0., -1., 3.]])
    np.testing.assert_allclose(ag.std(ag.Tensor(x), axis=1).data, np.std(x, axis=1))
    assert gradcheck(lambda t: ag.std(t, axis=1), [x])
    assert gradgradcheck(lambda t: ag.std(t, axis=1), [x])


# ---- reductions on 0-d tensors ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["sum", "max", "min", "logsumexp"])
@pytest.mark.parametrize("axis", [0, -1])
def test_reduction_of_a_0d_tensor_over_axis_0_backpropagates(name, axis):
    # NumPy's sum/max/min accept axis 0 or -1 on a 0-d array; the forward did, the VJP did not
    x = ag.Tensor(2.0, requires_grad=True)
    y = getattr(ag, name)(x, axis=axis)
    assert y.shape == ()
    y.backward()
    assert x.grad.item() == 1.0
