"""Transformer encoder/decoder layers and stacks: PyTorch's state_dict names and shapes, a NumPy
reference of the post-norm and pre-norm encoder layer, masks, gradients."""

import numpy as np
import pytest

import autograd as ag
import nn
from autograd.testing import gradcheck

from .test_attention import np_mha

rng = np.random.default_rng(0)


def np_layer_norm(x, ln):
    mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + ln.eps) * ln.weight.data + ln.bias.data


def np_ff(x, layer):
    h = np.maximum(x @ layer.linear1.weight.data.T + layer.linear1.bias.data, 0)
    return h @ layer.linear2.weight.data.T + layer.linear2.bias.data


def np_encoder_layer(layer, x, norm_first):
    def sa(y):
        return np_mha(layer.self_attn, y, y, y)[0]
    if norm_first:
        x = x + sa(np_layer_norm(x, layer.norm1))
        return x + np_ff(np_layer_norm(x, layer.norm2), layer)
    x = np_layer_norm(x + sa(x), layer.norm1)
    return np_layer_norm(x + np_ff(x, layer), layer.norm2)


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_matches_numpy(norm_first):
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, norm_first=norm_first).eval()
    with ag.no_grad():
        layer.norm1.weight.copy_(rng.normal(size=8))
        layer.self_attn.in_proj_bias.copy_(rng.normal(size=24))
    x = rng.normal(size=(5, 3, 8))
    np.testing.assert_allclose(layer(ag.Tensor(x)).data, np_encoder_layer(layer, x, norm_first),
                               rtol=1e-10, atol=1e-12)
    enc = nn.TransformerEncoder(layer, num_layers=2).eval()
    ref = np_encoder_layer(enc.layers[1], np_encoder_layer(enc.layers[0], x, norm_first),
                           norm_first)
    np.testing.assert_allclose(enc(ag.Tensor(x)).data, ref, rtol=1e-10, atol=1e-12)
    # the copies start equal (as PyTorch) but are independent parameters
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    np.testing.assert_array_equal(enc.layers[0].linear1.weight.data,
                                  enc.layers[1].linear1.weight.data)


ENCODER_KEYS = [("self_attn.in_proj_weight", (24, 8)), ("self_attn.in_proj_bias", (24,)),
                ("self_attn.out_proj.weight", (8, 8)), ("self_attn.out_proj.bias", (8,)),
                ("linear1.weight", (16, 8)), ("linear1.bias", (16,)),
                ("linear2.weight", (8, 16)), ("linear2.bias", (8,)),
                ("norm1.weight", (8,)), ("norm1.bias", (8,)),
                ("norm2.weight", (8,)), ("norm2.bias", (8,))]


def test_state_dict_names_are_pytorchs():
    # torch.nn.TransformerEncoderLayer(8, 2, 16).state_dict() and the Decoder's
    assert [(k, v.shape) for k, v in
            nn.TransformerEncoderLayer(8, 2, 16).state_dict().items()] == ENCODER_KEYS
    dec = [(k, v.shape) for k, v in nn.TransformerDecoderLayer(8, 2, 16).state_dict().items()]
    assert dec == ENCODER_KEYS[:4] + [
        ("multihead_attn.in_proj_weight", (24, 8)), ("multihead_attn.in_proj_bias", (24,)),
        ("multihead_attn.out_proj.weight", (8, 8)), ("multihead_attn.out_proj.bias", (8,))] + \
        ENCODER_KEYS[4:] + [("norm3.weight", (8,)), ("norm3.bias", (8,))]
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2, norm=nn.LayerNorm(8))
    keys = list(enc.state_dict())
    assert keys[:12] == ["layers.0." + k for k, _ in ENCODER_KEYS]
    assert keys[12] == "layers.1.self_attn.in_proj_weight"
    assert keys[-2:] == ["norm.weight", "norm.bias"]
    assert nn.TransformerEncoderLayer(8, 2).linear1.weight.shape == (2048, 8)   # default ff


def test_decoder_causal_mask_and_memory_padding():
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, batch_first=True,
                                                           activation="gelu"), 2).eval()
    tgt, memory = rng.normal(size=(2, 5, 8)), rng.normal(size=(2, 4, 8))
    mask = nn.functional.generate_square_subsequent_mask(5)
    pad = np.array([[0, 0, 0, 1], [0, 0, 0, 0]], bool)
    out = dec(ag.Tensor(tgt), ag.Tensor(memory), tgt_mask=mask, memory_key_padding_mask=pad)
    assert out.shape == (2, 5, 8)
    # causality: changing the last target step leaves earlier outputs unchanged
    tgt2 = tgt.copy()
    tgt2[:, -1] += 1.0
    out2 = dec(ag.Tensor(tgt2), ag.Tensor(memory), tgt_mask=mask, memory_key_padding_mask=pad)
    np.testing.assert_allclose(out2.data[:, :-1], out.data[:, :-1], rtol=1e-12)
    assert not np.allclose(out2.data[:, -1], out.data[:, -1])
    # a padded memory step is ignored; without the mask it would matter (negative control)
    mem2 = memory.copy()
    mem2[0, 3] += 5.0
    out3 = dec(ag.Tensor(tgt), ag.Tensor(mem2), tgt_mask=mask, memory_key_padding_mask=pad)
    np.testing.assert_allclose(out3.data, out.data, rtol=1e-12)
    out4 = dec(ag.Tensor(tgt), ag.Tensor(mem2), tgt_mask=mask)
    assert not np.allclose(out4.data[0], dec(ag.Tensor(tgt), ag.Tensor(memory),
                                             tgt_mask=mask).data[0])
    out5 = dec(ag.Tensor(tgt), ag.Tensor(memory), tgt_is_causal=True, tgt_mask=None,
               memory_key_padding_mask=pad)
    np.testing.assert_allclose(out5.data, out.data, rtol=1e-12)


def test_encoder_gradients_and_dropout():
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0)
    x = ag.Tensor(rng.normal(size=(3, 2, 4)), requires_grad=True)
    pad = np.array([[0, 0, 1], [0, 0, 0]], bool)
    assert gradcheck(lambda x: layer(x, src_key_padding_mask=pad), [x])
    drop = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.5)
    a = drop(x).data
    assert not np.allclose(a, drop(x).data)            # training: dropout active
    drop.eval()
    np.testing.assert_array_equal(drop(x).data, drop(x).data)


def test_errors():
    with pytest.raises(ValueError, match="activation must be 'relu', 'gelu' or a callable"):
        nn.TransformerEncoderLayer(8, 2, activation="swish")
    with pytest.raises(ValueError, match=r"MultiheadAttention\(8, 2\): expected query"):
        nn.TransformerEncoderLayer(8, 2)(ag.zeros(5, 3, 6))
    with pytest.raises(ValueError, match="num_layers must be positive"):
        nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2), 0)
