"""The Tensor: an array that remembers the operation that made it.

A Tensor holds `data` (a NumPy array; 0-d results may be NumPy scalars, which behave as 0-d
arrays), its `grad` once computed, and, when it was computed from tensors that require
gradients, the primitive and the inputs that made it. Scalars are 0-d Tensors: nothing is
special-cased. The array-like parts of its interface (shape, ndim, reshape, sum(axis=...),
...) mirror NumPy's, so that composite functions work on Tensors and on plain arrays alike.
"""

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
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _to_data(data, dtype):
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        arr = np.array(data, dtype=dtype)
    else:
        arr = np.array(data)
        kind = arr.dtype.kind
        if kind in "biu" or (kind == "f" and not isinstance(data, (np.ndarray, np.generic))):
            arr = arr.astype(_default["dtype"])
        elif kind not in "fc":
            raise TypeError(f"Tensor: cannot make a tensor from data of dtype {arr.dtype} "
                            f"(type {type(data).__name__})")
    return arr[()] if arr.ndim == 0 else arr


class Tensor:
    """An n-d array (0-d for scalars) that records the operations it takes part in."""

    __slots__ = ("data", "grad", "requires_grad", "name", "_op", "_inputs", "_kw", "_stamp",
                 "_version", "_hooks", "_trace", "__weakref__")
    __array_ufunc__ = None          # make NumPy defer: ndarray * Tensor calls Tensor.__rmul__

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        self.data = _to_data(data, dtype)
        self.grad = None
        self.name = name
        self._op = None
        self._version = 0
        self._hooks = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    # ---- introspection -------------------------------------------------------------------
    shape = property(lambda self: self.data.shape, doc="Tuple of axis lengths, as in NumPy.")
    ndim = property(lambda self: self.data.ndim, doc="Number of axes (0 for a scalar).")
    size = property(lambda self: self.data.size, doc="Number of elements.")
    dtype = property(lambda self: self.data.dtype, doc="The NumPy dtype of the data.")
    is_leaf = property(lambda self: self._op is None,
                       doc="True unless the tensor was computed by a recorded operation.")
    op = property(lambda self: self._op, doc="The primitive that made this tensor, or None.")
    inputs = property(lambda self: self._inputs if self._op is not None else (),
                      doc="The positional inputs of `op`: Tensors, or arrays for constants.")
    op_kwargs = property(lambda self: self._kw if self._op is not None else {},
                         doc="The keyword arguments (axis, shape, ...) `op` was called with.")
    T = property(lambda self: transpose(self), doc="The axes reversed, as ndarray.T.")

    def __repr__(self):
        body = np.array2string(np.asarray(self.data), separator=", ", prefix="Tensor(")
        extras = []
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
        if self.ndim == 0 and spec:
            return format(self.data.item(), spec)
        return format(repr(self), spec)

    __hash__ = object.__hash__

    def __array__(self, dtype=None, copy=None):
        arr = np.asarray(self.data, dtype=dtype)
        return arr.copy() if copy else arr

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def __bool__(self):
        if self.size != 1:
            raise ValueError(f"Tensor.__bool__: the truth value of a tensor with {self.size} "
                             "elements is ambiguous; use .any() or .all()")
        return bool(self.data)

    def item(self):
        """The single element as a Python number."""
        if self.size != 1:
            raise ValueError(f"item: only one-element tensors can be converted to Python "
                             f"scalars; got shape {self.shape}")
        return self.data.item()

    __float__ = lambda self: float(self.item())
    __int__ = lambda self: int(self.item())

    def tolist(self):
        """The data as (nested) Python lists, as ndarray.tolist()."""
        return self.data.tolist()

    def numpy(self):
        """The data as a NumPy array (shares memory; do not change it in place)."""
        return np.asarray(self.data)

    def any(self, axis=None, keepdims=False):
        """True where any element is nonzero (no gradient)."""
        return Tensor(np.any(self.data, axis=axis, keepdims=keepdims))

    def all(self, axis=None, keepdims=False):
        """True where all elements are nonzero (no gradient)."""
        return Tensor(np.all(self.data, axis=axis, keepdims=keepdims))

    # ---- autograd ------------------------------------------------------------------------
    def requires_grad_(self, requires_grad=True):
        """Set whether gradients are computed for this leaf tensor; returns self."""
        if self._op is not None and not requires_grad:
            raise RuntimeError("requires_grad_: cannot turn off gradients of a non-leaf tensor; "
                               "use detach()")
        if requires_grad and self.data.dtype.kind not in "fc":
            raise TypeError(f"requires_grad_: only floating-point tensors can require "
                            f"gradients; got dtype {self.data.dtype}")
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self):
        """A new leaf sharing this data, cut from the graph."""
        t = _new(Tensor)
        t.data, t.grad, t.name, t.requires_grad = self.data, None, self.name, False
        t._op, t._version, t._hooks = None, 0, None
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
    def _set_(self, new, opname):
        """Replace the data by `new` (same shape and dtype) and bump the version, so that a
        graph which saved this tensor refuses to backpropagate through the old value."""
        if self.requires_grad and _state.grad_enabled:
            kind = "a leaf tensor" if self._op is None else "a tensor"
            raise RuntimeError(f"{opname}: {kind} that requires grad cannot be changed in place "
                               "while grad mode is on; wrap the update in autograd.no_grad()")
        new = np.asarray(new)
        if new.shape != self.data.shape:
            try:
                new = np.broadcast_to(new, self.data.shape)
            except ValueError:
                raise ValueError(f"{opname}: a value of shape {new.shape} does not fit a tensor "
                                 f"of shape {self.shape}") from None
        new = new.astype(self.data.dtype, copy=True)
        self.data = new[()] if new.ndim == 0 else new
        _state.clock += 1
        self._version = _state.clock
        return self

    def add_(self, other, alpha=1):
        """self += alpha * other, in place."""
        return self._set_(self.data + alpha * as_array(other), "add_")

    def sub_(self, other, alpha=1):
        """self -= alpha * other, in place."""
        return self._set_(self.data - alpha * as_array(other), "sub_")

    def mul_(self, other):
        """self *= other, in place."""
        return self._set_(self.data * as_array(other), "mul_")

    def div_(self, other):
        """self /= other, in place."""
        return self._set_(self.data / as_array(other), "div_")

    def copy_(self, src):
        """Overwrite the data with `src` (broadcast to this shape), in place."""
        return self._set_(as_array(src), "copy_")

    def fill_(self, value):
        """Set every element to `value`, in place."""
        return self._set_(np.full(self.data.shape, value), "fill_")

    def zero_(self):
        """Set every element to 0, in place."""
        return self._set_(np.zeros(self.data.shape), "zero_")

    def clamp_(self, min=None, max=None):
        """Clip the data to [min, max], in place."""
        return self._set_(np.clip(self.data, min, max), "clamp_")

    def __setitem__(self, index, value):
        new = np.array(self.data, copy=True)
        new[_index_data(index)] = as_array(value)
        self._set_(new, "__setitem__")

    # ---- operators -----------------------------------------------------------------------
    def __add__(self, other): return add(self, other)
    def __radd__(self, other): return add(other, self)
    def __sub__(self, other): return subtract(self, other)
    def __rsub__(self, other): return subtract(other, self)
    def __mul__(self, other): return multiply(self, other)
    def __rmul__(self, other): return multiply(other, self)
    def __truediv__(self, other): return divide(self, other)
    def __rtruediv__(self, other): return divide(other, self)
    def __pow__(self, other): return power(self, other)
    def __rpow__(self, other): return power(other, self)
    def __matmul__(self, other): return matmul(self, other)
    def __rmatmul__(self, other): return matmul(other, self)
    def __neg__(self): return negative(self)
    def __pos__(self): return self
    def __abs__(self): return absolute(self)
    def __eq__(self, other): return equal(self, other)
    def __ne__(self, other): return not_equal(self, other)
    def __lt__(self, other): return less(self, other)
    def __le__(self, other): return less_equal(self, other)
    def __gt__(self, other): return greater(self, other)
    def __ge__(self, other): return greater_equal(self, other)
    def __getitem__(self, index): return getitem(self, index=_index_data(index))

    # ---- methods with NumPy's signatures -------------------------------------------------
    def reshape(self, *shape):
        """The same data in a new shape; accepts reshape(2, 3) and reshape((2, 3))."""
        return reshape(self, shape[0] if len(shape) == 1 else shape)

    def view(self, *shape):
        """Alias of reshape (PyTorch's name)."""
        return self.reshape(*shape)

    def transpose(self, *axes):
        """Permute the axes (reversed when none given); accepts transpose(1, 0) or ((1, 0))."""
        return transpose(self, axes[0] if len(axes) == 1 else (axes or None))

    def permute(self, *axes):
        """Permute the axes (PyTorch's name for transpose with axes)."""
        return transpose(self, axes[0] if len(axes) == 1 else axes)


def _index_data(index):
    """Replace Tensors inside an index by their arrays (masks, integer arrays)."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


class _HookHandle:
    """Returned by register_hook; `remove()` unregisters the hook."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _RETAIN(grad):
    """Marker hook: keep the gradient on a non-leaf tensor (see retain_grad)."""
    return None


def _attach_methods():
    """Expose the functions of autograd.ops as Tensor methods (t.exp(), t.sum(axis=0), ...)."""
    import types
    from . import ops
    for name in ops.METHODS:
        fn = getattr(ops, name)
        if isinstance(fn, types.FunctionType):
            setattr(Tensor, name, fn)
        else:     # a Primitive: bind self as the first argument
            setattr(Tensor, name, (lambda f: lambda self, *a, **k: f(self, *a, **k))(fn))


from .ops import (add, subtract, multiply, divide, power, matmul, negative, absolute,  # noqa: E402
                  equal, not_equal, less, less_equal, greater, greater_equal, getitem,
                  reshape, transpose)

_attach_methods()
