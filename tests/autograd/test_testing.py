"""autograd.testing itself: gradcheck passes right gradients and catches wrong ones (the
negative controls), reports where, follows the documented input rule; the strategies draw
what they promise."""

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import autograd as ag
from autograd import Tensor
from autograd.testing import (ELEMENTS, broadcastable_shapes, elements, gradcheck, gradgradcheck,
                              shapes, tensors)


def _wrong_sin():
    """sin with the derivative of the wrong sign: -cos instead of cos."""
    f = ag.primitive(lambda x: np.sin(x), name="wrong_sin")
    f.defvjp(lambda g, out, x: -g * ag.cos(x))
    return f


def _sin_with_frozen_derivative():
    """sin whose VJP is right at first order but computes cos(x) outside autograd, so the
    second derivative it reports is wrong (0 instead of -sin)."""
    cos_const = ag.primitive(lambda x: np.cos(x), name="cos_const")
    cos_const.defvjp(lambda g, out, x: g * 0)
    f = ag.primitive(lambda x: np.sin(x), name="frozen_sin")
    f.defvjp(lambda g, out, x: g * cos_const(x))
    return f


X = np.array([[0.3, -1.2, 2.0], [0.5, 0.9, -0.4]])


@pytest.mark.parametrize("fast", [False, True])
def test_negative_control_wrong_vjp_is_caught(fast):
    with pytest.raises(AssertionError, match="wrong|mismatch"):
        gradcheck(_wrong_sin(), [X], fast=fast, seed=0)


@pytest.mark.parametrize("fast", [False, True])
def test_negative_control_wrong_second_derivative_is_caught(fast):
    f = _sin_with_frozen_derivative()
    assert gradcheck(f, [X], fast=fast, seed=0)       # first order is right ...
    with pytest.raises(AssertionError, match="mismatch"):
        gradgradcheck(f, [X], fast=fast, seed=0)         # ... second order is not


def test_negative_control_on_one_input_of_two():
    mul = ag.primitive(lambda x, y: x * y, name="half_wrong_mul")
    mul.defvjp(lambda g, out, x, y: g * y, lambda g, out, x, y: g * y)   # d/dy should be g·x
    with pytest.raises(AssertionError, match="input 1") as e:
        gradcheck(mul, [np.array([1.0, 2.0]), np.array([3.0, 5.0])])
    assert "input 0" not in str(e.value)


def test_failure_names_input_worst_element_and_both_values():
    f = ag.primitive(lambda x: x ** 2, name="off_by_one")
    f.defvjp(lambda g, out, x: g * (2 * x + (x > 1.5)))      # wrong only where x > 1.5
    with pytest.raises(AssertionError) as e:
        gradcheck(lambda a, b: f(b) + a, [np.zeros((2, 3)), X])
    msg = str(e.value)
    assert "input 1 (shape (2, 3))" in msg
    assert "output index (0, 2), input index (0, 2)" in msg        # X[0, 2] = 2.0 is the one
    assert "analytic 5.0" in msg and "numerical 4.0" in msg        # 2x + 1 vs 2x at x = 2


def test_passes_on_correct_gradients_and_returns_true():
    assert gradcheck(lambda x, y: (ag.tanh(x) @ y).sum(axis=0), [X, X.T.copy()]) is True
    assert gradcheck(ag.exp, X, fast=True) is True
    assert gradgradcheck(lambda x: ag.logsumexp(x * x, axis=1), [X]) is True


def test_tuple_outputs_are_all_checked():
    bad = _wrong_sin()
    assert gradcheck(lambda x: (x * 2, ag.sin(x)), [X])
    with pytest.raises(AssertionError, match="output 1"):
        gradcheck(lambda x: (x * 2, bad(x)), [X])


def test_input_rule():
    seen = []

    def f(a, b, c, n, flag):
        seen.append((type(a), a.requires_grad, b.requires_grad, type(c), n, flag))
        return a * b * c * n

    assert gradcheck(f, [Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0]), 0.5, 3,
                         "x"])
    ta, a_rg, b_rg, tc, n, flag = seen[0]
    assert ta is Tensor and a_rg and not b_rg          # a Tensor is checked iff requires_grad
    assert tc is Tensor                                  # a Python float becomes a checked Tensor
    assert n == 3 and flag == "x"                        # ints and others pass unchanged


def test_unchecked_tensor_hides_its_wrong_gradient():
    """A Tensor without requires_grad is a constant: its VJP is not run, so not checked."""
    mul = ag.primitive(lambda x, y: x * y, name="half_wrong_mul")
    mul.defvjp(lambda g, out, x, y: g * y, lambda g, out, x, y: g * 0)
    assert gradcheck(mul, [np.array([1.0, 2.0]), Tensor([3.0, 5.0])])
    with pytest.raises(AssertionError):
        gradcheck(mul, [np.array([1.0, 2.0]), Tensor([3.0, 5.0], requires_grad=True)])


def test_nothing_to_check_is_an_error():
    with pytest.raises(ValueError, match="gradcheck.*none of the 2 inputs"):
        gradcheck(lambda a, b: a * b, [Tensor([1.0]), 3])


def test_inputs_are_checked_in_float64_and_left_alone():
    x = Tensor(np.array([0.1, 0.2], dtype=np.float32), requires_grad=True)
    dtypes = []
    assert gradcheck(lambda t: (dtypes.append(t.dtype), ag.exp(t))[1], [x])
    assert set(dtypes) == {np.dtype(np.float64)}
    assert x.dtype == np.float32 and x.grad is None


def test_gradcheck_of_a_kink_fails_as_it_should():
    """At relu's kink central differences see slope ½, autograd 0: the check must not pass
    (which is why the strategies offer elements away from kinks)."""
    with pytest.raises(AssertionError, match="input index \\(0,\\)"):
        gradcheck(ag.relu, [np.array([0.0, 1.0])])


@given(s=shapes())
def test_shapes_bounds(s):
    assert 0 <= len(s) <= 4 and all(1 <= n <= 5 for n in s)


@given(s=shapes(min_dims=2, max_dims=3, min_side=0, max_side=2))
def test_shapes_custom_bounds(s):
    assert 2 <= len(s) <= 3 and all(0 <= n <= 2 for n in s)


@given(n=st.integers(1, 4), data=st.data())
def test_broadcastable_shapes_broadcast(n, data):
    ss = data.draw(broadcastable_shapes(n, max_dims=3, max_side=4))
    assert len(ss) == n
    result = np.broadcast_shapes(*ss)
    assert len(result) <= 3 and all(m <= 4 for m in result)


@pytest.mark.parametrize("preset", ["real", "positive", "away_from_zero", "unit"])
@given(data=st.data())
def test_element_presets_stay_in_their_domain(preset, data):
    lo, hi = ELEMENTS[preset][1]
    t = data.draw(tensors(shape=(3, 2), elements=preset))
    a = np.abs(t.data) if preset == "away_from_zero" else t.data
    assert t.shape == (3, 2) and t.dtype == np.float64 and t.requires_grad
    assert np.all((a >= lo) & (a <= hi))
    v = data.draw(elements(preset))
    assert lo <= (abs(v) if preset == "away_from_zero" else v) <= hi


@given(t=tensors(shape=shapes(max_dims=3), elements="distinct"))
def test_distinct_has_no_ties(t):
    flat = np.sort(t.data.reshape(-1))
    assert np.all(np.diff(flat) > 1e-3) and np.all(np.abs(flat) <= 3)


@given(t=tensors(dtype=np.float32, requires_grad=False, elements=(-1.0, 1.0)))
def test_dtype_flag_and_range(t):
    assert t.dtype == np.float32 and not t.requires_grad
    assert np.all(np.abs(t.data) <= 1)


def test_unknown_preset():
    with pytest.raises(ValueError, match="unknown preset 'bogus'"):
        tensors(elements="bogus")



def test_gradgradcheck_failures_name_gradgradcheck():
    with pytest.raises(AssertionError, match="^gradgradcheck: "):
        gradgradcheck(_sin_with_frozen_derivative(), [X], seed=0)


# ---- gradgradcheck says why a backward is not differentiable (issue 9, item 18) ------------
class _ArrayBackwardCube(ag.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g.data * 3 * x.data ** 2          # a plain array: right, but not differentiable


def test_gradgradcheck_explains_a_backward_that_returns_a_plain_array():
    x = np.array([0.5, -1.5])
    assert gradcheck(_ArrayBackwardCube.apply, [x])
    with pytest.raises(AssertionError, match=r"(?s)gradgradcheck: gradient mismatch.*"
                                             r"_ArrayBackwardCube: the VJP \(backward\) for "
                                             r"input 0 returned a plain array"):
        gradgradcheck(_ArrayBackwardCube.apply, [x])


def test_gradgradcheck_is_reproducible_by_default():
    def wrong(x):
        return _ArrayBackwardCube.apply(x)

    messages = []
    for _ in range(2):
        with pytest.raises(AssertionError) as info:
            gradgradcheck(wrong, [np.array([0.5, -1.5, 2.0])])
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_a_list_input_gets_a_message_saying_what_is_accepted():
    with pytest.raises(ValueError, match=r"input 0 is a list.*Tensors with requires_grad=True, "
                                         r"floating NumPy arrays and Python floats"):
        gradcheck(lambda x: x, [[1.0, 2.0]])


# ---- autograd.testing strategies in float32 / float16 ---------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("preset", ["real", "positive", "away_from_zero", "unit", (0.1, 0.7)])
@given(data=st.data())
def test_element_presets_work_in_narrow_dtypes(dtype, preset, data):
    # hypothesis refused bounds like 0.1 that float32 cannot hold: InvalidArgument on first draw
    lo, hi = ELEMENTS[preset][1] if isinstance(preset, str) else preset
    t = data.draw(tensors(shape=(3,), elements=preset, dtype=dtype))
    a = np.abs(t.data).astype(np.float64) if preset == "away_from_zero" else t.data.astype(float)
    assert t.dtype == dtype and np.all((a >= lo) & (a <= hi))        # compared in float64
    if isinstance(preset, str):
        v = data.draw(elements(preset, dtype))
        assert lo <= (abs(v) if preset == "away_from_zero" else v) <= hi
