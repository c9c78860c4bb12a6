"""Reductions (sum, max, logsumexp, ...) and broadcasting, each other's adjoints.

sum and broadcast_to are each other's VJP; `sum_to` (sum over broadcast axes) is how the
engine undoes broadcasting for every op.
"""

import math

import numpy as np

from ..primitive import primitive
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


# ---- means and moments ----------------------------------------------------------------------


def mean(x, axis=None, keepdims=False):
    "Σ x / n over axis"
    n = _count(np.shape(x), axis, "mean")
    return sum(x, axis=axis, keepdims=keepdims) / n


def var(x, axis=None, ddof=0, keepdims=False):
    "Σ (x - mean)² / (n - ddof) over axis (NumPy's default ddof=0)"
    n = _count(np.shape(x), axis, "var")
    d = x - mean(x, axis=axis, keepdims=True)
    return sum(d * d, axis=axis, keepdims=keepdims) / (n - ddof)


def std(x, axis=None, ddof=0, keepdims=False):
    "√var"
    _count(np.shape(x), axis, "std")          # so that a bad axis is reported as std's
    return sqrt(var(x, axis=axis, ddof=ddof, keepdims=keepdims))


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


def softmax(x, axis=-1):
    "exp(x) / Σ exp(x) along axis, as exp(x - logsumexp(x))"
    return exp(x - logsumexp(x, axis=axis, keepdims=True))


def log_softmax(x, axis=-1):
    "x - logsumexp(x) along axis"
    return x - logsumexp(x, axis=axis, keepdims=True)


__all__ = ["sum", "broadcast_to", "sum_to", "mean", "var", "std", "prod", "max", "min", "amax",
           "amin", "argmax", "argmin", "logsumexp", "softmax", "log_softmax"]
