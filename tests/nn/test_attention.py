"""scaled_dot_product_attention and MultiheadAttention against NumPy references; masks (a masked
key gets exactly zero weight); stability; PyTorch's parameter layout; errors; gradients."""

import warnings

import numpy as np
import pytest

import autograd as ag
import nn
from autograd.testing import gradcheck, gradgradcheck
from nn import functional as F

rng = np.random.default_rng(0)


def np_softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def np_attention(q, k, v, add=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    w = np_softmax(s if add is None else s + add)
    return w @ v, w


# ---- scaled_dot_product_attention -----------------------------------------------------------

def test_sdpa_matches_numpy_with_bool_float_and_causal_masks():
    q, k, v = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(2, 3, 6, 5)), \
        rng.normal(size=(2, 3, 6, 7))
    ref, _ = np_attention(q, k, v)
    np.testing.assert_allclose(F.scaled_dot_product_attention(q, k, v).data, ref, rtol=1e-12)
    keep = rng.random((4, 6)) > 0.3
    keep[:, 0] = True
    ref, _ = np_attention(q, k, v, np.where(keep, 0.0, -np.inf))
    np.testing.assert_allclose(F.scaled_dot_product_attention(q, k, v, keep).data, ref,
                               rtol=1e-12)
    add = rng.normal(size=(4, 6))
    ref, _ = np_attention(q, k, v, add)
    np.testing.assert_allclose(F.scaled_dot_product_attention(q, k, v, add).data, ref,
                               rtol=1e-12)
    causal = np.tril(np.ones((4, 6), bool))
    ref, _ = np_attention(q, k, v, np.where(causal, 0.0, -np.inf))
    np.testing.assert_allclose(F.scaled_dot_product_attention(q, k, v, is_causal=True).data,
                               ref, rtol=1e-12)
    np.testing.assert_allclose(
        F.scaled_dot_product_attention(q, k, v, F.generate_square_subsequent_mask(6)[:4]).data,
        ref, rtol=1e-12)
    ref, _ = np_attention(q * 0.1 * np.sqrt(5), k, v)                  # explicit scale
    np.testing.assert_allclose(F.scaled_dot_product_attention(q, k, v, scale=0.1).data, ref,
                               rtol=1e-12)


def test_masked_keys_get_exactly_zero_weight_and_no_gradient():
    q, k, v = (ag.Tensor(rng.normal(size=(n, 5)), requires_grad=True) for n in (3, 4, 4))
    keep = np.array([[1, 1, 0, 1], [1, 0, 0, 0], [0, 0, 0, 0]], bool)   # last row: none
    out, w = F.attention(q, k, v, keep)
    assert np.all(w.data[~keep] == 0.0)
    np.testing.assert_allclose(w.data[:2].sum(-1), 1.0, rtol=1e-14)
    assert np.all(out.data[2] == 0)                                      # attends to nothing
    out.sum().backward()
    assert np.all(v.grad.data[2] == 0) and np.all(k.grad.data[2] == 0)   # key 2 never attended
    # negative control: unmasked, key 2 receives weight
    assert np.all(F.attention(q, k, v)[1].data[:, 2] > 0)


def test_large_logits_are_stable():
    q = rng.normal(size=(4, 8)) * 1e4
    k = rng.normal(size=(4, 8)) * 1e4
    v = rng.normal(size=(4, 8))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = F.scaled_dot_product_attention(ag.Tensor(q, requires_grad=True), k, v,
                                             np.tril(np.ones((4, 4), bool)))
        out.sum().backward()
    assert np.all(np.isfinite(out.data))


def test_sdpa_gradients():
    q, k, v = (rng.normal(size=(2, 3, 4)) for _ in range(3))
    keep = np.array([[1, 0, 1], [1, 1, 1], [0, 0, 1]], bool)
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, keep), [q, k, v])
    assert gradgradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, keep),
                         [q, k, v])
    bias = rng.normal(size=(3, 3))                                       # learned additive mask
    assert gradcheck(lambda b, q: F.scaled_dot_product_attention(q, k, v, b), [bias, q])


def test_sdpa_errors():
    with pytest.raises(ValueError, match=r"scaled_dot_product_attention: expected query "
                                         r"\(\.\.\., L, E\).*got \(3, 4\), \(5, 3\) and \(5, 4\)"):
        F.scaled_dot_product_attention(ag.zeros(3, 4), ag.zeros(5, 3), ag.zeros(5, 4))
    with pytest.raises(ValueError, match=r"attn_mask of shape \(3, 4\) does not broadcast to "
                                         r"the scores' shape \(3, 5\)"):
        F.scaled_dot_product_attention(ag.zeros(3, 4), ag.zeros(5, 4), ag.zeros(5, 4),
                                       np.ones((3, 4), bool))
    with pytest.raises(ValueError, match="either attn_mask or is_causal"):
        F.scaled_dot_product_attention(ag.zeros(3, 4), ag.zeros(3, 4), ag.zeros(3, 4),
                                       np.ones((3, 3), bool), is_causal=True)


# ---- MultiheadAttention ---------------------------------------------------------------------

def np_mha(m, query, key, value, add=None):
    """NumPy reference of nn.MultiheadAttention for (L, N, E) inputs; add: (N, h, L, S)."""
    E, h = m.embed_dim, m.num_heads
    W, b = m.in_proj_weight.data, m.in_proj_bias.data
    q, k, v = (x @ W[i * E:(i + 1) * E].T + b[i * E:(i + 1) * E]
               for i, x in enumerate((query, key, value)))

    def heads(x):                                       # (T, N, E) -> (N, h, T, d)
        T, N, _ = x.shape
        return x.reshape(T, N, h, E // h).transpose(1, 2, 0, 3)
    out, w = np_attention(heads(q), heads(k), heads(v), add)
    L, N = query.shape[:2]
    out = out.transpose(2, 0, 1, 3).reshape(L, N, E)
    return out @ m.out_proj.weight.data.T + m.out_proj.bias.data, w


def test_mha_matches_numpy_and_returns_pytorch_shapes():
    m = nn.MultiheadAttention(8, 2)
    with ag.no_grad():                                  # non-zero biases, to test them too
        m.in_proj_bias.copy_(rng.normal(size=24))
        m.out_proj.bias.copy_(rng.normal(size=8))
    q, k, v = rng.normal(size=(4, 3, 8)), rng.normal(size=(5, 3, 8)), rng.normal(size=(5, 3, 8))
    ref, ref_w = np_mha(m, q, k, v)
    out, w = m(ag.Tensor(q), ag.Tensor(k), ag.Tensor(v))
    np.testing.assert_allclose(out.data, ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w.data, ref_w.mean(1), rtol=1e-10)
    assert w.shape == (3, 4, 5)
    _, w = m(ag.Tensor(q), ag.Tensor(k), ag.Tensor(v), average_attn_weights=False)
    assert w.shape == (3, 2, 4, 5)
    assert m(ag.Tensor(q), ag.Tensor(k), ag.Tensor(v), need_weights=False)[1] is None
    x = ag.Tensor(q)                                    # self-attention (one projection)
    ref, _ = np_mha(m, q, q, q)
    np.testing.assert_allclose(m(x, x, x)[0].data, ref, rtol=1e-10, atol=1e-12)
    mb = nn.MultiheadAttention(8, 2, batch_first=True)
    mb.load_state_dict(m.state_dict())
    outb, _ = mb(*(ag.Tensor(a.transpose(1, 0, 2)) for a in (q, k, v)))
    np.testing.assert_allclose(outb.data, m(ag.Tensor(q), ag.Tensor(k), ag.Tensor(v))[0]
                               .data.transpose(1, 0, 2), rtol=1e-12)
    out1, w1 = m(ag.Tensor(q[:, 0]), ag.Tensor(k[:, 0]), ag.Tensor(v[:, 0]))   # unbatched
    assert out1.shape == (4, 8) and w1.shape == (4, 5)


def test_mha_masks_pytorch_convention():
    m = nn.MultiheadAttention(8, 2)
    q, k = rng.normal(size=(4, 3, 8)), rng.normal(size=(5, 3, 8))
    pad = np.zeros((3, 5), bool)
    pad[0, 3:] = True
    pad[2, 1] = True                                    # True = ignore this key (MHA rule)
    attn = np.zeros((4, 5), bool)
    attn[0, 0] = True                                   # query 0 may not see key 0
    _, w = m(ag.Tensor(q), ag.Tensor(k), ag.Tensor(k), key_padding_mask=pad, attn_mask=attn,
             average_attn_weights=False)
    assert np.all(w.data[0, :, :, 3:] == 0) and np.all(w.data[2, :, :, 1] == 0)
    assert np.all(w.data[:, :, 0, 0] == 0)
    assert np.all(w.data[1, :, 1:, :] > 0)               # nothing else masked
    add = np.where(pad[:, None, None, :] | attn, -np.inf, 0.0)
    ref, _ = np_mha(m, q, k, k, add)
    out, _ = m(ag.Tensor(q), ag.Tensor(k), ag.Tensor(k), key_padding_mask=pad, attn_mask=attn)
    np.testing.assert_allclose(out.data, ref, rtol=1e-10, atol=1e-12)
    fl = np.where(attn, -np.inf, 0.0) + rng.normal(size=(4, 5))         # float attn_mask
    out, _ = m(ag.Tensor(q), ag.Tensor(k), ag.Tensor(k), key_padding_mask=pad, attn_mask=fl)
    ref, _ = np_mha(m, q, k, k, np.where(pad[:, None, None, :], -np.inf, 0.0) + fl)
    np.testing.assert_allclose(out.data, ref, rtol=1e-10, atol=1e-12)
    per_head = np.zeros((3 * 2, 4, 5), bool)            # 3-d mask: (N·heads, L, S)
    per_head[1, :, 2] = True
    _, w = m(ag.Tensor(q), ag.Tensor(k), ag.Tensor(k), attn_mask=per_head,
             average_attn_weights=False)
    assert np.all(w.data[0, 1, :, 2] == 0) and np.all(w.data[0, 0, :, 2] > 0)


def test_mha_parameters_are_pytorchs():
    m = nn.MultiheadAttention(16, 4)
    # torch.nn.MultiheadAttention(16, 4).state_dict()
    assert [(k, v.shape) for k, v in m.state_dict().items()] == [
        ("in_proj_weight", (48, 16)), ("in_proj_bias", (48,)), ("out_proj.weight", (16, 16)),
        ("out_proj.bias", (16,))]
    assert np.all(m.in_proj_bias.data == 0) and np.all(m.out_proj.bias.data == 0)
    a = np.sqrt(6 / (16 + 48))                          # xavier_uniform on (48, 16)
    assert np.abs(m.in_proj_weight.data).max() <= a and m.in_proj_weight.data.std() > 0.5 * a
    m = nn.MultiheadAttention(16, 4, kdim=6, vdim=7, bias=False)
    assert [(k, v.shape) for k, v in m.state_dict().items()] == [
        ("q_proj_weight", (16, 16)), ("k_proj_weight", (16, 6)), ("v_proj_weight", (16, 7)),
        ("out_proj.weight", (16, 16))]
    out, _ = m(ag.randn(3, 2, 16), ag.randn(5, 2, 6), ag.randn(5, 2, 7))
    assert out.shape == (3, 2, 16)


def test_mha_gradients_and_dropout():
    m = nn.MultiheadAttention(4, 2)
    names = [n for n, _ in m.named_parameters()]
    x = rng.normal(size=(3, 2, 4))
    pad = np.array([[0, 0, 1], [0, 0, 0]], bool)

    def f(x, w, b):
        saved = m.in_proj_weight, m.in_proj_bias
        m._parameters["in_proj_weight"], m._parameters["in_proj_bias"] = w, b
        try:
            return m(x, x, x, key_padding_mask=pad)[0]
        finally:
            m._parameters["in_proj_weight"], m._parameters["in_proj_bias"] = saved
    assert names[:2] == ["in_proj_weight", "in_proj_bias"]
    assert gradcheck(f, [x, m.in_proj_weight, m.in_proj_bias])
    md = nn.MultiheadAttention(4, 2, dropout=0.5)
    xt = ag.Tensor(x)
    _, w = md(xt, xt, xt, average_attn_weights=False)
    assert np.any(w.data == 0)                          # weights dropped while training
    md.eval()
    _, w = md(xt, xt, xt, average_attn_weights=False)
    assert np.all(w.data > 0)


def test_mha_errors():
    m = nn.MultiheadAttention(8, 2)
    with pytest.raises(ValueError, match=r"MultiheadAttention\(8, 2\): expected query \(L, N, "
                                         r"E\) with E = 8.*got query \(4, 3, 6\)"):
        m(ag.zeros(4, 3, 6), ag.zeros(4, 3, 6), ag.zeros(4, 3, 6))
    with pytest.raises(ValueError, match=r"got query \(4, 3, 8\), key \(5, 2, 8\)"):
        m(ag.zeros(4, 3, 8), ag.zeros(5, 2, 8), ag.zeros(5, 2, 8))
    with pytest.raises(ValueError, match=r"key_padding_mask of shape \(3, 4\) does not match "
                                         r"\(batch, source length\) = \(3, 5\)"):
        m(ag.zeros(4, 3, 8), ag.zeros(5, 3, 8), ag.zeros(5, 3, 8),
          key_padding_mask=np.zeros((3, 4), bool))
    with pytest.raises(ValueError, match=r"attn_mask of shape \(5, 5\) must be \(L, S\) = "
                                         r"\(4, 5\) or \(N·num_heads, L, S\) = \(6, 4, 5\)"):
        m(ag.zeros(4, 3, 8), ag.zeros(5, 3, 8), ag.zeros(5, 3, 8),
          attn_mask=np.zeros((5, 5), bool))
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.MultiheadAttention(10, 3)


def test_float32_stays_float32():
    q = ag.Tensor(rng.normal(size=(2, 3, 4)).astype(np.float32))
    for mask in (None, np.zeros((3, 3)), nn.functional.generate_square_subsequent_mask(3),
                 np.tril(np.ones((3, 3), bool))):
        assert F.scaled_dot_product_attention(q, q, q, mask).dtype == np.float32
    m = nn.MultiheadAttention(4, 2, batch_first=True, dtype=np.float32)
    out, w = m(q, q, q, key_padding_mask=np.array([[0, 0, 1]] * 2, bool))
    assert out.dtype == w.dtype == np.float32
    lstm = nn.LSTM(4, 3, dtype=np.float32)
    assert lstm(q, lengths=[2, 1, 2])[0].dtype == np.float32
