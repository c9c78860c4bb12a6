"""detect_anomaly(): NaN/inf in the forward or backward pass raises at once, naming the op and
the line of user code that created it (the marker comments below are what the tests find)."""

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor, functional as F

def quiet():
    """NumPy's own floating-point warnings are not under test here."""
    return np.errstate(all="ignore")


def test_log_of_zero_in_forward_names_op_and_line():
    x = Tensor([1.0, 0.0], requires_grad=True)
    with quiet(), ag.detect_anomaly(), pytest.raises(ag.AnomalyError) as info:
        ag.log(x)  # marker: forward-log
    msg = str(info.value)
    assert msg.startswith("log: forward produced inf")
    assert "test_anomaly.py" in msg and "marker: forward-log" in msg
    assert isinstance(info.value, FloatingPointError)


def _helper(x):
    return ag.exp(x * 1000)  # marker: helper-exp


def test_overflow_in_a_helper_shows_helper_and_caller():
    with quiet(), ag.detect_anomaly(), pytest.raises(ag.AnomalyError) as info:
        _helper(Tensor(1.0, requires_grad=True))  # marker: caller
    msg = str(info.value)
    assert msg.startswith("exp: forward produced inf")
    assert "marker: helper-exp" in msg and "marker: caller" in msg
    assert msg.index("marker: caller") < msg.index("marker: helper-exp")   # innermost last


def test_zero_times_inf_in_backward_names_op_and_line():
    x = Tensor([4.0, 0.0], requires_grad=True)
    mask = Tensor([1.0, 0.0])
    with quiet(), ag.detect_anomaly():
        root = x ** 0.5  # marker: backward-power
        loss = (root * mask).sum()                   # forward finite: [2, 0]
        assert np.isfinite(loss.item())
        with pytest.raises(ag.AnomalyError) as info:
            loss.backward()                          # 0 · 0.5 · 0^(-1/2) = 0 · inf
    msg = str(info.value)
    assert msg.startswith("power: backward produced NaN in the gradient of input 0 (shape (2,))")
    assert "marker: backward-power" in msg
    assert x.grad is None


def test_without_anomaly_mode_nothing_raises():
    """The negative control: the same computations quietly give NaN/inf."""
    with quiet():
        assert np.isinf(ag.log(Tensor(0.0, requires_grad=True)).item())
        x = Tensor([4.0, 0.0], requires_grad=True)
        ((x ** 0.5) * Tensor([1.0, 0.0])).sum().backward()
    assert np.isnan(x.grad.data[1]) and x.grad.data[0] == 0.25


def test_backward_only_in_anomaly_mode_says_how_to_find_the_line():
    x = Tensor(0.0, requires_grad=True)
    with quiet():
        loss = ag.sqrt(x) * 0
        with ag.detect_anomaly(), pytest.raises(ag.AnomalyError) as info:
            loss.backward()
    assert info.value.args[0].startswith("sqrt: backward produced NaN")
    assert "run it inside too" in str(info.value)


def test_nan_inputs_blame_only_the_op_that_made_them():
    with quiet(), ag.detect_anomaly():
        y = ag.log(Tensor([np.nan, 1.0], requires_grad=True)) * 2     # NaN in, NaN out: fine
    assert np.isnan(y.data[0])


def test_custom_function_and_transforms_are_covered():
    class Bad(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g * np.inf * 0

    with quiet(), ag.detect_anomaly():
        y = Bad.apply(Tensor(1.0, requires_grad=True))  # marker: custom
        with pytest.raises(ag.AnomalyError) as info:
            y.backward()
    assert str(info.value).startswith("Bad: backward produced NaN")
    assert "marker: custom" in str(info.value)
    with quiet(), ag.detect_anomaly(), pytest.raises(ag.AnomalyError) as info:
        F.grad(lambda x: ag.log(x - 1))(1.0)  # marker: transform
    assert "marker: transform" in str(info.value)


def test_mode_is_scoped_and_works_as_decorator():
    assert not ag.is_anomaly_enabled()

    @ag.detect_anomaly()
    def inside():
        return ag.is_anomaly_enabled()

    assert inside() and not ag.is_anomaly_enabled()
    with pytest.raises(ZeroDivisionError):
        with ag.detect_anomaly():
            1 / 0
    assert not ag.is_anomaly_enabled()
