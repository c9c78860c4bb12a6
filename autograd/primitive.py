"""How a primitive is declared and applied (composites are marked in ops/composite.py).

A primitive is a forward function on arrays plus one VJP per differentiable input:

    @primitive
    def mul(x, y):
        "x * y; d/dx = y, d/dy = x"
        return x * y

    mul.defvjp(lambda g, out, x, y: g * y,
               lambda g, out, x, y: g * x)

Arrays are positional arguments, metadata (axis, shape, ...) keyword arguments. A VJP gets the
output cotangent `g`, the output `out`, the inputs and the keywords, and returns the cotangent
of its input, possibly of a broadcast shape (the engine sums it down to the input's shape).

The rule every VJP follows: it is written with operators and autograd functions only (np.shape
and np.ndim aside), never with NumPy functions on g, out or the inputs, because it runs on two
kinds of value:
- during a first-order backward the engine hands it plain arrays (array mode, see grad_mode):
  every primitive it calls computes directly with NumPy and records nothing, so a first-order
  backward costs no graph bookkeeping;
- during `backward(create_graph=True)` it gets Tensors, so the backward pass is recorded and
  can be differentiated again.

Applying a primitive records, on the Tensor it returns: the primitive, its inputs and keywords,
the positions of the inputs that receive a gradient (`_parents`: those that require grad and
have a VJP) and the clock tick of its making (`_seq`, which orders the graph, see graph.py).
"""

import inspect
import os
import sys
import traceback

import numpy as np

from .grad_mode import OTHER, RECORDING, modes, user_site
from .tensor import Tensor, clock

_new = object.__new__
_tick = clock.tick
_PASS = {float, int, bool, np.ndarray, np.float64, np.float32, np.float16, np.int64, np.bool_}
# the positions that receive a gradient, for one or two inputs: shared constant tuples
_FIRST, _SECOND, _BOTH, _NONE = (0,), (1,), (0, 1), ()


class Primitive:
    """The engine's record of an operation: `fwd` on arrays, one VJP per differentiable input,
    and `apply`, the function users call (a plain function: cheaper to call than an object,
    and it binds as a method, so primitives serve directly as Tensor methods and operators)."""

    def __init__(self, fwd, name=None):
        self.fwd = fwd
        self.name = name or fwd.__name__
        self.n_arrays, self.array_names, self.meta_names = _parameters(fwd)
        self.vjps = None          # None: the output never requires grad (comparisons, argmax)
        self.some_none = False    # True when some inputs have no VJP (where's condition)
        self.vjps_into = None     # optional in-place forms of the VJPs (see defvjp_into)
        self.vjp_all = None       # one VJP for every input at once (see defvjp_all)
        self.apply = apply = _make_apply(self)
        apply.__name__ = apply.__qualname__ = self.name
        apply.__doc__, apply.__wrapped__ = fwd.__doc__, fwd
        apply.primitive, apply.defvjp, apply.defvjp_argnum = self, self.defvjp, self.defvjp_argnum
        apply.defvjp_into, apply.defvjp_all = self.defvjp_into, self.defvjp_all

    def defvjp(self, *vjps):
        """Declare the VJPs, one per positional input in order (None: no gradient flows there)."""
        self.vjps = vjps
        self.some_none = None in vjps
        return self.apply

    def defvjp_into(self, *adders):
        """Declare in-place forms of the VJPs for a first-order backward, one per input (None:
        use the VJP): adder(acc, g, out, *inputs, **kw) adds the input's cotangent, of the
        input's shape, into acc, the engine's engine.Gathering (`acc += c`, `acc.buffer()`, an
        array to write into, or `acc.add_product(a, b)` for aᵀb). getitem has one, so that n
        slices of an array cost one buffer in backward, not n arrays of its size; matmul has
        one, so that a weight used n times gets its gradient in one product."""
        self.vjps_into = adders
        return self.apply

    def defvjp_all(self, vjp):
        """Declare one VJP giving every input's cotangent at once: vjp(g, out, *inputs, **kw)
        returns a sequence, one per input. The engine calls it once per node, so an op with n
        inputs (concatenate of n tensors) costs O(n) in backward, not O(n²)."""
        self.vjps = _FromAll(vjp)
        self.vjp_all = vjp
        self.some_none = False
        return self.apply

    def defvjp_argnum(self, vjp):
        """Declare one VJP for any number of inputs: vjp(argnum, g, out, *inputs, **kw)."""
        self.vjps = _PerInput(vjp)
        self.some_none = False
        return self.apply

    def __repr__(self):
        return f"<primitive {self.name}>"


def _parameters(fwd):
    """(number of array parameters, their names, the metadata names after them). Arrays are
    the leading parameters without defaults; metadata are those with defaults (axis, ...) and
    the keyword-only ones (`def reshape(x, *, shape)`: required, never taken for an array).
    ufuncs and *args forwards take any number of arrays and no metadata by position."""
    try:
        params = list(inspect.signature(fwd).parameters.values())
    except (TypeError, ValueError):
        return sys.maxsize, (), ()
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return sys.maxsize, (), ()
    n = next((i for i, p in enumerate(params) if p.default is not p.empty
              or p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD)), len(params))
    return n, tuple(p.name for p in params[:n]), tuple(
        p.name for p in params[n:] if p.kind != p.VAR_KEYWORD)


class _FromAll:
    """vjps[i] of a primitive declared with defvjp_all (for callers other than the engine)."""

    def __init__(self, vjp):
        self.vjp = vjp

    def __getitem__(self, i):
        return lambda g, out, *xs, **kw: self.vjp(g, out, *xs, **kw)[i]


class _PerInput:
    """vjps[i] of a primitive declared with defvjp_argnum."""

    def __init__(self, vjp):
        self.vjp = vjp

    def __getitem__(self, i):
        return lambda g, out, *xs, **kw: self.vjp(i, g, out, *xs, **kw)


_PYTORCH_NAMES = {"dim": "axis", "keepdim": "keepdims"}


def pytorch_names(kw, name):
    """Keywords with PyTorch's dim/keepdim renamed to NumPy's axis/keepdims (the one place
    where the alias is made, for primitives and composites alike)."""
    if "dim" not in kw and "keepdim" not in kw:
        return kw
    kw = dict(kw)
    for torch_name, numpy_name in _PYTORCH_NAMES.items():
        if torch_name in kw:
            if numpy_name in kw:
                raise TypeError(f"{name}: got both {numpy_name}= and its alias {torch_name}=")
            kw[numpy_name] = kw.pop(torch_name)
    return kw


def _make_apply(prim):
    """The function users call for `prim`: inputs sorted into arrays and gradient-requiring
    positions, the forward run, the result recorded. Long because the one- and two-input cases
    are spelled out inline: every op of every graph passes through here."""
    fwd, name, n_arrays = prim.fwd, prim.name, prim.n_arrays
    if n_arrays == sys.maxsize:
        n_arrays = -1               # any number of arrays: nothing to arrange
    takes_axis = "axis" in prim.meta_names

    def apply(*args, **kw):
        n = len(args)
        if (n != n_arrays and n_arrays >= 0) or (takes_axis and kw):
            args, kw = _arrange(prim, args, kw)
            n = len(args)
        if n == 2:
            x, y = args
            if isinstance(x, Tensor):
                if isinstance(y, Tensor):
                    arrays = (x._data, y._data)
                    parents = ((_BOTH if y.requires_grad else _FIRST) if x.requires_grad
                               else _SECOND if y.requires_grad else _NONE)
                else:
                    if type(y) not in _PASS:
                        y = _as_constant(y, name)
                        args = (x, y)
                    arrays = (x._data, y)
                    parents = _FIRST if x.requires_grad else _NONE
            elif isinstance(y, Tensor):
                if type(x) not in _PASS:
                    x = _as_constant(x, name)
                    args = (x, y)
                arrays = (x, y._data)
                parents = _SECOND if y.requires_grad else _NONE
            elif modes.arrays:
                return fwd(x, y, **kw)
            else:
                return apply(_as_tensor(x, name), _as_tensor(y, name), **kw)
        elif n == 1:
            x, = args
            if isinstance(x, Tensor):
                arrays = (x._data,)
                parents = _FIRST if x.requires_grad else _NONE
            elif modes.arrays:
                return fwd(x, **kw)
            else:
                return apply(_as_tensor(x, name), **kw)
        else:
            args, arrays, parents = _classify(args, name)
            if arrays is None:
                return fwd(*args, **kw)
        try:
            out = fwd(*arrays, **kw)
        except (ValueError, TypeError, IndexError) as e:
            raise op_error(name, e, arrays) from e
        t = _new(Tensor)
        t._data = out
        state = modes.state
        if parents and state == RECORDING and prim.vjps is not None:
            if prim.some_none:
                parents = tuple(k for k in parents if prim.vjps[k] is not None)
            t.requires_grad = bool(parents)
            t._op, t._inputs, t._kw, t._parents, t._seq = prim, args, kw, parents, _tick()
            t._scope = modes.scope
        elif state == OTHER:
            _record_other(prim, t, args, kw, parents, arrays)
        else:
            t.requires_grad = False
            t._op = None
        return t

    return apply


def _record_other(prim, t, args, kw, parents, arrays):
    """Recording outside the common modes: grad mode as set, then anomaly checks."""
    if parents and modes.grad and prim.vjps is not None:
        if prim.some_none:
            parents = tuple(k for k in parents if prim.vjps[k] is not None)
        t.requires_grad = bool(parents)
        t._op, t._inputs, t._kw, t._parents, t._seq = prim, args, kw, parents, _tick()
        t._scope = modes.scope
    else:
        t.requires_grad = False
        t._op = None
    if modes.source:
        t._site = user_site(3)
    if modes.anomaly:
        _check_forward(prim, t, arrays)


def _arrange(prim, args, kw):
    """Arguments as (arrays by position, metadata by keyword): metadata given by position
    (x.sum(0)) become keywords, arrays given by keyword (where(condition=c, x=a, y=b))
    positions, PyTorch's dim/keepdim NumPy's axis/keepdims; a missing array is named."""
    n = prim.n_arrays
    if kw and "axis" in prim.meta_names:
        kw = pytorch_names(kw, prim.name)
    if len(args) == n:
        return args, kw
    if len(args) > n:
        extra = args[n:]
        if len(extra) > len(prim.meta_names):
            raise TypeError(f"{prim.name}: takes at most {len(prim.meta_names)} argument(s) "
                            f"after the arrays ({', '.join(prim.meta_names) or 'none'}); got "
                            f"{len(extra)}")
        clash = [m for m in prim.meta_names[:len(extra)] if m in kw]
        if clash:
            raise TypeError(f"{prim.name}: got multiple values for argument {clash[0]!r}")
        return args[:n], {**dict(zip(prim.meta_names, extra)), **kw}
    kw = dict(kw)
    args = list(args)
    for pname in prim.array_names[len(args):]:
        if pname not in kw:
            if not args and not kw:
                raise TypeError(f"{prim.name}: needs at least one array argument")
            raise TypeError(f"{prim.name}: missing the array argument {pname!r}")
        args.append(kw.pop(pname))
    return tuple(args), kw


def _classify(args, name):
    """For any number of inputs: (args, their arrays, positions requiring grad); arrays is None
    when no input is a Tensor and the engine runs VJPs on arrays (compute directly)."""
    if not any(isinstance(a, Tensor) for a in args):
        if modes.arrays:
            return args, None, ()
        if not args:
            raise TypeError(f"{name}: needs at least one array argument")
        args = tuple(_as_tensor(a, name) for a in args)
    else:
        args = tuple(a if isinstance(a, Tensor) or type(a) in _PASS else _as_constant(a, name)
                     for a in args)
    arrays = tuple(a._data if isinstance(a, Tensor) else a for a in args)
    parents = tuple(k for k, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad)
    return args, arrays, parents


def _as_constant(a, name):
    """A non-Tensor argument as an array; a list that holds Tensors is refused, never silently
    turned into a constant (its gradient would be lost)."""
    if isinstance(a, (list, tuple)) and _has_tensor(a):
        raise TypeError(f"{name}: got a {type(a).__name__} of Tensors; make one tensor of them "
                        f"with autograd.stack([...]) (differentiable) and pass that")
    return np.asarray(a)


def _as_tensor(a, name):
    """An argument of a call with no Tensor at all, as a constant Tensor of the default dtype."""
    return Tensor(_as_constant(a, name))


def _has_tensor(seq):
    return any(_has_tensor(v) if isinstance(v, (list, tuple)) else isinstance(v, Tensor)
               for v in seq)


def primitive(fwd=None, *, name=None):
    """Decorator: an array function becomes a differentiable function; declare its VJPs with
    `.defvjp(...)`. The result is a plain function with `.primitive`, the engine's record."""
    if fwd is None:
        return lambda f: Primitive(f, name).apply
    return Primitive(fwd, name).apply


def same_type(e, msg):
    """An exception like e (same type) with message msg; ValueError if that type cannot."""
    try:
        return type(e)(msg)
    except Exception:
        return ValueError(msg)


def shapes_of(arrays):
    """The shapes of the array arguments of an op, for error messages."""
    return ", ".join(str(np.shape(a)) for a in arrays)


def op_error(name, e, arrays):
    """A NumPy error from inside an op's forward, with the op and the input shapes named."""
    msg = str(e)
    if not msg.startswith(f"{name}:"):
        msg = f"{name}: {msg} (input shapes {shapes_of(arrays)})"
    return same_type(e, msg)


# ---- anomaly mode ---------------------------------------------------------------------------


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
    if all_finite(t._data):
        return
    if all(all_finite(a) for a in arrays if isinstance(a, (np.ndarray, np.generic, float))):
        kind = "NaN" if np.isnan(t._data).any() else "inf"
        raise AnomalyError(f"{op.name}: forward produced {kind} from finite inputs "
                           f"(input shapes {shapes_of(arrays)}). The op was created at:\n"
                           + creation_site(t))


def check_backward(op, t, k, gx):
    """In anomaly mode: refuse a VJP result holding NaN or inf, naming the op and its site."""
    data = np.asarray(gx._data if isinstance(gx, Tensor) else gx)
    if not all_finite(data):
        kind = "NaN" if np.isnan(data).any() else "inf"
        raise AnomalyError(f"{op.name}: backward produced {kind} in the gradient of input {k} "
                           f"(shape {data.shape}). The op was created at:\n" + creation_site(t))


def all_finite(a):
    a = np.asarray(a)
    return not np.issubdtype(a.dtype, np.inexact) or bool(np.isfinite(a).all())
