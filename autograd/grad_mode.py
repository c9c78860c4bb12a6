"""Global switches of the engine: whether operations are recorded, and anomaly detection.

The state is process-wide (not per thread), like NumPy's error state: keep one graph-building
thread per process. `_state.raw` is set only by the engine while it runs VJPs without
`create_graph`; then primitives compute on plain arrays and record nothing.
"""

import contextlib


class _state:
    grad_enabled = True
    raw = False
    anomaly = False
    clock = 0          # bumped by every in-place change; see Tensor._version


class _DecoratorContext(contextlib.ContextDecorator):
    """A context manager that sets grad mode on entry and restores it on exit."""

    def __init__(self, enabled):
        self.enabled = enabled

    def __enter__(self):
        self.prev = _state.grad_enabled
        _state.grad_enabled = self.enabled
        return self

    def __exit__(self, *exc):
        _state.grad_enabled = self.prev
        return False

    def _recreate_cm(self):
        return type(self)(self.enabled)


class no_grad(_DecoratorContext):
    """Context manager / decorator: operations inside record no graph (cheap inference, updates)."""

    def __init__(self):
        super().__init__(False)

    def _recreate_cm(self):
        return no_grad()


class enable_grad(_DecoratorContext):
    """Context manager / decorator: turn recording back on inside a `no_grad` block."""

    def __init__(self):
        super().__init__(True)

    def _recreate_cm(self):
        return enable_grad()


class set_grad_enabled(_DecoratorContext):
    """Set grad mode to `mode`; works as a plain call, a context manager or a decorator."""

    def __init__(self, mode):
        super().__init__(bool(mode))
        self.prev = _state.grad_enabled
        _state.grad_enabled = self.enabled   # takes effect at once, as torch.set_grad_enabled(False)

    def __enter__(self):
        return self

    def __call__(self, fn):
        _state.grad_enabled = self.prev      # as a decorator it switches only inside the calls
        return super().__call__(fn)

    def _recreate_cm(self):
        return set_grad_enabled(self.enabled)

    def __exit__(self, *exc):
        _state.grad_enabled = self.prev
        return False


def is_grad_enabled():
    """True when operations are being recorded for differentiation."""
    return _state.grad_enabled


class detect_anomaly(contextlib.ContextDecorator):
    """Raise at once when an op makes NaN or inf, forward or backward, naming where it was created."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self.prev = _state.anomaly
        _state.anomaly = self.check_nan
        return self

    def __exit__(self, *exc):
        _state.anomaly = self.prev
        return False


def is_anomaly_enabled():
    """True inside `detect_anomaly()`."""
    return bool(_state.anomaly)
