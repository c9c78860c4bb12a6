"""Embedding (lookup, repeated ids accumulate, padding_idx), SiLU, positional encodings."""

import math

import numpy as np
import pytest

import autograd as ag
import nn
from autograd.testing import gradcheck, gradgradcheck
from nn import functional as F

rng = np.random.default_rng(0)


def test_embedding_lookup_and_gradient_accumulation():
    emb = nn.Embedding(5, 3)
    ids = np.array([[1, 3, 1], [4, 1, 0]])
    out = emb(ids)
    np.testing.assert_array_equal(out.data, emb.weight.data[ids])
    coef = rng.normal(size=(2, 3, 3))
    (out * coef).sum().backward()
    expected = np.zeros((5, 3))
    for (i, j), t in np.ndenumerate(ids):               # one row per occurrence, added up
        expected[t] += coef[i, j]
    np.testing.assert_allclose(emb.weight.grad.data, expected, rtol=1e-14)
    assert np.all(emb.weight.grad.data[2] == 0)          # id 2 unused
    w = rng.normal(size=(5, 3))
    assert gradcheck(lambda w: F.embedding(ids, w) * coef, [w])
    assert gradgradcheck(lambda w: F.embedding(ids, w) ** 2, [w])


def test_embedding_padding_idx_is_read_but_not_trained():
    emb = nn.Embedding(5, 3, padding_idx=0)
    assert np.all(emb.weight.data[0] == 0) and np.any(emb.weight.data[1] != 0)
    with ag.no_grad():
        emb.weight[0] = 2.0                              # a user-set padding vector is read
    ids = np.array([0, 2, 0, 2])
    np.testing.assert_array_equal(emb(ids).data[0], [2.0, 2.0, 2.0])
    emb(ids).sum().backward()
    assert np.all(emb.weight.grad.data[0] == 0)
    np.testing.assert_array_equal(emb.weight.grad.data[2], [2.0, 2.0, 2.0])
    # negative control: without padding_idx the row is trained
    plain = nn.Embedding(5, 3)
    plain(ids).sum().backward()
    np.testing.assert_array_equal(plain.weight.grad.data[0], [2.0, 2.0, 2.0])
    assert nn.Embedding(5, 3, padding_idx=-1).padding_idx == 4


def test_embedding_init_state_dict_and_from_pretrained():
    ag.manual_seed(0)
    emb = nn.Embedding(1000, 50)
    assert [(k, v.shape) for k, v in emb.state_dict().items()] == [("weight", (1000, 50))]
    assert abs(emb.weight.data.std() - 1) < 0.02 and abs(emb.weight.data.mean()) < 0.02
    w = rng.normal(size=(4, 2))
    frozen = nn.Embedding.from_pretrained(w)
    assert not frozen.weight.requires_grad and not frozen(np.array([1])).requires_grad
    np.testing.assert_array_equal(frozen(np.array([3, 1])).data, w[[3, 1]])
    assert nn.Embedding.from_pretrained(w, freeze=False).weight.requires_grad


def test_embedding_errors():
    emb = nn.Embedding(5, 3)
    with pytest.raises(IndexError, match=r"Embedding\(5, 3\): index 7 is out of range for 5 "
                                         r"embeddings"):
        emb(np.array([1, 7]))
    with pytest.raises(IndexError, match="index -1 is out of range"):
        emb(np.array([-1]))
    with pytest.raises(TypeError, match=r"Embedding\(5, 3\): indices must be integers"):
        emb(np.array([1.0]))
    with pytest.raises(ValueError, match="padding_idx 5 is out of range"):
        nn.Embedding(5, 3, padding_idx=5)


def test_silu():
    x = rng.normal(size=(4, 3)) * 3
    np.testing.assert_allclose(nn.SiLU()(ag.Tensor(x)).data, x / (1 + np.exp(-x)), rtol=1e-14)
    assert gradcheck(F.silu, [x]) and gradgradcheck(F.silu, [x])
    assert F.get_activation("silu") is F.silu


def test_positional_encodings():
    pe = F.sinusoidal_positional_encoding(50, 6)
    p, i = 7, 2                                         # PE[p, 2i] = sin(p/10000^(2i/d))
    assert math.isclose(pe[p, 2 * i], math.sin(p / 10000 ** (2 * i / 6)), rel_tol=1e-12)
    assert math.isclose(pe[p, 2 * i + 1], math.cos(p / 10000 ** (2 * i / 6)), rel_tol=1e-12)
    assert F.sinusoidal_positional_encoding(3, 5).shape == (3, 5)          # odd d_model
    enc = nn.SinusoidalPositionalEncoding(6, max_len=50)
    x = rng.normal(size=(10, 2, 6))
    np.testing.assert_allclose(enc(ag.Tensor(x)).data, x + pe[:10, None], rtol=1e-14)
    encb = nn.SinusoidalPositionalEncoding(6, max_len=50, batch_first=True)
    np.testing.assert_allclose(encb(ag.Tensor(x)).data, x + pe[:2], rtol=1e-14)
    learned = nn.LearnedPositionalEncoding(6, max_len=20)
    assert [(k, v.shape) for k, v in learned.state_dict().items()] == [("weight", (20, 6))]
    out = learned(ag.Tensor(x))
    out.sum().backward()
    assert np.all(learned.weight.grad.data[:10] == 2) and np.all(learned.weight.grad.data[10:] == 0)
    with pytest.raises(ValueError, match="sequence length 60 exceeds max_len 50"):
        enc(ag.zeros(60, 1, 6))
    with pytest.raises(ValueError, match=r"SinusoidalPositionalEncoding: expected input "
                                         r"\(T, N, 6\)"):
        enc(ag.zeros(5, 1, 4))
