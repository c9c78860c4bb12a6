"""Order statistics and moments composed from sort, sum and matmul: ptp, average, median,
quantile, percentile, nansum, nanmean, cov, corrcoef. Their gradients come from the ops they
are made of (an order statistic's gradient goes to the element(s) it was read from)."""

import numpy as np

from ..tensor import Tensor, as_array
from .arrangement import diagonal, moveaxis
from .elementwise import clip, isnan, sqrt, where
from .linalg import _mT, matmul
from .ordering import sort
from .reductions import max, mean, min, sum
from .shape import concatenate, getitem, normalize_axes, ravel, refuse_out, reshape, squeeze


def ptp(a, axis=None, out=None, keepdims=False):
    "max - min over axis (peak to peak)"
    refuse_out(out, "ptp")
    return max(a, axis=axis, keepdims=keepdims) - min(a, axis=axis, keepdims=keepdims)


def average(a, axis=None, weights=None, returned=False, keepdims=False):
    "Σ w·a / Σ w over axis (the mean when weights is None); returned: also Σ w"
    if weights is None:
        avg = mean(a, axis=axis, keepdims=keepdims)
        if not returned:
            return avg
        count = np.size(as_array(a)) // np.size(as_array(avg))
        return avg, Tensor(np.full(np.shape(avg), count), dtype=as_array(avg).dtype)
    shape, wshape = np.shape(a), np.shape(weights)
    if wshape != shape:
        if axis is None or len(wshape) != 1:
            raise ValueError(f"average: weights of shape {wshape} differ from a's {shape}; "
                             "give a 1-d weights along a single axis")
        ax = normalize_axes(axis, len(shape), "average")[0]
        if wshape[0] != shape[ax]:
            raise ValueError(f"average: weights of length {wshape[0]} do not match axis {axis} "
                             f"of shape {shape}")
        weights = reshape(weights, shape=tuple(-1 if i == ax else 1 for i in range(len(shape))))
    scale = sum(a * 0 + weights, axis=axis, keepdims=keepdims)
    avg = sum(a * weights, axis=axis, keepdims=keepdims) / scale
    return (avg, scale) if returned else avg


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False):
    """the q-th quantiles (q in [0, 1]) over axis, interpolating linearly between the sorted
    values (NumPy's default method); q's axes come first. No gradient to q; NaN is not
    propagated as NumPy does (it sorts last)."""
    refuse_out(out, "quantile")
    if method != "linear":
        raise NotImplementedError(f"quantile: method {method!r} is not supported; only 'linear'")
    q = np.asarray(as_array(q), dtype=np.float64)
    if np.any((q < 0) | (q > 1)):
        raise ValueError(f"quantile: q must be in [0, 1]; got {q.tolist()}")
    shape = np.shape(a)
    if axis is None:
        s, kept = sort(ravel(a)), (1,) * len(shape)
    else:
        axis = normalize_axes(axis, len(shape), "quantile")[0]
        s = moveaxis(sort(a, axis=axis), axis, 0)
        kept = shape[:axis] + (1,) + shape[axis + 1:]
    n = np.shape(s)[0]
    if n == 0:
        raise ValueError("quantile: cannot take a quantile of an empty axis")
    pos = q * (n - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    frac = (pos - lo).reshape(q.shape + (1,) * (np.ndim(s) - 1)).astype(as_array(s).dtype)
    s_lo, s_hi = getitem(s, index=(lo,)), getitem(s, index=(hi,))
    out = s_lo + (s_hi - s_lo) * frac
    return reshape(out, shape=q.shape + kept) if keepdims else out


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False):
    "the q-th percentiles (q in [0, 100]): quantile(a, q / 100)"
    return quantile(a, np.asarray(as_array(q), dtype=np.float64) / 100, axis, out,
                    method=method, keepdims=keepdims)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    "the middle value over axis (the mean of the two middle ones for an even count)"
    return quantile(a, 0.5, axis=axis, out=out, keepdims=keepdims)


def nansum(a, axis=None, dtype=None, out=None, keepdims=False):
    "Σ over axis with NaN counted as 0; NaN entries get no gradient"
    refuse_out(out, "nansum")
    s = sum(where(isnan(a), 0.0, a), axis=axis, keepdims=keepdims)
    return s if dtype is None else s.astype(dtype)


def nanmean(a, axis=None, dtype=None, out=None, keepdims=False):
    "the mean over axis of the non-NaN entries"
    refuse_out(out, "nanmean")
    count = np.sum(~np.isnan(as_array(a)), axis=axis, keepdims=keepdims)
    return nansum(a, axis=axis, dtype=dtype, keepdims=keepdims) / count


def cov(m, y=None, rowvar=True, bias=False, ddof=None):
    "the covariance matrix of the variables in m's rows (columns if not rowvar), and y's"
    if np.ndim(m) > 2:
        raise ValueError(f"cov: m has more than 2 dimensions (shape {np.shape(m)})")
    xs = [v if np.ndim(v) == 2 else reshape(v, shape=(1, -1)) for v in (m, y) if v is not None]
    if not rowvar:
        xs = [_mT(v) if np.shape(v)[0] != 1 else v for v in xs]
    x = concatenate(xs, axis=0) if len(xs) > 1 else xs[0]
    ddof = (0 if bias else 1) if ddof is None else ddof
    xc = x - mean(x, axis=1, keepdims=True)
    c = matmul(xc, _mT(xc)) / (np.shape(x)[1] - ddof)
    return squeeze(c)


def corrcoef(x, y=None, rowvar=True):
    "Pearson correlation coefficients: cov / (σ_i σ_j), clipped to [-1, 1]"
    c = cov(x, y, rowvar)
    if np.ndim(c) == 0:
        return c / c
    d = sqrt(diagonal(c))
    return clip(c / reshape(d, shape=(-1, 1)) / reshape(d, shape=(1, -1)), -1.0, 1.0)


__all__ = ["ptp", "average", "quantile", "percentile", "median", "nansum", "nanmean", "cov",
           "corrcoef"]
