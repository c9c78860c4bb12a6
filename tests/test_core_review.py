"""Regression tests from an adversarial review of the autograd core (each failed before its fix)."""

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor


# ---- engine: backward(inputs=...) and grad(...) --------------------------------------------


def test_backward_inputs_accumulates_into_a_non_leaf_input():
    x = Tensor(2.0, requires_grad=True)
    y = x * 3
    (y * y).backward(inputs=[y])
    assert y.grad is not None and y.grad.item() == 12.0        # d(y²)/dy = 2y
    assert x.grad is None                                       # not asked for


def test_backward_inputs_must_require_grad_and_not_be_empty():
    x = Tensor(2.0, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"backward: inputs\[0\] does not require grad"):
        (x * 2).backward(inputs=[Tensor(1.0)])
    with pytest.raises(RuntimeError, match="backward: `inputs` is empty"):
        (x * 2).backward(inputs=[])


def test_backward_inputs_given_twice_accumulate_once():
    x = Tensor(2.0, requires_grad=True)
    (x * 5).backward(inputs=[x, x])
    assert x.grad.item() == 5.0


def test_grad_with_the_same_output_twice_sums_both_cotangents():
    x = Tensor([1.0, 2.0], requires_grad=True)
    a = x * 2
    (g,) = ag.grad([a, a], x, grad_outputs=[np.ones(2), np.array([1.0, 0.0])])
    np.testing.assert_array_equal(g.data, [4.0, 2.0])


# ---- reductions on 0-d tensors ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["sum", "max", "min", "logsumexp"])
@pytest.mark.parametrize("axis", [0, -1])
def test_reduction_of_a_0d_tensor_over_axis_0_backpropagates(name, axis):
    # NumPy's sum/max/min accept axis 0 or -1 on a 0-d array; the forward did, the VJP did not
    x = Tensor(2.0, requires_grad=True)
    y = getattr(ag, name)(x, axis=axis)
    assert y.shape == ()
    y.backward()
    assert x.grad.item() == 1.0
