"""Transformer encoder and decoder layers and stacks, with PyTorch's submodule names (self_attn,
linear1, dropout, linear2, norm1, norm2, and multihead_attn, norm3 in the decoder), so a
PyTorch state_dict loads.

Post-norm (default): x = norm(x + sublayer(x)); norm_first: x = x + sublayer(norm(x)).
"""

import copy

from .. import functional as F
from ..module import Module, ModuleList
from .attention import MultiheadAttention
from .linear import Linear
from .normalization import Dropout, LayerNorm

__all__ = ["TransformerEncoderLayer", "TransformerDecoderLayer", "TransformerEncoder",
           "TransformerDecoder"]


def _activation(activation, owner):
    if activation in ("relu", "gelu"):
        return F.get_activation(activation)
    if callable(activation):
        return activation
    raise ValueError(f"{owner}: activation must be 'relu', 'gelu' or a callable; got "
                     f"{activation!r}")


class _TransformerLayer(Module):
    """The parts every layer shares: linear2(dropout(act(linear1(x)))) and norm1, norm2."""

    def _build(self, d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
               batch_first, norm_first, bias, dtype, n_norms):
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        if n_norms == 3:
            self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                     batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        for i in range(1, n_norms + 1):
            setattr(self, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, dtype=dtype))
        for i in range(1, n_norms + 1):
            setattr(self, f"dropout{i}", Dropout(dropout))
        self.activation = _activation(activation, type(self).__name__)

    def _ff(self, x):
        return self.dropout3(self._ff_body(x)) if hasattr(self, "norm3") else \
            self.dropout2(self._ff_body(x))

    def _ff_body(self, x):
        return self.linear2(self.dropout(self.activation(self.linear1(x))))

    def _residual(self, x, norm, sublayer):
        if self.norm_first:
            return x + sublayer(norm(x))
        return norm(x + sublayer(x))


class TransformerEncoderLayer(_TransformerLayer):
    """Self-attention then a feed-forward network, each with a residual connection and
    LayerNorm (Vaswani et al. 2017)."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 dtype=None):
        super().__init__()
        self._build(d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                    batch_first, norm_first, bias, dtype, n_norms=2)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        def sa(x):
            return self.dropout1(self.self_attn(x, x, x, key_padding_mask=src_key_padding_mask,
                                                need_weights=False, attn_mask=src_mask,
                                                is_causal=is_causal)[0])
        x = self._residual(src, self.norm1, sa)
        return self._residual(x, self.norm2, self._ff)


class TransformerDecoderLayer(_TransformerLayer):
    """Masked self-attention, attention over the encoder's output (memory), then a feed-forward
    network, each with a residual connection and LayerNorm."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 dtype=None):
        super().__init__()
        self._build(d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                    batch_first, norm_first, bias, dtype, n_norms=3)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        def sa(x):
            return self.dropout1(self.self_attn(x, x, x, key_padding_mask=tgt_key_padding_mask,
                                                need_weights=False, attn_mask=tgt_mask,
                                                is_causal=tgt_is_causal)[0])

        def mha(x):
            return self.dropout2(self.multihead_attn(
                x, memory, memory, key_padding_mask=memory_key_padding_mask, need_weights=False,
                attn_mask=memory_mask, is_causal=memory_is_causal)[0])
        x = self._residual(tgt, self.norm1, sa)
        x = self._residual(x, self.norm2, mha)
        return self._residual(x, self.norm3, self._ff)


class _Stack(Module):
    def __init__(self, layer, num_layers, norm=None):
        super().__init__()
        if num_layers < 1:
            raise ValueError(f"{type(self).__name__}: num_layers must be positive; got "
                             f"{num_layers}")
        self.layers = ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def _finish(self, x):
        return x if self.norm is None else self.norm(x)


class TransformerEncoder(_Stack):
    """num_layers copies of encoder_layer (identical initial weights, as PyTorch), then the
    optional final norm."""

    def __init__(self, encoder_layer, num_layers, norm=None):
        super().__init__(encoder_layer, num_layers, norm)

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=False):
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=is_causal)
        return self._finish(x)


class TransformerDecoder(_Stack):
    """num_layers copies of decoder_layer, then the optional final norm."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__(decoder_layer, num_layers, norm)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                      tgt_key_padding_mask=tgt_key_padding_mask,
                      memory_key_padding_mask=memory_key_padding_mask,
                      tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        return self._finish(x)
