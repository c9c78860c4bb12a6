"""The engine's modes, in one place, per thread: whether operations are recorded (grad mode),
whether VJPs compute on plain arrays (the engine's array mode) and anomaly detection.

Each thread has its own modes, as in PyTorch: a `no_grad()` in one thread never stops another
from recording. Modes are entered only through the context managers below, which restore the
previous mode on exit, also when an exception passes through.

Array mode is the engine's: during a first-order `backward()` the VJPs get plain ndarrays and
every primitive they call computes with NumPy directly, recording nothing (see
autograd/primitive.py for the rule a VJP follows so that it runs on arrays and on Tensors).
"""

import contextlib
import sys
import threading


RECORDING, NOT_RECORDING, OTHER = 0, 1, 2     # the values of `modes.state`


class _Modes(threading.local):
    """This thread's modes (class attributes are every new thread's defaults). `state` sums
    them up for the one check every op makes: RECORDING (grad on, nothing else),
    NOT_RECORDING (grad off, nothing else) or OTHER (look at the three)."""
    grad = True         # operations on tensors that require grad are recorded
    arrays = False      # VJPs run on ndarrays; primitives called on arrays return arrays
    anomaly = False     # NaN/inf in any forward or backward result raises AnomalyError
    state = RECORDING
    scope = ()          # the names of the composites and modules being run, outermost first
    source = False      # each op's result remembers the line of user code that made it


modes = _Modes()


def _set(**settings):
    for k, v in settings.items():
        setattr(modes, k, v)
    modes.state = (OTHER if modes.arrays or modes.anomaly or modes.source else
                   RECORDING if modes.grad else NOT_RECORDING)


class _Switch(contextlib.ContextDecorator):
    """Set some modes of this thread on entry, restore them on exit (also as a decorator)."""

    def __init__(self, **settings):
        self.settings = settings
        self.saved = []

    def __enter__(self):
        self.saved.append({k: getattr(modes, k) for k in self.settings})
        _set(**self.settings)
        return self

    def __exit__(self, *exc):
        _set(**self.saved.pop())
        return False

    def _recreate_cm(self):
        return _Switch(**self.settings)


def modes_for_vjps(create_graph):
    """The modes the engine runs VJPs in: on Tensors with grad on (create_graph), else on arrays."""
    return _Switch(grad=bool(create_graph), arrays=not create_graph)


def tensor_mode(grad):
    """Run user code on Tensors (array mode off) with grad mode `grad`: hooks, Function.backward."""
    return _Switch(grad=bool(grad), arrays=False)


class no_grad(_Switch):
    """Context manager / decorator: operations inside record no graph (cheap inference, updates)."""

    def __init__(self):
        super().__init__(grad=False)

    def _recreate_cm(self):
        return no_grad()


class enable_grad(_Switch):
    """Context manager / decorator: turn recording back on inside a `no_grad` block."""

    def __init__(self):
        super().__init__(grad=True)

    def _recreate_cm(self):
        return enable_grad()


class set_grad_enabled(_Switch):
    """Set grad mode to `mode`: as a plain call (takes effect at once, like
    torch.set_grad_enabled(False)), a context manager, or a decorator."""

    def __init__(self, mode):
        super().__init__(grad=bool(mode))
        self.saved.append({"grad": modes.grad})
        _set(grad=bool(mode))

    def __enter__(self):
        return self                 # the switch happened in __init__; __exit__ restores it

    def __call__(self, fn):
        self.__exit__()             # as a decorator it switches only inside the calls
        return super().__call__(fn)

    def _recreate_cm(self):
        return _Switch(grad=self.settings["grad"])


class scope(contextlib.ContextDecorator):
    """Context manager / decorator: the ops run inside record `name` as part of their scope
    (`Tensor.scope`), so a picture can draw them as one box. Composites and nn modules enter
    one automatically; use it for your own functions. Costs one tuple per call, nothing per op."""

    def __init__(self, name):
        self.name = str(name)
        self.saved = []

    def __enter__(self):
        self.saved.append(modes.scope)
        modes.scope = modes.scope + (self.name,)
        return self

    def __exit__(self, *exc):
        modes.scope = self.saved.pop()
        return False

    def _recreate_cm(self):
        return scope(self.name)


def is_grad_enabled():
    """True when operations are being recorded for differentiation (in this thread)."""
    return modes.grad


class detect_anomaly(_Switch):
    """Raise at once when an op makes NaN or inf, forward or backward, naming where it was created."""

    def __init__(self, check_nan=True):
        super().__init__(anomaly=bool(check_nan))

    def _recreate_cm(self):
        return detect_anomaly(self.settings["anomaly"])


class record_source(_Switch):
    """Context manager / decorator: each tensor an op makes inside remembers the line of user
    code that made it (`Tensor.source`), which autograd.viz.explore shows on hover. Off by
    default: it walks up the call stack once per op (grad mode itself costs nothing extra)."""

    def __init__(self, enabled=True):
        super().__init__(source=bool(enabled))

    def _recreate_cm(self):
        return record_source(self.settings["source"])


LIBRARY = frozenset({"autograd", "nn", "contextlib", "functools"})   # not the user's code


def user_site(depth=2):
    """(file, line, function) of the innermost caller frame, `depth` frames up or more, whose
    module is outside chainrule's packages (autograd, nn); None if there is none."""
    f = sys._getframe(depth)
    while f is not None and f.f_globals.get("__name__", "").partition(".")[0] in LIBRARY:
        f = f.f_back
    return None if f is None else (f.f_code.co_filename, f.f_lineno, f.f_code.co_name)


def is_anomaly_enabled():
    """True inside `detect_anomaly()` (in this thread)."""
    return modes.anomaly
