"""The Tensor: an array that remembers the operation that made it.

A Tensor holds `data` (a NumPy ndarray, 0-d for a scalar), its `grad` once computed, and,
when it was computed from tensors that require gradients, the primitive and the inputs that
made it. (Inside, a 0-d value is kept as a NumPy scalar in `_data`: NumPy computes on those
several times faster, which is what makes graphs of 10^5 scalars affordable.) Scalars are 0-d Tensors: nothing is
special-cased. The array-like parts of its interface (shape, ndim, reshape, sum(axis=...),
...) mirror NumPy's, so that composite functions work on Tensors and on plain arrays alike.

Where to find things: this file holds the data, the gradient bookkeeping and the versioned
in-place updates. The operators (`__mul__`, `__getitem__`, ...) and the NumPy-style methods
(`t.sum()`, `t.reshape()`, ...) are the functions of `autograd.ops`, bound to Tensor by the one
table in autograd/methods.py; NumPy's own functions (`np.exp(t)`, `np.sum(t)`) reach them
through `__array_ufunc__` and `__array_function__` below.
"""

import itertools
import sys
import warnings

import numpy as np

from .grad_mode import modes, user_site

_new = object.__new__
_FLOATS = (np.float16, np.float32, np.float64)
_default = {"dtype": np.dtype(np.float64)}


class clock:
    """One counter dates every recorded op (`Tensor._seq`) and every in-place change
    (`Tensor._version`): an input whose version is newer than a node was changed after the
    node saved it. `last_change` lets the engine skip the check when nothing changed."""
    tick = itertools.count(1).__next__
    last_change = 0


def _bump(t):
    t._version = clock.last_change = clock.tick()


def set_default_dtype(dtype):
    """Make Python floats, ints and creation helpers produce `dtype` (float32 or float64)."""
    dtype = np.dtype(dtype)
    if dtype.type not in _FLOATS:
        raise TypeError(f"set_default_dtype: only floating dtypes (float16, float32, float64) "
                        f"can be the default; got {dtype}")
    _default["dtype"] = dtype


def get_default_dtype():
    """The dtype Python numbers and creation helpers become (float64 unless changed)."""
    return _default["dtype"]


def as_array(x):
    """The array behind a Tensor, array or number."""
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _to_data(data, dtype):
    if isinstance(data, Tensor):
        data = data._data
    elif isinstance(data, (list, tuple)) and _holds_graph(data):
        warnings.warn("Tensor(...) of a list of tensors that require grad copies their values "
                      "and drops the graph; use autograd.stack([...]) to keep gradients",
                      UserWarning, stacklevel=3)
    try:
        arr = np.array(data, dtype=dtype)
    except (ValueError, TypeError) as e:
        raise type(e)(f"Tensor: cannot make a tensor from this data: {e}") from None
    if dtype is None:
        kind = arr.dtype.kind
        if kind in "biu" or (kind == "f" and not isinstance(data, (np.ndarray, np.generic))):
            arr = arr.astype(_default["dtype"])
        elif kind not in "fc":
            raise TypeError(f"Tensor: cannot make a tensor from data of dtype {arr.dtype} "
                            f"(type {type(data).__name__})")
    return arr[()] if arr.ndim == 0 else arr


def _holds_graph(seq):
    """True when a (nested) list or tuple holds a Tensor that requires grad."""
    return any(_holds_graph(v) if isinstance(v, (list, tuple)) else
               isinstance(v, Tensor) and v.requires_grad for v in seq)


class Tensor:
    """An n-d array (0-d for scalars) that records the operations it takes part in.

    Tensor(data, requires_grad=False, dtype=None, name=None): data is anything np.asarray
    takes; float64 unless dtype= or autograd.set_default_dtype says otherwise (integers and
    booleans become floats).

    Recording: with requires_grad=True, every operation on the tensor (operators, methods,
    autograd functions, NumPy's own functions and ufuncs) returns a Tensor that remembers its
    op and inputs; y.backward() applies the chain rule over that graph and adds ∂y/∂x into x.grad
    for each leaf x. Inside `with autograd.no_grad():` nothing is recorded.

    Attributes: data (the ndarray), grad, requires_grad, shape, dtype, ndim, size, name,
    is_leaf, op / inputs / op_kwargs (the node that made it), scope (the composites and
    modules it was made in).
    Autograd: backward, detach, requires_grad_, retain_grad, register_hook, zero_.
    Values: numpy, item, tolist, astype, float, double, clone.
    Maths: every method (sum, mean, max, exp, reshape, transpose, @, ...) is the autograd
    function of the same name, whose help() gives its derivative; PyTorch's names are there
    too (unsqueeze, numel, t, masked_fill, dim=/keepdim=).
    """

    # Every op sets the slots; the rarely set attributes live in a per-instance __dict__ made
    # on first use, with the class-level defaults below (a cheaper Tensor per operation).
    # _op, _inputs, _kw: the primitive that made this tensor and its arguments; _parents: the
    # positions of the inputs that receive a gradient; _seq: the clock tick of its making;
    # _scope: the composites and modules it was made in.
    __slots__ = ("_data", "requires_grad", "_op", "_inputs", "_kw", "_parents", "_seq",
                 "_scope", "__dict__", "__weakref__")
    _grad = None
    name = None
    _version = 0
    _hooks = None
    _trace = None
    _retains = False
    _warned_grad = False

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        self._data = _to_data(data, dtype)
        self._op = None
        self.requires_grad = False
        if name is not None:
            self.name = name
        if requires_grad:
            self.requires_grad_(True)
        if modes.source:
            self._site = user_site(2)

    # ---- introspection -------------------------------------------------------------------
    @property
    def data(self):
        """The values as a NumPy ndarray (0-d for a scalar). Writing into it bypasses the
        version counter, as in PyTorch: prefer copy_() and the other in-place methods."""
        d = self._data          # kept as a NumPy scalar when 0-d: NumPy computes faster on those
        return d if type(d) is np.ndarray else np.asarray(d)

    @data.setter
    def data(self, value):
        """Replace the values (`p.data -= lr * p.grad` works); bumps the version, so a graph
        that saved the old values refuses to backpropagate instead of using the new ones."""
        value = np.asarray(as_array(value))
        self._data = value[()] if value.ndim == 0 else value
        _bump(self)

    shape = property(lambda self: self._data.shape, doc="Tuple of axis lengths, as in NumPy.")
    ndim = property(lambda self: self._data.ndim, doc="Number of axes (0 for a scalar).")
    size = property(lambda self: self._data.size, doc="Number of elements.")
    dtype = property(lambda self: self._data.dtype, doc="The NumPy dtype of the data.")
    is_leaf = property(lambda self: self._op is None,
                       doc="True unless the tensor was computed by a recorded operation.")
    retains_grad = property(lambda self: self._retains,
                            doc="True when backward keeps .grad on this non-leaf (retain_grad()).")
    scope = property(lambda self: getattr(self, "_scope", ()) if self._op is not None else (),
                     doc="Names of the composites and modules (outermost first) whose code "
                         "made this tensor, e.g. ('MLP', 'layers.0', 'linear'); () for a leaf.")
    source = property(lambda self: getattr(self, "_site", None),
                      doc="(file, line, function) of the user code that made this tensor (by an "
                          "op, or Tensor(...) for a leaf) under autograd.record_source(); else "
                          "None.")
    op = property(lambda self: self._op, doc="The primitive that made this tensor, or None.")
    inputs = property(lambda self: self._inputs if self._op is not None else (),
                      doc="The positional inputs of `op`: Tensors, or arrays for constants.")
    op_kwargs = property(lambda self: self._kw if self._op is not None else {},
                         doc="The keyword arguments (axis, shape, ...) `op` was called with.")
    def _set_grad(self, g):
        if g is not None and not isinstance(g, Tensor):
            raise TypeError(f"grad: must be a Tensor or None; got a {type(g).__name__}")
        if g is not None and g.shape != self.shape:
            raise ValueError(f"grad: a gradient of shape {g.shape} cannot be assigned to a "
                             f"tensor of shape {self.shape}")
        self._grad = g

    def _get_grad(self):
        if self._grad is None and self._op is not None and not self._retains \
                and not self._warned_grad:
            self._warned_grad = True
            warnings.warn("The .grad of a tensor that is not a leaf is not kept by backward(); "
                          "call .retain_grad() on it before backward() to keep it, or use "
                          "autograd.grad(out, tensor)", UserWarning, stacklevel=2)
        return self._grad

    grad = property(_get_grad, _set_grad,
                    doc="The accumulated gradient (a Tensor of this shape), or None.")

    def __repr__(self):
        body = np.array2string(np.asarray(self._data), separator=", ", prefix="Tensor(")
        extras = [f"shape={self.shape}"] if self.size == 0 and self.shape != (0,) else []
        if self.dtype != np.float64:
            extras.append(f"dtype={self.dtype}")
        if self._op is not None:
            extras.append(f"op={self._op.name}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name is not None:
            extras.append(f"name={self.name!r}")
        return "Tensor(" + ", ".join([body] + extras) + ")"

    def __format__(self, spec):
        """f"{t:.3f}" formats a one-element tensor's number; f"{t}" is repr(t)."""
        if not spec:
            return repr(self)
        if self.size == 1:
            return format(self._data.item(), spec)
        raise TypeError(f"format spec {spec!r} needs a one-element tensor, not shape "
                        f"{self.shape}; format t.numpy() or its elements")

    __hash__ = object.__hash__

    def __array__(self, dtype=None, copy=None):
        """np.asarray(t): the values (no gradient flows through NumPy from here)."""
        arr = np.asarray(self._data, dtype=dtype)
        return arr.copy() if copy else arr

    # NumPy functions of Tensors, filled by autograd/methods.py: {np function: autograd's}
    numpy_functions = {}

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """NumPy ufuncs meet Tensors as autograd ops: np.exp(t), ndarray * t, np.float64(2) + t
        are recorded like autograd.exp(t), ...; other ufuncs and ufunc methods are refused.
        Writing into an ndarray (`arr -= t`, out=arr) computes on the values, unrecorded."""
        out = kwargs.get("out")
        if method == "__call__" and out is not None and set(kwargs) == {"out"} and not any(
                isinstance(o, Tensor) for o in out):
            return ufunc(*[as_array(x) for x in inputs], out=out)
        op = Tensor.numpy_functions.get(ufunc) if method == "__call__" and not kwargs else None
        if op is None:
            call = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
            extra = f" with {', '.join(kwargs)}=" if kwargs else ""
            raise TypeError(f"np.{call}{extra} is not supported on Tensors; use the autograd "
                            f"function of that name, or t.numpy() for a plain array")
        return op(*inputs)

    def __array_function__(self, func, types, args, kwargs):
        """NumPy's functions (np.sum, np.where, np.concatenate, np.linalg.norm, ...) meet
        Tensors as the autograd function of the same name, recorded and differentiable;
        a function autograd does not have is refused with what to call instead."""
        op = Tensor.numpy_functions.get(func)
        if op is not None and not kwargs:
            return op(*args)
        name = ("np.linalg." if func.__module__.startswith("numpy.linalg") else "np.") + \
            func.__name__
        if op is None:
            raise TypeError(f"{name} is not supported on Tensors: chainrule has no "
                            f"differentiable version of it; call it on t.numpy() for a plain "
                            f"array (no gradient)")
        kwargs = dict(kwargs)
        for unsupported in ("out", "where", "initial", "dtype"):
            if kwargs.pop(unsupported, None) is not None:
                raise TypeError(f"{name}(..., {unsupported}=...) is not supported on Tensors; "
                                f"call autograd.{func.__name__} without it")
        return op(*args, **kwargs)

    def __len__(self):
        """The length of the first axis."""
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        """t[0], t[1], ... along the first axis, each recorded as indexing."""
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self):
        """The truth of a one-element tensor (more elements: use .any() or .all())."""
        if self.size != 1:
            raise ValueError(f"Tensor.__bool__: the truth value of a tensor with {self.size} "
                             "elements is ambiguous; use .any() or .all()")
        return bool(self._data)

    def item(self):
        """The single element as a Python number."""
        if self.size != 1:
            raise ValueError(f"item: only one-element tensors can be converted to Python "
                             f"scalars; got shape {self.shape}")
        return self._data.item()

    def __float__(self):
        """float(t) of a one-element tensor."""
        if self.size != 1:
            raise TypeError(f"float(): only one-element tensors can be converted to a Python "
                            f"float; got shape {self.shape}")
        return float(self._data)

    def __int__(self):
        """int(t) of a one-element tensor."""
        if self.size != 1:
            raise TypeError(f"int(): only one-element tensors can be converted to a Python "
                            f"int; got shape {self.shape}")
        return int(self._data)

    def __index__(self):
        """An integer tensor of one element as a Python int (range(t), lst[t], slices)."""
        if self._data.dtype.kind not in "iu":
            raise TypeError(f"only integer tensors of one element can be used as an index; "
                            f"got dtype {self.dtype} and shape {self.shape}")
        return self.item()

    def tolist(self):
        """The data as (nested) Python lists, as ndarray.tolist()."""
        return self._data.tolist()

    def numpy(self):
        """The data as a NumPy array (shares memory; do not change it in place)."""
        return np.asarray(self._data)

    def any(self, axis=None, keepdims=False):
        """True where any element is nonzero (no gradient)."""
        return Tensor(np.any(self._data, axis=axis, keepdims=keepdims))

    def all(self, axis=None, keepdims=False):
        """True where all elements are nonzero (no gradient)."""
        return Tensor(np.all(self._data, axis=axis, keepdims=keepdims))

    # ---- autograd ------------------------------------------------------------------------
    def requires_grad_(self, requires_grad=True):
        """Set whether gradients are computed for this leaf tensor; returns self."""
        if self._op is not None and not requires_grad:
            raise RuntimeError("requires_grad_: cannot turn off gradients of a non-leaf tensor; "
                               "use detach()")
        if requires_grad and self._data.dtype.kind != "f":
            raise TypeError(f"requires_grad_: only real floating-point tensors can require "
                            f"gradients; got dtype {self._data.dtype}")
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self):
        """A new leaf sharing this data, cut from the graph."""
        t = _new(Tensor)
        t._data, t.requires_grad, t._op = self._data, False, None
        if self.name is not None:
            t.name = self.name
        return t

    def retain_grad(self):
        """Keep `.grad` on this non-leaf tensor after backward (leaves always keep it)."""
        if self._op is not None:
            self._retains = True
            if self._hooks is None:
                self._hooks = []        # the engine looks at _hooks to find tensors to settle

    def register_hook(self, hook):
        """Call `hook(grad)` with the gradient flowing into this tensor; a non-None result
        replaces it. Returns a handle whose `remove()` unregisters the hook."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that does "
                               "not require grad")
        self._add_hook(hook)
        return _HookHandle(self._hooks, hook)

    def _add_hook(self, hook):
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)

    # ---- in-place updates (versioned) ----------------------------------------------------
    def _check_inplace(self, opname):
        if self.requires_grad and modes.grad:
            kind = "a leaf tensor" if self._op is None else "a tensor"
            raise RuntimeError(f"{opname}: {kind} that requires grad cannot be changed in place "
                               "while grad mode is on; wrap the update in autograd.no_grad()")

    def _set_(self, new, opname, fresh=False):
        """Replace the data by `new` (broadcast to this shape, cast to this dtype) and bump the
        version, so that a graph which saved this tensor refuses to backpropagate through the
        old value. The old array is never written to: views of it elsewhere stay valid.
        `fresh`: `new` is a temporary nobody else holds, usable without a copy."""
        self._check_inplace(opname)
        new = np.asarray(new)
        old = self._data
        if new.shape != old.shape:
            try:
                new = np.broadcast_to(new, old.shape)
            except ValueError:
                raise ValueError(f"{opname}: a value of shape {new.shape} does not fit a tensor "
                                 f"of shape {self.shape}") from None
            fresh = False
        if not np.can_cast(new.dtype, old.dtype, "same_kind"):
            raise TypeError(f"{opname}: a value of dtype {new.dtype} cannot be stored in a "
                            f"tensor of dtype {old.dtype} without losing information; convert "
                            f"the tensor first (t.astype({new.dtype.name}))")
        if not fresh or new.dtype != old.dtype:
            new = new.astype(old.dtype, copy=True)
        self._data = new[()] if new.ndim == 0 else new
        _bump(self)
        return self

    def _update_(self, ufunc, other, opname):
        """self = ufunc(self, other), written into the same array when no one else can see it
        (no views, no other references), else into a new one (see _set_)."""
        old, other = self._data, as_array(other)
        if (type(old) is np.ndarray and old.base is None and sys.getrefcount(old) <= 3
                and old.flags.writeable and np.shape(other) == old.shape
                and np.can_cast(np.result_type(old, other), old.dtype, "same_kind")):
            self._check_inplace(opname)
            ufunc(old, other, out=old)
            _bump(self)
            return self
        return self._set_(ufunc(old, other), opname, fresh=True)

    def add_(self, other, alpha=1):
        """self += alpha * other, in place."""
        _refuse_grad(other, "add_")
        return self._update_(np.add, other if alpha == 1 else alpha * as_array(other), "add_")

    def sub_(self, other, alpha=1):
        """self -= alpha * other, in place."""
        _refuse_grad(other, "sub_")
        return self._update_(np.subtract, other if alpha == 1 else alpha * as_array(other),
                             "sub_")

    def mul_(self, other):
        """self *= other, in place."""
        _refuse_grad(other, "mul_")
        return self._update_(np.multiply, other, "mul_")

    def div_(self, other):
        """self /= other, in place."""
        _refuse_grad(other, "div_")
        return self._update_(np.divide, other, "div_")

    def copy_(self, src):
        """Overwrite the data with `src` (broadcast to this shape), in place."""
        _refuse_grad(src, "copy_")
        return self._set_(as_array(src), "copy_")

    def fill_(self, value):
        """Set every element to `value`, in place."""
        if isinstance(value, Tensor):
            value = value.item()
        if not isinstance(value, (int, float, bool, np.number, np.bool_)):
            raise TypeError(f"fill_: the value must be a number; got {type(value).__name__} "
                            f"{value!r}")
        return self._set_(np.full(self._data.shape, value), "fill_", True)

    def zero_(self):
        """Set every element to 0, in place."""
        return self._set_(np.zeros(self._data.shape, dtype=self._data.dtype), "zero_", True)

    def clamp_(self, min=None, max=None):
        """Clip the data to [min, max], in place."""
        return self._set_(np.clip(self._data, min, max), "clamp_", True)

    def __setitem__(self, index, value):
        """t[index] = value, in place (versioned, not recorded)."""
        _refuse_grad(value, "Tensor.__setitem__")
        self._check_inplace("Tensor.__setitem__")
        new = np.array(self._data, copy=True)
        value = as_array(value)
        try:
            new[index_data(index)] = value
        except (IndexError, ValueError, TypeError) as e:
            raise type(e)(f"Tensor.__setitem__: {e} (tensor shape {self.shape}, value shape "
                          f"{np.shape(value)})") from None
        self._set_(new, "Tensor.__setitem__", True)

    # Augmented assignment updates in place (p -= lr * g under no_grad), never rebinds p to
    # a new tensor; in grad mode a tensor that requires grad refuses, as sub_ does.
    def __iadd__(self, other):
        """t += v in place (as add_)."""
        return self.add_(other)

    def __isub__(self, other):
        """t -= v in place (as sub_)."""
        return self.sub_(other)

    def __imul__(self, other):
        """t *= v in place (as mul_)."""
        return self.mul_(other)

    def __itruediv__(self, other):
        """t /= v in place (as div_)."""
        return self.div_(other)


def _refuse_grad(value, opname):
    """In-place updates are not recorded: a value requiring grad would lose its gradient."""
    if isinstance(value, Tensor) and value.requires_grad and modes.grad:
        raise RuntimeError(f"{opname}: the value requires grad, but in-place updates are not "
                           "differentiable; compute the result out of place (autograd.where, "
                           "concatenate, +, ...) or wrap the update in autograd.no_grad()")


def index_data(index):
    """Replace Tensors inside an index by their arrays (masks, integer arrays)."""
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


class _HookHandle:
    """Returned by register_hook; `remove()` unregisters the hook."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook is not None and self._hook in self._hooks:
            self._hooks.remove(self._hook)
        self._hook = None           # a second remove() must not take another registration


def wrap(data):
    """A Tensor around an array or NumPy scalar, without copying or checking (no grad): how the
    engine and the transforms hand results back. Part of the small internal API (with
    `as_array`, `index_data`, `clock`) that modules outside the core may use."""
    t = _new(Tensor)
    t._data, t.requires_grad, t._op = data, False, None
    return t
