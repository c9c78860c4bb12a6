"""Running sums and products along an axis, and n-th differences (np.cumsum, np.cumprod,
np.diff)."""

import numpy as np

from ..primitive import primitive
from .elementwise import astype
from .reductions import broadcast_to
from .shape import along_axis, concatenate, flip, getitem, normalize_axes, pad, refuse_out


@primitive(name="cumsum")
def _cumsum(x, *, axis):
    return np.cumsum(x, axis=axis)


_cumsum.defvjp(lambda g, out, x, axis: flip(_cumsum(flip(g, axis), axis=axis), axis))


def cumsum(a, axis=None, dtype=None, out=None):
    "y_i = Σ_{j≤i} a_j along axis (flattened when None); the gradient is the reversed cumsum"
    refuse_out(out, "cumsum")
    a, axis = along_axis(a, axis, "cumsum")
    return _cumsum(a if dtype is None else astype(a, dtype), axis=axis)


def cumprod(a, axis=None, dtype=None, out=None):
    """y_i = Π_{j≤i} a_j along axis, composed from multiply by a parallel prefix scan (log₂ n
    steps, each multiplying by the result shifted by 2ᵏ with ones shifted in): no division, so
    its gradient (and second derivative) is exact when a holds zeros, one or several."""
    refuse_out(out, "cumprod")
    a, axis = along_axis(a, axis, "cumprod")
    if dtype is not None:
        a = astype(a, dtype)
    n, ndim = np.shape(a)[axis], np.ndim(a)
    shift = 1
    while shift < n:
        head = getitem(a, index=(slice(None),) * axis + (slice(0, n - shift),))
        widths = tuple((shift, 0) if i == axis else (0, 0) for i in range(ndim))
        a = a * pad(head, widths, constant_values=1)
        shift *= 2
    return a


def diff(a, n=1, axis=-1, prepend=None, append=None):
    "the n-th forward difference a[i+1] - a[i] along axis, after prepend/append (np.diff)"
    ndim = np.ndim(a)
    if ndim == 0:
        raise ValueError("diff: needs an input with at least one dimension; got a 0-d tensor")
    if n < 0:
        raise ValueError(f"diff: order n must be non-negative; got {n}")
    axis = normalize_axes(axis, ndim, "diff")[0]
    shape = np.shape(a)
    ends = []
    for v in (prepend, append):
        if v is not None and np.ndim(v) == 0:
            v = broadcast_to(v, shape=shape[:axis] + (1,) + shape[axis + 1:])
        ends.append(v)
    if prepend is not None or append is not None:
        a = concatenate([v for v in (ends[0], a, ends[1]) if v is not None], axis=axis)
    pre = (slice(None),) * axis
    for _ in range(n):
        a = getitem(a, index=pre + (slice(1, None),)) - getitem(a, index=pre + (slice(None, -1),))
    return a


__all__ = ["cumsum", "cumprod", "diff"]
