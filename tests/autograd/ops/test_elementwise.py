"""Elementwise primitives and composites: forward against NumPy, first and second derivatives
against central differences, on hypothesis-drawn shapes (0-d, size-1 axes, broadcasting)."""

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import autograd as ag
from autograd.testing import broadcastable_shapes, gradcheck, gradgradcheck, shapes, tensors

SMALL = shapes(max_dims=3, min_side=0, max_side=3)          # size-0 axes included


def check(fn, npfn, *xs, second=True, atol=1e-12):
    """fn on Tensors matches npfn on arrays; gradients (and second derivatives) are right.
    Returns True (or raises), so that tests read `assert check(...)`."""
    got = fn(*xs)
    want = npfn(*[x.data for x in xs])
    assert got.shape == np.shape(want)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got.data, want, rtol=1e-12, atol=atol)
    assert gradcheck(fn, xs)
    if second:
        assert gradgradcheck(fn, xs, seed=0)
    return True


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
    ("neg_op", lambda x: -x, np.negative, "real"),
    ("pos_op", lambda x: +x, np.positive, "real"),
    ("abs_builtin", lambda x: abs(x), np.abs, "away_from_zero"),
    ("absolute", ag.absolute, np.abs, "away_from_zero"),
    ("square", ag.square, np.square, "real"),
    ("pow_int", lambda x: x ** 3, lambda x: x ** 3, "real"),
    ("pow_half", lambda x: x ** 0.5, np.sqrt, "positive"),
    ("pow_neg", lambda x: x ** -1.5, lambda x: x ** -1.5, "positive"),
    ("rpow", lambda x: 2.0 ** x, lambda x: 2.0 ** x, "real"),
    ("rsub", lambda x: 1.5 - x, lambda x: 1.5 - x, "real"),
    ("radd", lambda x: 1.5 + x, lambda x: 1.5 + x, "real"),
    ("rmul", lambda x: 1.5 * x, lambda x: 1.5 * x, "real"),
    ("sub_scalar", lambda x: x - 1.5, lambda x: x - 1.5, "real"),
    ("div_scalar", lambda x: x / 1.5, lambda x: x / 1.5, "real"),
    ("pow_zero", lambda x: x ** 0, lambda x: x ** 0, "real"),
    ("rdiv", lambda x: 1.5 / x, lambda x: 1.5 / x, "away_from_zero"),
]


@pytest.mark.parametrize("name,fn,npfn,dom", UNARY, ids=[u[0] for u in UNARY])
@given(data=st.data())
def test_unary(name, fn, npfn, dom, data):
    x = data.draw(tensors(shape=SMALL, elements=dom))
    assert check(fn, npfn, x)


@pytest.mark.parametrize("name,fn,npfn,dom", UNARY, ids=[u[0] for u in UNARY])
@given(data=st.data())
def test_unary_float32_stays_float32(name, fn, npfn, dom, data):
    """float32 in, float32 out and float32 gradient, close to the float64 result."""
    x = data.draw(tensors(shape=SMALL, elements=dom, dtype=np.float32))
    y = fn(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, npfn(x.data.astype(np.float64)), rtol=2e-6, atol=1e-6)
    if y.requires_grad:             # x ** 0 is a constant
        y.sum().backward()
        assert x.grad.dtype == np.float32 and x.grad.shape == x.shape


def _np_erf(x):
    """erf by its Maclaurin series 2/√π Σ (-1)ⁿ x²ⁿ⁺¹ / (n!(2n+1)), within 1e-13 on [-3, 3]:
    a reference independent of math.erf, which the op itself uses."""
    term = np.array(x, dtype=np.float64)
    total = term.copy()
    for n in range(1, 90):
        term = term * (-x * x) / n
        total = total + term / (2 * n + 1)
    return 2 / np.sqrt(np.pi) * total


@given(x=tensors(shape=SMALL, elements="real"))
def test_erf(x):
    assert check(ag.erf, _np_erf, x, atol=1e-12)
    assert check(ag.Tensor.erf, _np_erf, x, second=False)


METHODS = [("exp", (), np.exp), ("log", (), np.log), ("log1p", (), np.log1p),
           ("expm1", (), np.expm1), ("sqrt", (), np.sqrt), ("sin", (), np.sin),
           ("cos", (), np.cos), ("tanh", (), np.tanh), ("sigmoid", (), _np_sigmoid),
           ("softplus", (), lambda x: np.logaddexp(0, x)),
           ("log_sigmoid", (), lambda x: -np.logaddexp(0, -x)),
           ("relu", (), lambda x: np.maximum(x, 0)), ("sign", (), np.sign), ("abs", (), np.abs),
           ("square", (), np.square), ("pow", (2.0,), np.square),
           ("maximum", (1.0,), lambda x: np.maximum(x, 1.0)),
           ("minimum", (1.0,), lambda x: np.minimum(x, 1.0)),
           ("clip", (0.5, 1.5), lambda x: np.clip(x, 0.5, 1.5))]


@pytest.mark.parametrize("name,extra,npfn", METHODS, ids=[m[0] for m in METHODS])
def test_method_matches_numpy(name, extra, npfn):
    """Each op is also a Tensor method with the same meaning (checked against NumPy, not
    against the function the method is bound to)."""
    x = ag.Tensor([[0.3, 1.2], [2.0, 0.7]], requires_grad=True)
    y = getattr(x, name)(*extra)
    np.testing.assert_allclose(y.data, npfn(x.data), rtol=1e-12)
    assert y.op is not None and y.requires_grad


BINARY = [
    ("add", lambda x, y: x + y, np.add, "real"),
    ("subtract", lambda x, y: x - y, np.subtract, "real"),
    ("multiply", lambda x, y: x * y, np.multiply, "real"),
    ("divide", lambda x, y: x / y, np.divide, "away_from_zero"),
    ("power", lambda x, y: x ** y, np.power, "real"),
    ("subtract_fn", ag.subtract, np.subtract, "real"),
    ("pow_fn", ag.pow, np.power, "real"),
    ("add_fn", ag.add, np.add, "real"),
    ("multiply_fn", ag.multiply, np.multiply, "real"),
    ("divide_fn", ag.divide, np.divide, "away_from_zero"),
    ("power_fn", ag.power, np.power, "real"),
]


@pytest.mark.parametrize("name,fn,npfn,ydom", BINARY, ids=[b[0] for b in BINARY])
@given(data=st.data())
def test_binary_broadcasting(name, fn, npfn, ydom, data):
    sx, sy = data.draw(broadcastable_shapes(2, max_dims=3, min_side=0, max_side=3))
    xdom = "positive" if name.startswith("pow") else "real"
    x = data.draw(tensors(shape=sx, elements=xdom))
    y = data.draw(tensors(shape=sy, elements=ydom))
    assert check(fn, npfn, x, y)


def _separated(data, sx, sy):
    """x on the grid k/2, y on k/2 + 1/4: never equal, so maximum/minimum have no kink."""
    half = st.integers(-6, 6).map(lambda k: k / 2)
    x = data.draw(tensors(shape=sx, elements=half))
    y = data.draw(tensors(shape=sy, elements=half.map(lambda v: v + 0.25)))
    return x, y


@pytest.mark.parametrize("fn,npfn", [(ag.maximum, np.maximum), (ag.minimum, np.minimum)])
@given(data=st.data())
def test_maximum_minimum(fn, npfn, data):
    sx, sy = data.draw(broadcastable_shapes(2, max_dims=3, min_side=0, max_side=3))
    x, y = _separated(data, sx, sy)
    assert check(fn, npfn, x, y)
    assert check(fn, npfn, y, x)
    assert check(lambda t: fn(t, 0.1), lambda a: npfn(a, 0.1), x)     # a number on one side


@pytest.mark.parametrize("fn", [ag.maximum, ag.minimum])
def test_maximum_minimum_ties_share_gradient(fn):
    x = ag.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = ag.Tensor([1.0, 0.0, 5.0], requires_grad=True)
    fn(x, y).sum().backward()
    assert x.grad.data[0] == 0.5 and y.grad.data[0] == 0.5
    np.testing.assert_array_equal(x.grad.data + y.grad.data, [1.0, 1.0, 1.0])


@given(data=st.data())
def test_where(data):
    sc, sx, sy = data.draw(broadcastable_shapes(3, max_dims=3, min_side=0, max_side=3))
    cond = data.draw(tensors(shape=sc, elements=st.booleans().map(float), requires_grad=False))
    c = cond.data > 0.5
    x = data.draw(tensors(shape=sx))
    y = data.draw(tensors(shape=sy))
    assert check(lambda x, y: ag.where(c, x, y), lambda x, y: np.where(c, x, y), x, y)
    tc = ag.Tensor(c, dtype=bool)                              # a boolean Tensor as condition
    assert check(lambda x, y: ag.where(tc, x, y), lambda x, y: np.where(c, x, y), x, y)
    z = data.draw(tensors(shape=sx, elements="away_from_zero"))   # where jumps at 0
    assert check(lambda z: ag.where(z > 0, z, 0.5), lambda z: np.where(z > 0, z, 0.5), z)


@given(data=st.data())
def test_clip(data):
    away = st.floats(-3, 3).filter(lambda v: abs(abs(v) - 1.05) > 1e-2)
    x = data.draw(tensors(shape=SMALL, elements=away))
    assert check(lambda x: ag.clip(x, -1.05, 1.05), lambda x: np.clip(x, -1.05, 1.05), x)
    assert check(lambda x: x.clip(a_min=-1.05), lambda x: np.clip(x, -1.05, None), x)
    assert check(lambda x: x.clip(a_max=1.05), lambda x: np.clip(x, None, 1.05), x)


def test_clip_gradient_is_one_inside_and_on_the_bounds():
    x = ag.Tensor([-2.0, -1.0, 0.0, 1.0, 2.0], requires_grad=True)
    ag.clip(x, -1.0, 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 1, 1, 1, 0])


@given(data=st.data())
def test_tensor_exponent(data):
    sx, sp = data.draw(broadcastable_shapes(2, max_dims=2, max_side=3))
    x = data.draw(tensors(shape=sx, elements="positive"))
    p = data.draw(tensors(shape=sp, elements="real"))
    assert check(ag.power, np.power, x, p)
    assert check(lambda p: 2.0 ** p, lambda p: 2.0 ** p, p)            # __rpow__ with a number


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
    """No gradcheck/gradgradcheck: a boolean output has no derivative (the op records none)."""
    sx, sy = data.draw(broadcastable_shapes(2, max_dims=3, min_side=0, max_side=3))
    grid = st.integers(-2, 2).map(float)       # small grid: ties happen
    x = data.draw(tensors(shape=sx, elements=grid))
    y = data.draw(tensors(shape=sy, elements=grid))
    got = getattr(x, name)(y)
    assert got.dtype == np.bool_ and not got.requires_grad and got.op is None
    np.testing.assert_array_equal(got.data, npfn(x.data, y.data))
    np.testing.assert_array_equal(getattr(x, name)(1.0).data, npfn(x.data, 1.0))
    fn = getattr(ag, npfn.__name__)                          # ag.equal, ag.less, ...
    np.testing.assert_array_equal(fn(x, y).data, npfn(x.data, y.data))
    np.testing.assert_array_equal(fn(y.data, x).data, npfn(y.data, x.data))   # array on the left


def test_sign_and_relu_have_zero_gradient_where_flat():
    """relu and sign are piecewise linear/constant: their second derivative is 0 away from the
    kink (test_unary's gradgradcheck confirms it), and sign's first derivative is 0 too."""
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


@given(x=tensors(shape=SMALL))
def test_astype_derivatives(x):
    """The cast is the identity on values: gradcheck and gradgradcheck through a float64 cast,
    and through a float32 round trip with a step float32 can resolve."""
    assert check(lambda t: t.astype(np.float64) * t, lambda a: a * a, x)
    assert check(lambda t: ag.astype(t, "float64"), lambda a: a, x)
    wide = dict(eps=1e-2, atol=1e-3, rtol=1e-3)    # (x32)² is quadratic: central differences exact
    f = lambda t: (t.astype(np.float32) ** 2).astype(np.float64)
    assert gradcheck(f, [x], **wide)
    assert gradgradcheck(f, [x], seed=0, **wide)


def test_astype_to_int_is_a_constant():
    x = ag.Tensor([1.7, -2.2], requires_grad=True)
    y = x.astype(np.int64)
    assert y.dtype == np.int64 and not y.requires_grad
    np.testing.assert_array_equal(y.data, [1, -2])


# ---- power with zeros in the exponent (issue 9, item 2) ----------------------------------------
def test_power_with_a_zero_exponent_at_zero_has_finite_gradients():
    x = ag.Tensor([0., 1.], requires_grad=True)
    (x.reshape(2, 1) ** ag.Tensor(np.arange(4.))).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1., 6.])        # d/dx (1 + x + x² + x³)


def test_power_second_derivative_with_integer_exponents_at_zero():
    x = ag.Tensor([0., 2.], requires_grad=True)
    p = ag.Tensor([[0.], [1.], [2.], [3.]])
    (g,) = ag.grad((x ** p).sum(), x, create_graph=True)
    (h,) = ag.grad(g.sum(), x)
    np.testing.assert_array_equal(h.data, [2., 2. + 6. * 2.])  # d² (1 + x + x² + x³) = 2 + 6x


def test_power_gradient_with_an_exponent_array():
    assert gradcheck(lambda x: x ** np.array([0., 1., 2.5]), [np.array([0.5, 1.5, 2.0])])
    assert gradgradcheck(lambda x: x ** np.array([0., 1., 2.5]), [np.array([0.5, 1.5, 2.0])])


@pytest.mark.parametrize("fn,npfn", [(ag.fmax, np.fmax), (ag.fmin, np.fmin)])
@given(data=st.data())
def test_fmax_fmin(fn, npfn, data):
    sx, sy = data.draw(broadcastable_shapes(2, max_dims=3, min_side=0, max_side=3))
    x, y = _separated(data, sx, sy)
    assert check(fn, npfn, x, y)


@pytest.mark.parametrize("fn,npfn", [(ag.fmax, np.fmax), (ag.fmin, np.fmin)])
def test_fmax_fmin_ignore_nan_and_route_the_gradient_to_the_number(fn, npfn):
    x = ag.Tensor([1.0, np.nan, 3.0, 2.0], requires_grad=True)
    y = ag.Tensor([2.0, 1.0, np.nan, 2.0], requires_grad=True)
    z = fn(x, y)
    np.testing.assert_array_equal(z.data, npfn(x.data, y.data))
    gx, gy = ag.grad(z.sum(), [x, y])
    np.testing.assert_array_equal(gx.data[1:] + gy.data[1:], [1.0, 1.0, 1.0])
    np.testing.assert_array_equal([gx.data[1], gy.data[2]], [0.0, 0.0])


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite", "signbit"])
def test_floating_point_tests_are_boolean_without_gradient(name):
    x = ag.Tensor([0.0, -0.0, -1.5, np.inf, -np.inf, np.nan], requires_grad=True)
    got = getattr(ag, name)(x)
    assert got.dtype == np.bool_ and not got.requires_grad
    np.testing.assert_array_equal(got.data, getattr(np, name)(x.data))
