"""Tensor.register_hook: hooks see, and may replace, the gradient flowing into a tensor."""

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor


def test_hook_sees_the_gradient_of_an_intermediate():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.data.copy()))
    (y * y).sum().backward()                        # d/dy Σy² = 2y
    np.testing.assert_allclose(seen[0], 2 * y.data)
    np.testing.assert_allclose(x.grad.data, 3 * 2 * y.data)
    assert y.grad is None                           # observing does not retain


def test_hook_replacing_the_gradient_changes_everything_upstream():
    x = Tensor([1.0, -2.0], requires_grad=True)
    y = ag.tanh(x)
    y.register_hook(lambda g: g * 0 + 1)            # pretend d loss/dy = 1
    (100 * y).sum().backward()
    np.testing.assert_allclose(x.grad.data, 1 - np.tanh(x.data) ** 2)


def test_hook_on_a_leaf_changes_what_is_accumulated():
    w = Tensor([3.0, -4.0], requires_grad=True)
    w.register_hook(lambda g: ag.clip(g, -1.0, 1.0))   # gradient clipping per element
    (w * Tensor([5.0, 0.5])).sum().backward()
    np.testing.assert_allclose(w.grad.data, [1.0, 0.5])
    (w * 2).sum().backward()                        # gradients add, each hooked
    np.testing.assert_allclose(w.grad.data, [2.0, 1.5])


def test_hooks_chain_in_registration_order_and_run_once_on_the_total():
    x = Tensor(1.0, requires_grad=True)
    y = x * 1
    calls = []
    y.register_hook(lambda g: calls.append(("a", g.item())) or g + 1)
    y.register_hook(lambda g: calls.append(("b", g.item())) or g * 10)
    (y + y + y).backward()                          # three contributions of 1, summed first
    assert calls == [("a", 3.0), ("b", 4.0)]
    assert x.grad.item() == 40.0


def test_remove_unregisters_and_is_idempotent():
    x = Tensor(2.0, requires_grad=True)
    triple = lambda g: g * 3
    h1 = x.register_hook(triple)
    h2 = x.register_hook(triple)
    h1.remove()
    h1.remove()                                     # must not remove h2's registration
    (x * 1).backward()
    assert x.grad.item() == 3.0
    h2.remove()
    x.grad = None
    (x * 1).backward()
    assert x.grad.item() == 1.0


def test_hooks_get_tensors_and_are_differentiable_with_create_graph():
    x = Tensor(2.0, requires_grad=True)
    y = x * x
    kinds = []
    y.register_hook(lambda g: kinds.append(type(g)) or g * x)   # d loss/dy becomes x
    (g,) = ag.grad(y, x, create_graph=True)        # g = x · 2x = 2x²
    assert g.item() == 8.0 and g.requires_grad
    (h,) = ag.grad(g, x)                            # d/dx 2x² = 4x
    assert h.item() == 8.0
    y.backward()
    assert kinds == [Tensor, Tensor]               # the second grad does not pass through y


def test_hook_on_the_root_and_in_autograd_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x ** 2).sum()
    y.register_hook(lambda g: g * 5)
    (gx,) = ag.grad(y, x)
    np.testing.assert_allclose(gx.data, 5 * 2 * x.data)
    assert x.grad is None


def test_retained_grad_shows_the_hooked_gradient_whatever_the_order():
    x = Tensor([1.0, 2.0], requires_grad=True)
    for retain_first in (True, False):
        x.grad = None
        y = x * 2
        if retain_first:
            y.retain_grad()
        y.register_hook(lambda g: g * 10)
        if not retain_first:
            y.retain_grad()
        (y * y).sum().backward()
        np.testing.assert_allclose(y.grad.data, 10 * 2 * y.data)
        np.testing.assert_allclose(x.grad.data, 2 * 10 * 2 * y.data)


def test_hook_result_keeps_the_tensor_dtype():
    x = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    x.register_hook(lambda g: Tensor(np.full(2, 0.5)))   # float64 from the hook
    (x * 2).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, 0.5)


def test_hook_errors():
    with pytest.raises(RuntimeError, match="register_hook.*does not require grad"):
        Tensor(1.0).register_hook(lambda g: g)
    x = Tensor(np.ones(3), requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: Tensor(np.ones(4)))
    with pytest.raises(ValueError, match=r"hook.*shape \(4,\).*shape \(3,\)"):
        y.sum().backward()
