"""Creation helpers (NumPy's and PyTorch's names), all returning leaf Tensors.

Shapes may be given as separate ints or one tuple: zeros(2, 3) == zeros((2, 3)). Random
tensors come from one seedable NumPy Generator (`manual_seed`) unless `generator` is passed.
"""

import numpy as np

from .tensor import Tensor, get_default_dtype

_rng = {"generator": np.random.default_rng()}


def manual_seed(seed):
    """Reseed the generator behind rand/randn (and nn's initialisers); returns it."""
    _rng["generator"] = np.random.default_rng(seed)
    return _rng["generator"]


def default_generator():
    """The NumPy Generator used when no `generator` is passed."""
    return _rng["generator"]


def _shape(shape):
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        return tuple(shape[0])
    return tuple(shape)


def _leaf(data, dtype, requires_grad, name=None):
    return Tensor(data, dtype=dtype or get_default_dtype(), requires_grad=requires_grad, name=name)


def zeros(*shape, dtype=None, requires_grad=False):
    """A tensor of zeros."""
    return _leaf(np.zeros(_shape(shape)), dtype, requires_grad)


def ones(*shape, dtype=None, requires_grad=False):
    """A tensor of ones."""
    return _leaf(np.ones(_shape(shape)), dtype, requires_grad)


def full(shape, fill_value, dtype=None, requires_grad=False):
    """A tensor of `shape` filled with `fill_value`."""
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    return _leaf(np.full(shape, fill_value), dtype, requires_grad)


def zeros_like(t, dtype=None, requires_grad=False):
    """Zeros with the shape (and, unless given, the dtype) of `t`."""
    return _leaf(np.zeros(np.shape(t)), dtype or np.asarray(t).dtype, requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    """Ones with the shape (and, unless given, the dtype) of `t`."""
    return _leaf(np.ones(np.shape(t)), dtype or np.asarray(t).dtype, requires_grad)


def arange(start, stop=None, step=1, dtype=None, requires_grad=False):
    """Evenly spaced values in [start, stop); integer arguments give an int64 tensor."""
    data = np.arange(start, stop, step) if stop is not None else np.arange(start, step=step)
    if dtype is None and data.dtype.kind in "iu":
        return Tensor(data, dtype=np.int64)
    return _leaf(data, dtype, requires_grad)


def linspace(start, stop, num=50, endpoint=True, dtype=None, requires_grad=False):
    """`num` evenly spaced values from start to stop."""
    return _leaf(np.linspace(start, stop, num, endpoint=endpoint), dtype, requires_grad)


def eye(n, m=None, k=0, dtype=None, requires_grad=False):
    """An n×m matrix with ones on diagonal k."""
    return _leaf(np.eye(n, m, k), dtype, requires_grad)


def rand(*shape, dtype=None, requires_grad=False, generator=None):
    """Uniform samples in [0, 1)."""
    rng = generator or _rng["generator"]
    return _leaf(rng.random(_shape(shape)), dtype, requires_grad)


def randn(*shape, dtype=None, requires_grad=False, generator=None):
    """Standard normal samples."""
    rng = generator or _rng["generator"]
    return _leaf(rng.standard_normal(_shape(shape)), dtype, requires_grad)


def tensor(data, dtype=None, requires_grad=False, name=None):
    """Tensor(data, ...) under PyTorch's lowercase name."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


__all__ = ["manual_seed", "default_generator", "zeros", "ones", "full", "zeros_like",
           "ones_like", "arange", "linspace", "eye", "rand", "randn", "tensor"]
