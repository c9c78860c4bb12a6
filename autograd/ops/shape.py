"""Shape and indexing: reshape, transpose, getitem and the ops composed from them."""

import math

import numpy as np

from ..primitive import primitive
from .composite import composite, copy
from ..tensor import as_array


def normalize_axes(axis, ndim, opname):
    """`axis` (None, int or tuple, negatives allowed) as a sorted tuple of axes in [0, ndim)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(
                f"{opname}: axis {a} is out of bounds for a tensor of dimension {ndim}")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{opname}: repeated axis in {axis}")
    return tuple(sorted(out))


# ---- reshape and transpose ------------------------------------------------------------------


@primitive
def reshape(x, *, shape):
    "the same elements in a new shape; the gradient is reshaped back"
    return np.reshape(x, shape)


reshape.defvjp(lambda g, out, x, shape: reshape(g, shape=np.shape(x)))


@primitive
def transpose(x, axes=None):
    "axes permuted (reversed when None); the gradient is permuted back"
    return np.transpose(x, axes)


transpose.defvjp(lambda g, out, x, axes=None:
                 transpose(g, axes=None if axes is None else tuple(np.argsort(axes))))


@composite
def permute(x, axes):
    "axes permuted (PyTorch's name)"
    return transpose(x, axes=tuple(axes))


@composite
def swapaxes(x, axis1, axis2):
    "two axes exchanged, composed from transpose"
    axes = list(range(np.ndim(x)))
    (axis1,), (axis2,) = (normalize_axes(a, len(axes), "swapaxes") for a in (axis1, axis2))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, axes=tuple(axes))


@composite
def squeeze(x, axis=None):
    "size-1 axes removed (only `axis` when given), composed from reshape"
    shape = np.shape(x)
    axes = normalize_axes(axis, len(shape), "squeeze")
    if axis is None:
        axes = tuple(i for i in axes if shape[i] == 1)
    for a in axes:
        if shape[a] != 1:
            raise ValueError(f"squeeze: cannot squeeze axis {a} of shape {shape}: its size is "
                             f"{shape[a]}, not 1")
    return reshape(x, shape=tuple(n for i, n in enumerate(shape) if i not in axes))


@composite
def expand_dims(x, axis):
    "new size-1 axes inserted at `axis` (int or tuple), composed from reshape"
    shape = np.shape(x)
    axes = normalize_axes(axis, len(shape) + (1 if isinstance(axis, (int, np.integer))
                                              else len(axis)), "expand_dims")
    new = list(shape)
    for a in axes:
        new.insert(a, 1)
    return reshape(x, shape=tuple(new))


@composite
def flatten(x, start_dim=0, end_dim=-1):
    "axes start_dim..end_dim merged into one (all of them by default), composed from reshape"
    shape = np.shape(x)
    if len(shape) == 0:
        return reshape(x, shape=(1,))
    s = normalize_axes(start_dim, len(shape), "flatten")[0]
    e = normalize_axes(end_dim, len(shape), "flatten")[0]
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                         f"for shape {shape}")
    return reshape(x, shape=shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:])


@primitive
def gradient_copy(g, x):
    """a copy of the gradient g of x that is part of the graph through x with derivative zero:
    a gradient constant in x (relu's, sum's) still differentiates again, to zeros (as in JAX)"""
    return np.array(g, copy=True)[()]


gradient_copy.defvjp(lambda g2, out, g, x: g2,
                     lambda g2, out, g, x: g2 * 0)


def refuse_out(out, opname):
    """NumPy's out= would write into an array: refused, the result is returned instead."""
    if out is not None:
        raise TypeError(f"{opname}: out= is not supported; use the returned tensor")


def along_axis(x, axis, opname):
    """(x, axis) for a function of one axis: a normalised axis, or x flattened and axis 0 when
    axis is None (NumPy's rule for cumsum, sort, delete, ...)."""
    if axis is None:
        return ravel(x), 0
    return x, normalize_axes(axis, np.ndim(x), opname)[0]


def ravel(a, order="C"):
    "the elements as a 1-d tensor in C order (np.ravel), composed from reshape"
    if order not in ("C", "A", "K"):
        raise NotImplementedError(f"ravel: order {order!r} is not supported; only 'C'")
    return reshape(a, shape=(-1,))


# ---- indexing -------------------------------------------------------------------------------


_BASIC = {slice, int, type(None), type(Ellipsis)}     # the types of a basic index's parts


def _is_basic(index):
    """True for indices made of ints, slices, None and Ellipsis (views: no repeated element)."""
    for i in (index if type(index) is tuple else (index,)):
        if not (type(i) in _BASIC or isinstance(i, (int, np.integer))):
            return False
    return True


@primitive
def getitem(x, *, index):
    "x[index] with NumPy's indexing; the gradient is scattered back (repeats accumulate)"
    return x[index]


getitem.defvjp(lambda g, out, x, index: untake(g, index=index, shape=np.shape(x)))
getitem.defvjp_into(lambda acc, g, out, x, index: _add_at(acc.buffer(), index, g))


def _add_at(z, index, g):
    """z[index] += g in place, repeated indices adding up (a basic index has no repeats)."""
    if _is_basic(index):
        z[index] += g
    else:
        np.add.at(z, index, g)


@primitive
def untake(g, *, index, shape):
    "zeros of `shape` with g added at `index` (the adjoint of getitem); d/dg = getitem"
    z = np.zeros(shape, dtype=np.result_type(g))
    _add_at(z, index, g)
    return z


untake.defvjp(lambda g, out, x, index, shape: getitem(g, index=index))


def along_axis_index(shape, indices, axis, opname):
    """The index tuple that pairs `indices` with the positions along `axis` of an array of
    `shape` (the other axes broadcast), as np.take_along_axis builds it."""
    idx = as_array(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{opname}: indices must be integers; got dtype {idx.dtype}")
    if idx.ndim != len(shape):
        raise ValueError(f"{opname}: indices of shape {idx.shape} must have as many "
                         f"dimensions as the array of shape {shape}")
    axis = normalize_axes(axis, len(shape), opname)[0]
    grid = [np.arange(n).reshape((1,) * i + (n,) + (1,) * (len(shape) - i - 1))
            for i, n in enumerate(shape)]
    grid[axis] = idx
    return tuple(grid)


def take_along_axis(arr, indices, axis=-1):
    """arr[..., indices[...], ...] matched along `axis` (np.take_along_axis; other axes
    broadcast), composed from getitem: the gradient is scattered back, repeats adding up"""
    if axis is None:
        arr, axis = ravel(arr), 0
    return getitem(arr, index=along_axis_index(np.shape(arr), indices, axis, "take_along_axis"))


@composite
def flip(x, axis=None):
    "the order of elements reversed along `axis` (all axes when None), composed from getitem"
    ndim = np.ndim(x)
    axes = normalize_axes(axis, ndim, "flip")
    return getitem(x, index=tuple(slice(None, None, -1) if i in axes else slice(None)
                                  for i in range(ndim)))


@composite
def repeat(x, repeats, axis=None):
    "each element repeated (np.repeat), composed from getitem with an integer index"
    if axis is None:
        x, axis = flatten(x), 0
    shape = np.shape(x)
    axis = normalize_axes(axis, len(shape), "repeat")[0]
    counts = np.asarray(repeats)
    counts = counts.astype(np.intp) if counts.size == 0 else counts
    if counts.dtype.kind not in "iu" or (counts < 0).any() or counts.ndim > 1 or (
            counts.ndim == 1 and counts.shape[0] not in (1, shape[axis])):
        raise ValueError(f"repeats must be a non-negative integer or one per element along "
                         f"axis {axis} ({shape[axis]} of them) of shape {shape}; got {repeats!r}")
    idx = np.repeat(np.arange(shape[axis]), counts)
    return getitem(x, index=(slice(None),) * axis + (idx,))


# ---- joining and splitting ------------------------------------------------------------------


@primitive(name="concatenate")
def _concatenate(*xs, axis=0):
    return np.concatenate(xs, axis=axis)


def _concatenate_vjp(g, out, *xs, axis=0):
    """Every input's cotangent at once: g cut back into the inputs' lengths along axis."""
    ax = axis % np.ndim(out)
    lead, start, pieces = (slice(None),) * ax, 0, []
    for x in xs:
        n = np.shape(x)[ax]
        pieces.append(getitem(g, index=lead + (slice(start, start + n),)))
        start += n
    return pieces


_concatenate.defvjp_all(_concatenate_vjp)


@composite
def concatenate(tensors, axis=0):
    "tensors joined along an existing axis; the gradient is sliced back to each"
    tensors = list(tensors)
    if not tensors:
        raise ValueError("concatenate: need at least one tensor")
    return _concatenate(*tensors, axis=axis)


def cat(tensors, axis=0):
    "tensors joined along an existing axis (PyTorch's name for concatenate)"
    return concatenate(tensors, axis=axis)


@composite
def stack(tensors, axis=0):
    "tensors joined along a new axis, composed from expand_dims and concatenate"
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: need at least one tensor")
    shapes = {np.shape(t) for t in tensors}
    if len(shapes) != 1:
        raise ValueError(f"stack: all tensors must have the same shape; got "
                         f"{', '.join(str(np.shape(t)) for t in tensors)}")
    return _concatenate(*[expand_dims(t, axis) for t in tensors], axis=axis)


def _split(x, indices_or_sections, axis, opname, equal):
    """The pieces of x along axis, each a getitem: `indices_or_sections` is a number of parts
    (equal when `equal`, else the first n % k parts one longer) or a list of cut points."""
    shape = np.shape(x)
    axis = normalize_axes(axis, len(shape), opname)[0]
    n = shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0 or (equal and n % k):
            raise ValueError(f"{opname}: an axis of length {n} cannot be split into {k} "
                             f"{'equal parts' if equal else 'parts'}")
        sizes = [n // k + 1] * (n % k) + [n // k] * (k - n % k)
        bounds = [0] + [int(b) for b in np.cumsum(sizes)]
    else:
        bounds = [0] + list(indices_or_sections) + [n]
    return [getitem(x, index=(slice(None),) * axis + (slice(a, b),))
            for a, b in zip(bounds[:-1], bounds[1:])]


def split(x, indices_or_sections, axis=0):
    "x cut into equal pieces, or at the given indices, along `axis` (np.split)"
    return _split(x, indices_or_sections, axis, "split", equal=True)


def array_split(ary, indices_or_sections, axis=0):
    "as split, but k parts need not be equal: the first n % k are one longer (np.array_split)"
    return _split(ary, indices_or_sections, axis, "array_split", equal=False)


# ---- padding --------------------------------------------------------------------------------


def _pad_widths(pad_width, ndim):
    return [tuple(int(v) for v in w) for w in np.broadcast_to(np.asarray(pad_width), (ndim, 2))]


@primitive(name="pad")
def _pad(x, *, pad_width, constant_values=0):
    return np.pad(x, pad_width, mode="constant", constant_values=constant_values)


_pad.defvjp(lambda g, out, x, pad_width, constant_values=0: getitem(
    g, index=tuple(slice(a, a + n) for (a, _), n in zip(pad_width, np.shape(x)))))


@composite
def pad(x, pad_width, mode="constant", constant_values=0):
    "x surrounded by `constant_values` (np.pad with mode='constant'); the gradient is cropped"
    if mode != "constant":
        raise NotImplementedError(f"pad: mode {mode!r} is not supported; only 'constant'")
    try:
        widths = _pad_widths(pad_width, np.ndim(x))
    except ValueError:
        raise ValueError(f"pad: pad_width {pad_width!r} does not fit a tensor of shape "
                         f"{np.shape(x)}") from None
    if any(a < 0 or b < 0 for a, b in widths):
        raise ValueError(f"pad: pad widths must be non-negative; got {pad_width!r}")
    return _pad(x, pad_width=tuple(widths), constant_values=constant_values)


__all__ = ["copy", "reshape", "transpose", "permute", "swapaxes", "squeeze", "expand_dims",
           "flatten", "getitem", "untake", "flip", "repeat", "concatenate", "cat", "stack", "split", "pad",
           "ravel", "take_along_axis", "array_split"]
