"""Reductions (sum, max, logsumexp, ...) and broadcasting, each other's adjoints.

sum and broadcast_to are each other's VJP; `sum_to` (sum over broadcast axes) is how the
engine undoes broadcasting for every op.
"""

import math

import numpy as np

from ..primitive import primitive
from .composite import composite
from .elementwise import exp, sqrt, where
from .shape import concatenate, getitem, normalize_axes, reshape


def _keep(g, x_shape, axis, keepdims):
    """g (a reduction's output or cotangent) with the reduced axes back as size 1."""
    if keepdims or not x_shape:     # 0-d: NumPy's sum/max/... accept axis 0 or -1 there
        return g
    axes = normalize_axes(axis, len(x_shape), "reduce")
    return reshape(g, shape=tuple(1 if i in axes else n for i, n in enumerate(x_shape)))


def _count(shape, axis, opname):
    """How many elements a reduction over `axis` combines into each output."""
    return math.prod(shape[a] for a in normalize_axes(axis, len(shape), opname))


# ---- sum and broadcasting -------------------------------------------------------------------


@primitive
def sum(x, axis=None, keepdims=False):
    "Σ x over axis; the gradient is broadcast back over the summed axes"
    return np.add.reduce(x, axis=axis, keepdims=keepdims)


sum.defvjp(lambda g, out, x, axis=None, keepdims=False:
           broadcast_to(_keep(g, x.shape, axis, keepdims), shape=x.shape))


@primitive
def broadcast_to(x, *, shape):
    "x stretched to `shape` by NumPy's broadcasting rules; the gradient is summed back"
    return np.broadcast_to(x, shape)


broadcast_to.defvjp(lambda g, out, x, shape: sum_to(g, np.shape(x)))


@composite
def sum_to(x, shape):
    "x summed over the axes that broadcasting added or stretched, so that it has `shape`"
    shape = tuple(shape)
    xshape = np.shape(x)
    if xshape == shape:
        return x
    lead = len(xshape) - len(shape)
    if lead < 0 or any(n != 1 and n != m for n, m in zip(shape, xshape[lead:])):
        raise ValueError(f"sum_to: shape {xshape} is not a broadcast of shape {shape}")
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                      if n == 1 and xshape[lead + i] != 1)
    return reshape(sum(x, axis=axes, keepdims=True), shape=shape)


@composite
def tile(x, reps):
    "x repeated as a block (np.tile), composed from reshape and broadcast_to"
    reps = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
    if any(not isinstance(r, (int, np.integer)) or r < 0 for r in reps):
        raise ValueError(f"reps must be non-negative integers; got {reps!r}")
    shape = np.shape(x)
    n = len(shape) if len(shape) > len(reps) else len(reps)     # (max is the autograd one here)
    shape = (1,) * (n - len(shape)) + shape
    reps = (1,) * (n - len(reps)) + reps
    interleaved = tuple(v for pair in zip((1,) * n, shape) for v in pair)
    target = tuple(v for pair in zip(reps, shape) for v in pair)
    y = broadcast_to(reshape(x, shape=interleaved), shape=target)
    return reshape(y, shape=tuple(r * s for r, s in zip(reps, shape)))


# ---- means and moments ----------------------------------------------------------------------


@composite
def mean(x, axis=None, keepdims=False):
    "Σ x / n over axis"
    n = _count(np.shape(x), axis, "mean")
    return sum(x, axis=axis, keepdims=keepdims) / n


@composite
def var(x, axis=None, ddof=0, keepdims=False):
    "Σ (x - mean)² / (n - ddof) over axis (NumPy's default ddof=0)"
    n = _count(np.shape(x), axis, "var")
    d = x - mean(x, axis=axis, keepdims=True)
    return sum(d * d, axis=axis, keepdims=keepdims) / (n - ddof)


@composite
def std(x, axis=None, ddof=0, keepdims=False):
    """√var, with gradient 0 where var = 0 (a constant, a length-1 axis): the value is
    identically 0 there, and √ is never evaluated at 0, so no 0·inf, at any order"""
    v = var(x, axis=axis, ddof=ddof, keepdims=keepdims)
    positive = v > 0
    return where(positive, sqrt(where(positive, v, 1.0)), 0.0)


# ---- products -------------------------------------------------------------------------------


def _prod_axis(x, axis):
    """Product along one axis (kept as size 1) by pairwise multiplication: exact with zeros,
    and its gradient is the product of the other elements with no division."""
    n = np.shape(x)[axis]
    if n == 0:
        return sum(x, axis=axis, keepdims=True) + 1
    pre = (slice(None),) * axis
    while n > 1:
        half = n // 2
        y = getitem(x, index=pre + (slice(0, half),)) * getitem(x, index=pre + (slice(half, 2 * half),))
        if n % 2:
            y = concatenate([y, getitem(x, index=pre + (slice(2 * half, n),))], axis=axis)
        x, n = y, half + n % 2
    return x


@composite
def prod(x, axis=None, keepdims=False):
    "Π x over axis, composed from multiply"
    shape = np.shape(x)
    axes = normalize_axes(axis, len(shape), "prod")
    for a in axes:
        x = _prod_axis(x, a)
    if keepdims:
        return x
    return reshape(x, shape=tuple(n for i, n in enumerate(shape) if i not in axes))


# ---- max and min ----------------------------------------------------------------------------


def _ties_vjp(g, out, x, axis=None, keepdims=False):
    """The gradient of max/min: to the elements equal to the result, shared equally on ties."""
    mask = x == _keep(out, x.shape, axis, keepdims)
    return _keep(g, x.shape, axis, keepdims) * mask / sum(mask, axis=axis, keepdims=True)


@primitive
def max(x, axis=None, keepdims=False):
    "largest element over axis; ties share the gradient equally"
    return np.max(x, axis=axis, keepdims=keepdims)


@primitive
def min(x, axis=None, keepdims=False):
    "smallest element over axis; ties share the gradient equally"
    return np.min(x, axis=axis, keepdims=keepdims)


max.defvjp(_ties_vjp)
min.defvjp(_ties_vjp)
amax, amin = max, min


@primitive
def argmax(x, axis=None, keepdims=False):
    "index of the largest element (no gradient)"
    return np.argmax(x, axis=axis, keepdims=keepdims)


@primitive
def argmin(x, axis=None, keepdims=False):
    "index of the smallest element (no gradient)"
    return np.argmin(x, axis=axis, keepdims=keepdims)


# ---- log-sum-exp and softmax ----------------------------------------------------------------


@primitive
def logsumexp(x, axis=None, keepdims=False):
    "log Σ exp(x) over axis, shifted by the max so it never overflows; d/dx = softmax(x)"
    m = np.max(x, axis=axis, keepdims=True, initial=-np.inf)     # -inf for an empty sum
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        s = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return s if keepdims else np.squeeze(s, axis=axis)[()]


def _logsumexp_vjp(g, out, x, axis=None, keepdims=False):
    """g·softmax(x) = g·exp(x - out); where out = -inf (every x is -inf) exp(x - 0) = 0, not
    exp(-inf + inf) = NaN."""
    out = _keep(out, x.shape, axis, keepdims)
    return _keep(g, x.shape, axis, keepdims) * exp(x - where(out == -np.inf, 0.0, out))


logsumexp.defvjp(_logsumexp_vjp)


@composite
def softmax(x, axis=-1):
    "exp(x) / Σ exp(x) along axis, as exp(x - logsumexp(x))"
    return exp(x - logsumexp(x, axis=axis, keepdims=True))


@composite
def log_softmax(x, axis=-1):
    "x - logsumexp(x) along axis"
    return x - logsumexp(x, axis=axis, keepdims=True)


__all__ = ["sum", "broadcast_to", "sum_to", "tile", "mean", "var", "std", "prod", "max", "min", "amax",
           "amin", "argmax", "argmin", "logsumexp", "softmax", "log_softmax"]
