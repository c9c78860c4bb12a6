"""Convolutional layers (Conv1d/2d, pools, BatchNorm2d, Dropout2d, Flatten/Unflatten):
PyTorch's parameter names, shapes, defaults and init; values against NumPy written here;
gradients through a small CNN; errors that name the layer and the shapes."""

import math

import numpy as np
import pytest

import autograd as ag
import nn
from autograd.testing import gradcheck, gradgradcheck

rng = np.random.default_rng(0)


def test_conv2d_parameters_are_pytorchs():
    conv = nn.Conv2d(6, 8, (3, 5), groups=2)
    assert [(n, p.shape) for n, p in conv.named_parameters()] == [
        ("weight", (8, 3, 3, 5)), ("bias", (8,))]
    assert nn.Conv1d(3, 4, 5, bias=False).state_dict().keys() == {"weight"}
    assert nn.Conv1d(3, 4, 5).weight.shape == (4, 3, 5)
    assert nn.Conv2d(1, 2, 3, dtype=np.float32)(ag.randn(1, 1, 4, 4, dtype=np.float32)).dtype \
        == np.float32


def test_conv2d_default_init_is_pytorchs():
    ag.manual_seed(0)
    conv = nn.Conv2d(16, 32, 5)
    bound = 1 / math.sqrt(16 * 25)                 # kaiming_uniform(a=√5) = U(±1/√fan_in)
    w, b = conv.weight.data, conv.bias.data
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.03 * bound
    assert np.abs(w).max() > 0.95 * bound


def test_conv2d_layer_matches_numpy():
    conv = nn.Conv2d(2, 3, 3, stride=2, padding=1)
    x = rng.standard_normal((2, 2, 5, 5))
    xp = np.pad(x, [(0, 0), (0, 0), (1, 1), (1, 1)])
    want = np.zeros((2, 3, 3, 3))
    for i, j in np.ndindex(3, 3):
        patch = xp[:, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3]
        want[:, :, i, j] = np.einsum("nchw,ochw->no", patch, conv.weight.data) + conv.bias.data
    np.testing.assert_allclose(conv(ag.Tensor(x)).data, want, atol=1e-12)
    assert conv(ag.Tensor(x[0])).shape == (3, 3, 3)                     # unbatched
    assert nn.Conv2d(2, 3, 4, padding="same")(ag.Tensor(x)).shape == (2, 3, 5, 5)
    assert nn.Conv2d(2, 3, 3, padding_mode="circular", padding=1)(ag.Tensor(x)).shape \
        == (2, 3, 5, 5)


def test_conv3d_matches_the_loop_and_gradchecks():
    conv = nn.Conv3d(2, 3, (2, 1, 2), stride=(1, 2, 1), padding=(0, 1, 1))
    x = rng.standard_normal((1, 2, 3, 3, 2))
    xp = np.pad(x, [(0, 0), (0, 0), (0, 0), (1, 1), (1, 1)])
    w, b = conv.weight.data, conv.bias.data
    want = np.zeros((1, 3, 2, 3, 3))
    for o, i, j, k in np.ndindex(3, 2, 3, 3):
        want[0, o, i, j, k] = np.sum(xp[0, :, i:i + 2, 2 * j:2 * j + 1, k:k + 2] * w[o]) + b[o]
    np.testing.assert_allclose(conv(ag.Tensor(x)).data, want, atol=1e-12)
    assert gradcheck(lambda a, ww: nn.functional.conv3d(a, ww, padding=1), [x, w[:, :, :, :1]])


def test_a_pytorch_style_state_dict_loads():
    """Weights saved from PyTorch (names 'weight' and 'bias', shape (out, in/groups, kh, kw))."""
    w, b = rng.standard_normal((4, 1, 3, 2)), rng.standard_normal(4)
    conv = nn.Conv2d(2, 4, (3, 2), groups=2)
    conv.load_state_dict({"weight": w, "bias": b})
    x = rng.standard_normal((1, 2, 4, 4))
    want = np.zeros((1, 4, 2, 3))
    for o, i, j in np.ndindex(4, 2, 3):
        want[0, o, i, j] = np.sum(x[0, o // 2, i:i + 3, j:j + 2] * w[o, 0]) + b[o]
    np.testing.assert_allclose(conv(ag.Tensor(x)).data, want, atol=1e-12)
    bn = nn.BatchNorm2d(4)
    bn.load_state_dict({"weight": np.ones(4), "bias": np.zeros(4), "running_mean": b,
                        "running_var": np.full(4, 4.0)})
    np.testing.assert_allclose(bn.eval()(ag.Tensor(want)).data,
                               (want - b[:, None, None]) / np.sqrt(4.0 + 1e-5))


def test_a_small_cnn_differentiates_twice():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.Tanh(), nn.AvgPool2d(2),
                          nn.Conv2d(2, 2, 2), nn.Tanh(), nn.Flatten(), nn.Linear(2, 1))
    x = rng.standard_normal((2, 1, 4, 4))
    assert gradcheck(lambda a: model(a), [x])
    assert gradgradcheck(lambda a: model(a), [x], seed=0)
    # a gradient penalty: d/dθ of |∂loss/∂x|² flows through the convolution's VJPs
    xt = ag.Tensor(x, requires_grad=True)
    (gx,) = ag.grad(model(xt).sum(), [xt], create_graph=True)
    (gx * gx).sum().backward()
    assert all(p.grad is not None and np.any(p.grad.data) for p in model[0].parameters())


def test_pooling_layers():
    x = rng.standard_normal((2, 3, 6, 6))
    np.testing.assert_array_equal(nn.MaxPool2d(2)(ag.Tensor(x)).data,
                                  x.reshape(2, 3, 3, 2, 3, 2).max(axis=(3, 5)))
    np.testing.assert_allclose(nn.AvgPool2d(3)(ag.Tensor(x)).data,
                               x.reshape(2, 3, 2, 3, 2, 3).mean(axis=(3, 5)))
    np.testing.assert_allclose(nn.AdaptiveAvgPool2d((1, 1))(ag.Tensor(x)).data,
                               x.mean(axis=(2, 3), keepdims=True))
    x1 = x.reshape(2, 3, 36)
    np.testing.assert_array_equal(nn.MaxPool1d(4)(ag.Tensor(x1)).data,
                                  x1.reshape(2, 3, 9, 4).max(-1))
    np.testing.assert_allclose(nn.AvgPool1d(4)(ag.Tensor(x1)).data, x1.reshape(2, 3, 9, 4).mean(-1))
    np.testing.assert_allclose(nn.AdaptiveAvgPool1d(2)(ag.Tensor(x1)).data,
                               x1.reshape(2, 3, 2, 18).mean(-1))
    assert nn.MaxPool2d(3, stride=1, padding=1)(ag.Tensor(x)).shape == x.shape
    assert "kernel_size=2" in repr(nn.MaxPool2d(2))


def test_batchnorm2d_matches_numpy_and_tracks_running_stats():
    bn = nn.BatchNorm2d(3, momentum=0.2)
    with ag.no_grad():
        bn.weight.copy_(np.array([1.0, 2.0, 0.5]))
        bn.bias.copy_(np.array([0.0, 1.0, -1.0]))
    x = rng.standard_normal((4, 3, 5, 2)) * 3 + 1
    y = bn(ag.Tensor(x)).data
    mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
    c = (slice(None), None, None)
    want = (x - mean[c]) / np.sqrt(var[c] + 1e-5) * bn.weight.data[c] + bn.bias.data[c]
    np.testing.assert_allclose(y, want, atol=1e-12)
    n = 4 * 5 * 2
    np.testing.assert_allclose(bn.running_mean.data, 0.2 * mean)
    np.testing.assert_allclose(bn.running_var.data, 0.8 + 0.2 * var * n / (n - 1))
    bn.eval()
    rm, rv = bn.running_mean.data, bn.running_var.data
    want = (x - rm[c]) / np.sqrt(rv[c] + 1e-5) * bn.weight.data[c] + bn.bias.data[c]
    np.testing.assert_allclose(bn(ag.Tensor(x)).data, want, atol=1e-12)
    assert [k for k in bn.state_dict()] == ["weight", "bias", "running_mean", "running_var"]
    bn.train()
    coef = ag.Tensor(rng.standard_normal((2, 3, 2, 2)))
    assert gradcheck(lambda a: bn(a) * coef, [x[:2, :, :2]])


def test_dropout2d_flatten_unflatten():
    with pytest.raises(ValueError, match=r"Dropout2d: probability p must be in \[0, 1\]"):
        nn.Dropout2d(1.5)
    d = nn.Dropout2d(0.5)
    x = ag.ones((10, 4, 3, 3))
    y = d(x).data.reshape(10, 4, 9)
    assert np.all(y.min(-1) == y.max(-1))
    assert d.eval()(x) is x
    f = nn.Flatten()
    assert f(x).shape == (10, 36)
    assert nn.Flatten(0, 1)(x).shape == (40, 3, 3)
    assert nn.Unflatten(1, (4, 3, 3))(f(x)).shape == (10, 4, 3, 3)
    assert nn.Unflatten(-1, (2, -1))(f(x)).shape == (10, 2, 18)


def test_layer_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"Conv2d\(3, 8, 3\): expected input with 3 channels, "
                                         r"got 1 \(input shape \(2, 1, 8, 8\)\)"):
        nn.Conv2d(3, 8, 3)(ag.zeros((2, 1, 8, 8)))
    with pytest.raises(ValueError, match=r"Conv1d\(3, 8, 3\): expected input of shape "
                                         r"\(N, 3, L\) or \(3, L\), got \(2, 3, 8, 8\)"):
        nn.Conv1d(3, 8, 3)(ag.zeros((2, 3, 8, 8)))
    with pytest.raises(ValueError, match=r"Conv2d\(3, 8, 5\): kernel \(5, 5\) .* larger than "
                                         r"the padded input \(4, 4\)"):
        nn.Conv2d(3, 8, 5)(ag.zeros((1, 3, 4, 4)))
    with pytest.raises(ValueError, match=r"Conv2d\(3, 8, 3\): in_channels and out_channels must "
                                         r"be divisible by groups=2"):
        nn.Conv2d(3, 8, 3, groups=2)
    with pytest.raises(ValueError, match=r"Conv2d\(3, 8, 3\): padding='same' is not supported"):
        nn.Conv2d(3, 8, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match=r"Conv2d\(3, 8, 0\): kernel_size must be an int >= 1"):
        nn.Conv2d(3, 8, 0)
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected input of shape \(N, 4, H, W\), "
                                         r"got \(2, 3, 5, 5\)"):
        nn.BatchNorm2d(4)(ag.zeros((2, 3, 5, 5)))
    with pytest.raises(ValueError, match="BatchNorm2d: momentum must be"):
        nn.BatchNorm2d(4, momentum=None)
    with pytest.raises(ValueError, match=r"Unflatten: axis 1 of input shape \(2, 10\) cannot be "
                                         r"split into \(3, 3\)"):
        nn.Unflatten(1, (3, 3))(ag.zeros((2, 10)))
    with pytest.raises(ValueError, match=r"max_pool2d: expected input of shape \(N, C, H, W\)"):
        nn.MaxPool2d(2)(ag.zeros((2, 10)))
