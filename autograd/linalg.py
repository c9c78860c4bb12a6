"""autograd.linalg: NumPy's np.linalg on Tensors, differentiable (twice) where the maths allows.

The decompositions live in autograd/ops/decompositions.py (derivative formulas and the
conditions where they hold are in each docstring); the products in autograd/ops/linalg.py.
Functions that np.linalg defines over the last two axes (diagonal, trace, matrix_transpose)
are defined that way here, unlike their top-level namesakes.
"""

import numpy as _np

from .ops.decompositions import *  # noqa: F401,F403
from .ops.decompositions import __all__ as _decompositions
from .ops.decompositions import EighResult, QRResult, SlogdetResult, SVDResult  # noqa: F401
from .ops.linalg import _mT, matmul, tensordot  # noqa: F401
from .ops import arrangement as _arrangement
from .ops import linalg as _products
from .ops.reductions import sum as _sum
from .primitive import shapes_of as _shapes_of

LinAlgError = _np.linalg.LinAlgError


def matrix_transpose(x):
    "the last two axes swapped"
    if _np.ndim(x) < 2:
        raise ValueError(f"matrix_transpose: expected at least 2 dimensions; got shape "
                         f"{_np.shape(x)}")
    return _mT(x)


def diagonal(x, offset=0):
    "diagonal `offset` of each matrix in the last two axes (np.linalg.diagonal)"
    return _arrangement.diagonal(x, offset, -2, -1)


def trace(x, offset=0, dtype=None):
    "Σ of diagonal `offset` of each matrix in the last two axes (np.linalg.trace)"
    return _arrangement.trace(x, offset, -2, -1, dtype=dtype)


def outer(x1, x2):
    "the outer product of two 1-d vectors (np.linalg.outer)"
    if _np.ndim(x1) != 1 or _np.ndim(x2) != 1:
        raise ValueError(f"outer: expected two 1-d vectors; got shapes {_shapes_of((x1, x2))}")
    return _products.outer(x1, x2)


def vecdot(x1, x2, axis=-1):
    "Σ x1·x2 along `axis`, broadcasting the other axes (np.linalg.vecdot; real)"
    return _sum(x1 * x2, axis=axis)


__all__ = _decompositions + ["LinAlgError", "matmul", "tensordot", "matrix_transpose",
                             "diagonal", "trace", "outer", "vecdot"]
