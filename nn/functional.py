"""Activations, normalisations, dropout, losses and penalties as compositions of autograd ops.

Nothing here defines a derivative: each function is written with autograd operations, so its
gradient (and its gradient's gradient) comes from the primitives' VJPs. Formulas are chosen to
stay finite at |x| = 1e4: softplus and logsumexp instead of log(1 + exp(x)) and log Σ exp(x).

Axes follow NumPy (`axis=-1`), the convention of the rest of chainrule. Losses take
`reduction='mean' | 'sum' | 'none'` and, unlike NumPy, refuse input and target shapes that
differ (a silent broadcast of (N, 1) against (N,) is a classic bug).
"""

import math

import numpy as np

import autograd as ag
from autograd import as_array

__all__ = ["relu", "sigmoid", "tanh", "softmax", "log_softmax", "logsumexp", "identity",
           "leaky_relu", "elu", "gelu", "softplus", "silu", "maxout", "get_activation", "linear",
           "dropout", "normalized_shape_tuple", "layer_norm", "batch_norm", "mse_loss", "l1_loss",
           "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "nll_loss",
           "cross_entropy", "hinge_loss", "perceptron_loss", "multi_margin_loss", "l1_penalty",
           "l2_penalty"]


def _dtype(x):
    """The floating dtype results should keep (float32 input stays float32)."""
    dt = as_array(x).dtype
    return dt if dt.kind == "f" else ag.get_default_dtype()


# ---- activations ----------------------------------------------------------------------------

relu, sigmoid, tanh = ag.relu, ag.sigmoid, ag.tanh
softmax, log_softmax, logsumexp = ag.softmax, ag.log_softmax, ag.logsumexp


def identity(x):
    """x, unchanged."""
    return x


def leaky_relu(x, negative_slope=0.01):
    """x where x > 0, else negative_slope·x."""
    return ag.where(x > 0, x, negative_slope * x)


def elu(x, alpha=1.0):
    """x where x > 0, else alpha·(exp(x) - 1) (exp taken of x only where x <= 0, so it cannot
    overflow and d/dx at 0 is alpha, as PyTorch; minimum() would split the tie and give alpha/2)."""
    return ag.where(x > 0, x, alpha * ag.expm1(ag.where(x > 0, 0.0, x)))


def gelu(x, approximate="none"):
    """x·Φ(x) with Φ the standard normal CDF = ½(1 + erf(x/√2)); approximate='tanh' gives
    ½x(1 + tanh(√(2/π)(x + 0.044715x³)))."""
    if approximate == "none":
        return 0.5 * x * (1.0 + ag.erf(x * (1 / math.sqrt(2.0))))
    if approximate == "tanh":
        return 0.5 * x * (1.0 + ag.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x)))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh'; got {approximate!r}")


def softplus(x, beta=1.0):
    """log(1 + exp(beta·x))/beta, computed stably."""
    if beta <= 0:
        raise ValueError(f"softplus: beta must be positive; got {beta}")
    return ag.softplus(x) if beta == 1 else ag.softplus(beta * x) / beta


def silu(x):
    """x·σ(x) (swish)."""
    return x * ag.sigmoid(x)


def maxout(x, pieces, axis=-1):
    """The max over groups of `pieces` consecutive features along `axis` (Goodfellow et al.):
    (..., k·pieces) -> (..., k). Put a Linear layer with k·pieces outputs before it."""
    shape = np.shape(x)
    if not shape:
        raise ValueError("maxout: needs at least 1-d input; got a 0-d tensor")
    axis = axis % len(shape)
    if pieces < 1 or shape[axis] % pieces:
        raise ValueError(f"maxout: axis {axis} of length {shape[axis]} (input shape {shape}) "
                         f"is not divisible into groups of {pieces}")
    grouped = shape[:axis] + (shape[axis] // pieces, pieces) + shape[axis + 1:]
    return ag.max(ag.reshape(x, grouped), axis=axis + 1)


_ACTIVATIONS = {"relu": relu, "tanh": tanh, "sigmoid": sigmoid, "leaky_relu": leaky_relu,
                "elu": elu, "gelu": gelu, "softplus": softplus, "silu": silu, "identity": identity,
                "linear": identity}


def get_activation(activation):
    """An activation function from its name ('relu', 'tanh', ...), a callable, or None
    (identity)."""
    if activation is None:
        return identity
    if callable(activation):
        return activation
    try:
        return _ACTIVATIONS[activation]
    except (KeyError, TypeError):
        raise ValueError(f"unknown activation {activation!r}; expected None, a callable or one "
                         f"of {sorted(_ACTIVATIONS)}") from None


def linear(x, weight, bias=None):
    """x Wᵀ + b over the last axis; leading axes are flattened first, so the product is one
    matrix multiply (and its gradient one more) rather than a stack of small ones."""
    shape = np.shape(x)
    if len(shape) > 2:
        x = ag.reshape(x, shape=(-1, shape[-1]))
    y = x @ ag.transpose(weight)
    if bias is not None:
        y = y + bias
    return ag.reshape(y, shape=shape[:-1] + (np.shape(weight)[0],)) if len(shape) > 2 else y


# ---- dropout and normalisation --------------------------------------------------------------


def dropout(x, p=0.5, training=True, *, generator=None):
    """Zero each element with probability p and scale the rest by 1/(1-p) (inverted dropout),
    so the expectation is unchanged; the identity when not training or p = 0."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: probability p must be in [0, 1]; got {p}")
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0.0
    rng = generator if generator is not None else ag.default_generator()
    keep = rng.random(np.shape(x)) >= p
    return x * (keep / (1 - p)).astype(_dtype(x))


def _normalize(x, axes, eps):
    """(x - mean)/√(var + eps) over `axes` (biased variance), with the mean and variance."""
    mean = ag.mean(x, axis=axes, keepdims=True)
    var = ag.var(x, axis=axes, keepdims=True)
    return (x - mean) / ag.sqrt(var + eps), mean, var


def normalized_shape_tuple(normalized_shape):
    """An int (NumPy's too) or a sequence of ints as a tuple of ints."""
    if isinstance(normalized_shape, (int, np.integer)):
        return (int(normalized_shape),)
    return tuple(int(n) for n in normalized_shape)


def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    """(x - mean)/√(var + eps) over the last len(normalized_shape) axes, then ·weight + bias."""
    normalized_shape = normalized_shape_tuple(normalized_shape)
    shape, k = np.shape(x), len(normalized_shape)
    if tuple(shape[len(shape) - k:]) != normalized_shape or k > len(shape):
        raise ValueError(f"layer_norm: input of shape {shape} does not end with the "
                         f"normalized shape {normalized_shape}")
    y, _, _ = _normalize(x, tuple(range(len(shape) - k, len(shape))), eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def batch_norm(x, running_mean=None, running_var=None, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalise each channel (axis 1) of (N, C) or (N, C, L) input with the batch statistics
    when training (updating the running ones in place: r ← (1-momentum)·r + momentum·batch,
    with the unbiased batch variance) and with the running statistics otherwise."""
    shape = np.shape(x)
    if len(shape) not in (2, 3):
        raise ValueError(f"batch_norm: expected (N, C) or (N, C, L) input, got shape {shape}")
    axes = (0,) if len(shape) == 2 else (0, 2)
    stat_shape = (1, shape[1]) + (1,) * (len(shape) - 2)
    if training or running_mean is None:
        n = math.prod(shape[a] for a in axes)
        if n < 2:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input of shape {shape}")
        y, mean, var = _normalize(x, axes, eps)
        if training and running_mean is not None:
            with ag.no_grad():
                m = np.reshape(as_array(mean), -1)
                v = np.reshape(as_array(var), -1) * (n / (n - 1))
                running_mean.mul_(1 - momentum).add_(m, alpha=momentum)
                running_var.mul_(1 - momentum).add_(v, alpha=momentum)
    else:
        mean = ag.reshape(running_mean, stat_shape)
        var = ag.reshape(running_var, stat_shape)
        y = (x - mean) / ag.sqrt(var + eps)
    if weight is not None:
        y = y * ag.reshape(weight, stat_shape)
    if bias is not None:
        y = y + ag.reshape(bias, stat_shape)
    return y


# ---- losses ---------------------------------------------------------------------------------

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss, reduction, weight_sum=None):
    """Apply `reduction`; a weighted mean divides by `weight_sum` instead of the count."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return ag.sum(loss)
    if weight_sum is not None:          # every target ignored: NaN as PyTorch, no 0/0 warning
        return ag.sum(loss) * (1.0 / weight_sum if weight_sum else math.nan)
    return ag.mean(loss)


def _check_reduction(reduction, fname):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{fname}: reduction must be 'mean', 'sum' or 'none'; got {reduction!r}")


def _same_shape(input, target, fname):
    if np.shape(input) != np.shape(target):
        raise ValueError(f"{fname}: input shape {np.shape(input)} and target shape "
                         f"{np.shape(target)} differ; reshape one of them (broadcasting them "
                         "would silently compare every pair)")


def _check_pointwise(input, target, reduction, fname):
    """The checks of an elementwise loss: a known reduction and equal shapes."""
    _check_reduction(reduction, fname)
    _same_shape(input, target, fname)


# Positional parameters follow PyTorch's order; where PyTorch has the deprecated size_average
# and reduce next, what follows is keyword-only here (so no positional call means two things).

def mse_loss(input, target, *, reduction="mean"):
    """(input - target)², reduced."""
    _check_pointwise(input, target, reduction, "mse_loss")
    d = input - target
    return _reduce(d * d, reduction)


def l1_loss(input, target, *, reduction="mean"):
    """|input - target|, reduced."""
    _check_pointwise(input, target, reduction, "l1_loss")
    return _reduce(ag.abs(input - target), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """½d² where |d| ≤ delta, else delta·(|d| - ½delta), with d = input - target, reduced."""
    _check_pointwise(input, target, reduction, "huber_loss")
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive; got {delta}")
    a = ag.abs(input - target)
    small = ag.minimum(a, delta)          # quadratic part, then the linear remainder
    return _reduce(0.5 * small * small + delta * (a - small), reduction)


_BCE_FLOOR = 1e-12          # PyTorch's floor on p(1 - p) in BCE's gradient


def _log_clamped(p):
    """log p of an array, clamped at -100 as PyTorch's BCE does (log 0 gives -100)."""
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(p), -100.0)


def binary_cross_entropy(input, target, weight=None, *, reduction="mean"):
    """-(t·log p + (1 - t)·log(1 - p)) for probabilities p = input, logs clamped at -100; the
    gradient is PyTorch's (p - t)/max(p(1 - p), 1e-12), finite at p = 0 and 1."""
    _check_pointwise(input, target, reduction, "binary_cross_entropy")
    p = as_array(input)
    if np.any((p < 0) | (p > 1)):
        raise ValueError("binary_cross_entropy: input must be probabilities in [0, 1]; use "
                         "binary_cross_entropy_with_logits for raw scores")
    inner = p * (1 - p) >= _BCE_FLOOR
    q = ag.where(inner, input, 0.5)
    exact = -(target * ag.log(q) + (1 - target) * ag.log1p(-q))
    # near 0 and 1: the clamped value plus a zero whose gradient is (p - t)/1e-12
    d = input - as_array(target)
    ramp = d * d * (0.5 / _BCE_FLOOR)
    edge = (-(target * _log_clamped(p) + (1 - target) * _log_clamped(1 - p))
            + (ramp - as_array(ramp)))
    loss = ag.where(inner, exact, edge)
    return _reduce(loss if weight is None else loss * weight, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, *, reduction="mean",
                                     pos_weight=None):
    """-(pw·t·log σ(x) + (1 - t)·log(1 - σ(x))) = (1 - t)·x + (1 + (pw - 1)·t)·softplus(-x):
    finite for any logit x."""
    _check_pointwise(input, target, reduction, "binary_cross_entropy_with_logits")
    sp = ag.softplus(-input)
    if pos_weight is not None:
        sp = (1 + (pos_weight - 1) * target) * sp
    loss = (1 - target) * input + sp
    return _reduce(loss if weight is None else loss * weight, reduction)


def _class_targets(input, target, fname):
    """Integer class indices from `target` (ints, or floats holding whole numbers), checked
    against input of shape (N, C) or (C,)."""
    shape = np.shape(input)
    if len(shape) not in (1, 2):
        raise ValueError(f"{fname}: expected input of shape (N, C) or (C,), got {shape}")
    t = as_array(target)
    if t.shape != shape[:-1]:
        raise ValueError(f"{fname}: class-index target of shape {t.shape} does not match input "
                         f"of shape {shape} (expected target shape {shape[:-1]})")
    if t.dtype.kind == "f":
        if not np.all(t == np.round(t)):
            raise ValueError(f"{fname}: class-index targets must be whole numbers")
    elif t.dtype.kind not in "iu":
        raise TypeError(f"{fname}: class-index targets must be integers, got dtype {t.dtype}")
    return t.astype(np.int64)


def _pick(x, idx):
    """x[i, idx[i]] for each row (x of shape (N, C), idx of shape (N,)), or x[idx] for 1-d."""
    if np.ndim(x) == 1:
        return x[int(idx)]
    return x[np.arange(len(idx)), idx]


def nll_loss(input, target, weight=None, *, ignore_index=-100, reduction="mean"):
    """-w[t]·input[t] for log-probabilities `input` (N, C) and class indices t; the mean is
    weighted: Σ loss / Σ w[t] (targets equal to ignore_index are left out)."""
    _check_reduction(reduction, "nll_loss")
    return _nll(input, target, weight, ignore_index, reduction, "nll_loss")


def _nll(logp, target, weight, ignore_index, reduction, fname, label_smoothing=0.0):
    """nll_loss, and the class-index case of cross_entropy (with label smoothing ε:
    (1 - ε)·nll + ε·Σ_c w_c·(-logp_c)/C, normalised like the nll term)."""
    t = _class_targets(logp, target, fname)
    n_classes = np.shape(logp)[-1]
    keep = t != ignore_index
    if np.any((t[keep] < 0) | (t[keep] >= n_classes)):
        raise IndexError(f"{fname}: target {t[keep].min()}..{t[keep].max()} is out of range "
                         f"for {n_classes} classes")
    safe = np.where(keep, t, 0)
    w = np.ones(n_classes) if weight is None else as_array(weight).astype(float)
    if w.shape != (n_classes,):
        raise ValueError(f"{fname}: weight of shape {w.shape} does not match {n_classes} classes")
    wt = (w[safe] * keep).astype(_dtype(logp))
    loss = -_pick(logp, safe) * wt
    if label_smoothing:
        smooth = -ag.sum(logp * w.astype(_dtype(logp)), axis=-1) * keep.astype(_dtype(logp))
        loss = (1 - label_smoothing) * loss + (label_smoothing / n_classes) * smooth
    return _reduce(loss, reduction, weight_sum=float(wt.sum()))


def cross_entropy(input, target, weight=None, *, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """-Σ_c q_c·log softmax(input)_c from logits (N, C), computed with logsumexp (finite at
    any scale). `target` is class indices (shape (N,)) or probabilities (shape (N, C));
    label smoothing ε uses q = (1 - ε)·q + ε/C."""
    _check_reduction(reduction, "cross_entropy")
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1]; got {label_smoothing}")
    logp = ag.log_softmax(input, axis=-1)
    if np.ndim(input) == 0 or np.shape(target) != np.shape(input):
        return _nll(logp, target, weight, ignore_index, reduction, "cross_entropy",
                    label_smoothing)
    n_classes = np.shape(input)[-1]                                # probability targets
    eps = label_smoothing
    q = target if eps == 0 else (1 - eps) * target + eps / n_classes
    wl = logp if weight is None else logp * as_array(weight).astype(_dtype(input))
    return _reduce(-ag.sum(q * wl, axis=-1), reduction)


def _signs(input, target, fname):
    t = as_array(target)
    if not np.all((t == 1) | (t == -1)):
        raise ValueError(f"{fname}: targets must be -1 or +1")
    return t.astype(_dtype(input))


def hinge_loss(input, target, margin=1.0, *, reduction="mean"):
    """max(0, margin - y·s) for scores s and labels y in {-1, +1} (the SVM loss)."""
    _check_pointwise(input, target, reduction, "hinge_loss")
    y = _signs(input, target, "hinge_loss")
    return _reduce(ag.relu(margin - y * input), reduction)


def perceptron_loss(input, target, *, reduction="mean"):
    """Rosenblatt's criterion max(0, -y·s) for y in {-1, +1}. At the kink (s = 0) the
    subgradient taken is -y (where() follows the chosen branch), so a point on the boundary
    counts as an error, as in the classic update rule w ← w + lr·y·x."""
    _check_pointwise(input, target, reduction, "perceptron_loss")
    z = -_signs(input, target, "perceptron_loss") * input
    return _reduce(ag.where(z >= 0, z, 0.0), reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, *, reduction="mean"):
    """Σ_{c≠y} max(0, margin - s_y + s_c)^p / C for scores (N, C) and class indices y
    (multiclass hinge, Weston-Watkins/Crammer-Singer style as PyTorch's MultiMarginLoss)."""
    _check_reduction(reduction, "multi_margin_loss")
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: p must be 1 or 2; got {p}")
    t = _class_targets(input, target, "multi_margin_loss")
    n_classes = np.shape(input)[-1]
    if np.any((t < 0) | (t >= n_classes)):
        raise IndexError(f"multi_margin_loss: target out of range for {n_classes} classes")
    s_y = _pick(input, t)
    s_y = ag.expand_dims(s_y, -1) if np.ndim(input) == 2 else s_y
    others = (np.arange(n_classes) != t[..., None]).astype(_dtype(input))
    h = ag.relu(margin - s_y + input)
    h = h * h if p == 2 else h
    if weight is not None:
        w = as_array(weight)
        h = h * np.expand_dims(w[t], -1)
    return _reduce(ag.sum(h * others, axis=-1) / n_classes, reduction)


# ---- penalties ------------------------------------------------------------------------------


def l1_penalty(params):
    """Σ|w| over the given tensors (add λ·l1_penalty(model.parameters()) to a loss)."""
    return _total((ag.sum(ag.abs(p)) for p in params), "l1_penalty")


def l2_penalty(params):
    """Σw² over the given tensors (weight decay adds ½λ·l2_penalty to a loss)."""
    return _total((ag.sum(p * p) for p in params), "l2_penalty")


def _total(terms, fname):
    total = None
    for t in terms:
        total = t if total is None else total + t
    if total is None:
        raise ValueError(f"{fname}: got no parameters")
    return total


from .functional_sequence import *  # noqa: E402,F401,F403  (embedding, cells, attention)
from .functional_sequence import __all__ as _sequence_names  # noqa: E402

# ---- convolution, pooling, channel dropout (nn/spatial.py) ----------------------------------

from .spatial import (adaptive_avg_pool1d, adaptive_avg_pool2d, avg_pool1d,  # noqa: E402,F401
                      avg_pool2d, conv1d, conv2d, conv3d, dropout2d, max_pool1d, max_pool2d)

__all__ += list(_sequence_names) + ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "avg_pool1d",
                                    "avg_pool2d", "conv1d", "conv2d", "conv3d", "dropout2d",
                                    "max_pool1d", "max_pool2d"]

# The losses, normalisations, attention and convolutions are composites of autograd ops, marked
# so in one place: their errors name them, and the tensors they make record their name as their
# scope (a picture draws one node for each). (Not the activations, dropout and linear: a layer's
# box already names them, and dropout in eval mode returns its input itself, as PyTorch's.)
for _name in ["mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy",
              "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy", "hinge_loss",
              "perceptron_loss", "multi_margin_loss", "layer_norm", "batch_norm",
              "scaled_dot_product_attention", "conv1d", "conv2d", "conv3d", "max_pool1d",
              "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d"]:
    globals()[_name] = ag.composite(globals()[_name])
