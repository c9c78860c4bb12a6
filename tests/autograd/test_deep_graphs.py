"""Deep graphs: a million-op scalar chain builds and backpropagates without recursion, and
dropping the output frees every intermediate at once (no reference cycles: checked with the
cyclic garbage collector disabled)."""

import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor


@pytest.fixture
def no_gc():
    """Run with the cyclic collector off, so only reference counting can free anything."""
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    yield
    if was:
        gc.enable()


def test_million_op_scalar_chain(no_gc):
    n = 1_000_000
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(n // 2):
        y = y * 1.0000001
        y = y - 1e-9
    y.backward()
    want = 1.0000001 ** (n // 2)
    assert x.grad.item() == pytest.approx(want, rel=1e-9)
    probes = [weakref.ref(y)]
    t = y
    for _ in range(3):
        t = t.inputs[0]
        probes.append(weakref.ref(t))
    del t, y                                   # the whole chain goes with the last reference
    assert all(p() is None for p in probes)


def test_deep_chain_of_mixed_ops_and_create_graph():
    x = Tensor(np.array([0.5, -0.5]), requires_grad=True)
    y = x
    for _ in range(2_000):
        y = ag.tanh(y).reshape(2, 1)[:, 0] * 1.0001
    (g,) = ag.grad(y.sum(), x, create_graph=True)
    (gg,) = ag.grad(g.sum(), x)
    assert np.all(np.isfinite(g.data)) and np.all(np.isfinite(gg.data))


@pytest.mark.parametrize("after_backward", [False, True])
def test_dropping_the_output_frees_every_intermediate(no_gc, after_backward):
    x = Tensor(np.ones(1000), requires_grad=True)
    w = Tensor(np.full(1000, 0.5), requires_grad=True)
    h = x
    probes = []
    for k in range(50):
        h = ag.tanh(h * w + k) if k % 2 else ag.exp(-h).sum(keepdims=True) * h
        probes.append(weakref.ref(h))
    loss = h.sum()
    if after_backward:
        loss.backward()
        assert x.grad is not None and w.grad is not None
    assert all(p() is not None for p in probes)       # the graph lives while loss does ...
    del h, loss
    assert all(p() is None for p in probes)           # ... and goes at once without it
    if after_backward:
        assert x.grad.op is None and not x.grad.requires_grad     # .grad holds no graph
    else:
        assert x.grad is None


def test_memory_of_arrays_is_returned(no_gc):
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        x = Tensor(np.ones(100_000), requires_grad=True)
        h = x
        for _ in range(20):
            h = ag.sin(h) * 1.5
        h.sum().backward()
        peak = tracemalloc.get_traced_memory()[0] - base
        del h
        x.grad = None
        left = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert peak > 20 * 800_000                       # 40 arrays of 800 kB were alive ...
    assert left < 1_000_000                          # ... and only x (800 kB) remains


# ---- wide nodes: work linear in the number of inputs ----------------------------------------


def test_stack_of_many_scalars_calls_its_vjp_once(monkeypatch):
    """stack/concatenate of n tensors: one VJP call for the node (n calls, each handed all n
    inputs, made backward O(n²): 3.4 s for 10,000 scalars), and every slice's gradient right,
    constants among the inputs included."""
    from autograd.ops.shape import _concatenate
    calls = []
    all_vjp = _concatenate.primitive.vjp_all
    monkeypatch.setattr(_concatenate.primitive, "vjp_all",
                        lambda *a, **k: calls.append(1) or all_vjp(*a, **k))
    n = 5000
    x = Tensor(np.arange(n, dtype=float), requires_grad=True)
    parts = [x[i] * 2.0 if i % 3 else Tensor(1.0) for i in range(n)]
    (ag.stack(parts) * np.arange(n)).sum().backward()
    assert len(calls) == 1
    expected = np.where(np.arange(n) % 3 != 0, 2.0 * np.arange(n), 0.0)
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_concatenate_vjp_for_one_input_serves_pictures_and_create_graph():
    """The per-input view of an all-at-once VJP (used by pictures) and create_graph agree with
    the plain backward."""
    a, b = Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(3), requires_grad=True)
    y = ag.concatenate([a * 2.0, b * 3.0])
    g = np.arange(5.0)
    from autograd.engine import contribution
    np.testing.assert_array_equal(contribution(y, 1, g), [2.0, 3.0, 4.0])
    ga, gb = ag.grad((y * y).sum(), [a, b], create_graph=True)
    np.testing.assert_array_equal(ga.numpy(), [8.0, 8.0])
    (h,) = ag.grad(gb.sum(), b)
    np.testing.assert_array_equal(h.numpy(), [18.0, 18.0, 18.0])
