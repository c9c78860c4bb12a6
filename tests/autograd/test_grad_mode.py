"""The engine's modes are per thread (issue 9, item 8): no_grad in one thread never stops
another from recording, and two threads train two models to the same numbers as alone."""

import threading

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor


def train(seed, steps=60, barrier=None):
    """A small least-squares fit by hand-written SGD, every step under no_grad for the update."""
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal((16, 3)), rng.standard_normal(16)
    w = Tensor(np.zeros(3), requires_grad=True)
    losses = []
    for _ in range(steps):
        if barrier is not None:
            barrier.wait()                  # interleave the two threads step by step
        loss = ((Tensor(x) @ w - y) ** 2).mean()
        w.grad = None
        loss.backward()
        with ag.no_grad():
            w -= 0.1 * w.grad
        losses.append(float(loss))
    return w.data.copy(), losses


def test_two_threads_train_to_the_same_numbers_as_alone():
    alone = [train(1), train(2)]
    barrier = threading.Barrier(2)
    results = [None, None]

    def run(i):
        results[i] = train(i + 1, barrier=barrier)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for (wa, la), (wb, lb) in zip(alone, results):
        np.testing.assert_array_equal(wa, wb)
        assert la == lb
    assert ag.is_grad_enabled()


def test_no_grad_in_one_thread_does_not_stop_recording_in_another():
    inside, recorded = threading.Event(), {}
    done = threading.Event()

    def quiet():
        with ag.no_grad():
            inside.set()
            done.wait(5)

    t = threading.Thread(target=quiet)
    t.start()
    inside.wait(5)
    x = Tensor(2.0, requires_grad=True)
    recorded["y"] = (x * x).requires_grad
    done.set()
    t.join()
    assert recorded["y"] and ag.is_grad_enabled()


def test_modes_start_at_their_defaults_in_a_new_thread():
    seen = {}
    with ag.no_grad(), ag.detect_anomaly():
        t = threading.Thread(target=lambda: seen.update(grad=ag.is_grad_enabled(),
                                                        anomaly=ag.is_anomaly_enabled()))
        t.start()
        t.join()
    assert seen == {"grad": True, "anomaly": False}


def test_set_grad_enabled_as_a_call_a_context_and_a_decorator():
    ag.set_grad_enabled(False)
    assert not ag.is_grad_enabled()
    ag.set_grad_enabled(True)
    with ag.set_grad_enabled(False):
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()

    @ag.set_grad_enabled(False)
    def f():
        return ag.is_grad_enabled()

    assert ag.is_grad_enabled() and f() is False and ag.is_grad_enabled()


def test_a_mode_is_restored_when_an_exception_passes_through():
    with pytest.raises(ZeroDivisionError):
        with ag.no_grad():
            1 / 0
    assert ag.is_grad_enabled()


# ---- scopes: composites and user functions name the tensors they make (issue 14) -----------
def test_composites_and_user_scopes_are_recorded_outermost_first():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with ag.scope("mine"):
        y = ag.softmax(x)
    assert y.scope == ("mine", "softmax")
    assert (x * 2).scope == () and x.scope == ()            # outside any scope; a leaf

    @ag.scope("double")
    def double(t):
        return t * 2

    assert double(x).scope == ("double",) and ag.grad_mode.modes.scope == ()


def test_a_scope_is_left_even_when_an_error_passes_through():
    with pytest.raises(np.exceptions.AxisError):
        ag.softmax(Tensor([1.0]), axis=3)
    assert ag.grad_mode.modes.scope == ()


def test_scopes_change_no_value_or_gradient():
    rng = np.random.default_rng(0)
    data = rng.standard_normal((3, 4))
    results = []
    for scoped in (False, True):
        x = Tensor(data, requires_grad=True)
        if scoped:
            with ag.scope("outer"):
                y = (ag.log_softmax(x, axis=1) * ag.tanh(x)).sum()
        else:
            y = (ag.log_softmax(x, axis=1) * ag.tanh(x)).sum()
        (g,) = ag.grad(y, x)
        results.append((float(y), g.data))
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])


def test_record_source_keeps_the_users_line_not_the_librarys():
    import nn
    layer = nn.Linear(2, 3)                                   # its ops run inside nn and autograd
    with ag.record_source():
        y = layer(ag.Tensor([[1.0, 2.0]]))
    path, line, function = y.source
    assert path == __file__
    assert function == "test_record_source_keeps_the_users_line_not_the_librarys"
    assert "y = layer(" in open(path, encoding="utf-8").read().splitlines()[line - 1]
    assert (layer(ag.Tensor([[1.0, 2.0]]))).source is None              # off by default
    with ag.record_source():
        with ag.record_source(False):
            assert (ag.Tensor([1.0]) * 2).source is None
    assert not ag.grad_mode.modes.source


def test_record_source_gives_leaves_and_parameters_their_line_too():
    import nn
    with ag.record_source():
        x = ag.Tensor([1.0, 2.0], requires_grad=True)                 # LEAF
        layer = nn.Linear(2, 3)                                        # PARAMETERS
    lines = open(__file__, encoding="utf-8").read().splitlines()
    assert "# LEAF" in lines[x.source[1] - 1]
    assert "# PARAMETERS" in lines[layer.weight.source[1] - 1]
    assert ag.Tensor(1.0).source is None                                   # off again
