"""MultiheadAttention with PyTorch's layout (in_proj_weight (3E, E), in_proj_bias, out_proj),
and positional encodings (sinusoidal, learned).

Masks follow nn.MultiheadAttention, not scaled_dot_product_attention: in `attn_mask` and
`key_padding_mask` a boolean True means "may NOT attend"; float masks are added to the scores.
"""

import numpy as np

import autograd as ag
from autograd import as_array

from .. import functional as F
from .. import init
from ..module import Module, Parameter
from .linear import Linear
from .normalization import Dropout

__all__ = ["MultiheadAttention", "SinusoidalPositionalEncoding", "LearnedPositionalEncoding"]


class MultiheadAttention(Module):
    """softmax(Q_h K_hᵀ/√d + mask) V_h for each of num_heads heads of size d = E/num_heads,
    with Q, K, V = query W_qᵀ + b_q, ...; heads concatenated and projected by out_proj.
    Returns (output, attention weights averaged over heads, or per head)."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, dtype=None):
        super().__init__()
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("MultiheadAttention: add_bias_kv and add_zero_attn are "
                                      "not supported")
        if embed_dim < 1 or num_heads < 1 or embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim {embed_dim} must be divisible by "
                             f"num_heads {num_heads}")
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.head_dim = embed_dim // num_heads
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self.dropout, self.batch_first = dropout, batch_first
        self._same_dims = self.kdim == embed_dim and self.vdim == embed_dim
        E = embed_dim
        if self._same_dims:
            self.in_proj_weight = Parameter(ag.zeros((3 * E, E), dtype=dtype))
        else:
            self.q_proj_weight = Parameter(ag.zeros((E, E), dtype=dtype))
            self.k_proj_weight = Parameter(ag.zeros((E, self.kdim), dtype=dtype))
            self.v_proj_weight = Parameter(ag.zeros((E, self.vdim), dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        self.register_parameter("in_proj_bias", Parameter(ag.zeros(3 * E, dtype=dtype))
                                if bias else None)
        self.out_proj = Linear(E, E, bias=bias, dtype=dtype)
        self.reset_parameters()

    def reset_parameters(self):
        """Xavier-uniform projections, zero biases, as PyTorch (out_proj.weight keeps Linear's
        initialisation)."""
        for p in (self.in_proj_weight,) if self._same_dims else \
                (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
            init.xavier_uniform_(p)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def _label(self):
        return f"MultiheadAttention({self.embed_dim}, {self.num_heads})"

    def _projections(self, query, key, value):
        E, b = self.embed_dim, self.in_proj_bias
        bq, bk, bv = (None,) * 3 if b is None else (b[:E], b[E:2 * E], b[2 * E:])
        if self._same_dims:
            w = self.in_proj_weight
            if query is key and key is value:           # self-attention: one matmul
                qkv = F.linear(query, w, b)
                return qkv[..., :E], qkv[..., E:2 * E], qkv[..., 2 * E:]
            wq, wk, wv = w[:E], w[E:2 * E], w[2 * E:]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return tuple(F.linear(x, w, bb) for x, w, bb in ((query, wq, bq), (key, wk, bk),
                                                          (value, wv, bv)))

    def _check(self, query, key, value, key_padding_mask, attn_mask):
        qs, ks, vs = np.shape(query), np.shape(key), np.shape(value)
        layout = "(N, L, E)" if self.batch_first else "(L, N, E)"
        ok = len(qs) in (2, 3) and len(ks) == len(qs) == len(vs) and qs[-1] == self.embed_dim \
            and ks[-1] == self.kdim and vs[-1] == self.vdim and ks[:-1] == vs[:-1]
        batched = len(qs) == 3
        if ok and batched:
            ok = qs[1 - self.batch_first] == ks[1 - self.batch_first]
        if not ok:
            raise ValueError(f"{self._label()}: expected query {layout} with E = "
                             f"{self.embed_dim}, key and value with the same batch and length "
                             f"(and {self.kdim}, {self.vdim} features), or unbatched (L, E); got "
                             f"query {qs}, key {ks}, value {vs}")
        if batched:
            N = qs[0] if self.batch_first else qs[1]
            L, S = (qs[1], ks[1]) if self.batch_first else (qs[0], ks[0])
        else:
            N, L, S = 1, qs[0], ks[0]
        if key_padding_mask is not None and \
                np.shape(key_padding_mask) != ((N, S) if batched else (S,)):
            raise ValueError(f"{self._label()}: key_padding_mask of shape "
                             f"{np.shape(key_padding_mask)} does not match (batch, source "
                             f"length) = {(N, S) if batched else (S,)}")
        if attn_mask is not None and np.shape(attn_mask) not in \
                ((L, S), (N * self.num_heads, L, S)):
            raise ValueError(f"{self._label()}: attn_mask of shape {np.shape(attn_mask)} must "
                             f"be (L, S) = {(L, S)} or (N·num_heads, L, S) = "
                             f"{(N * self.num_heads, L, S)}")
        return N, L, S, batched

    def _mask(self, attn_mask, key_padding_mask, N, L, S, dtype):
        """The two masks merged into one for the (N, heads, L, S) scores, in
        scaled_dot_product_attention's convention (True = may attend, or additive)."""
        masks = []
        for m, shape in ((attn_mask, (N, self.num_heads, L, S)),
                         (key_padding_mask, (N, 1, 1, S))):
            if m is None:
                continue
            if np.ndim(m) == 3 or m is key_padding_mask:
                m = ag.reshape(m, shape=shape) if isinstance(m, ag.Tensor) else \
                    np.reshape(as_array(m), shape)
            masks.append(~as_array(m) if as_array(m).dtype == np.bool_ else m)
        if not masks:
            return None
        if all(as_array(m).dtype == np.bool_ for m in masks):
            return masks[0] if len(masks) == 1 else masks[0] & masks[1]
        parts = [np.where(m, 0.0, -np.inf).astype(dtype) if as_array(m).dtype == np.bool_ else m
                 for m in masks]
        return parts[0] if len(parts) == 1 else parts[0] + parts[1]

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        """query (L, N, E), key and value (S, N, ·) ((N, L, E) ... if batch_first, or unbatched
        (L, E)); returns (output of query's shape, weights (N, L, S) or (N, heads, L, S))."""
        N, L, S, batched = self._check(query, key, value, key_padding_mask, attn_mask)
        if is_causal and attn_mask is None:
            attn_mask = ~F.causal_mask(L, S)
        q, k, v = self._projections(query, key, value)

        def heads(x, n):                                # -> (N, heads, n, head_dim)
            if not batched:
                x = ag.expand_dims(x, 1)
            elif self.batch_first:
                x = ag.swapaxes(x, 0, 1)
            return ag.transpose(ag.reshape(x, shape=(n, N, self.num_heads, self.head_dim)),
                                axes=(1, 2, 0, 3))

        mask = self._mask(attn_mask, key_padding_mask, N, L, S, F._dtype(q))
        out, weights = F.attention(heads(q, L), heads(k, S), heads(v, S), mask,
                                   self.dropout, training=self.training,
                                   fname=self._label())
        out = ag.reshape(ag.transpose(out, axes=(2, 0, 1, 3)), shape=(L, N, self.embed_dim))
        out = self.out_proj(out)
        if not batched:
            out = out[:, 0]
        elif self.batch_first:
            out = ag.swapaxes(out, 0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = ag.mean(weights, axis=1)
        return out, (weights[0] if not batched else weights)

    def extra_repr(self):
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}"


class SinusoidalPositionalEncoding(Module):
    """x + PE[:T] with PE the sinusoidal table of Vaswani et al. (a buffer `pe` of shape
    (max_len, d_model)), then dropout; x is (T, N, d_model), or (N, T, d_model) if batch_first."""

    def __init__(self, d_model, max_len=5000, dropout=0.0, batch_first=False, dtype=None):
        super().__init__()
        self.d_model, self.max_len, self.batch_first = d_model, max_len, batch_first
        self.register_buffer("pe", ag.Tensor(F.sinusoidal_positional_encoding(max_len, d_model,
                                                                              dtype=dtype)))
        self.dropout = Dropout(dropout)

    def forward(self, x):
        return self.dropout(x + _positions(self, x, self.pe))

    def extra_repr(self):
        return f"d_model={self.d_model}, max_len={self.max_len}"


class LearnedPositionalEncoding(Module):
    """x + weight[:T] with a learned weight of shape (max_len, d_model) ~ N(0, 1) (as an
    Embedding of positions), then dropout."""

    def __init__(self, d_model, max_len=512, dropout=0.0, batch_first=False, dtype=None):
        super().__init__()
        self.d_model, self.max_len, self.batch_first = d_model, max_len, batch_first
        self.weight = Parameter(ag.zeros((max_len, d_model), dtype=dtype))
        init.normal_(self.weight)
        self.dropout = Dropout(dropout)

    def forward(self, x):
        return self.dropout(x + _positions(self, x, self.weight))

    def extra_repr(self):
        return f"d_model={self.d_model}, max_len={self.max_len}"


def _positions(m, x, table):
    """The first T rows of `table`, shaped to broadcast against x."""
    shape = np.shape(x)
    if len(shape) not in (2, 3) or shape[-1] != m.d_model:
        raise ValueError(f"{type(m).__name__}: expected input (T, N, {m.d_model}), "
                         f"(N, T, {m.d_model}) with batch_first or (T, {m.d_model}); got {shape}")
    T = shape[1] if m.batch_first and len(shape) == 3 else shape[0]
    if T > m.max_len:
        raise ValueError(f"{type(m).__name__}: sequence length {T} exceeds max_len {m.max_len}")
    rows = table[:T] if table.dtype == F._dtype(x) else ag.astype(table[:T], F._dtype(x))
    return rows if len(shape) == 2 or m.batch_first else ag.expand_dims(rows, 1)
