"""The table in autograd/methods.py: operators, methods and NumPy's functions on Tensors."""

import numpy as np
import pytest

from autograd import Tensor
from autograd.testing import gradcheck


def test_operators_are_the_ops_of_the_table():
    from autograd import methods
    for name, fn in methods.OPERATORS.items():
        assert getattr(Tensor, name) is fn


CALLS = {   # NumPy function applied to Tensors -> the same through autograd
    "sum": lambda m, x, y: m.sum(x, axis=0),
    "mean": lambda m, x, y: m.mean(x),
    "prod": lambda m, x, y: m.prod(x, axis=1),
    "max": lambda m, x, y: m.max(x, axis=1),
    "where": lambda m, x, y: m.where(x > 0, x, y),
    "concatenate": lambda m, x, y: m.concatenate([x, y], axis=1),
    "stack": lambda m, x, y: m.stack([x, y]),
    "clip": lambda m, x, y: m.clip(x, -0.5, 0.5),
    "reshape": lambda m, x, y: m.reshape(x, (3, 2)),
    "transpose": lambda m, x, y: m.transpose(x),
    "exp": lambda m, x, y: m.exp(x),
    "maximum": lambda m, x, y: m.maximum(x, y),
    "matmul": lambda m, x, y: m.matmul(x, m.transpose(y)),
    "tensordot": lambda m, x, y: m.tensordot(x, y, axes=2),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_numpy_functions_on_tensors_record_the_autograd_op(name):
    rng = np.random.default_rng(0)
    xd, yd = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    call = CALLS[name]
    out = call(np, Tensor(xd, requires_grad=True), Tensor(yd, requires_grad=True))
    assert isinstance(out, Tensor) and out.requires_grad
    np.testing.assert_allclose(out.data, call(np, xd, yd))
    assert gradcheck(lambda x, y: call(np, x, y), [xd, yd])


def test_numpy_functions_without_an_autograd_version_are_refused_clearly():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"np\.histogram is not supported on Tensors.*numpy\(\)"):
        np.histogram(x)
    with pytest.raises(TypeError, match=r"np\.sum\(\.\.\., out=\.\.\.\) is not supported"):
        np.sum(x, out=np.zeros(()))


def test_read_only_numpy_functions_see_the_values():
    x = Tensor([1.0, 2.0], requires_grad=True)
    assert np.shape(x) == (2,) and np.ndim(x) == 0 + 1 and np.size(x) == 2
    assert np.allclose(x, [1.0, 2.0]) and np.array_equal(x, np.array([1.0, 2.0]))


def test_ufunc_writing_into_an_ndarray_computes_on_values():
    x = Tensor([1.0, 2.0], requires_grad=True)
    a = np.ones(2)
    a -= 0.5 * x
    np.testing.assert_allclose(a, [0.5, 0.0])
