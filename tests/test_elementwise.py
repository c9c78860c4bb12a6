"""Elementwise primitives and composites: forward against NumPy, first and second derivatives
against central differences, on hypothesis-drawn shapes (0-d, size-1 axes, broadcasting)."""

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import autograd as ag
from autograd.testing import broadcastable_shapes, gradcheck, gradgradcheck, shapes, tensors

SMALL = shapes(max_dims=3, min_side=0, max_side=3)          # size-0 axes included


def check(fn, npfn, *xs, second=True):
    """fn on Tensors matches npfn on arrays; gradients (and second derivatives) are right."""
    got = fn(*xs)
    want = npfn(*[x.data for x in xs])
    assert got.shape == np.shape(want)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got.data, want, rtol=1e-12, atol=1e-12)
    assert gradcheck(fn, xs)
    if second:
        assert gradgradcheck(fn, xs, seed=0)


def _np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


UNARY = [
    ("exp", ag.exp, np.exp, "real"),
    ("log", ag.log, np.log, "positive"),
    ("log1p", ag.log1p, np.log1p, "unit"),
    ("expm1", ag.expm1, np.expm1, "real"),
    ("sqrt", ag.sqrt, np.sqrt, "positive"),
    ("sin", ag.sin, np.sin, "real"),
    ("cos", ag.cos, np.cos, "real"),
    ("tanh", ag.tanh, np.tanh, "real"),
    ("sigmoid", ag.sigmoid, _np_sigmoid, "real"),
    ("softplus", ag.softplus, lambda x: np.logaddexp(0, x), "real"),
    ("log_sigmoid", ag.log_sigmoid, lambda x: -np.logaddexp(0, -x), "real"),
    ("relu", ag.relu, lambda x: np.maximum(x, 0), "away_from_zero"),
    ("abs", ag.abs, np.abs, "away_from_zero"),
    ("sign", ag.sign, np.sign, "away_from_zero"),
    ("negative", ag.negative, np.negative, "real"),
    ("square", ag.square, np.square, "real"),
    ("pow_int", lambda x: x ** 3, lambda x: x ** 3, "real"),
    ("pow_half", lambda x: x ** 0.5, np.sqrt, "positive"),
    ("pow_neg", lambda x: x ** -1.5, lambda x: x ** -1.5, "positive"),
    ("rpow", lambda x: 2.0 ** x, lambda x: 2.0 ** x, "real"),
    ("rsub", lambda x: 1.5 - x, lambda x: 1.5 - x, "real"),
    ("rdiv", lambda x: 1.5 / x, lambda x: 1.5 / x, "away_from_zero"),
]


@pytest.mark.parametrize("name,fn,npfn,dom", UNARY, ids=[u[0] for u in UNARY])
@given(data=st.data())
def test_unary(name, fn, npfn, dom, data):
    x = data.draw(tensors(shape=SMALL, elements=dom))
    check(fn, npfn, x)


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs",
                                  "sin", "clip", "square", "softplus", "pow"])
def test_method_matches_function(name):
    x = ag.Tensor([[0.3, 1.2], [2.0, 0.7]])
    fn = getattr(ag, name)
    extra = {"clip": (0.5, 1.5), "pow": (2.0,)}.get(name, ())
    np.testing.assert_array_equal(getattr(x, name)(*extra).data, fn(x, *extra).data)


BINARY = [
    ("add", lambda x, y: x + y, np.add, "real"),
    ("subtract", lambda x, y: x - y, np.subtract, "real"),
    ("multiply", lambda x, y: x * y, np.multiply, "real"),
    ("divide", lambda x, y: x / y, np.divide, "away_from_zero"),
    ("power", lambda x, y: x ** y, np.power, "real"),
    ("subtract_fn", ag.subtract, np.subtract, "real"),
    ("pow_fn", ag.pow, np.power, "real"),
]


@pytest.mark.parametrize("name,fn,npfn,ydom", BINARY, ids=[b[0] for b in BINARY])
@given(data=st.data())
def test_binary_broadcasting(name, fn, npfn, ydom, data):
    sx, sy = data.draw(broadcastable_shapes(2, max_dims=3, min_side=0, max_side=3))
    xdom = "positive" if name.startswith("pow") else "real"
    x = data.draw(tensors(shape=sx, elements=xdom))
    y = data.draw(tensors(shape=sy, elements=ydom))
    check(fn, npfn, x, y)


def _separated(data, sx, sy):
    """x on the grid k/2, y on k/2 + 1/4: never equal, so maximum/minimum have no kink."""
    half = st.integers(-6, 6).map(lambda k: k / 2)
    x = data.draw(tensors(shape=sx, elements=half))
    y = data.draw(tensors(shape=sy, elements=half.map(lambda v: v + 0.25)))
    return x, y


@pytest.mark.parametrize("fn,npfn", [(ag.maximum, np.maximum), (ag.minimum, np.minimum)])
@given(data=st.data())
def test_maximum_minimum(fn, npfn, data):
    sx, sy = data.draw(broadcastable_shapes(2, max_dims=3, max_side=3))
    x, y = _separated(data, sx, sy)
    check(fn, npfn, x, y)
    check(fn, npfn, y, x)


@pytest.mark.parametrize("fn", [ag.maximum, ag.minimum])
def test_maximum_minimum_ties_share_gradient(fn):
    x = ag.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = ag.Tensor([1.0, 0.0, 5.0], requires_grad=True)
    fn(x, y).sum().backward()
    assert x.grad.data[0] == 0.5 and y.grad.data[0] == 0.5
    np.testing.assert_array_equal(x.grad.data + y.grad.data, [1.0, 1.0, 1.0])


@given(data=st.data())
def test_where(data):
    sc, sx, sy = data.draw(broadcastable_shapes(3, max_dims=3, max_side=3))
    cond = data.draw(tensors(shape=sc, elements=st.booleans().map(float), requires_grad=False))
    c = cond.data > 0.5
    x = data.draw(tensors(shape=sx))
    y = data.draw(tensors(shape=sy))
    check(lambda x, y: ag.where(c, x, y), lambda x, y: np.where(c, x, y), x, y)


@given(data=st.data())
def test_clip(data):
    away = st.floats(-3, 3).filter(lambda v: abs(abs(v) - 1.05) > 1e-2)
    x = data.draw(tensors(shape=SMALL, elements=away))
    check(lambda x: ag.clip(x, -1.05, 1.05), lambda x: np.clip(x, -1.05, 1.05), x)
    check(lambda x: x.clip(a_min=-1.05), lambda x: np.clip(x, -1.05, None), x)
    check(lambda x: x.clip(a_max=1.05), lambda x: np.clip(x, None, 1.05), x)


def test_clip_gradient_is_one_inside_and_on_the_bounds():
    x = ag.Tensor([-2.0, -1.0, 0.0, 1.0, 2.0], requires_grad=True)
    ag.clip(x, -1.0, 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 1, 1, 1, 0])


@given(data=st.data())
def test_tensor_exponent(data):
    sx, sp = data.draw(broadcastable_shapes(2, max_dims=2, max_side=3))
    x = data.draw(tensors(shape=sx, elements="positive"))
    p = data.draw(tensors(shape=sp, elements="real"))
    check(ag.power, np.power, x, p)


def test_power_gradient_at_zero_base():
    """d/dp 0**p = 0 (not NaN) for p > 0; d/dx x**2 at 0 is 0."""
    x = ag.Tensor([0.0, 2.0], requires_grad=True)
    p = ag.Tensor([2.0, 2.0], requires_grad=True)
    (x ** p).sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 4.0])
    np.testing.assert_allclose(p.grad.data, [0.0, 4.0 * np.log(2.0)])


@pytest.mark.parametrize("npfn,name", [(np.equal, "__eq__"), (np.not_equal, "__ne__"),
                                       (np.less, "__lt__"), (np.less_equal, "__le__"),
                                       (np.greater, "__gt__"), (np.greater_equal, "__ge__")])
@given(data=st.data())
def test_comparisons_are_boolean_without_gradient(npfn, name, data):
    sx, sy = data.draw(broadcastable_shapes(2, max_dims=3, max_side=3))
    grid = st.integers(-2, 2).map(float)       # small grid: ties happen
    x = data.draw(tensors(shape=sx, elements=grid))
    y = data.draw(tensors(shape=sy, elements=grid))
    got = getattr(x, name)(y)
    assert got.dtype == np.bool_ and not got.requires_grad
    np.testing.assert_array_equal(got.data, npfn(x.data, y.data))
    np.testing.assert_array_equal(getattr(x, name)(1.0).data, npfn(x.data, 1.0))


def test_sign_and_relu_have_zero_gradient_where_flat():
    x = ag.Tensor([-2.0, 0.5, 3.0], requires_grad=True)
    (ag.sign(x) * 5 + ag.relu(x)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 1.0])


@given(x=tensors(shape=SMALL, dtype=np.float32, elements="real"))
def test_astype_roundtrip_gradient(x):
    y = x.astype(np.float64)
    assert y.dtype == np.float64
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, 2 * x.data, rtol=1e-6)
    x64 = x.detach().astype(np.float64).requires_grad_()
    (x64.astype(np.float32) * 3).sum().backward()
    assert x64.grad.dtype == np.float64
    np.testing.assert_array_equal(x64.grad.data, np.full(x.shape, 3.0))


def test_astype_to_int_is_a_constant():
    x = ag.Tensor([1.7, -2.2], requires_grad=True)
    y = x.astype(np.int64)
    assert y.dtype == np.int64 and not y.requires_grad
    np.testing.assert_array_equal(y.data, [1, -2])
