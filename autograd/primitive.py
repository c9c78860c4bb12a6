"""How a primitive is declared and applied.

A primitive is a forward function on arrays plus one VJP per differentiable input:

    @primitive
    def mul(x, y):
        "x * y; d/dx = y, d/dy = x"
        return x * y

    mul.defvjp(lambda g, out, x, y: g * y,
               lambda g, out, x, y: g * x)

Arrays are positional arguments, metadata (axis, shape, ...) keyword arguments. A VJP gets the
output cotangent `g`, the output `out`, the inputs and the keywords, and returns the cotangent
of its input. VJPs are written with operators and autograd functions only, which makes them
work on two kinds of value:

- during `backward(create_graph=True)` they get Tensors, so the backward pass is recorded and
  can be differentiated again;
- otherwise the engine hands them plain arrays and every primitive called inside computes
  directly with NumPy (`_state.raw`), so a first-order backward costs no graph bookkeeping.

A VJP may return a cotangent of a broadcast shape: the engine sums it down to the input's shape
(the one place where broadcasting is undone) and checks the result.
"""

import inspect
import os
import sys
import traceback

import numpy as np

from .grad_mode import _state
from .tensor import Tensor

_new = object.__new__
_PASS = {float, int, bool, np.ndarray, np.float64, np.float32, np.float16, np.int64, np.bool_}


class Primitive:
    """The engine's record of an operation: `fwd` on arrays, one VJP per differentiable input,
    and `apply`, the function users call (a plain function: cheaper to call than an object,
    and it binds as a method, so primitives serve directly as Tensor methods and operators)."""

    def __init__(self, fwd, name=None):
        self.fwd = fwd
        self.name = name or fwd.__name__
        self.meta = _metadata_params(fwd)
        self.vjps = None          # None: the output never requires grad (comparisons, argmax)
        self.apply = _make_apply(self)

    def defvjp(self, *vjps):
        """Declare the VJPs, one per positional input in order (None: no gradient flows there)."""
        self.vjps = vjps
        return self.apply

    def defvjp_argnum(self, vjp):
        """Declare one VJP for any number of inputs: vjp(argnum, g, out, *inputs, **kw)."""
        self.vjps = _PerInput(vjp)
        return self.apply

    def __repr__(self):
        return f"<primitive {self.name}>"


def _metadata_params(fwd):
    """(number of array parameters, names of the metadata parameters after them), or None:
    the parameters with defaults (axis, keepdims, ...) after the leading ones without, and the
    keyword-only ones (`def reshape(x, *, shape)`: required metadata, never taken for an array)."""
    try:
        params = list(inspect.signature(fwd).parameters.values())
    except (TypeError, ValueError):         # ufuncs and builtins: arrays only
        return None
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
        return None
    n = next((i for i, p in enumerate(params) if p.default is not p.empty
              or p.kind == p.KEYWORD_ONLY), len(params))
    return n, [p.name for p in params[n:]]


def _as_keywords(prim, values, names):
    """Metadata passed positionally, as the keywords they stand for."""
    if len(values) > len(names):
        raise TypeError(f"{prim.name}: takes at most {len(names)} argument(s) after the arrays "
                        f"({', '.join(names) or 'none'}); got {len(values)}")
    return dict(zip(names, values))


class _PerInput:
    """vjps[i] of a primitive declared with defvjp_argnum."""

    def __init__(self, vjp):
        self.vjp = vjp

    def __getitem__(self, i):
        return lambda g, out, *xs, **kw: self.vjp(i, g, out, *xs, **kw)


def _make_apply(prim):
    fwd = prim.fwd
    n_arrays, meta_names = prim.meta or (sys.maxsize, ())

    def apply(*args, **kw):
        if _state.raw:
            return fwd(*args, **kw)
        if len(args) > n_arrays:    # metadata given positionally (x.sum(0)): make it keywords
            return apply(*args[:n_arrays], **_as_keywords(prim, args[n_arrays:], meta_names), **kw)
        arrays = []
        needs_grad = False
        any_tensor = False
        converted = False
        for a in args:
            if isinstance(a, Tensor):
                any_tensor = True
                arrays.append(a._data)
                if a.requires_grad:
                    needs_grad = True
            elif type(a) in _PASS:
                arrays.append(a)
            else:
                arrays.append(np.asarray(a))
                converted = True
        if not any_tensor:          # all raw: build Tensors so dtypes follow the default
            if not args:
                raise TypeError(f"{prim.name}: needs at least one array argument")
            return apply(*[Tensor(a) for a in arrays], **kw)
        try:
            out = fwd(*arrays, **kw)
        except (ValueError, TypeError, IndexError) as e:
            raise _op_error(prim.name, e, arrays) from e
        t = _new(Tensor)
        t._data = out
        if needs_grad and _state.grad_enabled and prim.vjps is not None:
            t.requires_grad = True
            t._op = prim
            t._inputs = args if not converted else tuple(
                a if isinstance(a, Tensor) else arr for a, arr in zip(args, arrays))
            t._kw = kw
            t._stamp = _state.clock
        else:
            t.requires_grad = False
            t._op = None
        if _state.anomaly:
            _check_forward(prim, t, arrays)
        return t

    apply.__name__ = apply.__qualname__ = prim.name
    apply.__doc__ = fwd.__doc__
    apply.__wrapped__ = fwd
    apply.primitive = prim
    apply.defvjp = prim.defvjp
    apply.defvjp_argnum = prim.defvjp_argnum
    return apply


def primitive(fwd=None, *, name=None):
    """Decorator: an array function becomes a differentiable function; declare its VJPs with
    `.defvjp(...)`. The result is a plain function with `.primitive`, the engine's record."""
    if fwd is None:
        return lambda f: Primitive(f, name).apply
    return Primitive(fwd, name).apply


def shapes_of(arrays):
    """The shapes of the array arguments of an op, for error messages."""
    return ", ".join(str(np.shape(a)) for a in arrays)


def _op_error(name, e, arrays):
    """Re-raise a NumPy error from inside an op's forward with the op and input shapes named."""
    msg = str(e)
    if not msg.startswith(f"{name}:"):
        msg = f"{name}: {msg} (input shapes {shapes_of(arrays)})"
    if isinstance(e, np.exceptions.AxisError):
        return np.exceptions.AxisError(msg)
    try:
        return type(e)(msg)
    except Exception:
        return ValueError(msg)


class AnomalyError(FloatingPointError):
    """Raised in `detect_anomaly()` mode when an op produces NaN or inf."""


def creation_site(t):
    """Where in user code tensor `t` was created (recorded only in anomaly mode), as text."""
    trace = getattr(t, "_trace", None)
    if not trace:
        return ("  (unknown: the forward pass ran outside detect_anomaly(); run it inside too "
                "to see the line)\n")
    return "".join(traceback.format_list(trace))


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _user_frames():
    stack = traceback.extract_stack()[:-3]
    user = [f for f in stack if not os.path.abspath(f.filename).startswith(_PACKAGE_DIR)]
    return user[-6:] or stack[-6:]


def _check_forward(op, t, arrays):
    t._trace = _user_frames()
    if _all_finite(t._data):
        return
    if all(_all_finite(a) for a in arrays if isinstance(a, (np.ndarray, np.generic, float))):
        kind = "NaN" if np.isnan(t._data).any() else "inf"
        raise AnomalyError(f"{op.name}: forward produced {kind} from finite inputs "
                           f"(input shapes {shapes_of(arrays)}). The op was created at:\n"
                           + creation_site(t))


def _all_finite(a):
    a = np.asarray(a)
    return not np.issubdtype(a.dtype, np.inexact) or bool(np.isfinite(a).all())
