"""Sequence models as compositions of autograd ops: embedding lookup, the RNN, LSTM and GRU
cell equations, scaled dot-product attention and sinusoidal positional encodings.

The cells follow PyTorch's gate order (LSTM: i, f, g, o; GRU: r, z, n) and weight layout
(W_ih of shape (gates·hidden, input)), so PyTorch's weights give PyTorch's numbers. Attention
follows `torch.nn.functional.scaled_dot_product_attention`: a boolean mask says True = may
attend; a float mask is added to the scores (-inf entries mask).
"""

import math

import numpy as np

import autograd as ag
from autograd import as_array

from .functional import _dtype, dropout, linear


# ---- embedding ------------------------------------------------------------------------------


def embedding(input, weight, padding_idx=None):
    """weight[input]: one row per integer id (rows read by several ids add their gradients);
    the row `padding_idx` is read but gets no gradient."""
    ids = as_array(input)
    n = np.shape(weight)[0]
    if ids.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= n):
        bad = ids.min() if ids.min() < 0 else ids.max()
        raise IndexError(f"embedding: index {bad} is out of range for {n} embeddings "
                         f"(valid ids are 0..{n - 1})")
    out = ag.getitem(weight, index=ids)
    if padding_idx is not None and isinstance(out, ag.Tensor) and out.requires_grad:
        out = ag.where((ids == padding_idx)[..., None], out.detach(), out)
    return out


# ---- recurrent cells ------------------------------------------------------------------------
# Each update takes the input projection gi = x W_ihᵀ + b_ih and the hidden projection
# gh = h W_hhᵀ + b_hh (a layer computes them once per step); the *_cell functions build them.


def _gates(z, k, hidden):
    """The k-th block of `hidden` features of z (gates are stacked along the last axis)."""
    return z[..., k * hidden:(k + 1) * hidden]


def rnn_update(gi, gh, nonlinearity="tanh"):
    """h' = act(gi + gh) with act tanh or relu."""
    if nonlinearity == "tanh":
        return ag.tanh(gi + gh)
    if nonlinearity == "relu":
        return ag.relu(gi + gh)
    raise ValueError(f"rnn: nonlinearity must be 'tanh' or 'relu'; got {nonlinearity!r}")


def lstm_update(gi, gh, c):
    """i, f, g, o = σ, σ, tanh, σ of the four blocks of gi + gh; c' = f·c + i·g,
    h' = o·tanh(c'). Returns (h', c')."""
    hidden = c.shape[-1]
    z = gi + gh
    s = ag.sigmoid(z)
    i, f, o = _gates(s, 0, hidden), _gates(s, 1, hidden), _gates(s, 3, hidden)
    g = ag.tanh(_gates(z, 2, hidden))
    c = f * c + i * g
    return o * ag.tanh(c), c


def gru_update(gi, gh, h):
    """r, z = σ(gi_r + gh_r), σ(gi_z + gh_z); n = tanh(gi_n + r·gh_n) (gh_n includes b_hn);
    h' = (1 - z)·n + z·h."""
    hidden = h.shape[-1]
    rz = ag.sigmoid(gi[..., :2 * hidden] + gh[..., :2 * hidden])
    r, z = _gates(rz, 0, hidden), _gates(rz, 1, hidden)
    n = ag.tanh(_gates(gi, 2, hidden) + r * _gates(gh, 2, hidden))
    return n + z * (h - n)


def rnn_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh"):
    """One Elman step: h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)."""
    return rnn_update(linear(x, w_ih, b_ih), linear(h, w_hh, b_hh), nonlinearity)


def lstm_cell(x, state, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step from state (h, c) with weights of shape (4·hidden, ·); returns (h', c')."""
    h, c = state
    return lstm_update(linear(x, w_ih, b_ih), linear(h, w_hh, b_hh), c)


def gru_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step with weights of shape (3·hidden, ·); returns h'."""
    return gru_update(linear(x, w_ih, b_ih), linear(h, w_hh, b_hh), h)


# ---- attention ------------------------------------------------------------------------------


def _mask_parts(attn_mask, dtype):
    """A mask as (keep, add): a boolean array (True = may attend) or None, and an additive
    term or None. A float mask's -inf entries become keep = False, the rest is added."""
    if attn_mask is None:
        return None, None
    m = as_array(attn_mask)
    if m.dtype == np.bool_:
        return m, None
    keep = m > -np.inf
    if isinstance(attn_mask, ag.Tensor):            # a learned bias: keep its gradient
        return (None, attn_mask) if keep.all() else (keep, ag.where(keep, attn_mask, 0.0))
    return (None if keep.all() else keep), np.where(keep, m, 0.0).astype(dtype)


def _broadcasts(shape, target):
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def causal_mask(L, S=None):
    """The boolean (L, S) mask of PyTorch's is_causal: query i may attend to keys 0..i."""
    return np.tril(np.ones((L, L if S is None else S), dtype=bool))


def generate_square_subsequent_mask(sz, dtype=None):
    """PyTorch's float causal mask: 0 on and below the diagonal, -inf above."""
    return np.where(causal_mask(sz), 0.0, -np.inf).astype(dtype or ag.get_default_dtype())


def attention(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
              training=True, fname="scaled_dot_product_attention"):
    """(softmax(q kᵀ·scale + mask) v, the attention weights). A key the mask excludes gets
    exactly zero weight; a query that may attend to no key gets all-zero weights (output 0)
    instead of PyTorch's NaN."""
    qs, ks, vs = np.shape(q), np.shape(k), np.shape(v)
    if len(qs) < 2 or len(ks) < 2 or len(vs) < 2 or qs[-1] != ks[-1] or ks[-2] != vs[-2]:
        raise ValueError(f"{fname}: expected query (..., L, E), key (..., S, E) and value "
                         f"(..., S, Ev); got {qs}, {ks} and {vs}")
    L, S = qs[-2], ks[-2]
    if is_causal and attn_mask is not None:
        raise ValueError(f"{fname}: pass either attn_mask or is_causal=True, not both")
    if is_causal:
        attn_mask = causal_mask(L, S)
    dtype = _dtype(q)
    keep, add = _mask_parts(attn_mask, dtype)
    scores_shape = np.broadcast_shapes(qs[:-2], ks[:-2]) + (L, S)
    if attn_mask is not None and not _broadcasts(np.shape(attn_mask), scores_shape):
        raise ValueError(f"{fname}: attn_mask of shape {np.shape(attn_mask)} does not broadcast "
                         f"to the scores' shape {scores_shape} (query {qs}, key {ks})")
    scale = 1 / math.sqrt(qs[-1]) if scale is None else scale
    scores = (q * scale) @ ag.swapaxes(k, -1, -2)
    if add is not None:
        scores = scores + add
    if keep is None:
        weights = ag.softmax(scores, axis=-1)
    else:
        # the smallest finite number, not -inf: a fully masked row stays finite, and the
        # product with keep makes every masked weight exactly 0
        scores = ag.where(keep, scores, np.finfo(dtype).min)
        weights = ag.softmax(scores, axis=-1) * keep.astype(dtype)
    weights = dropout(weights, dropout_p, training)
    return weights @ v, weights


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None):
    """softmax(Q Kᵀ/√E + mask) V over the last two axes (scale replaces 1/√E when given);
    boolean mask: True = may attend; float mask: added to the scores."""
    return attention(query, key, value, attn_mask, dropout_p, is_causal, scale)[0]


# ---- positional encoding --------------------------------------------------------------------


def sinusoidal_positional_encoding(length, d_model, base=10000.0, dtype=None):
    """PE[p, 2i] = sin(p / base^(2i/d)), PE[p, 2i+1] = cos(p / base^(2i/d)): shape
    (length, d_model) (Vaswani et al. 2017)."""
    pos = np.arange(length)[:, None]
    freq = np.exp(-math.log(base) * np.arange(0, d_model, 2) / d_model)
    pe = np.zeros((length, d_model))
    pe[:, 0::2] = np.sin(pos * freq)
    pe[:, 1::2] = np.cos(pos * freq[:d_model // 2])
    return pe.astype(dtype or ag.get_default_dtype())


__all__ = ["embedding", "rnn_update", "lstm_update", "gru_update", "rnn_cell", "lstm_cell",
           "gru_cell", "causal_mask", "generate_square_subsequent_mask", "attention",
           "scaled_dot_product_attention", "sinusoidal_positional_encoding"]
