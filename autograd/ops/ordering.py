"""Sorting and selection: sort, partition and topk return values whose gradient is scattered
back to where each value came from (a permutation); the index functions (argsort,
argpartition, searchsorted) have no gradient."""

import numpy as np

from ..primitive import primitive
from ..tensor import Tensor, as_array
from .shape import along_axis, normalize_axes, take_along_axis


@primitive
def argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    "the indices that sort a along axis (flattened when None); no gradient"
    return np.argsort(a, axis=axis, kind=kind, order=order, stable=stable)


@primitive
def argpartition(a, kth, axis=-1, kind="introselect", order=None):
    "indices that put the kth element in its sorted place, smaller before (np.argpartition)"
    return np.argpartition(a, kth, axis=axis, kind=kind, order=order)


@primitive
def searchsorted(a, v, side="left", sorter=None):
    "where v would be inserted into the sorted 1-d a to keep it sorted; no gradient"
    return np.searchsorted(a, v, side=side, sorter=sorter)


def sort(a, axis=-1, kind=None, order=None, *, stable=None):
    "a sorted along axis (flattened when None), stable; the gradient is permuted back"
    a, axis = along_axis(a, axis, "sort")
    idx = np.argsort(as_array(a), axis=axis, kind="stable" if kind is None else kind)
    return take_along_axis(a, idx, axis)


def partition(a, kth, axis=-1, kind="introselect", order=None):
    "a with its kth element in sorted position, smaller ones before it (np.partition)"
    a, axis = along_axis(a, axis, "partition")
    return take_along_axis(a, np.argpartition(as_array(a), kth, axis=axis, kind=kind), axis)


def topk(a, k, axis=-1, largest=True, sorted=True):
    """(values, indices) of the k largest (or smallest) elements along axis, largest first
    (PyTorch's topk, with NumPy's `axis`); the values' gradient goes back to their places.
    Among equal elements at the cut, which ones are kept is unspecified."""
    data = as_array(a)
    if data.ndim == 0:
        raise ValueError("topk: needs an input with at least one dimension; got a 0-d tensor")
    axis = normalize_axes(axis, data.ndim, "topk")[0]
    n = data.shape[axis]
    if not 0 <= k <= n:
        raise ValueError(f"topk: k = {k} is out of range for an axis of length {n} "
                         f"(shape {data.shape})")
    key = -data if largest else data
    idx = np.argpartition(key, k - 1, axis=axis) if 0 < k < n else np.argsort(key, axis=axis)
    idx = np.take(idx, np.arange(k), axis=axis)
    if sorted:
        idx = np.take_along_axis(idx, np.argsort(np.take_along_axis(key, idx, axis), axis=axis,
                                                 kind="stable"), axis)
    return take_along_axis(a, idx, axis), Tensor(idx, dtype=idx.dtype)


__all__ = ["argsort", "argpartition", "searchsorted", "sort", "partition", "topk"]
