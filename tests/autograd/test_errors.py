"""Bad input raises a clear exception naming the op (or function) and the shapes involved,
never a bare NumPy traceback and never a silently wrong result."""

import re

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor


def leaf(*shape):
    return ag.randn(*shape, requires_grad=True)


def test_misaligned_matmul_names_op_and_shapes():
    with pytest.raises(ValueError, match=re.escape("matmul: shapes (3, 4) and (5, 2) are not aligned")):
        leaf(3, 4) @ leaf(5, 2)
    with pytest.raises(ValueError, match=r"matmul.*\(3,\).*\(2, 2\)"):
        leaf(3) @ leaf(2, 2)
    with pytest.raises(ValueError, match="matmul.*0-d"):
        ag.matmul(leaf(), leaf(2))


@pytest.mark.parametrize("op", [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b,
                                lambda a, b: a / b, ag.maximum, lambda a, b: a ** b])
def test_shapes_that_do_not_broadcast(op):
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4,\)") as e:
        op(leaf(2, 3), leaf(4))
    assert re.match(r"^\w+:", str(e.value)), str(e.value)    # starts with the op's name


def test_broadcast_to_a_smaller_shape():
    with pytest.raises(ValueError, match=r"broadcast_to.*\(2, 3\)"):
        ag.broadcast_to(leaf(2, 3), (3,))


def test_backward_on_non_scalar_needs_gradient():
    with pytest.raises(RuntimeError, match=r"backward.*one element.*\(2, 3\)"):
        (leaf(2, 3) * 2).backward()


def test_backward_gradient_of_wrong_shape():
    with pytest.raises(ValueError, match=r"gradient has shape \(3,\).*output has shape \(2, 3\)"):
        (leaf(2, 3) * 2).backward(gradient=np.ones(3))
    x = leaf(2)
    with pytest.raises(ValueError, match=r"grad.*\(3,\).*\(2,\)"):
        ag.grad(x * 2, x, grad_outputs=np.ones(3))


def test_backward_on_tensor_without_graph():
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).sum().backward()


@pytest.mark.parametrize("make", [lambda: Tensor([1, 2], dtype=np.int64, requires_grad=True),
                                  lambda: Tensor([1, 2], dtype=np.int64).requires_grad_(),
                                  lambda: Tensor([True], dtype=bool, requires_grad=True)])
def test_gradients_on_integers_refused(make):
    with pytest.raises(TypeError, match=r"requires_grad.*(int64|bool)"):
        make()


@pytest.mark.parametrize("fn,name", [(lambda t: t.sum(axis=3), "sum"),
                                     (lambda t: ag.mean(t, axis=-4), "mean"),
                                     (lambda t: t.max(axis=5), "max"),
                                     (lambda t: ag.logsumexp(t, axis=2), "logsumexp"),
                                     (lambda t: ag.softmax(t, axis=2), "softmax|logsumexp"),
                                     (lambda t: t.squeeze(axis=7), "squeeze"),
                                     (lambda t: ag.flip(t, axis=2), "flip"),
                                     (lambda t: ag.concatenate([t, t], axis=2), "concatenate"),
                                     (lambda t: t.var(axis=(0, 9)), "var"),
                                     (lambda t: t.std(axis=2), "std"),
                                     (lambda t: t.prod(axis=3), "prod")])
def test_unknown_axis(fn, name):
    with pytest.raises(np.exceptions.AxisError, match=rf"({name}).*axis.*\b2\b") as e:
        fn(leaf(2, 3))
    assert "out of bounds" in str(e.value) and "dimension 2" in str(e.value)


def test_bad_reshape_names_op_and_shapes():
    with pytest.raises(ValueError, match=r"reshape.*\(2, 3\)"):
        leaf(2, 3).reshape(4, 2)


def test_concatenate_mismatch():
    with pytest.raises(ValueError, match=r"concatenate.*\(2, 3\).*\(2, 4\)"):
        ag.concatenate([leaf(2, 3), leaf(2, 4)], axis=0)


def test_stack_needs_equal_shapes():
    with pytest.raises(ValueError, match=r"stack.*\(2,\).*\(3,\)"):
        ag.stack([leaf(2), leaf(3)])


def test_squeeze_of_a_long_axis():
    with pytest.raises(ValueError, match=r"squeeze.*axis 1.*\(2, 3\)"):
        leaf(2, 3).squeeze(axis=1)


def test_einsum_subscripts_that_do_not_fit():
    with pytest.raises(ValueError, match=r"einsum.*\(2, 3\)"):
        ag.einsum("ijk->i", leaf(2, 3))
    with pytest.raises(ValueError, match="einsum.*2 operands"):
        ag.einsum("ij,jk->ik", leaf(2, 3))


def test_tensordot_mismatch():
    with pytest.raises(ValueError, match=r"tensordot.*\(2, 3\).*\(4, 5\)"):
        ag.tensordot(leaf(2, 3), leaf(4, 5), axes=1)


def test_index_out_of_range():
    with pytest.raises(IndexError, match=r"getitem.*\(2, 3\)"):
        leaf(2, 3)[5]


def test_pad_errors():
    with pytest.raises(ValueError, match="pad.*non-negative"):
        ag.pad(leaf(2), [(-1, 0)])
    with pytest.raises(NotImplementedError, match="pad.*reflect"):
        ag.pad(leaf(2), 1, mode="reflect")


def test_set_default_dtype_refuses_ints():
    with pytest.raises(TypeError, match="set_default_dtype.*int"):
        ag.set_default_dtype(np.int32)


def test_in_place_shape_mismatch():
    t = Tensor([1.0, 2.0])
    with pytest.raises(ValueError, match=r"copy_.*\(3,\).*\(2,\)"):
        t.copy_([1.0, 2.0, 3.0])


def test_grad_of_input_that_does_not_require_grad():
    with pytest.raises(RuntimeError, match="grad: input 0 does not require grad"):
        ag.grad(leaf(2).sum(), [Tensor([1.0, 2.0])])


def test_turning_off_grad_on_a_non_leaf():
    with pytest.raises(RuntimeError, match="non-leaf"):
        (leaf(2) * 2).requires_grad_(False)


def test_hook_on_constant():
    with pytest.raises(RuntimeError, match="register_hook"):
        Tensor([1.0]).register_hook(lambda g: g)


def test_tensor_from_strings():
    with pytest.raises(TypeError, match="Tensor.*dtype"):
        Tensor(["a", "b"])


def test_vjp_of_wrong_shape_is_caught_by_the_engine():
    bad = ag.primitive(lambda x: x * 2, name="bad_shape")
    bad.defvjp(lambda g, out, x: ag.concatenate([g, g]))
    with pytest.raises(ValueError, match=r"bad_shape.*\(4,\).*\(2,\)"):
        bad(leaf(2)).sum().backward()


# ---- errors name the function the user called (issue 9, item 16) -----------------------------
@pytest.mark.parametrize("call, error, pattern", [
    (lambda x: ag.softmax(x, axis=3), np.exceptions.AxisError, r"^softmax: axis 3"),
    (lambda x: ag.log_softmax(x, axis=3), np.exceptions.AxisError, r"^log_softmax: axis 3"),
    (lambda x: ag.stack([x, x], axis=5), np.exceptions.AxisError, r"^stack: axis 5"),
    (lambda x: ag.tile(x, -1), ValueError, r"^tile: reps must be non-negative"),
    (lambda x: ag.repeat(x, [1, 2, 3]), ValueError, r"^repeat: repeats must be"),
    (lambda x: ag.clip(x, "a"), TypeError, r"^clip: a_min must be a number"),
    (lambda x: Tensor([1.0]).fill_("a"), TypeError, r"^fill_: the value must be a number"),
    (lambda x: x.detach().__setitem__(5, 1.0), IndexError, r"^Tensor.__setitem__: index 5"),
    (lambda x: x.detach().__setitem__(slice(None), np.ones(3)), ValueError,
     r"^Tensor.__setitem__: .*shape \(3,\).*tensor shape \(2,\)"),
    (lambda x: float(x), TypeError, r"^float\(\): only one-element tensors"),
    (lambda x: ag.where(x > 1, x), TypeError, r"^where: give both x and y, or neither"),
])
def test_errors_name_the_function_called(call, error, pattern):
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(error, match=pattern):
        call(x)


def test_where_supports_numpy_one_argument_form_and_keywords():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    (idx,) = ag.where(x > 1.5)
    assert idx.dtype.kind == "i" and idx.tolist() == [1, 2]
    y = ag.where(condition=x > 1.5, x=x, y=-x)
    y.sum().backward()
    assert y.tolist() == [-1.0, 2.0, 3.0] and x.grad.tolist() == [-1.0, 1.0, 1.0]


def test_a_primitive_missing_an_array_argument_names_it():
    with pytest.raises(TypeError, match="maximum: missing the array argument 'y'"):
        ag.maximum(Tensor([1.0]))


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
