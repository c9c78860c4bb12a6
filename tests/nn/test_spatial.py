"""Convolution, pooling and channel dropout (nn/spatial.py, re-exported by nn.functional)
against direct loops over output positions written here; gradients and second derivatives."""

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import autograd as ag
from autograd.testing import gradcheck, gradgradcheck
from nn import functional as F
from nn import spatial

NP_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def conv2d_loops(x, w, b, stride, pad, dilation, groups, mode="zeros"):
    x = np.pad(x, [(0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])], mode=NP_MODES[mode])
    n, _, h, wd = x.shape
    o, cg, kh, kw = w.shape
    oh = (h - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (wd - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    y = np.zeros((n, o, oh, ow))
    for b_, oc, i, j in np.ndindex(n, o, oh, ow):
        g = oc // (o // groups)
        patch = x[b_, g * cg:(g + 1) * cg,
                  i * stride[0]:i * stride[0] + dilation[0] * (kh - 1) + 1:dilation[0],
                  j * stride[1]:j * stride[1] + dilation[1] * (kw - 1) + 1:dilation[1]]
        y[b_, oc, i, j] = np.sum(patch * w[oc]) + (0 if b is None else b[oc])
    return y


def pool2d_loops(x, k, s, p, reduce, ceil_mode=False, count_include_pad=True):
    n, c, h, w = x.shape

    def count(length, kk, ss, pp):
        span = length + 2 * pp - kk
        out = (-(-span // ss) if ceil_mode else span // ss) + 1
        return out - 1 if ceil_mode and (out - 1) * ss >= length + pp else out
    oh, ow = count(h, k[0], s[0], p[0]), count(w, k[1], s[1], p[1])
    y = np.zeros((n, c, oh, ow))
    for i, j in np.ndindex(oh, ow):
        r0, c0 = i * s[0] - p[0], j * s[1] - p[1]
        r1, c1 = min(r0 + k[0], h + p[0]), min(c0 + k[1], w + p[1])
        box = x[:, :, max(r0, 0):min(r1, h), max(c0, 0):min(c1, w)]
        if reduce == "max":
            y[:, :, i, j] = box.max(axis=(2, 3))
        else:
            area = (r1 - r0) * (c1 - c0) if count_include_pad else box.shape[2] * box.shape[3]
            y[:, :, i, j] = box.sum(axis=(2, 3)) / area
    return y


rng = np.random.default_rng(0)


@given(st.data())
def test_conv2d_matches_the_loop(data):
    groups = data.draw(st.sampled_from([1, 2]))
    c, o = groups * data.draw(st.integers(1, 2)), groups * data.draw(st.integers(1, 2))
    k = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
    s = (data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)))
    dl = (data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)))
    p = (data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2)))
    mode = data.draw(st.sampled_from(sorted(NP_MODES)))
    size = [data.draw(st.integers(max(3, d * (kk - 1) + 1), 7)) for kk, d in zip(k, dl)]
    x = rng.standard_normal((2, c) + tuple(size))
    w, b = rng.standard_normal((o, c // groups) + k), rng.standard_normal(o)
    got = spatial.conv(ag.Tensor(x), w, b, s, p, dl, groups, mode)
    np.testing.assert_allclose(got.data, conv2d_loops(x, w, b, s, p, dl, groups, mode),
                               atol=1e-12)


def test_conv1d_same_and_valid_padding():
    x, w = rng.standard_normal((2, 3, 9)), rng.standard_normal((4, 3, 4))
    same = F.conv1d(x, w, padding="same", dilation=2)
    assert same.shape == (2, 4, 9)
    # an even kernel: PyTorch puts the extra zero after (total 6 = 3 before, 3 after with
    # dilation 2); check against the loop on an explicitly padded input
    want = conv2d_loops(np.pad(x, [(0, 0), (0, 0), (3, 3)])[:, :, None], w[:, :, None], None,
                        (1, 1), (0, 0), (1, 2), 1)[:, :, 0]
    np.testing.assert_allclose(same.data, want, atol=1e-12)
    w3 = rng.standard_normal((4, 3, 2))
    odd = conv2d_loops(np.pad(x, [(0, 0), (0, 0), (0, 1)])[:, :, None], w3[:, :, None], None,
                       (1, 1), (0, 0), (1, 1), 1)[:, :, 0]
    np.testing.assert_allclose(F.conv1d(x, w3, padding="same").data, odd, atol=1e-12)
    assert F.conv1d(x, w, padding="valid").shape == (2, 4, 6)
    assert F.conv1d(x[0], w).shape == (4, 6)                      # unbatched


def test_conv2d_derivatives_through_every_argument():
    x, w, b = rng.standard_normal((2, 4, 5, 4)), rng.standard_normal((4, 2, 2, 3)), \
        rng.standard_normal(4)
    for mode in NP_MODES:
        def f(a, ww, bb):
            return ag.tanh(spatial.conv(a, ww, bb, (2, 1), (1, 2), (1, 1), 2, mode))
        assert gradcheck(f, [x, w, b])
        assert gradgradcheck(f, [x, w, b], fast=True, seed=1)


@given(st.data())
def test_pools_match_the_loops(data):
    k = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
    s = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
    p = tuple(data.draw(st.integers(0, kk // 2)) for kk in k)
    ceil_mode = data.draw(st.booleans())
    x = rng.standard_normal((2, 3, data.draw(st.integers(3, 7)), data.draw(st.integers(3, 7))))
    got = F.max_pool2d(x, k, s, p, ceil_mode=ceil_mode)
    np.testing.assert_array_equal(got.data, pool2d_loops(x, k, s, p, "max", ceil_mode))
    for include in (True, False):
        got = F.avg_pool2d(x, k, s, p, ceil_mode=ceil_mode, count_include_pad=include)
        np.testing.assert_allclose(got.data, pool2d_loops(x, k, s, p, "avg", ceil_mode, include),
                                   atol=1e-12)


def test_pool_derivatives_and_1d_forms():
    x = rng.permutation(2 * 2 * 5 * 6).reshape(2, 2, 5, 6) / 10.0    # distinct: no ties
    assert gradcheck(lambda a: F.max_pool2d(a, 3, 2, 1), [x])
    assert gradgradcheck(lambda a: F.max_pool2d(a, 2) ** 2, [x], fast=True, seed=0)
    assert gradcheck(lambda a: F.avg_pool2d(a, (2, 3), 1, 1, count_include_pad=False), [x])
    assert gradgradcheck(lambda a: F.avg_pool2d(a, 2, ceil_mode=True) ** 2, [x], seed=0,
                         fast=True)
    x1 = x.reshape(2, 2, 30)
    np.testing.assert_array_equal(F.max_pool1d(x1, 3).data, x1.reshape(2, 2, 10, 3).max(-1))
    np.testing.assert_allclose(F.avg_pool1d(x1, 5).data, x1.reshape(2, 2, 6, 5).mean(-1))


def test_max_pool_tie_gives_the_gradient_to_the_first_maximum():
    x = ag.Tensor(np.ones((1, 1, 3, 3)), requires_grad=True)     # as PyTorch: one element
    F.max_pool2d(x, 2, stride=1).sum().backward()
    np.testing.assert_array_equal(x.grad.data[0, 0], [[1, 1, 0], [1, 1, 0], [0, 0, 0]])


def adaptive_loops(x, oh, ow):
    n, c, h, w = x.shape
    y = np.zeros((n, c, oh, ow))
    for i, j in np.ndindex(oh, ow):
        r0, r1 = i * h // oh, -(-(i + 1) * h // oh)
        c0, c1 = j * w // ow, -(-(j + 1) * w // ow)
        y[:, :, i, j] = x[:, :, r0:r1, c0:c1].mean(axis=(2, 3))
    return y


@given(st.integers(1, 7), st.integers(1, 7), st.integers(1, 7), st.integers(1, 7))
def test_adaptive_avg_pool_matches_pytorchs_bins(h, w, oh, ow):
    x = rng.standard_normal((2, 3, h, w))
    np.testing.assert_allclose(F.adaptive_avg_pool2d(x, (oh, ow)).data, adaptive_loops(x, oh, ow),
                               atol=1e-12)


def test_adaptive_avg_pool_forms_and_gradient():
    x = rng.standard_normal((2, 3, 5, 7))
    np.testing.assert_allclose(F.adaptive_avg_pool2d(x, 1).data, x.mean((2, 3), keepdims=True))
    assert F.adaptive_avg_pool2d(x, (None, 3)).shape == (2, 3, 5, 3)
    assert F.adaptive_avg_pool1d(x[:, :, 0], 3).shape == (2, 3, 3)
    assert gradgradcheck(lambda a: F.adaptive_avg_pool2d(a, (2, 3)) ** 2, [x], seed=0, fast=True)


def test_dropout2d_zeroes_whole_channels():
    x = ag.ones((50, 8, 3, 3))
    y = F.dropout2d(x, 0.5, generator=np.random.default_rng(0)).data
    per_channel = y.reshape(50, 8, 9)
    assert np.all(per_channel.min(-1) == per_channel.max(-1))      # each channel constant
    assert set(np.unique(y)) == {0.0, 2.0}
    assert 0.35 < (y == 0).mean() < 0.65
    assert F.dropout2d(x, 0.5, training=False) is x


def test_spatial_errors_name_the_function_and_shapes():
    with pytest.raises(ValueError, match=r"conv2d: weight of shape \(4, 3, 3, 3\) with "
                                         r"groups=1 expects input with 3 channels .*, got input "
                                         r"of shape \(2, 1, 8, 8\)"):
        F.conv2d(np.zeros((2, 1, 8, 8)), np.zeros((4, 3, 3, 3)))
    with pytest.raises(ValueError, match=r"conv2d: expected input of shape \(N, C, H, W\) or "
                                         r"\(C, H, W\), got \(8,\)"):
        F.conv2d(np.zeros(8), np.zeros((4, 3, 3, 3)))
    with pytest.raises(ValueError, match=r"conv2d: kernel \(3, 3\) .* larger than the padded "
                                         r"input \(2, 2\)"):
        F.conv2d(np.zeros((1, 3, 2, 2)), np.zeros((4, 3, 3, 3)))
    with pytest.raises(ValueError, match=r"conv1d: weight of shape \(3, 2, 3\) with groups=2"):
        F.conv1d(np.zeros((1, 4, 8)), np.zeros((3, 2, 3)), groups=2)
    with pytest.raises(ValueError, match="conv1d: padding='same' is not supported for strided"):
        F.conv1d(np.zeros((1, 3, 8)), np.zeros((4, 3, 3)), stride=2, padding="same")
    with pytest.raises(ValueError, match="max_pool2d: padding .* at most half of kernel_size"):
        F.max_pool2d(np.zeros((1, 1, 4, 4)), 2, padding=2)
    with pytest.raises(ValueError, match="adaptive_avg_pool2d: output sizes must be positive"):
        F.adaptive_avg_pool2d(np.zeros((1, 1, 4, 4)), 0)
    with pytest.raises(ValueError, match="conv2d: padding_mode must be one of"):
        spatial.conv(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 3, 3)), padding_mode="mirror",
               fname="conv2d")
