"""Every optimiser, scheduler, loss, functional, init function and layer named after a PyTorch
one takes its positional arguments in PyTorch's order; what PyTorch has and chainrule has not
(size_average, inplace, device, ...) makes the rest keyword-only, so a positional call written
for PyTorch either means the same thing here or raises TypeError, never something else. The
same holds for the names taken from scikit-learn (make_blobs) and Keras (EarlyStopping)."""

import inspect

import numpy as np
import pytest

import autograd as ag
import nn
from nn import data, functional as F, init, optim, schedulers, utils

# PyTorch's positional parameters (after self), from its documentation.
PYTORCH = {
    optim.SGD: "params lr momentum dampening weight_decay nesterov",
    optim.Adagrad: "params lr lr_decay weight_decay initial_accumulator_value eps foreach",
    optim.RMSprop: "params lr alpha eps weight_decay momentum centered capturable foreach",
    optim.Adadelta: "params lr rho eps weight_decay foreach",
    optim.Adam: "params lr betas eps weight_decay amsgrad",
    optim.AdamW: "params lr betas eps weight_decay amsgrad",
    optim.Optimizer: "params defaults",
    schedulers.StepLR: "optimizer step_size gamma last_epoch",
    schedulers.MultiStepLR: "optimizer milestones gamma last_epoch",
    schedulers.ExponentialLR: "optimizer gamma last_epoch",
    schedulers.CosineAnnealingLR: "optimizer T_max eta_min last_epoch",
    schedulers.LinearLR: "optimizer start_factor end_factor total_iters last_epoch",
    schedulers.LambdaLR: "optimizer lr_lambda last_epoch",
    schedulers.SequentialLR: "optimizer schedulers milestones last_epoch",
    schedulers.ReduceLROnPlateau: ("optimizer mode factor patience threshold threshold_mode "
                                   "cooldown min_lr eps"),
    nn.MSELoss: "size_average reduce reduction",
    nn.L1Loss: "size_average reduce reduction",
    nn.HuberLoss: "reduction delta",
    nn.BCELoss: "weight size_average reduce reduction",
    nn.BCEWithLogitsLoss: "weight size_average reduce reduction pos_weight",
    nn.NLLLoss: "weight size_average ignore_index reduce reduction",
    nn.CrossEntropyLoss: "weight size_average ignore_index reduce reduction label_smoothing",
    nn.MultiMarginLoss: "p margin weight size_average reduce reduction",
    F.leaky_relu: "input negative_slope inplace",
    F.elu: "input alpha inplace",
    F.gelu: "input approximate",
    F.softplus: "input beta threshold",
    F.dropout: "input p training inplace",
    F.layer_norm: "input normalized_shape weight bias eps",
    F.batch_norm: "input running_mean running_var weight bias training momentum eps",
    F.mse_loss: "input target size_average reduce reduction weight",
    F.l1_loss: "input target size_average reduce reduction",
    F.huber_loss: "input target reduction delta weight",
    F.binary_cross_entropy: "input target weight size_average reduce reduction",
    F.binary_cross_entropy_with_logits: ("input target weight size_average reduce reduction "
                                         "pos_weight"),
    F.nll_loss: "input target weight size_average ignore_index reduce reduction",
    F.cross_entropy: ("input target weight size_average ignore_index reduce reduction "
                      "label_smoothing"),
    F.multi_margin_loss: "input target p margin weight size_average reduce reduction",
    init.calculate_gain: "nonlinearity param",
    init.constant_: "tensor val",
    init.uniform_: "tensor a b generator",
    init.normal_: "tensor mean std generator",
    init.xavier_uniform_: "tensor gain generator",
    init.xavier_normal_: "tensor gain generator",
    init.kaiming_uniform_: "tensor a mode nonlinearity generator",
    init.kaiming_normal_: "tensor a mode nonlinearity generator",
    init.sparse_: "tensor sparsity std generator",
    utils.clip_grad_norm_: "parameters max_norm norm_type error_if_nonfinite foreach",
    utils.clip_grad_value_: "parameters clip_value foreach",
    nn.Linear: "in_features out_features bias device dtype",
    nn.BatchNorm1d: "num_features eps momentum affine track_running_stats device dtype",
    nn.LayerNorm: "normalized_shape eps elementwise_affine bias device dtype",
    nn.Dropout: "p inplace",
    nn.LeakyReLU: "negative_slope inplace",
    nn.ELU: "alpha inplace",
    nn.GELU: "approximate",
    nn.Softplus: "beta threshold",
    nn.Softmax: "dim",
    data.DataLoader: "dataset batch_size shuffle sampler batch_sampler num_workers",
    nn.Module.named_modules: "memo prefix remove_duplicate",
    nn.Module.named_parameters: "prefix recurse remove_duplicate",
    nn.Module.named_buffers: "prefix recurse remove_duplicate",
    nn.Module.parameters: "recurse",
    nn.Module.buffers: "recurse",
    nn.Module.register_buffer: "name tensor persistent",
    nn.Module.register_parameter: "name param",
    nn.Module.add_module: "name module",
    nn.Module.load_state_dict: "state_dict strict assign",
    nn.Module.train: "mode",
    nn.Module.requires_grad_: "requires_grad",
    optim.Optimizer.zero_grad: "set_to_none",
    optim.Optimizer.step: "closure",
    optim.Optimizer.add_param_group: "param_group",
    optim.Optimizer.load_state_dict: "state_dict",
    data.make_blobs: "n_samples n_features",                         # scikit-learn's
    nn.EarlyStopping: "monitor min_delta patience verbose mode",       # Keras's
}
SAME_MEANING = {"x": "input", "axis": "dim"}          # chainrule's NumPy-style names


def positional(f):
    params = inspect.signature(f).parameters.values()
    return [SAME_MEANING.get(p.name, p.name) for p in params
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name != "self"]


@pytest.mark.parametrize("f", list(PYTORCH), ids=lambda f: f.__name__)
def test_positional_parameters_are_a_prefix_of_pytorchs(f):
    ours, theirs = positional(f), PYTORCH[f].split()
    assert ours == theirs[:len(ours)], f"{f.__name__}{inspect.signature(f)}"


def test_the_check_catches_a_swapped_order():          # negative control
    def sgd(params, lr, momentum, dampening, nesterov, weight_decay): ...
    assert positional(sgd) != PYTORCH[optim.SGD].split()[:6]


def test_sgd_fifth_positional_is_weight_decay():
    p = ag.Tensor([1.0, -2.0], requires_grad=True)
    opt = optim.SGD([p], 0.05, 0.9, 0.0, 0.1)
    group = opt.param_groups[0]
    assert group["weight_decay"] == 0.1 and group["nesterov"] is False
    assert optim.SGD([p], 0.05, 0.9, 0.0, 0.0, True).param_groups[0]["nesterov"] is True
    with pytest.raises(TypeError):
        optim.SGD([p], 0.05, 0.9, 0.0, 0.0, False, True)          # maximize is keyword-only


def test_huber_loss_third_positional_is_the_reduction():
    x, t = ag.Tensor([0.0, 3.0]), ag.Tensor([0.2, 0.0])
    np.testing.assert_allclose(F.huber_loss(x, t, "sum").item(), 0.02 + 2.5)
    np.testing.assert_allclose(F.huber_loss(x, t, "none", 2.0).data, [0.02, 4.0])
    np.testing.assert_allclose(nn.HuberLoss("sum", 2.0)(x, t).item(), 4.02)


@pytest.mark.parametrize("call", [
    lambda z, c: F.nll_loss(F.log_softmax(z), c, None, -100),          # PyTorch: size_average
    lambda z, c: F.cross_entropy(z, c, None, -100),
    lambda z, c: F.multi_margin_loss(z, c, 1, 1.0, None, "sum"),
    lambda z, c: F.binary_cross_entropy_with_logits(z, np.ones((2, 3)), None, 2.0),
    lambda z, c: F.mse_loss(z, z, "sum"),
    lambda z, c: nn.MSELoss("sum"),
    lambda z, c: nn.CrossEntropyLoss(None, -100),
    lambda z, c: nn.NLLLoss(None, True),
    lambda z, c: nn.BCEWithLogitsLoss(None, "sum"),
    lambda z, c: F.dropout(z, 0.5, True, np.random.default_rng(0)),    # PyTorch: inplace
    lambda z, c: nn.Linear(2, 3, True, "cpu"),                         # PyTorch: device
    lambda z, c: data.DataLoader((np.zeros(4),), 2, False, True),      # PyTorch: sampler
])
def test_positional_calls_that_would_mean_something_else_raise(call):
    z, c = ag.Tensor(np.zeros((2, 3))), np.array([0, 2])
    with pytest.raises(TypeError):
        call(z, c)


def test_weight_stays_positional_and_the_rest_works_by_keyword():
    z, c, w = ag.Tensor(np.log([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])), np.array([0, 2]), np.array([1.0, 1.0, 3.0])
    expected = -(np.log(0.2) + 3 * np.log(0.8)) / 4
    np.testing.assert_allclose(F.nll_loss(z, c, w).item(), expected)
    np.testing.assert_allclose(nn.NLLLoss(w, reduction="sum")(z, c).item(), expected * 4)
    np.testing.assert_allclose(F.cross_entropy(z, c, w, ignore_index=0).item(), -np.log(0.8))


def test_named_parameters_prefix_is_first_as_in_pytorch():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    assert [n for n, _ in model.named_parameters("net")][:2] == ["net.0.weight", "net.0.bias"]
    assert [n for n, _ in model.named_buffers("net")] == ["net.1.running_mean", "net.1.running_var"]
    assert [n for n, _ in model.named_parameters(recurse=False)] == []
    assert [n for n, _ in model.named_modules(None, "m")] == ["m", "m.0", "m.1"]


@pytest.mark.parametrize("cls, values", [
    (optim.SGD, (0.05, 0.9, 0.0, 0.1, False)),
    (optim.Adagrad, (0.05, 0.1, 0.2, 0.3, 1e-9)),
    (optim.RMSprop, (0.05, 0.9, 1e-7, 0.1, 0.5, True)),
    (optim.Adadelta, (0.5, 0.8, 1e-5, 0.1)),
    (optim.Adam, (0.05, (0.8, 0.9), 1e-7, 0.1, True)),
    (optim.AdamW, (0.05, (0.8, 0.9), 1e-7, 0.1, True)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_optimiser_positional_values_land_where_pytorch_puts_them(cls, values):
    group = cls([ag.Tensor([1.0], requires_grad=True)], *values).param_groups[0]
    names = PYTORCH[cls].split()[1:1 + len(values)]
    assert {n: group[n] for n in names} == dict(zip(names, values))
