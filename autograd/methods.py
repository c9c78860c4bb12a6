"""Tensor's operators and methods, in one table, and the NumPy functions that reach autograd's.

tensor.py defines the data and the bookkeeping; the arithmetic lives in autograd.ops, which
is built on tensor.py, so the operators are bound here, after both exist: `t * u` is
`ops.multiply(t, u)`, `t.sum(axis=0)` is `ops.sum(t, axis=0)`. Primitives bind directly (no
wrapper: an operator costs one call); reflected operators swap their arguments.
"""

import importlib.util

import numpy as np

from . import creation, engine, ops
from .tensor import Tensor, index_data

def _reflected(op, symbol):
    """The reflected operator of op (`2 * t` calls t.__rmul__(2)): op with operands swapped."""
    def method(self, other):
        return op(other, self)
    method.__doc__ = f"other {symbol} t, for `other {symbol} t` with a non-Tensor on the left"
    return method


def _pos(self):
    """+t is t."""
    return self


def _getitem(self, index):
    """t[index] with NumPy's indexing (ints, slices, None, ..., masks, integer arrays)."""
    return ops.getitem(self, index=index_data(index))


# operator -> autograd function
OPERATORS = {
    "__add__": ops.add, "__sub__": ops.subtract, "__mul__": ops.multiply,
    "__truediv__": ops.divide, "__pow__": ops.power, "__matmul__": ops.matmul,
    "__neg__": ops.negative, "__abs__": ops.absolute,
    "__eq__": ops.equal, "__ne__": ops.not_equal, "__lt__": ops.less, "__le__": ops.less_equal,
    "__gt__": ops.greater, "__ge__": ops.greater_equal,
    "__radd__": _reflected(ops.add, "+"), "__rsub__": _reflected(ops.subtract, "-"),
    "__rmul__": _reflected(ops.multiply, "*"), "__rtruediv__": _reflected(ops.divide, "/"),
    "__rpow__": _reflected(ops.power, "**"), "__rmatmul__": _reflected(ops.matmul, "@"),
    "__pos__": _pos, "__getitem__": _getitem,
}


def _reshape(self, *shape):
    """The same data in a new shape; accepts reshape(2, 3) and reshape((2, 3))."""
    return ops.reshape(self, shape=shape[0] if len(shape) == 1 else shape)


def _transpose(self, *axes):
    """Permute the axes (reversed when none given); accepts transpose(1, 0) or ((1, 0))."""
    return ops.transpose(self, axes=axes[0] if len(axes) == 1 else (axes or None))


def _permute(self, *axes):
    """Permute the axes (PyTorch's name for transpose with axes)."""
    return ops.transpose(self, axes=axes[0] if len(axes) == 1 else axes)


def _backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate d(self)/d(leaf) into every leaf's `.grad` (see autograd.backward)."""
    engine.backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph,
                    inputs=inputs)


# ---- PyTorch's names for the same things ---------------------------------------------------


def _t(self):
    """The transpose of a tensor of at most 2 axes (PyTorch's t())."""
    if self.ndim > 2:
        raise ValueError(f"t: expects a tensor of at most 2 axes; got shape {self.shape}; use "
                         f"transpose or permute")
    return ops.transpose(self)


def _masked_fill(self, mask, value):
    """A copy with `value` where `mask` is True (PyTorch's masked_fill; not in place)."""
    return ops.where(mask, value, self)


def _numel(self):
    """The number of elements (PyTorch's name for .size)."""
    return self.size


def _float(self):
    """A float32 copy (PyTorch's float(); recorded: the gradient returns in t's dtype)."""
    return ops.astype(self, np.float32)


def _double(self):
    """A float64 copy (PyTorch's double())."""
    return ops.astype(self, np.float64)


# method -> function whose first argument is the tensor (ops.METHODS adds the NumPy-named ones)
METHODS = {"reshape": _reshape, "view": _reshape, "transpose": _transpose, "permute": _permute,
           "T": property(ops.transpose, doc="The axes reversed, as ndarray.T."),
           "backward": _backward,
           # PyTorch's names
           "unsqueeze": ops.expand_dims, "clone": ops.copy, "t": _t, "masked_fill": _masked_fill,
           "numel": _numel, "float": _float, "double": _double}

# NumPy functions that only read values (no tensor comes out): they get the plain arrays
READ_ONLY = ["shape", "ndim", "size", "result_type", "can_cast", "allclose", "isclose",
             "array_equal", "array_equiv", "may_share_memory", "shares_memory", "iscomplexobj",
             "isrealobj", "count_nonzero", "nonzero", "argwhere", "flatnonzero", "array_repr",
             "array_str", "array2string", "min_scalar_type", "save", "savez", "savetxt"]


def _values(x):
    if isinstance(x, Tensor):
        return x.numpy()
    if isinstance(x, (list, tuple)):
        return type(x)(_values(v) for v in x)
    return x


def _on_values(func):
    def read(*args, **kwargs):
        return func(*_values(args), **{k: _values(v) for k, v in kwargs.items()})
    return read


def numpy_functions():
    """{NumPy function or ufunc: what it does on Tensors}: autograd's function of the same name
    (np.linalg.X: autograd.linalg.X), or the function itself on the values for READ_ONLY."""
    table = {}
    linalg = (importlib.import_module("autograd.linalg")
              if importlib.util.find_spec("autograd.linalg") else None)
    for namespace, source in ((np, creation), (np, ops), (np.linalg, linalg)):
        if source is None:
            continue
        for name in getattr(source, "__all__", dir(source)):
            fn = getattr(namespace, name, None)
            if callable(fn) and not name.startswith("_") and (
                    isinstance(fn, np.ufunc) or hasattr(fn, "_implementation")):
                table[fn] = getattr(source, name)
    table.update({getattr(np, n): _on_values(getattr(np, n)) for n in READ_ONLY})
    table.update({np.shape: lambda a: a.shape, np.ndim: lambda a: a.ndim,   # ops ask these
                  np.size: lambda a, axis=None: a.size if axis is None else a.shape[axis]})
    return table


def attach():
    """Bind the table to Tensor (run once, when autograd is imported)."""
    for name, fn in OPERATORS.items():
        setattr(Tensor, name, fn)
    for name in ops.METHODS:
        setattr(Tensor, name, getattr(ops, name))      # functions and primitives both bind self
    for name, fn in METHODS.items():
        setattr(Tensor, name, fn)
    Tensor.numpy_functions.update(numpy_functions())
