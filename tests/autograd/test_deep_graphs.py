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
