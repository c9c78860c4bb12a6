"""floor, ceil, trunc, rint, round and the remainders: values against NumPy; zero (recorded)
gradients for rounding, the piecewise-linear gradients of mod/fmod away from their jumps."""

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import autograd as ag
from autograd.testing import broadcastable_shapes, gradcheck, gradgradcheck, shapes, tensors

SMALL = shapes(max_dims=3, min_side=0, max_side=3)
# k + u with u in [0.1, 0.9]: no integer (and no half for round) within 0.1 of any draw
OFF_GRID = st.tuples(st.integers(-3, 3), st.sampled_from([0.1, 0.3, 0.7, 0.9])).map(sum)

ROUNDING = [("floor", np.floor), ("ceil", np.ceil), ("trunc", np.trunc), ("fix", np.fix),
            ("rint", np.rint), ("round", np.round), ("around", np.round)]


@pytest.mark.parametrize("name,npfn", ROUNDING, ids=[r[0] for r in ROUNDING])
@given(x=tensors(shape=SMALL, elements=OFF_GRID))
def test_rounding_values_and_zero_gradient(name, npfn, x):
    fn = getattr(ag, name)
    y = fn(x)
    np.testing.assert_array_equal(y.data, npfn(x.data))
    assert y.requires_grad and y.op is not None       # recorded: differentiable (to zero)
    assert gradcheck(fn, [x])
    assert gradgradcheck(lambda t: fn(t) * t, [x], seed=0)   # d²(⌊x⌋x)/dx² = 0


def test_rounding_second_derivative_is_zero_not_an_error():
    x = ag.Tensor([1.3, -2.7], requires_grad=True)
    (g,) = ag.grad((ag.trunc(x) * x * x).sum(), [x], create_graph=True)
    np.testing.assert_allclose(g.data, 2 * np.trunc(x.data) * x.data)
    (h,) = ag.grad(g.sum(), [x])
    np.testing.assert_allclose(h.data, 2 * np.trunc(x.data))


@given(x=tensors(shape=SMALL, elements=st.integers(-40, 40).map(lambda k: k / 10 + 0.02)),
       decimals=st.sampled_from([0, 1]))
def test_round_decimals(x, decimals):
    np.testing.assert_array_equal(ag.round(x, decimals).data, np.round(x.data, decimals))
    np.testing.assert_array_equal(x.round(decimals).data, np.round(x.data, decimals))
    np.testing.assert_array_equal(ag.around(x, decimals=decimals).data, np.round(x.data, decimals))
    assert gradcheck(lambda t: ag.round(t, decimals=decimals) * t, [x])


def test_round_halves_to_even():
    x = ag.Tensor([0.5, 1.5, 2.5, -0.5])
    np.testing.assert_array_equal(ag.round(x).data, [0.0, 2.0, 2.0, -0.0])
    np.testing.assert_array_equal(ag.rint(x).data, [0.0, 2.0, 2.0, -0.0])


@pytest.mark.parametrize("name,npfn", [("remainder", np.remainder), ("mod", np.mod),
                                       ("fmod", np.fmod)])
@given(data=st.data())
def test_remainders(name, npfn, data):
    sq, sy = data.draw(broadcastable_shapes(2, max_dims=3, min_side=0, max_side=3))
    y = data.draw(tensors(shape=sy, elements="away_from_zero"))
    q = data.draw(tensors(shape=sq, elements=OFF_GRID, requires_grad=False))
    x = ag.Tensor(q.data * y.data, requires_grad=True)   # x/y off the integers: no jump near
    fn = getattr(ag, name)
    np.testing.assert_allclose(fn(x, y).data, npfn(x.data, y.data), rtol=1e-12, atol=1e-12)
    assert gradcheck(fn, [x, y])
    assert gradgradcheck(fn, [x, y], seed=0)


def test_remainder_signs_follow_numpy():
    x = ag.Tensor([5.5, -5.5, 5.5, -5.5])
    y = ag.Tensor([2.0, 2.0, -2.0, -2.0])
    np.testing.assert_array_equal(ag.mod(x, y).data, [1.5, 0.5, -0.5, -1.5])     # sign of y
    np.testing.assert_array_equal(ag.fmod(x, y).data, [1.5, -1.5, 1.5, -1.5])    # sign of x


@pytest.mark.parametrize("fn,whole", [(ag.remainder, np.floor), (ag.fmod, np.trunc)])
def test_remainder_gradients_are_the_piecewise_slopes(fn, whole):
    x = ag.Tensor([5.5, -5.5, 5.5, -5.5], requires_grad=True)
    y = ag.Tensor([2.0, 2.0, -2.0, -2.0], requires_grad=True)
    gx, gy = ag.grad(fn(x, y).sum(), [x, y])
    np.testing.assert_array_equal(gx.data, np.ones(4))
    np.testing.assert_array_equal(gy.data, -whole(x.data / y.data))
