"""Layers: Linear and MLP, the scalar granularity (and its equivalence with Linear), the
perceptron, activations/normalisation modules, initialisers' statistics, gradient clipping."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
import nn
from autograd.testing import gradcheck
from nn import functional as F
from nn import init
from nn.data import logic_gate
from nn.optim import SGD

rng = np.random.default_rng(0)


# ---- Linear and MLP -------------------------------------------------------------------------

def test_linear_matches_numpy_and_gradchecks():
    lin = nn.Linear(3, 2)
    assert lin.weight.shape == (2, 3) and lin.bias.shape == (2,)
    x = rng.normal(size=(4, 3))
    np.testing.assert_allclose(lin(ag.Tensor(x)).data, x @ lin.weight.data.T + lin.bias.data,
                               rtol=1e-14)
    assert lin(ag.Tensor(x[0])).shape == (2,)                 # unbatched input works too
    assert lin(ag.Tensor(rng.normal(size=(2, 5, 3)))).shape == (2, 5, 2)
    coef = ag.Tensor(rng.normal(size=(4, 2)))
    assert gradcheck(lambda a, w, b: (a @ w.T + b) * coef,
                     [ag.Tensor(x, requires_grad=True), lin.weight, lin.bias])
    assert nn.Linear(3, 2, bias=False).bias is None
    assert [n for n, _ in nn.Linear(3, 2, bias=False).named_parameters()] == ["weight"]


def test_linear_errors():
    with pytest.raises(ValueError, match=r"Linear: expected input whose last axis has 3 "
                                         r"features, got shape \(4, 2\)"):
        nn.Linear(3, 2)(ag.randn(4, 2))
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(0, 2)
    with pytest.raises(ValueError, match="out_features"):
        nn.Linear(2, 2.5)


def test_linear_default_init_is_pytorchs():
    # kaiming_uniform(a=√5) = U(±1/√fan_in) for the weight, U(±1/√fan_in) for the bias
    ag.manual_seed(1)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = lin.weight.data, lin.bias.data
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert abs(w.mean()) < 0.01 * bound


def test_mlp_structure_and_last_layer_linear():
    m = nn.MLP(2, [5, 5, 3], activation="tanh")
    assert [l.out_features for l in m.layers] == [5, 5, 3]
    x = ag.randn(7, 2)
    manual = x
    for i, layer in enumerate(m.layers):
        manual = layer(manual)
        manual = ag.tanh(manual) if i < 2 else manual
    np.testing.assert_array_equal(m(x).data, manual.data)
    assert np.all(nn.MLP(2, [3, 1], output_activation="sigmoid")(x).data > 0)
    with pytest.raises(ValueError, match="MLP"):
        nn.MLP(2, [])


def test_mlp_in_float32():
    m = nn.MLP(2, [4, 1], dtype=np.float32)
    y = m(ag.Tensor(np.ones((3, 2)), dtype=np.float32))
    assert y.dtype == np.float32
    y.sum().backward()
    assert m.layers[0].weight.grad.dtype == np.float32


# ---- scalar granularity ---------------------------------------------------------------------

def test_neuron_has_one_0d_parameter_per_weight_and_one_multiply_per_weight():
    n = nn.Neuron(3, activation="tanh")
    params = list(n.parameters())
    assert len(params) == 4 and all(p.ndim == 0 for p in params)
    out = n([1.0, 2.0, 3.0])
    assert out.ndim == 0 and out.op.name == "tanh"
    ops, stack, seen = [], [out], set()
    while stack:
        t = stack.pop()
        if id(t) in seen or t.op is None:
            continue
        seen.add(id(t))
        ops.append(t.op.name)
        stack.extend(i for i in t.inputs if isinstance(i, ag.Tensor))
    assert ops.count("multiply") == 3
    w = [p.data for p in n.weights]
    assert out.item() == pytest.approx(math.tanh(w[0] + 2 * w[1] + 3 * w[2] + n.b.data))


def test_neuron_errors_and_layer_output():
    with pytest.raises(ValueError, match="Neuron: expected 3 inputs, got 2"):
        nn.Neuron(3)([1.0, 2.0])
    with pytest.raises(ValueError, match="Neuron: expected 3 inputs along the last axis"):
        nn.Neuron(3)(ag.randn(4, 2))
    assert isinstance(nn.Layer(2, 3)([1.0, 2.0]), list) and len(nn.Layer(2, 3)([1.0, 2.0])) == 3
    assert isinstance(nn.Layer(2, 1)([1.0, 2.0]), ag.Tensor)
    assert isinstance(nn.ScalarMLP(2, [3, 1])([1.0, 2.0]), ag.Tensor)


def _copy_scalar_into_tensor(smlp, mlp):
    with ag.no_grad():
        for slayer, lin in zip(smlp.layers, mlp.layers):
            lin.weight.copy_([[w.data for w in n.weights] for n in slayer.neurons])
            lin.bias.copy_([n.b.data for n in slayer.neurons])


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("batched", [False, True])
def test_scalar_and_tensor_mlps_agree_in_outputs_and_gradients(activation, batched):
    ag.manual_seed(3)
    smlp = nn.ScalarMLP(3, [4, 4, 2], activation=activation)
    mlp = nn.MLP(3, [4, 4, 2], activation=activation)
    _copy_scalar_into_tensor(smlp, mlp)
    x = rng.normal(size=(5, 3) if batched else (3,))
    coef = rng.normal(size=(5, 2) if batched else (2,))
    y_t = mlp(ag.Tensor(x))
    y_s = ag.stack(smlp(ag.Tensor(x) if batched else list(x)), axis=-1)
    np.testing.assert_allclose(y_s.data, y_t.data, rtol=1e-12, atol=1e-14)
    (y_t * coef).sum().backward()
    (y_s * coef).sum().backward()
    for slayer, lin in zip(smlp.layers, mlp.layers):
        gw = [[w.grad.item() for w in n.weights] for n in slayer.neurons]
        gb = [n.b.grad.item() for n in slayer.neurons]
        np.testing.assert_allclose(gw, lin.weight.grad.data, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(gb, lin.bias.grad.data, rtol=1e-12, atol=1e-14)


def test_scalar_mlp_names_group_by_neuron():
    names = [n for n, _ in nn.ScalarMLP(2, [2, 1]).named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w0", "layers.0.neurons.0.w1", "layers.0.neurons.0.b"]
    assert len(names) == 2 * 3 + 3


# ---- perceptron -----------------------------------------------------------------------------

def _pm(y):
    return np.where(np.asarray(y) > 0, 1.0, -1.0)


def _train_perceptron(p, X, y, lr, epochs):
    """SGD, one example at a time, on the perceptron criterion; returns errors per epoch and
    the weights after every step."""
    opt = SGD(p.parameters(), lr=lr)
    errors, trail = [], []
    for _ in range(epochs):
        wrong = 0
        for xi, yi in zip(X, y):
            wrong += int(p.predict(ag.Tensor(xi)).item() != yi)
            opt.zero_grad()
            F.perceptron_loss(p(ag.Tensor(xi)), np.float64(yi), reduction="sum").backward()
            opt.step()
            trail.append((p.weight.data.copy(), float(p.bias.data)))
        errors.append(wrong)
    return errors, trail


def test_perceptron_sgd_reproduces_the_classic_update_rule():
    X = rng.normal(size=(30, 3))
    y = _pm(X @ np.array([1.0, -2.0, 0.5]) + 0.3)
    lr = 0.7
    _, trail = _train_perceptron(nn.Perceptron(3), X, y, lr, epochs=3)
    w, b, k = np.zeros(3), 0.0, 0
    for _ in range(3):
        for xi, yi in zip(X, y):
            if yi * (w @ xi + b) <= 0:                       # Rosenblatt: update on mistakes
                w, b = w + lr * yi * xi, b + lr * yi
            np.testing.assert_allclose(trail[k][0], w, rtol=1e-14, atol=1e-14)
            assert trail[k][1] == pytest.approx(b, abs=1e-14)
            k += 1


@pytest.mark.parametrize("gate", ["and", "or", "nand"])
def test_perceptron_learns_linearly_separable_gates_exactly(gate):
    X, y = logic_gate(gate)
    y = _pm(y)
    p = nn.Perceptron(2)
    errors, _ = _train_perceptron(p, X, y, lr=1.0, epochs=20)
    assert errors[-1] == 0
    assert p.predict(ag.Tensor(X)).tolist() == y.tolist()


def test_perceptron_never_gets_xor_right():
    X, y = logic_gate("xor")
    y = _pm(y)
    errors, _ = _train_perceptron(nn.Perceptron(2), X, y, lr=1.0, epochs=50)
    assert min(errors) >= 1


@given(st.floats(-10, 10), st.floats(-10, 10), st.floats(-10, 10))
def test_no_perceptron_weights_separate_xor(w1, w2, b):
    # s(0,1) + s(1,0) = s(0,0) + s(1,1) for any affine s, so both XOR-positive points cannot
    # score >= 0 while both negatives score < 0: at least one point is always misclassified.
    p = nn.Perceptron(2)
    with ag.no_grad():
        p.weight.copy_([w1, w2])
        p.bias.copy_(b)
    X, y = logic_gate("xor")
    assert np.sum(p.predict(ag.Tensor(X)).data != _pm(y)) >= 1


def test_an_mlp_learns_xor():
    X, y = logic_gate("xor")
    ag.manual_seed(0)
    model = nn.MLP(2, [8, 1], activation="tanh")
    opt = SGD(model.parameters(), lr=0.5)
    x, t = ag.Tensor(X), ag.Tensor(y.reshape(4, 1).astype(float))
    for _ in range(500):
        opt.zero_grad()
        F.binary_cross_entropy_with_logits(model(x), t).backward()
        opt.step()
    assert ((model(x).data > 0) == (y.reshape(4, 1) > 0)).all()


def test_perceptron_errors():
    with pytest.raises(ValueError, match="Perceptron: expected input"):
        nn.Perceptron(2)(ag.randn(3))
    with pytest.raises(ValueError, match="-1 or"):
        F.perceptron_loss(ag.Tensor([1.0]), np.array([0.0]))


# ---- regularisation modules -----------------------------------------------------------------

def test_dropout_module_respects_train_and_eval():
    d = nn.Dropout(0.5)
    x = ag.ones(50, 40)
    assert np.any(d(x).data == 0)
    d.eval()
    assert d(x) is x
    with pytest.raises(ValueError, match="Dropout"):
        nn.Dropout(-0.1)


def test_batchnorm_train_normalises_and_tracks_running_stats():
    bn = nn.BatchNorm1d(3, momentum=0.1)
    x = rng.normal(loc=[1.0, -2.0, 5.0], scale=[1.0, 2.0, 0.5], size=(64, 3))
    y = bn(ag.Tensor(x)).data
    np.testing.assert_allclose(y.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(y.std(0), 1, atol=1e-3)
    np.testing.assert_allclose(bn.running_mean.data, 0.1 * x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.data, 0.9 + 0.1 * x.var(0, ddof=1), rtol=1e-12)
    bn.eval()
    expected = (x - bn.running_mean.data) / np.sqrt(bn.running_var.data + 1e-5)
    np.testing.assert_allclose(bn(ag.Tensor(x)).data, expected, rtol=1e-12)
    assert set(bn.state_dict()) == {"weight", "bias", "running_mean", "running_var"}
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]


def test_batchnorm_3d_input_gradients_and_errors():
    bn = nn.BatchNorm1d(2)
    x = ag.Tensor(rng.normal(size=(4, 2, 5)), requires_grad=True)
    (bn(x) * ag.Tensor(rng.normal(size=(4, 2, 5)))).sum().backward()
    assert x.grad.shape == (4, 2, 5) and bn.weight.grad.shape == (2,)
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected input of shape \(N, 2\)"):
        bn(ag.randn(4, 3))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(ag.randn(1, 2))


def test_layernorm_module():
    ln = nn.LayerNorm(4)
    x = ag.Tensor(rng.normal(size=(3, 4)) * 10 + 3)
    y = ln(x).data
    np.testing.assert_allclose(y.mean(-1), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(-1), 1, atol=1e-5)
    assert ln.num_parameters() == 8
    assert nn.LayerNorm((2, 4), elementwise_affine=False).num_parameters() == 0


def test_maxout_layer_gradient_goes_to_the_winning_piece():
    x = ag.Tensor([[1.0, 3.0, -1.0, -2.0]], requires_grad=True)
    y = nn.Maxout(2)(x)
    assert y.tolist() == [[3.0, -1.0]]
    y.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 1.0, 0.0]]


# ---- initialisers ---------------------------------------------------------------------------

def _t(*shape):
    return nn.Parameter(np.zeros(shape))


@pytest.mark.parametrize("fn, shape, std", [
    (lambda t: init.normal_(t, 1.0, 2.0), (300, 200), 2.0),
    (lambda t: init.uniform_(t, -3.0, 3.0), (300, 200), 3.0 / math.sqrt(3)),
    (init.xavier_uniform_, (300, 200), math.sqrt(2 / 500)),
    (init.xavier_normal_, (300, 200), math.sqrt(2 / 500)),
    (init.kaiming_uniform_, (300, 200), math.sqrt(2 / 200)),
    (init.kaiming_normal_, (300, 200), math.sqrt(2 / 200)),
    (lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"), (300, 200),
     math.sqrt(2 / 300)),
    (lambda t: init.kaiming_uniform_(t, nonlinearity="tanh"), (20, 30, 3, 3),
     5 / 3 / math.sqrt(270)),
])
def test_random_initialisers_have_the_documented_spread(fn, shape, std):
    t = fn(_t(*shape))
    assert t.requires_grad and t.shape == shape
    assert abs(t.data.std() - std) < 0.03 * std


def test_uniform_bounds_and_constant_fills():
    t = init.xavier_uniform_(_t(50, 70), gain=2.0)
    assert np.abs(t.data).max() <= 2.0 * math.sqrt(6 / 120)
    assert np.all(init.zeros_(_t(3)).data == 0) and np.all(init.ones_(_t(3)).data == 1)
    assert np.all(init.constant_(_t(2, 2), 0.25).data == 0.25)


def test_initialisers_bump_version_and_are_seedable():
    a, b = _t(5, 5), _t(5, 5)
    v = a._version
    init.normal_(a, generator=np.random.default_rng(7))
    init.normal_(b, generator=np.random.default_rng(7))
    assert a._version != v and np.array_equal(a.data, b.data)
    ag.manual_seed(11)
    first = init.uniform_(_t(4)).data.copy()
    ag.manual_seed(11)
    assert np.array_equal(init.uniform_(_t(4)).data, first)


def test_sparse_init_zeroes_a_fraction_of_each_column():
    t = init.sparse_(_t(10, 40), sparsity=0.3, std=0.5)
    assert np.all((t.data == 0).sum(0) == 3)
    with pytest.raises(ValueError, match="sparse_"):
        init.sparse_(_t(3, 3, 3), 0.1)


def test_gains_and_fan_errors():
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    with pytest.raises(ValueError, match="unknown nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(_t(5))
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_normal_(_t(2, 2), mode="fan_avg")


# ---- gradient clipping ----------------------------------------------------------------------

def test_clip_grad_norm_scales_all_gradients_together():
    a, b = nn.Parameter([3.0, 0.0]), nn.Parameter([[4.0]])
    (a * ag.Tensor([3.0, 0.0])).sum().backward()
    (b * 4.0).sum().backward()
    total = nn.clip_grad_norm_([a, b], max_norm=1.0)
    assert total.item() == pytest.approx(5.0)
    np.testing.assert_allclose(a.grad.data, [0.6, 0.0], rtol=1e-5)
    np.testing.assert_allclose(b.grad.data, [[0.8]], rtol=1e-5)
    assert nn.clip_grad_norm_([a, b], 10.0).item() == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(a.grad.data, [0.6, 0.0], rtol=1e-5)     # below: untouched
    assert nn.clip_grad_norm_([a, b], 1.0, norm_type="inf").item() == pytest.approx(0.8, rel=1e-5)


def test_clip_grad_norm_nonfinite_and_value_clipping():
    a = nn.Parameter([1.0, 2.0])
    (a * ag.Tensor([np.inf, 1.0])).sum().backward()
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.clip_grad_norm_(a, 1.0, error_if_nonfinite=True)
    b = nn.Parameter([1.0, 2.0, 3.0])
    (b * ag.Tensor([-5.0, 0.5, 5.0])).sum().backward()
    nn.clip_grad_value_(b, 1.0)
    assert b.grad.tolist() == [-1.0, 0.5, 1.0]
    with pytest.raises(ValueError, match="clip_grad_value_"):
        nn.clip_grad_value_(b, -1.0)


def test_layers_follow_the_default_dtype():
    ag.set_default_dtype(np.float32)
    layers = [nn.Linear(2, 3), nn.MLP(2, [3, 1]), nn.BatchNorm1d(3), nn.LayerNorm(3),
              nn.Perceptron(2), nn.ScalarMLP(2, [2, 1])]
    assert all(p.dtype == np.float32 for m in layers for p in m.parameters())
    assert all(b.dtype == np.float32 for b in layers[2].buffers())
    x = ag.randn(4, 2)
    out = nn.CrossEntropyLoss()(nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))(x),
                                np.array([0, 1, 2, 0]))
    assert x.dtype == np.float32 and out.dtype == np.float32


def test_neuron_sees_a_reassigned_weight():
    # forward must read the registered parameters, not a list captured in __init__
    n = nn.Neuron(2, activation=None)
    n.w0 = nn.Parameter(5.0)
    assert n.weights[0] is n.w0
    assert n([1.0, 0.0]).item() == pytest.approx(5.0 + n.b.item())
    assert nn.Neuron(2, bias=False).b is None
    with pytest.raises(TypeError, match="cannot assign"):
        nn.Neuron(2, bias=False).b = ag.Tensor(1.0)


def test_normalisation_arguments_numpy_ints_and_unsupported_momentum():
    x = ag.Tensor(rng.normal(size=(4, 3)))
    np.testing.assert_allclose(nn.LayerNorm(np.int64(3))(x).data, nn.LayerNorm(3)(x).data)
    assert nn.LayerNorm([np.int64(3)]).normalized_shape == (3,)
    with pytest.raises(ValueError, match="BatchNorm1d: momentum .*None"):
        nn.BatchNorm1d(3, momentum=None)             # was a TypeError deep in forward
    with pytest.raises(ValueError, match="BatchNorm1d: momentum"):
        nn.BatchNorm1d(3, momentum=1.5)
