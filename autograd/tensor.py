"""The Tensor: an array that remembers the operation that made it.

A Tensor holds `data` (a NumPy ndarray, 0-d for a scalar), its `grad` once computed, and,
when it was computed from tensors that require gradients, the primitive and the inputs that
made it. (Inside, a 0-d value is kept as a NumPy scalar in `_data`: NumPy computes on those
several times faster, which is what makes graphs of 10^5 scalars affordable.) Scalars are 0-d Tensors: nothing is
special-cased. The array-like parts of its interface (shape, ndim, reshape, sum(axis=...),
...) mirror NumPy's, so that composite functions work on Tensors and on plain arrays alike.
"""

import sys

import numpy as np

from .grad_mode import _state

_new = object.__new__
_FLOATS = (np.float16, np.float32, np.float64)
_default = {"dtype": np.dtype(np.float64)}


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


class Tensor:
    """An n-d array (0-d for scalars) that records the operations it takes part in."""

    # Every op sets the slots; the rarely set attributes live in a per-instance __dict__ made
    # on first use, with the class-level defaults below (a cheaper Tensor per operation).
    __slots__ = ("_data", "requires_grad", "_op", "_inputs", "_kw", "_stamp", "__dict__",
                 "__weakref__")
    _grad = None
    name = None
    _version = 0
    _hooks = None
    _trace = None

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        self._data = _to_data(data, dtype)
        self._op = None
        self.requires_grad = False
        if name is not None:
            self.name = name
        if requires_grad:
            self.requires_grad_(True)

    # ---- introspection -------------------------------------------------------------------
    @property
    def data(self):
        """The values as a NumPy ndarray (0-d for a scalar). Writing into it bypasses the
        version counter, as in PyTorch: prefer copy_() and the other in-place methods."""
        d = self._data          # kept as a NumPy scalar when 0-d: NumPy computes faster on those
        return d if type(d) is np.ndarray else np.asarray(d)

    @data.setter
    def data(self, value):
        value = np.asarray(as_array(value))
        self._data = value[()] if value.ndim == 0 else value

    shape = property(lambda self: self._data.shape, doc="Tuple of axis lengths, as in NumPy.")
    ndim = property(lambda self: self._data.ndim, doc="Number of axes (0 for a scalar).")
    size = property(lambda self: self._data.size, doc="Number of elements.")
    dtype = property(lambda self: self._data.dtype, doc="The NumPy dtype of the data.")
    is_leaf = property(lambda self: self._op is None,
                       doc="True unless the tensor was computed by a recorded operation.")
    op = property(lambda self: self._op, doc="The primitive that made this tensor, or None.")
    inputs = property(lambda self: self._inputs if self._op is not None else (),
                      doc="The positional inputs of `op`: Tensors, or arrays for constants.")
    op_kwargs = property(lambda self: self._kw if self._op is not None else {},
                         doc="The keyword arguments (axis, shape, ...) `op` was called with.")
    T = property(lambda self: transpose(self), doc="The axes reversed, as ndarray.T.")

    def _set_grad(self, g):
        if g is not None and not isinstance(g, Tensor):
            raise TypeError(f"grad: must be a Tensor or None; got a {type(g).__name__}")
        if g is not None and g.shape != self.shape:
            raise ValueError(f"grad: a gradient of shape {g.shape} cannot be assigned to a "
                             f"tensor of shape {self.shape}")
        self._grad = g

    grad = property(lambda self: self._grad, _set_grad,
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
        arr = np.asarray(self._data, dtype=dtype)
        return arr.copy() if copy else arr

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """NumPy ufuncs meet Tensors as autograd ops: np.exp(t), ndarray * t, np.float64(2) + t
        are recorded like autograd.exp(t), ...; other ufuncs and ufunc methods are refused."""
        op = _UFUNC_OPS.get(ufunc) if method == "__call__" and not kwargs else None
        if op is None:
            call = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
            extra = f" with {', '.join(kwargs)}=" if kwargs else ""
            raise TypeError(f"np.{call}{extra} is not supported on Tensors; use the autograd "
                            f"function of that name, or t.numpy() for a plain array")
        return op(*inputs)

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self):
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

    __float__ = lambda self: float(self.item())
    __int__ = lambda self: int(self.item())

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

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (see engine.backward)."""
        from .engine import backward
        backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph,
                 inputs=inputs)

    def retain_grad(self):
        """Keep `.grad` on this non-leaf tensor after backward (leaves always keep it)."""
        if self._op is not None:
            self._add_hook(_RETAIN)

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
        if hook is not _RETAIN or hook not in self._hooks:
            self._hooks.append(hook)

    # ---- in-place updates (versioned) ----------------------------------------------------
    def _check_inplace(self, opname):
        if self.requires_grad and _state.grad_enabled:
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
        if not fresh or new.dtype != old.dtype:
            new = new.astype(old.dtype, copy=True)
        self._data = new[()] if new.ndim == 0 else new
        _state.clock += 1
        self._version = _state.clock
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
            _state.clock += 1
            self._version = _state.clock
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
        return self._set_(np.full(self._data.shape, value, dtype=self._data.dtype), "fill_", True)

    def zero_(self):
        """Set every element to 0, in place."""
        return self._set_(np.zeros(self._data.shape, dtype=self._data.dtype), "zero_", True)

    def clamp_(self, min=None, max=None):
        """Clip the data to [min, max], in place."""
        return self._set_(np.clip(self._data, min, max), "clamp_", True)

    def __setitem__(self, index, value):
        _refuse_grad(value, "__setitem__")
        new = np.array(self._data, copy=True)
        new[_index_data(index)] = as_array(value)
        self._set_(new, "__setitem__", True)

    # ---- operators -----------------------------------------------------------------------
    # (the forward operators are the primitives themselves, bound in _attach_methods)
    def __radd__(self, other): return add(other, self)
    def __sub__(self, other): return subtract(self, other)
    def __rsub__(self, other): return subtract(other, self)
    def __rmul__(self, other): return multiply(other, self)
    def __rtruediv__(self, other): return divide(other, self)
    def __rpow__(self, other): return power(other, self)
    def __rmatmul__(self, other): return matmul(other, self)
    def __pos__(self): return self
    def __getitem__(self, index): return getitem(self, index=_index_data(index))

    # ---- methods with NumPy's signatures -------------------------------------------------
    def reshape(self, *shape):
        """The same data in a new shape; accepts reshape(2, 3) and reshape((2, 3))."""
        return reshape(self, shape=shape[0] if len(shape) == 1 else shape)

    def view(self, *shape):
        """Alias of reshape (PyTorch's name)."""
        return self.reshape(*shape)

    def transpose(self, *axes):
        """Permute the axes (reversed when none given); accepts transpose(1, 0) or ((1, 0))."""
        return transpose(self, axes=axes[0] if len(axes) == 1 else (axes or None))

    def permute(self, *axes):
        """Permute the axes (PyTorch's name for transpose with axes)."""
        return transpose(self, axes=axes[0] if len(axes) == 1 else axes)


def _refuse_grad(value, opname):
    """In-place updates are not recorded: a value requiring grad would lose its gradient."""
    if isinstance(value, Tensor) and value.requires_grad and _state.grad_enabled:
        raise RuntimeError(f"{opname}: the value requires grad, but in-place updates are not "
                           "differentiable; compute the result out of place (autograd.where, "
                           "concatenate, +, ...) or wrap the update in autograd.no_grad()")


def _index_data(index):
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


def _RETAIN(grad):
    """Marker hook: keep the gradient on a non-leaf tensor (see retain_grad)."""
    return None


def _attach_methods():
    """Expose autograd.ops as Tensor methods (t.exp(), t.sum(axis=0), ...) and operators."""
    from . import ops
    for name in ops.METHODS:
        setattr(Tensor, name, getattr(ops, name))      # functions and primitives both bind self
    for dunder, name in [("add", "add"), ("mul", "multiply"), ("truediv", "divide"),
                         ("pow", "power"), ("matmul", "matmul"), ("neg", "negative"),
                         ("abs", "absolute"), ("eq", "equal"), ("ne", "not_equal"),
                         ("lt", "less"), ("le", "less_equal"), ("gt", "greater"),
                         ("ge", "greater_equal")]:
        setattr(Tensor, f"__{dunder}__", getattr(ops, name))
    _UFUNC_OPS.update({getattr(np, n): getattr(ops, n) for n in (
        "add", "subtract", "multiply", "divide", "power", "negative", "matmul", "exp", "log",
        "log1p", "expm1", "sqrt", "sin", "cos", "tanh", "absolute", "sign", "maximum",
        "minimum", "square", "equal", "not_equal", "less", "less_equal", "greater",
        "greater_equal")})


_UFUNC_OPS = {}


from .ops import (add, subtract, multiply, divide, power, matmul, getitem,  # noqa: E402
                  reshape, transpose)

_attach_methods()
