"""What docs/from_pytorch.md, from_numpy.md and from_micrograd.md say chainrule does, checked
against chainrule (PyTorch's and micrograd's side of each row is from their documentation)."""

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import Tensor
from nn import functional as F


def test_numbers():
    assert Tensor(1.5).dtype == ag.randn(3).dtype == np.float64
    assert Tensor(3).dtype == Tensor([1, 2]).dtype == np.float64
    assert Tensor([1, 2], dtype=np.int64).dtype == np.int64
    assert Tensor(np.array([1.0, 2.0], np.float32)).dtype == np.float32
    x = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 7.0]])
    assert np.isclose(x.var().item(), np.var(x.data))                      # ddof=0
    assert np.isclose(x.var(ddof=1).item(), np.var(x.data, ddof=1))
    assert np.isclose(x.std().item(), np.std(x.data))
    with pytest.raises(TypeError):
        x.var(correction=1)
    values = x.max(dim=1)
    assert isinstance(values, Tensor) and values.tolist() == [3.0, 7.0]   # values only
    assert x.argmax(dim=1).tolist() == [2, 2]
    assert x.size == x.numel() == 6 and x.ndim == 2 and isinstance(x.data, np.ndarray)
    assert x.sum(dim=1, keepdim=True).shape == x.sum(axis=1, keepdims=True).shape == (2, 1)


def test_gradients():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward(retain_graph=False)                     # runs again, and adds
    assert x.grad.tolist() == [4.0, 8.0]
    a = Tensor(2.0, requires_grad=True)
    (g,) = ag.grad(a * 3.0, [a], create_graph=True)
    assert ag.grad(g, [a])[0].item() == 0.0           # constant gradient: derivative zeros
    with pytest.raises(RuntimeError, match="no_grad"):
        leaf = Tensor([1.0], requires_grad=True)
        leaf += 1
    b = x * 1.0
    c = b * b
    with ag.no_grad():
        b.add_(1.0)
    with pytest.raises(RuntimeError, match="changed in place"):
        c.sum().backward()
    with pytest.raises(RuntimeError, match="gradient"):
        x.backward()


def test_layers_and_functions():
    ag.manual_seed(0)
    q, k, v = ag.randn(1, 2, 4), ag.randn(1, 3, 4), ag.randn(1, 3, 4)
    mask = np.array([[True, True, True], [False, False, False]])
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert np.all(np.isfinite(out.data)) and np.all(out.data[0, 1] == 0.0)
    assert not hasattr(q, "to") and not hasattr(q, "cuda")
    model = nn.Linear(2, 3)
    assert not isinstance(model.parameters(), list) and hasattr(model, "zero_grad")
    assert list(model.state_dict()) == ["weight", "bias"] and model.weight.shape == (3, 2)
    assert nn.LSTM(3, 4).batch_first is False
    t = Tensor([[1.0, 2.0], [3.0, 4.0]])
    assert t.unsqueeze(0).shape == (1, 2, 2) and t.t().shape == (2, 2) and t.view(4).shape == (4,)
    assert t.float().dtype == np.float32 and t.double().dtype == np.float64
    assert ag.cat([t, t], dim=0).shape == (4, 2)
    assert t.masked_fill(t > 2, 0.0).tolist() == [[1.0, 2.0], [0.0, 0.0]]


def test_numpy_habits():
    t = Tensor([1.0, 3.0, 3.0], requires_grad=True)
    assert isinstance(np.exp(t), Tensor) and isinstance(np.sum(t, axis=0), Tensor)
    assert isinstance(np.array([1.0, 2.0, 3.0]) * t, Tensor)
    assert type(np.asarray(t)) is np.ndarray and type(t.numpy()) is np.ndarray
    with pytest.raises(TypeError, match="np.fft"):
        np.fft.fft(t)
    assert np.argmax(t).dtype == np.int64 and (t > 2).dtype == np.bool_
    t.max().backward()
    assert t.grad.tolist() == [0.0, 0.5, 0.5]                          # ties share
    for f in (ag.relu, ag.abs, ag.sign):
        z = Tensor(0.0, requires_grad=True)
        f(z).backward()
        assert z.grad.item() == 0.0
    v = Tensor([0.0, 0.0], requires_grad=True)
    np.linalg.norm(v).backward()
    assert v.grad.tolist() == [0.0, 0.0]


def test_micrograd_habits():
    a = Tensor(2.0, requires_grad=True)
    assert a.grad is None and not Tensor(2.0).requires_grad
    (a ** a).backward()                                # both sides differentiable
    assert np.isclose(a.grad.item(), 4 * (np.log(2) + 1))
    ag.manual_seed(1)
    scalar = nn.ScalarMLP(2, [8, 8, 1])
    assert all(p.shape == () for p in scalar.parameters())            # one node per weight
    scalar.zero_grad()
    assert all(p.grad is None for p in scalar.parameters())
