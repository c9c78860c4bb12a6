"""nn.functional: every activation and loss against a NumPy reference, gradchecked, stable at
|logits| = 1e4, float32 kept, reductions and errors."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import autograd as ag
import nn
from autograd.testing import gradcheck, gradgradcheck
from nn import functional as F

rng = np.random.default_rng(0)


def _np_softplus(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _np_log_softmax(x):
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


def _away_from_kinks(shape):
    x = rng.normal(size=shape)
    return np.where(np.abs(x) < 1e-3, 0.5, x)


# ---- activations ----------------------------------------------------------------------------

ACTIVATIONS = {
    "relu": (F.relu, lambda x: np.maximum(x, 0)),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.1), lambda x: np.where(x > 0, x, 0.1 * x)),
    "elu": (lambda x: F.elu(x, 1.5), lambda x: np.where(x > 0, x, 1.5 * np.expm1(np.minimum(x, 0)))),
    "gelu_tanh": (lambda x: F.gelu(x, "tanh"),
                  lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))),
    "sigmoid": (F.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    "tanh": (F.tanh, np.tanh),
    "softplus": (F.softplus, lambda x: np.log1p(np.exp(x))),
    "softplus_beta": (lambda x: F.softplus(x, beta=2.0), lambda x: np.log1p(np.exp(2 * x)) / 2),
    "softmax": (F.softmax, lambda x: np.exp(_np_log_softmax(x))),
    "log_softmax": (F.log_softmax, _np_log_softmax),
    "maxout": (lambda x: F.maxout(x, 2), lambda x: x.reshape(3, 2, 2).max(-1)),
    "identity": (F.identity, lambda x: x),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_value_and_gradient(name):
    f, ref = ACTIVATIONS[name]
    x = _away_from_kinks((3, 4))
    np.testing.assert_allclose(np.asarray(f(ag.Tensor(x)).data), ref(x), rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda t: f(t) * ag.Tensor(np.arange(1.0, 1 + np.size(ref(x))).reshape(
        np.shape(ref(x)))), [ag.Tensor(x, requires_grad=True)])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_module_matches_function(name):
    modules = {"relu": nn.ReLU(), "leaky_relu": nn.LeakyReLU(0.1), "elu": nn.ELU(1.5),
               "gelu_tanh": nn.GELU("tanh"), "sigmoid": nn.Sigmoid(), "tanh": nn.Tanh(),
               "softplus": nn.Softplus(), "softplus_beta": nn.Softplus(2.0),
               "softmax": nn.Softmax(axis=-1), "log_softmax": nn.LogSoftmax(axis=-1),
               "maxout": nn.Maxout(2), "identity": nn.Identity()}
    x = ag.Tensor(_away_from_kinks((3, 4)))
    np.testing.assert_array_equal(np.asarray(modules[name](x).data),
                                  np.asarray(ACTIVATIONS[name][0](x).data))
    assert modules[name].num_parameters() == 0


def test_gelu_exact_known_values_and_gradient():
    # GELU(x) = x·Φ(x); Φ(1) = 0.8413447460685429, Φ(2) = 0.9772498680518208
    y = F.gelu(ag.Tensor([1.0, -1.0, 2.0, 0.0]))
    np.testing.assert_allclose(y.data, [0.8413447460685429, -0.15865525393145707,
                                        2 * 0.9772498680518208, 0.0], rtol=1e-14, atol=1e-15)
    assert gradcheck(F.gelu, [ag.Tensor(rng.normal(size=5), requires_grad=True)])
    x = np.linspace(-4, 4, 41)        # the tanh approximation stays within 1e-3
    np.testing.assert_allclose(F.gelu(ag.Tensor(x)).data, F.gelu(ag.Tensor(x), "tanh").data,
                               atol=1e-3)


def test_erf_primitive_matches_math_and_differentiates_twice():
    x = rng.normal(size=6)
    np.testing.assert_allclose(ag.erf(ag.Tensor(x)).data, [math.erf(v) for v in x], rtol=1e-15)
    assert gradcheck(ag.erf, [ag.Tensor(x, requires_grad=True)])
    assert gradgradcheck(ag.erf, [ag.Tensor(x, requires_grad=True)])
    assert ag.erf(ag.Tensor(x, dtype=np.float32)).dtype == np.float32


@pytest.mark.parametrize("f", [F.relu, F.leaky_relu, F.elu, F.gelu, F.sigmoid, F.tanh, F.softplus,
                               F.softmax, F.log_softmax, lambda x: F.gelu(x, "tanh")])
def test_activations_finite_at_1e4(f):
    x = ag.Tensor([-1e4, -30.0, 0.0, 30.0, 1e4], requires_grad=True)
    y = f(x)
    (y * ag.Tensor([1.0, 2.0, 3.0, 4.0, 5.0])).sum().backward()
    assert np.all(np.isfinite(y.data)) and np.all(np.isfinite(x.grad.data))


def test_activations_keep_float32():
    x = ag.Tensor(rng.normal(size=(2, 4)), dtype=np.float32)
    for f in (F.relu, F.leaky_relu, F.elu, F.gelu, F.softplus, F.softmax, lambda t: F.maxout(t, 2)):
        assert f(x).dtype == np.float32


def test_activation_errors():
    with pytest.raises(ValueError, match="gelu"):
        F.gelu(ag.Tensor(1.0), approximate="fast")
    with pytest.raises(ValueError, match="maxout.*divisible"):
        F.maxout(ag.Tensor(np.ones((2, 5))), 2)
    with pytest.raises(ValueError, match="unknown activation"):
        F.get_activation("swishy")
    with pytest.raises(ValueError, match="Maxout"):
        nn.Maxout(0)


# ---- losses ---------------------------------------------------------------------------------

def _xent_ref(logits, target, eps=0.0):
    logp = _np_log_softmax(logits)
    q = np.eye(logits.shape[1])[target] * (1 - eps) + eps / logits.shape[1]
    return -(q * logp).sum(1)


def _cases():
    x, t = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    p = rng.uniform(0.05, 0.95, size=(5, 3))
    b = rng.integers(0, 2, size=(5, 3)).astype(float)
    cls = rng.integers(0, 4, size=6)
    z = rng.normal(size=(6, 4)) * 3
    y = rng.choice([-1.0, 1.0], size=(5, 3))
    d = x - t

    def mm(z, cls, p=1, margin=1.0):
        h = np.maximum(0, margin - z[np.arange(len(cls)), cls][:, None] + z) ** p
        h[np.arange(len(cls)), cls] = 0
        return h.sum(1) / z.shape[1]

    return {
        "mse": (lambda a, k=None, **kw: F.mse_loss(a, t, **kw), x, d ** 2),
        "l1": (lambda a, **kw: F.l1_loss(a, t, **kw), x, np.abs(d)),
        "huber": (lambda a, **kw: F.huber_loss(a, t, delta=0.5, **kw), x,
                  np.where(np.abs(d) <= 0.5, 0.5 * d ** 2, 0.5 * (np.abs(d) - 0.25))),
        "bce": (lambda a, **kw: F.binary_cross_entropy(a, b, **kw), p,
                -(b * np.log(p) + (1 - b) * np.log(1 - p))),
        "bce_logits": (lambda a, **kw: F.binary_cross_entropy_with_logits(a, b, **kw), x,
                       -(b * np.log(1 / (1 + np.exp(-x))) + (1 - b) * np.log(1 - 1 / (1 + np.exp(-x))))),
        "bce_logits_pos_weight": (
            lambda a, **kw: F.binary_cross_entropy_with_logits(a, b, pos_weight=3.0, **kw), x,
            -(3.0 * b * np.log(1 / (1 + np.exp(-x))) + (1 - b) * np.log(1 - 1 / (1 + np.exp(-x))))),
        "nll": (lambda a, **kw: F.nll_loss(a, cls, **kw), z, -z[np.arange(6), cls]),
        "cross_entropy": (lambda a, **kw: F.cross_entropy(a, cls, **kw), z, _xent_ref(z, cls)),
        "cross_entropy_smooth": (lambda a, **kw: F.cross_entropy(a, cls, label_smoothing=0.2, **kw),
                                 z, _xent_ref(z, cls, 0.2)),
        "cross_entropy_probs": (lambda a, **kw: F.cross_entropy(a, np.eye(4)[cls] * 0.7 + 0.075, **kw),
                                z, -((np.eye(4)[cls] * 0.7 + 0.075) * _np_log_softmax(z)).sum(1)),
        "hinge": (lambda a, **kw: F.hinge_loss(a, y, **kw), x, np.maximum(0, 1 - y * x)),
        "perceptron": (lambda a, **kw: F.perceptron_loss(a, y, **kw), x, np.maximum(0, -y * x)),
        "multi_margin": (lambda a, **kw: F.multi_margin_loss(a, cls, **kw), z, mm(z, cls)),
        "multi_margin_sq": (lambda a, **kw: F.multi_margin_loss(a, cls, p=2, margin=0.5, **kw), z,
                            mm(z, cls, 2, 0.5)),
    }


CASES = _cases()


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_loss_value_against_numpy(name, reduction):
    f, x, ref = CASES[name]
    expected = {"none": ref, "sum": ref.sum(), "mean": ref.mean()}[reduction]
    got = f(ag.Tensor(x), reduction=reduction)
    assert got.shape == np.shape(expected)
    np.testing.assert_allclose(got.data, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_loss_gradcheck(name):
    f, x, _ = CASES[name]
    assert gradcheck(lambda a: f(a, reduction="mean"), [ag.Tensor(x, requires_grad=True)])


def test_weighted_cross_entropy_and_nll_match_pytorch_convention():
    z, cls = rng.normal(size=(6, 3)), np.array([0, 1, 2, 2, 1, 0])
    w = np.array([0.2, 1.0, 3.0])
    per = _xent_ref(z, cls) * w[cls]
    np.testing.assert_allclose(F.cross_entropy(ag.Tensor(z), cls, weight=w).data,
                               per.sum() / w[cls].sum(), rtol=1e-12)
    np.testing.assert_allclose(F.cross_entropy(ag.Tensor(z), cls, weight=w, reduction="none").data,
                               per, rtol=1e-12)
    # ignore_index drops examples from both numerator and denominator
    t = cls.copy()
    t[0] = -100
    np.testing.assert_allclose(F.cross_entropy(ag.Tensor(z), t).data, _xent_ref(z, cls)[1:].mean(),
                               rtol=1e-12)


def test_cross_entropy_accepts_float_class_labels_and_1d_input():
    z = rng.normal(size=(4, 3))
    cls = np.array([2, 0, 1, 1])
    a = F.cross_entropy(ag.Tensor(z), ag.Tensor(cls))          # Tensor() makes floats
    b = F.cross_entropy(ag.Tensor(z), cls)
    assert a.item() == b.item()
    single = F.cross_entropy(ag.Tensor(z[0]), np.int64(2))
    np.testing.assert_allclose(single.data, _xent_ref(z[:1], cls[:1])[0], rtol=1e-12)


@pytest.mark.parametrize("loss", [
    lambda z: F.cross_entropy(z, np.array([0, 1, 2, 0])),
    lambda z: F.cross_entropy(z, np.array([0, 1, 2, 0]), label_smoothing=0.1),
    lambda z: F.cross_entropy(z, np.full((4, 3), 1 / 3)),
    lambda z: F.nll_loss(F.log_softmax(z), np.array([0, 1, 2, 0])),
    lambda z: F.binary_cross_entropy_with_logits(z, np.ones((4, 3))),
    lambda z: F.binary_cross_entropy(F.sigmoid(z), np.ones((4, 3))),
    lambda z: F.multi_margin_loss(z, np.array([0, 1, 2, 0])),
    lambda z: F.hinge_loss(z, np.ones((4, 3))),
])
def test_losses_stable_at_large_logits(loss):
    big = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.0, 0.0, -1e4], [1e4, 1e4, -1e4]])
    z = ag.Tensor(big, requires_grad=True)
    out = loss(z)
    out.backward()
    assert np.isfinite(out.item()) and np.all(np.isfinite(z.grad.data))


def test_cross_entropy_at_1e4_has_exact_value():
    z = ag.Tensor([[1e4, -1e4], [-1e4, 1e4]])
    assert F.cross_entropy(z, np.array([0, 0]), reduction="none").tolist() == [0.0, 2e4]
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(
        ag.Tensor([1e4, -1e4]), np.array([0.0, 0.0]), reduction="none").data, [1e4, 0.0])


def test_bce_clamps_log_at_minus_100():
    out = F.binary_cross_entropy(ag.Tensor([0.0, 1.0]), np.array([1.0, 0.0]), reduction="none")
    np.testing.assert_array_equal(out.data, [100.0, 100.0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bce_value_and_gradient_match_pytorch_at_0_1_and_tiny(dtype):
    # PyTorch: value with logs clamped at -100, gradient (p - t)/max(p(1 - p), 1e-12)
    p = np.array([0.0, 0.0, 1.0, 1.0, 1e-30, 1e-30, 1e-13, 1 - 2 ** -40, 0.3, 0.3], dtype=dtype)
    t = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0], dtype=dtype)
    x = ag.Tensor(p, requires_grad=True)
    out = F.binary_cross_entropy(x, t, reduction="none")
    out.sum().backward()
    p64, t64 = p.astype(float), t.astype(float)
    with np.errstate(divide="ignore"):
        value = -(t64 * np.maximum(np.log(p64), -100) + (1 - t64) * np.maximum(np.log(1 - p64), -100))
    grad = (p64 - t64) / np.maximum(p64 * (1 - p64), 1e-12)
    assert out.dtype == dtype and x.grad.dtype == dtype
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(x.grad.data))
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(out.data, value, rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(x.grad.data, grad, rtol=rtol)
    assert x.grad.data[0] == pytest.approx(-1e12) and x.grad.data[3] == 0    # negative control


def test_bce_target_gradient_and_second_order_near_the_floor():
    p = ag.Tensor([0.0, 1e-30, 0.4], requires_grad=True)
    t = ag.Tensor([0.7, 0.2, 0.6], requires_grad=True)
    F.binary_cross_entropy(p, t, reduction="sum").backward()
    with np.errstate(divide="ignore"):          # d/dt = log(1 - p) - log p, logs clamped
        expected = np.maximum(np.log(1 - p.data), -100) - np.maximum(np.log(p.data), -100)
    np.testing.assert_allclose(t.grad.data, expected, rtol=1e-12)
    assert gradgradcheck(lambda a: F.binary_cross_entropy(a, t.data, reduction="sum"),
                         [ag.Tensor([0.2, 0.9, 0.5], requires_grad=True)])


def test_losses_keep_float32():
    z = ag.Tensor(rng.normal(size=(4, 3)), dtype=np.float32)
    assert F.cross_entropy(z, np.array([0, 1, 2, 0])).dtype == np.float32
    assert F.mse_loss(z, ag.Tensor(np.zeros((4, 3)), dtype=np.float32)).dtype == np.float32
    assert F.hinge_loss(z, np.ones((4, 3), dtype=int)).dtype == np.float32


def test_loss_errors_name_the_function_and_shapes():
    x = ag.Tensor(np.zeros((4, 1)))
    with pytest.raises(ValueError, match=r"mse_loss: input shape \(4, 1\) and target shape \(4,\)"):
        F.mse_loss(x, np.zeros(4))
    with pytest.raises(ValueError, match="reduction must be"):
        F.l1_loss(x, x, reduction="avg")
    with pytest.raises(ValueError, match=r"cross_entropy: class-index target of shape \(3,\)"):
        F.cross_entropy(ag.Tensor(np.zeros((4, 3))), np.zeros(3, dtype=int))
    with pytest.raises(IndexError, match="nll_loss.*out of range"):
        F.nll_loss(ag.Tensor(np.zeros((2, 3))), np.array([0, 3]))
    with pytest.raises(ValueError, match="whole numbers"):
        F.cross_entropy(ag.Tensor(np.zeros((2, 3))), np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="probabilities"):
        F.binary_cross_entropy(ag.Tensor([1.5]), np.array([1.0]))
    with pytest.raises(ValueError, match="-1 or \\+1"):
        F.hinge_loss(ag.Tensor([0.5]), np.array([0.0]))
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=1.5)


@pytest.mark.parametrize("module, fn, args", [
    (nn.MSELoss(reduction="sum"), F.mse_loss, dict(reduction="sum")),
    (nn.L1Loss(), F.l1_loss, {}),
    (nn.HuberLoss(delta=0.3), F.huber_loss, dict(delta=0.3)),
    (nn.BCEWithLogitsLoss(pos_weight=2.0), F.binary_cross_entropy_with_logits, dict(pos_weight=2.0)),
])
def test_loss_modules_call_their_function(module, fn, args):
    x, t = ag.Tensor(rng.normal(size=(3, 2))), ag.Tensor(rng.uniform(size=(3, 2)))
    assert module(x, t).item() == fn(x, t, **args).item()


def test_class_loss_modules():
    z, cls = ag.Tensor(rng.normal(size=(5, 3))), np.array([0, 2, 1, 1, 0])
    assert nn.CrossEntropyLoss(label_smoothing=0.1)(z, cls).item() == \
        F.cross_entropy(z, cls, label_smoothing=0.1).item()
    assert nn.NLLLoss()(F.log_softmax(z), cls).item() == nn.CrossEntropyLoss()(z, cls).item()
    assert nn.MultiMarginLoss()(z, cls).item() == F.multi_margin_loss(z, cls).item()
    y = np.sign(rng.normal(size=(5, 3)))
    assert nn.HingeLoss()(z, y).item() == F.hinge_loss(z, y).item()
    assert nn.PerceptronLoss(reduction="sum")(z, y).item() == F.perceptron_loss(z, y, reduction="sum").item()
    assert nn.BCELoss()(F.sigmoid(z), (y > 0) * 1.0).item() == \
        F.binary_cross_entropy(F.sigmoid(z), (y > 0) * 1.0).item()


# ---- dropout, normalisation, penalties -------------------------------------------------------

def test_dropout_zeroes_a_fraction_p_and_keeps_the_mean():
    x = ag.ones(200, 100)
    y = F.dropout(x, 0.3, generator=np.random.default_rng(1))
    kept = y.data != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(y.data[kept], 1 / 0.7)
    assert abs(y.data.mean() - 1) < 0.02
    assert F.dropout(x, 0.3, training=False) is x
    assert np.all(F.dropout(x, 1.0).data == 0)
    with pytest.raises(ValueError, match="dropout"):
        F.dropout(x, 1.2)


def test_layer_norm_against_numpy_and_gradcheck():
    x = rng.normal(size=(3, 4, 5))
    w, b = rng.normal(size=5), rng.normal(size=5)
    ref = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5) * w + b
    np.testing.assert_allclose(F.layer_norm(ag.Tensor(x), 5, w, b).data, ref, rtol=1e-12)
    assert gradcheck(lambda a, ww, bb: F.layer_norm(a, (4, 5), ww, bb) * ag.Tensor(x),
                     [ag.Tensor(x, requires_grad=True),
                      ag.Tensor(rng.normal(size=(4, 5)), requires_grad=True),
                      ag.Tensor(rng.normal(size=(4, 5)), requires_grad=True)])
    with pytest.raises(ValueError, match="layer_norm"):
        F.layer_norm(ag.Tensor(x), 4)


def test_batch_norm_gradcheck_in_training_mode():
    x = rng.normal(size=(6, 3))
    assert gradcheck(lambda a: F.batch_norm(a, training=True) * ag.Tensor(x),
                     [ag.Tensor(x, requires_grad=True)])


def test_penalties():
    a, b = ag.Tensor([1.0, -2.0], requires_grad=True), ag.Tensor([[3.0]], requires_grad=True)
    assert F.l1_penalty([a, b]).item() == 6.0
    l2 = F.l2_penalty([a, b])
    assert l2.item() == 14.0
    l2.backward()
    assert a.grad.tolist() == [2.0, -4.0] and b.grad.tolist() == [[6.0]]
    with pytest.raises(ValueError, match="l1_penalty"):
        F.l1_penalty([])


# ---- properties and second derivatives -------------------------------------------------------

_logits = arrays(np.float64, (3, 4), elements=st.floats(-1e4, 1e4))


@given(_logits, st.lists(st.integers(0, 3), min_size=3, max_size=3), st.floats(-1e3, 1e3))
def test_cross_entropy_is_logsumexp_minus_target_logit_and_shift_invariant(z, cls, c):
    cls = np.array(cls)
    got = F.cross_entropy(ag.Tensor(z), cls, reduction="none").data
    m = z.max(1)
    expected = m + np.log(np.exp(z - m[:, None]).sum(1)) - z[np.arange(3), cls]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-9)
    assert np.all(got >= 0)
    shifted = F.cross_entropy(ag.Tensor(z + c), cls, reduction="none").data
    np.testing.assert_allclose(shifted, got, rtol=1e-9, atol=1e-8)


@given(arrays(np.float64, 6, elements=st.floats(-1e4, 1e4)),
       arrays(np.float64, 6, elements=st.sampled_from([0.0, 1.0])))
def test_bce_with_logits_equals_bce_of_sigmoid_where_that_is_finite(x, t):
    a = F.binary_cross_entropy_with_logits(ag.Tensor(x), t, reduction="none").data
    assert np.all(np.isfinite(a)) and np.all(a >= 0)
    moderate = np.abs(x) < 30
    b = F.binary_cross_entropy(F.sigmoid(ag.Tensor(x)), t, reduction="none").data
    np.testing.assert_allclose(a[moderate], b[moderate], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("f", [
    lambda z: F.cross_entropy(z, np.array([0, 2, 1]), label_smoothing=0.1),
    lambda z: F.binary_cross_entropy_with_logits(z, np.eye(3)),
    lambda z: F.gelu(z).sum(),
    lambda z: F.elu(z).sum(),
    lambda z: F.layer_norm(z, 3).sum() + (F.layer_norm(z, 3) ** 2 * ag.Tensor(np.eye(3))).sum(),
    lambda z: F.huber_loss(z, np.zeros((3, 3))),
])
def test_second_derivatives(f):
    z = np.array([[0.3, -1.2, 2.0], [1.5, 0.1, -0.7], [-2.2, 0.9, 0.4]])
    assert gradgradcheck(f, [ag.Tensor(z, requires_grad=True)])


def test_elu_derivative_at_zero_is_alpha():
    x = ag.Tensor([0.0, -1e-300, 1e-300], requires_grad=True)
    F.elu(x, 1.5).sum().backward()
    np.testing.assert_allclose(x.grad.data, [1.5, 1.5, 1.0])


def test_cross_entropy_weights_ignore_index_and_label_smoothing_together_by_hand():
    # PyTorch's definition, written out for 2 kept rows and 1 ignored row, C = 3:
    # loss_i = (1-ε)·w[y_i]·(-logp[i, y_i]) + ε/C·Σ_c w_c·(-logp[i, c]); mean = Σ loss / Σ w[y_i]
    z = np.array([[1.0, 2.0, 3.0], [1.0, 0.0, -1.0], [0.5, 0.5, 2.0]])
    t = np.array([2, -100, 0])
    w, eps = np.array([1.0, 2.0, 3.0]), 0.3
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    rows = [(1 - eps) * w[t[i]] * -logp[i, t[i]] + eps / 3 * (w * -logp[i]).sum() for i in (0, 2)]
    want = sum(rows) / (w[2] + w[0])
    got = F.cross_entropy(ag.Tensor(z), t, weight=w, label_smoothing=eps)
    assert got.item() == pytest.approx(want, rel=1e-12)
    none = F.cross_entropy(ag.Tensor(z), t, weight=w, label_smoothing=eps, reduction="none")
    np.testing.assert_allclose(none.data, [rows[0], 0.0, rows[1]], rtol=1e-12)


def test_every_target_ignored_gives_nan_without_a_division_warning():
    # PyTorch returns NaN; a 0/0 RuntimeWarning from inside autograd was an error under pytest
    z = ag.Tensor(np.ones((2, 3)), requires_grad=True)
    loss = F.cross_entropy(z, np.array([-100, -100]))
    assert math.isnan(loss.item())
    assert math.isnan(F.nll_loss(F.log_softmax(z), np.array([-100, -100])).item())
    assert F.cross_entropy(z, np.array([-100, -100]), reduction="sum").item() == 0.0
