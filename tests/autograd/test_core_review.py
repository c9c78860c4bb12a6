"""Regression tests from an adversarial review of the autograd core (each failed before its fix)."""

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import autograd as ag
from autograd import Tensor
from autograd.testing import ELEMENTS, elements, tensors


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


# ---- metadata given positionally; errors that named a private op or none -----------------


@pytest.mark.parametrize("name", ["sum", "max", "min", "logsumexp"])
def test_reduction_axis_tuple_given_positionally(name):
    a = np.arange(24.0).reshape(2, 3, 4)
    x = Tensor(a, requires_grad=True)
    y = getattr(x, name)((0, 2))                       # as a.sum((0, 2)) in NumPy / PyTorch
    ref = getattr(ag, name)(Tensor(a), axis=(0, 2))
    np.testing.assert_allclose(y.data, ref.data)
    assert y.op_kwargs == {"axis": (0, 2)} and len(y.inputs) == 1   # metadata, not an input
    y.sum().backward()
    assert x.grad.shape == a.shape


def test_concatenate_of_nothing_is_a_clear_error():
    with pytest.raises(ValueError, match="concatenate: need at least one tensor"):
        ag.concatenate([])


def test_ops_report_their_public_names():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    assert ag.concatenate([x, x]).op.name == "concatenate"
    assert ag.pad(x, 1).op.name == "pad"
    assert ag.einsum("ij->j", x).op.name == "einsum"
    assert x.astype(np.float32).op.name == "astype"
    with pytest.raises(ValueError, match=r"^concatenate: .*\(2, 3\), \(2, 4\)"):
        ag.concatenate([x, Tensor(np.ones((2, 4)))], axis=0)


def test_swapaxes_out_of_range_names_the_op():
    with pytest.raises(np.exceptions.AxisError, match="swapaxes: axis 5 is out of bounds"):
        ag.swapaxes(Tensor(np.ones((2, 3))), 0, 5)


def test_expand_dims_accepts_a_numpy_integer_axis():
    assert ag.expand_dims(Tensor(np.ones((2, 3))), np.int64(1)).shape == (2, 1, 3)


def test_einsum_index_size_mismatch_names_the_index():
    with pytest.raises(ValueError, match=r"einsum: index 'j' has size 3 in one operand and 2"):
        ag.einsum("ij,jk->ik", Tensor(np.ones((2, 3))), Tensor(np.ones((2, 3))))
    # size-1 axes still broadcast
    assert ag.einsum("ij,ij->ij", Tensor(np.ones((2, 3))), Tensor(np.ones((1, 3)))).shape == (2, 3)


# ---- float32 stays float32 ------------------------------------------------------------------


@pytest.mark.parametrize("other", [1, 2.5, True])
def test_float32_minus_a_python_number_stays_float32(other):
    # subtract is add(x, negative(y)); negative(2.5) alone made a float64 0-d tensor
    x = Tensor([1.5, 3.0], dtype=np.float32, requires_grad=True)
    for y in (x - other, other - x, ag.subtract(x, other)):
        assert y.dtype == np.float32
        (g,) = ag.grad(y.sum(), x, create_graph=True)
        assert g.dtype == np.float32


# ---- Tensor.grad assignment, grad-mode decorators -------------------------------------------


def test_assigning_a_gradient_of_the_wrong_shape_or_type_raises():
    # it used to be accepted, and the next backward broadcast into a (2,)-shaped .grad
    t = Tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"grad: a gradient of shape \(2,\) cannot be assigned "
                                         r"to a tensor of shape \(1,\)"):
        t.grad = Tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="grad: must be a Tensor or None; got a ndarray"):
        t.grad = np.ones(1)
    t.grad = Tensor([3.0])
    (t * 2).sum().backward()
    assert t.grad.tolist() == [5.0]
    t.grad = None
    assert t.grad is None


def test_set_grad_enabled_as_a_decorator_switches_only_inside_calls():
    assert ag.is_grad_enabled()
    try:
        @ag.set_grad_enabled(False)
        def double(x):
            return x * 2

        assert ag.is_grad_enabled()                     # decorating changed nothing
        assert not double(Tensor(1.0, requires_grad=True)).requires_grad
        assert ag.is_grad_enabled()
    finally:
        ag.set_grad_enabled(True)


def test_in_place_update_with_a_value_requiring_grad_refuses_instead_of_dropping_its_gradient():
    x = Tensor([1.0, 2.0, 3.0])
    v = Tensor(7.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="__setitem__: the value requires grad"):
        x[0] = v
    for method in ("add_", "sub_", "mul_", "div_", "copy_"):
        with pytest.raises(RuntimeError, match=f"{method}: the value requires grad"):
            getattr(x, method)(v)
    assert x.tolist() == [1.0, 2.0, 3.0]
    with ag.no_grad():                 # an explicit no_grad update is fine
        x[0] = v
    assert x.tolist() == [7.0, 2.0, 3.0]


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


# ---- Tensor conveniences ------------------------------------------------------------------


def test_repr_of_an_empty_tensor_keeps_its_shape():
    assert repr(Tensor(np.zeros((0, 3)))) == "Tensor([], shape=(0, 3))"
    assert repr(Tensor(np.zeros((2, 0)), dtype=np.float32)) == "Tensor([], shape=(2, 0), dtype=float32)"
    assert repr(Tensor(np.zeros(0))) == "Tensor([])"


def test_an_integer_tensor_of_one_element_is_an_index():
    i = Tensor(2, dtype=np.int64)
    assert list(range(i)) == [0, 1] and [10, 20, 30][i] == 30
    assert Tensor(np.arange(5.0))[i:].tolist() == [2.0, 3.0, 4.0]
    with pytest.raises(TypeError, match="only integer tensors of one element"):
        [1, 2][Tensor(1.0)]


def test_gradcheck_accepts_a_single_numpy_float32_input():
    from autograd.testing import gradcheck
    assert gradcheck(lambda x: x * x, np.float32(1.5))      # was: 'numpy.float32' is not iterable


def test_complex_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="only real floating-point tensors"):
        ag.Tensor([1 + 2j], requires_grad=True)


def test_ragged_data_names_the_tensor_constructor():
    with pytest.raises(ValueError, match="Tensor: cannot make a tensor"):
        ag.Tensor([[1.0], [1.0, 2.0]])


def test_format_specs_apply_to_one_element_tensors_only():
    assert f"{ag.Tensor(2.0):.2f}" == "2.00" and f"{ag.Tensor([2.0]):.1f}" == "2.0"
    assert f"{ag.Tensor(2.0)}" == repr(ag.Tensor(2.0))
    with pytest.raises(TypeError, match=r"needs a one-element tensor, not shape \(2,\)"):
        f"{ag.Tensor([1.0, 2.0]):.2f}"
