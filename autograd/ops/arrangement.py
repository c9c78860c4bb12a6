"""NumPy's rearrangements, composed from getitem, reshape, transpose, concatenate and where:
roll, rot90, moveaxis, triangles (tril, triu), diagonals (diag, diagflat, diagonal, trace),
the stacking helpers (atleast_nd, hstack, vstack, dstack, column_stack) and meshgrid. Their
gradients come from the ops they are made of."""

import numpy as np

from ..primitive import shapes_of
from .elementwise import where
from .reductions import broadcast_to, sum
from .shape import (along_axis, along_axis_index, concatenate, flip, getitem, normalize_axes,
                    ravel, refuse_out, reshape, stack, transpose, untake)

# ---- moving elements ------------------------------------------------------------------------


def roll(a, shift, axis=None):
    "elements shifted by `shift` along axis, wrapping around (np.roll; flattened when None)"
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), shape=np.shape(a))
    shape = np.shape(a)
    try:
        pairs = np.broadcast(shift, axis)
    except ValueError:
        raise ValueError(f"roll: shift {shift!r} and axis {axis!r} do not broadcast") from None
    total = {}
    for s, ax in pairs:
        ax = normalize_axes(int(ax), len(shape), "roll")[0]
        total[ax] = total.get(ax, 0) + int(s)
    for ax, s in total.items():
        n = shape[ax]
        if n == 0 or s % n == 0:
            continue
        cut = n - s % n
        pre = (slice(None),) * ax
        a = concatenate([getitem(a, index=pre + (slice(cut, None),)),
                         getitem(a, index=pre + (slice(None, cut),))], axis=ax)
    return a


def moveaxis(a, source, destination):
    "axes moved to new positions, the others keeping their order (np.moveaxis)"
    ndim = np.ndim(a)
    src = [normalize_axes(s, ndim, "moveaxis")[0] for s in np.atleast_1d(source)]
    dst = [normalize_axes(d, ndim, "moveaxis")[0] for d in np.atleast_1d(destination)]
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: source {source!r} and destination {destination!r} must "
                         "have the same number of elements")
    order = [i for i in range(ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(a, axes=tuple(order))


def rot90(m, k=1, axes=(0, 1)):
    "m rotated by 90° k times in the plane of `axes`, from the first axis towards the second"
    ndim = np.ndim(m)
    if len(axes) != 2:
        raise ValueError(f"rot90: axes must name 2 axes; got {axes!r}")
    a0, a1 = (normalize_axes(ax, ndim, "rot90")[0] for ax in axes)
    if a0 == a1:
        raise ValueError(f"rot90: axes must be different; got {axes!r}")
    k %= 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, a0), a1)
    perm = list(range(ndim))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return transpose(flip(m, a1), axes=tuple(perm))
    return flip(transpose(m, axes=tuple(perm)), a1)


# ---- triangles and diagonals ----------------------------------------------------------------


def _matrix_shape(m, opname):
    shape = np.shape(m)
    if not shape:
        raise ValueError(f"{opname}: needs at least 1 dimension; got a 0-d tensor")
    return shape[-2:] if len(shape) > 1 else shape * 2


def tril(m, k=0):
    "m with the elements above diagonal k set to 0 (the last two axes); gradient masked alike"
    return where(np.tri(*_matrix_shape(m, "tril"), k=k, dtype=bool), m, 0.0)


def triu(m, k=0):
    "m with the elements below diagonal k set to 0 (the last two axes); gradient masked alike"
    return where(np.tri(*_matrix_shape(m, "triu"), k=k - 1, dtype=bool), 0.0, m)


def _diagonal_index(n1, n2, offset):
    """(rows, cols) of diagonal `offset` of an n1×n2 matrix."""
    length = max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))
    i = np.arange(length)
    return i + max(-offset, 0), i + max(offset, 0)


def diagonal(a, offset=0, axis1=0, axis2=1):
    "diagonal `offset` of the matrices in axes (axis1, axis2), as a last axis (np.diagonal)"
    shape = np.shape(a)
    if len(shape) < 2:
        raise ValueError(f"diagonal: needs at least 2 dimensions; got shape {shape}")
    ax1, ax2 = (normalize_axes(ax, len(shape), "diagonal")[0] for ax in (axis1, axis2))
    if ax1 == ax2:
        raise ValueError(f"diagonal: axis1 and axis2 must be different; got {axis1}, {axis2}")
    rest = tuple(i for i in range(len(shape)) if i not in (ax1, ax2))
    rows, cols = _diagonal_index(shape[ax1], shape[ax2], offset)
    return getitem(transpose(a, axes=rest + (ax1, ax2)), index=(Ellipsis, rows, cols))


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    "Σ of diagonal `offset` (np.trace); for a stack of matrices, one sum per matrix"
    refuse_out(out, "trace")
    d = sum(diagonal(a, offset, axis1, axis2), axis=-1)
    return d if dtype is None else d.astype(dtype)


def diag(v, k=0):
    "the matrix with 1-d v on diagonal k, or diagonal k of a 2-d v (np.diag)"
    shape = np.shape(v)
    if len(shape) == 2:
        return diagonal(v, k)
    if len(shape) != 1:
        raise ValueError(f"diag: input must be 1-d or 2-d; got shape {shape}")
    n = shape[0] + abs(k)
    return untake(v, index=_diagonal_index(n, n, k), shape=(n, n))


def diagflat(v, k=0):
    "the matrix with the flattened v on diagonal k"
    return diag(ravel(v), k)


# ---- stacking -------------------------------------------------------------------------------


def _atleast(arys, shape_of):
    out = []
    for a in arys:
        shape = np.shape(a)
        new = shape_of(shape)
        out.append(a if new == shape else reshape(a, shape=new))
    return out[0] if len(out) == 1 else tuple(out)


def atleast_1d(*arys):
    "each input with at least 1 dimension (0-d becomes shape (1,))"
    return _atleast(arys, lambda s: s or (1,))


def atleast_2d(*arys):
    "each input with at least 2 dimensions: (N,) becomes (1, N)"
    return _atleast(arys, lambda s: s if len(s) >= 2 else (1,) * (2 - len(s)) + s)


def atleast_3d(*arys):
    "each input with at least 3 dimensions: (N,) becomes (1, N, 1), (M, N) becomes (M, N, 1)"
    return _atleast(arys, lambda s: s if len(s) >= 3 else {0: (1, 1, 1), 1: (1,) + s + (1,),
                                                             2: s + (1,)}[len(s)])


def _stack_with(tup, opname, prepare, axis):
    arrs = [prepare(a) for a in tup]
    if not arrs:
        raise ValueError(f"{opname}: need at least one array to stack")
    ax = axis(arrs)
    shapes = [np.shape(a)[:ax] + np.shape(a)[ax + 1:] for a in arrs]
    if any(np.ndim(a) != np.ndim(arrs[0]) for a in arrs) or len(set(shapes)) != 1:
        raise ValueError(f"{opname}: the shapes {shapes_of(arrs)} (after promotion) must match "
                         f"except on axis {ax}")
    return concatenate(arrs, axis=ax)


def hstack(tup, *, dtype=None, casting="same_kind"):
    "inputs joined column-wise: along axis 1, or axis 0 for 1-d inputs (np.hstack)"
    out = _stack_with(tup, "hstack", atleast_1d, lambda arrs: 0 if np.ndim(arrs[0]) == 1 else 1)
    return out if dtype is None else out.astype(dtype)


def vstack(tup, *, dtype=None, casting="same_kind"):
    "inputs joined row-wise along axis 0, 1-d inputs as rows (np.vstack)"
    out = _stack_with(tup, "vstack", atleast_2d, lambda arrs: 0)
    return out if dtype is None else out.astype(dtype)


def dstack(tup):
    "inputs joined depth-wise along axis 2 (np.dstack)"
    return _stack_with(tup, "dstack", atleast_3d, lambda arrs: 2)


def column_stack(tup):
    "1-d inputs as columns (and 2-d ones as they are) joined along axis 1 (np.column_stack)"
    def column(a):
        return reshape(a, shape=(-1, 1)) if np.ndim(a) < 2 else a
    return _stack_with(tup, "column_stack", column, lambda arrs: 1)


def append(arr, values, axis=None):
    "values joined after arr along axis (both flattened when None), composed from concatenate"
    if axis is None:
        return concatenate([ravel(arr), ravel(values)], axis=0)
    return concatenate([arr, values], axis=axis)


def delete(arr, obj, axis=None):
    "arr without the entries obj (an index, slice or list) along axis (flattened when None)"
    arr, axis = along_axis(arr, axis, "delete")
    shape = np.shape(arr)
    keep = np.ones(shape[axis], dtype=bool)
    try:
        keep[obj] = False
    except IndexError:
        raise IndexError(f"delete: index {obj!r} is out of bounds for axis {axis} of length "
                         f"{shape[axis]}") from None
    return getitem(arr, index=(slice(None),) * axis + (np.flatnonzero(keep),))


def broadcast_arrays(*args):
    "the inputs broadcast against each other (np.broadcast_arrays), as a tuple"
    try:
        shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    except ValueError:
        raise ValueError(f"broadcast_arrays: shapes {shapes_of(args)} do not broadcast") from None
    return tuple(a if np.shape(a) == shape else broadcast_to(a, shape=shape) for a in args)


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    "the cross product of 3-vectors along axisa of a and axisb of b, put along axisc (np.cross)"
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
    if np.shape(a)[-1:] != (3,) or np.shape(b)[-1:] != (3,):
        raise ValueError(f"cross: expected 3-vectors along axes {axisa} and {axisb}; got shapes "
                         f"{shapes_of((a, b))}")
    x, y = ([getitem(v, index=(Ellipsis, i)) for i in range(3)] for v in (a, b))
    parts = [x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0]]
    return moveaxis(stack(parts, axis=-1), -1, axisc)


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    "coordinate grids from 1-d coordinate vectors (np.meshgrid; 'xy' swaps the first two axes)"
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij'; got {indexing!r}")
    n = len(xi)
    shapes = [[1] * n for _ in xi]
    for i, x in enumerate(xi):
        shapes[i][i] = -1
    if indexing == "xy" and n > 1:
        for s in shapes:
            s[0], s[1] = s[1], s[0]
    out = [reshape(ravel(x), shape=tuple(s)) for x, s in zip(xi, shapes)]
    if not sparse:
        full = np.broadcast_shapes(*(np.shape(o) for o in out))
        out = [broadcast_to(o, shape=full) for o in out]
    return tuple(out)


def _scatter_parts(arr, indices, values, axis, opname):
    """(index, values broadcast to the index's shape, flat positions hit) for a scatter."""
    shape = np.shape(arr)
    index = along_axis_index(shape, indices, axis, opname)
    full = np.broadcast_shapes(*(np.shape(i) for i in index))
    flat = np.ravel_multi_index(tuple(np.broadcast_to(i, full) for i in index), shape,
                                mode="wrap").reshape(-1)
    return index, broadcast_to(values, shape=full), flat


def scatter_add(arr, indices, values, axis):
    """arr with `values` added at the positions take_along_axis(arr, indices, axis) reads,
    repeats adding up: a copy, where np.add.at would change arr in place"""
    index, values, _ = _scatter_parts(arr, indices, values, axis, "scatter_add")
    return arr + untake(values, index=index, shape=np.shape(arr))


def scatter(arr, indices, values, axis):
    """arr with `values` written at the positions take_along_axis(arr, indices, axis) reads
    (the last write wins on repeats): a copy, where np.put_along_axis changes arr in place.
    The gradient reaches arr where nothing was written, and each value that was kept."""
    index, values, flat = _scatter_parts(arr, indices, values, axis, "scatter")
    last = np.zeros(flat.size, dtype=bool)
    last[flat.size - 1 - np.unique(flat[::-1], return_index=True)[1]] = True
    hit = np.zeros(np.shape(arr), dtype=bool)
    hit.flat[flat] = True
    kept = where(last.reshape(np.shape(values)), values, 0.0)
    return where(hit, 0.0, arr) + untake(kept, index=index, shape=np.shape(arr))


__all__ = ["roll", "moveaxis", "rot90", "tril", "triu", "diagonal", "trace", "diag", "diagflat",
           "atleast_1d", "atleast_2d", "atleast_3d", "hstack", "vstack", "dstack",
           "column_stack", "meshgrid"]
__all__ += ["append", "delete", "broadcast_arrays", "cross", "scatter", "scatter_add"]
