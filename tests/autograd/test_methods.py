"""The table in autograd/methods.py: operators, methods and NumPy's functions on Tensors."""

import numpy as np
import pytest

import autograd as ag
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
    "dot": lambda m, x, y: m.dot(x, m.transpose(y)),
    "cumsum": lambda m, x, y: m.cumsum(x, axis=1),
    "norm": lambda m, x, y: m.linalg.norm(x),
    "inv": lambda m, x, y: m.linalg.inv(m.matmul(x, m.transpose(x)) + 3 * m.eye(2)),
    "tan": lambda m, x, y: m.tan(x * 0.3),
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


# ---- PyTorch habits: dim/keepdim and PyTorch's method names (issue 15) ------------------------
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "var", "std", "prod", "logsumexp",
                                  "softmax", "log_softmax", "cumsum", "argmax", "flip",
                                  "squeeze", "expand_dims"])
def test_dim_and_keepdim_are_aliases_of_axis_and_keepdims(name):
    rng = np.random.default_rng(1)
    data = rng.standard_normal((2, 1, 3))
    fn = getattr(ag, name)
    kw_np, kw_pt = {"axis": 1}, {"dim": 1}
    if name in ("sum", "mean", "max", "min", "var", "std", "prod", "logsumexp"):
        kw_np["keepdims"], kw_pt["keepdim"] = True, True
    a, b = Tensor(data, requires_grad=True), Tensor(data, requires_grad=True)
    ya, yb = fn(a, **kw_np), fn(b, **kw_pt)
    np.testing.assert_array_equal(ya.data, yb.data)
    if ya.requires_grad:
        ya.sum().backward()
        yb.sum().backward()
        np.testing.assert_array_equal(a.grad.data, b.grad.data)
    with pytest.raises(TypeError, match=f"{name}: got both axis= and its alias dim="):
        fn(a, axis=1, dim=1)


def test_pytorch_method_names():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x.unsqueeze(0).shape == (1, 2, 3) and x.numel() == 6 and x.t().shape == (3, 2)
    c = x.clone()
    assert c is not x and not np.shares_memory(c.data, x.data) and c.requires_grad
    assert x.float().dtype == np.float32 and x.float().double().dtype == np.float64
    m = x.masked_fill(x.data > 2, 0.0)
    np.testing.assert_array_equal(m.data, [[0, 1, 2], [0, 0, 0]])
    m.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[1, 1, 1], [0, 0, 0]])
    y = ag.cat([x, x], dim=1)
    assert y.shape == (2, 6)
    with pytest.raises(ValueError, match="t: expects a tensor of at most 2 axes"):
        Tensor(np.zeros((2, 2, 2))).t()
    z = Tensor([1.0, 2.0])
    z.zero_()
    assert z.tolist() == [0.0, 0.0]
