"""Trigonometric, hyperbolic, log/exp-base, hypot, logaddexp, sinc and cbrt: values against
NumPy, first and second derivatives against central differences on hypothesis-drawn inputs
inside each function's domain (away from its poles)."""

import math

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import autograd as ag
from autograd.testing import broadcastable_shapes, gradcheck, gradgradcheck, shapes, tensors

SMALL = shapes(max_dims=3, min_side=0, max_side=3)


def check(fn, npfn, *xs):
    """Values as NumPy's, float64 kept, gradcheck and gradgradcheck; True or raise."""
    got = fn(*xs)
    want = npfn(*[x.data for x in xs])
    assert got.shape == np.shape(want) and got.dtype == np.float64
    np.testing.assert_allclose(got.data, want, rtol=1e-12, atol=1e-14)
    assert gradcheck(fn, xs)
    assert gradgradcheck(fn, xs, seed=0)
    return True


UNARY = [
    ("tan", np.tan, (-1.2, 1.2)), ("sinh", np.sinh, "real"), ("cosh", np.cosh, "real"),
    ("arcsin", np.arcsin, "unit"), ("arccos", np.arccos, "unit"), ("arctan", np.arctan, "real"),
    ("arcsinh", np.arcsinh, "real"), ("arccosh", np.arccosh, (1.1, 3.0)),
    ("arctanh", np.arctanh, "unit"), ("log2", np.log2, "positive"),
    ("log10", np.log10, "positive"), ("exp2", np.exp2, "real"),
    ("cbrt", np.cbrt, "away_from_zero"), ("reciprocal", np.reciprocal, "away_from_zero"),
    ("sinc", np.sinc, "real"), ("degrees", np.degrees, "real"), ("radians", np.radians, "real"),
    ("rad2deg", np.rad2deg, "real"), ("deg2rad", np.deg2rad, "real"),
]


@pytest.mark.parametrize("name,npfn,dom", UNARY, ids=[u[0] for u in UNARY])
@given(data=st.data())
def test_unary(name, npfn, dom, data):
    x = data.draw(tensors(shape=SMALL, elements=dom))
    assert check(getattr(ag, name), npfn, x)


@pytest.mark.parametrize("name,npfn,dom", UNARY, ids=[u[0] for u in UNARY])
def test_unary_float32_stays_float32(name, npfn, dom):
    lo, hi = (0.1, 0.9) if isinstance(dom, str) else dom
    x = ag.Tensor(np.linspace(lo, hi, 5), dtype=np.float32, requires_grad=True)
    y = getattr(ag, name)(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, npfn(x.data.astype(np.float64)), rtol=2e-6)
    y.sum().backward()
    assert x.grad.dtype == np.float32


BINARY = [("arctan2", np.arctan2, "away_from_zero", "real"),     # y ≠ 0: off the branch cut
          ("hypot", np.hypot, "away_from_zero", "away_from_zero"),
          ("logaddexp", np.logaddexp, "real", "real"),
          ("logaddexp2", np.logaddexp2, "real", "real")]


@pytest.mark.parametrize("name,npfn,xdom,ydom", BINARY, ids=[b[0] for b in BINARY])
@given(data=st.data())
def test_binary_broadcasting(name, npfn, xdom, ydom, data):
    sx, sy = data.draw(broadcastable_shapes(2, max_dims=3, min_side=0, max_side=3))
    x = data.draw(tensors(shape=sx, elements=xdom))
    y = data.draw(tensors(shape=sy, elements=ydom))
    assert check(getattr(ag, name), npfn, x, y)


def test_logaddexp_is_stable_far_out():
    """exp(1000) overflows; logaddexp and its gradient (the softmax weights) do not."""
    x = ag.Tensor([1000.0, -1000.0, 1000.0], requires_grad=True)
    y = ag.Tensor([1000.0, -1000.0, 0.0], requires_grad=True)
    z = ag.logaddexp(x, y)
    np.testing.assert_allclose(z.data, np.logaddexp(x.data, y.data))
    z.sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.5, 0.5, 1.0])
    np.testing.assert_allclose(y.grad.data, [0.5, 0.5, 0.0])
    z2 = ag.logaddexp2(x, y)
    np.testing.assert_allclose(ag.grad(z2.sum(), [x])[0].data, [0.5, 0.5, 1.0])


def test_sinc_at_and_near_zero():
    """sinc'(0) = 0 and sinc''(0) = -π²/3; near 0 the series branch agrees with the exact
    derivative (cos(πx) - sinc(x))/x evaluated where it does not cancel."""
    x = ag.Tensor([0.0, 1e-7, -3e-5, 2e-4], requires_grad=True)
    (g,) = ag.grad(ag.sinc(x).sum(), [x], create_graph=True)
    d = x.data
    exact = np.where(d == 0, 0.0, -math.pi ** 2 * d / 3 + math.pi ** 4 * d ** 3 / 30)
    np.testing.assert_allclose(g.data, exact, rtol=1e-9, atol=1e-300)
    (h,) = ag.grad(g.sum(), [x])
    np.testing.assert_allclose(h.data, np.full(4, -math.pi ** 2 / 3), rtol=1e-6)
    assert gradcheck(ag.sinc, [np.array([0.0, 1e-5, 0.3])])


def test_methods():
    x = ag.Tensor([[0.3, 1.26], [2.0, -0.75]], requires_grad=True)
    np.testing.assert_array_equal(x.round(1).data, np.round(x.data, 1))
    assert x.round().op is not None


@pytest.mark.parametrize("wrong_grad", [lambda g, out, x: g * out * out,      # tan: forgot the 1
                                        lambda g, out, x: g / (1 + out * out)])
def test_negative_control_wrong_vjp_is_caught(wrong_grad):
    bad = ag.primitive(np.tan, name="bad_tan")
    bad.defvjp(wrong_grad)
    with pytest.raises(AssertionError, match="gradcheck"):
        gradcheck(bad, [np.array([0.3, -0.7])])
