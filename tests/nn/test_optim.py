"""Optimisers: one step against the textbook update on hand-computed numbers, convergence on an
ill-conditioned quadratic, Adam's bias correction, parameter groups, state dicts, in-place
versioning and argument errors."""

import math

import numpy as np
import pytest

import autograd as ag
from nn import optim
from nn.serialization import load, save


def param(values=(1.0, -2.0), dtype=None):
    return ag.Tensor(list(values), requires_grad=True, dtype=dtype)


def half_square_step(opt_cls, steps=1, values=(1.0, -2.0), **kw):
    """Minimise ½‖p‖² (gradient = p) for `steps` steps from `values`; returns p."""
    p = param(values)
    opt = opt_cls([p], **kw)
    for _ in range(steps):
        opt.zero_grad()
        (0.5 * (p * p).sum()).backward()
        opt.step()
    return p.numpy()


# ---- one step, by hand: p = (1, -2), g = p -----------------------------------------------------

def test_sgd_plain_step():
    # p - 0.1 g = (0.9, -1.8)
    np.testing.assert_allclose(half_square_step(optim.SGD, lr=0.1), [0.9, -1.8], rtol=0, atol=1e-15)


def test_sgd_momentum_two_steps():
    # b1 = g1 = (1, -2), p1 = (0.9, -1.8); g2 = p1, b2 = 0.9 b1 + g2 = (1.8, -3.6);
    # p2 = p1 - 0.1 b2 = (0.72, -1.44)
    np.testing.assert_allclose(half_square_step(optim.SGD, 2, lr=0.1, momentum=0.9),
                               [0.72, -1.44], atol=1e-15)


def test_sgd_dampening():
    # b2 = 0.9 b1 + (1 - 0.5) g2 = (0.9 + 0.45, -1.8 - 0.9); p2 = p1 - 0.1 b2
    np.testing.assert_allclose(half_square_step(optim.SGD, 2, lr=0.1, momentum=0.9, dampening=0.5),
                               [0.9 - 0.135, -1.8 + 0.27], atol=1e-15)


def test_sgd_nesterov_step():
    # b = g; update g + 0.9 b = 1.9 g; p - 0.19 g = (0.81, -1.62)
    np.testing.assert_allclose(half_square_step(optim.SGD, lr=0.1, momentum=0.9, nesterov=True),
                               [0.81, -1.62], atol=1e-15)


def test_sgd_weight_decay_step():
    # g + 0.1 p = 1.1 p; p - 0.11 p = 0.89 p
    np.testing.assert_allclose(half_square_step(optim.SGD, lr=0.1, weight_decay=0.1),
                               [0.89, -1.78], atol=1e-15)


def test_sgd_maximize_goes_uphill():
    np.testing.assert_allclose(half_square_step(optim.SGD, lr=0.1, maximize=True), [1.1, -2.2])


def test_adagrad_steps():
    # s1 = g² → p1 = p - 0.1 sign(g) = (0.9, -1.9); s2 = (1 + 0.81, 4 + 3.61)
    np.testing.assert_allclose(half_square_step(optim.Adagrad, lr=0.1), [0.9, -1.9], atol=1e-9)
    p2 = half_square_step(optim.Adagrad, 2, lr=0.1)
    np.testing.assert_allclose(p2, [0.9 - 0.1 * 0.9 / math.sqrt(1.81),
                                    -1.9 + 0.1 * 1.9 / math.sqrt(7.61)], atol=1e-9)


def test_adagrad_lr_decay():
    # step 2 uses lr / (1 + 1 * 0.5)
    p2 = half_square_step(optim.Adagrad, 2, lr=0.1, lr_decay=0.5)
    np.testing.assert_allclose(p2, [0.9 - 0.1 / 1.5 * 0.9 / math.sqrt(1.81),
                                    -1.9 + 0.1 / 1.5 * 1.9 / math.sqrt(7.61)], atol=1e-9)


def test_rmsprop_step():
    # v = 0.01 g², √v = 0.1|g|, p - 0.01 g / (0.1|g|) = p - 0.1 sign(g)
    np.testing.assert_allclose(half_square_step(optim.RMSprop, lr=0.01), [0.9, -1.9], atol=1e-6)


def test_rmsprop_centered_step():
    # m = 0.01 g, v - m² = 0.0099 g²; step 0.01 / √0.0099 per unit sign
    s = 0.01 / math.sqrt(0.0099)
    np.testing.assert_allclose(half_square_step(optim.RMSprop, lr=0.01, centered=True),
                               [1 - s, -2 + s], atol=1e-6)


def test_rmsprop_momentum_two_steps():
    # b1 = g1/(0.1|g1|) = 10 sign; p1 = p - 0.1 sign = (0.9, -1.9)
    # v2 = 0.99·0.01 g1² + 0.01 g2²; b2 = 0.5 b1 + g2/√v2; p2 = p1 - 0.01 b2
    g1, g2 = np.array([1.0, -2.0]), np.array([0.9, -1.9])
    v2 = 0.99 * 0.01 * g1 ** 2 + 0.01 * g2 ** 2
    b2 = 0.5 * 10 * np.sign(g1) + g2 / (np.sqrt(v2) + 1e-8)
    np.testing.assert_allclose(half_square_step(optim.RMSprop, 2, lr=0.01, momentum=0.5),
                               g2 - 0.01 * b2, atol=1e-9)


def test_adadelta_step():
    # v = 0.1 g²; Δ = √(0 + ε)/√(v + ε) · g; p - Δ
    g = np.array([1.0, -2.0])
    delta = math.sqrt(1e-6) / np.sqrt(0.1 * g ** 2 + 1e-6) * g
    np.testing.assert_allclose(half_square_step(optim.Adadelta), g - delta, atol=1e-12)
    assert abs(delta[0] - 0.0031623) < 1e-6        # the famous slow start: ≈ √(ε/0.1)


def test_adam_first_step_moves_by_lr():
    # m̂ = g, v̂ = g²: p - 0.1 g/|g| = (0.9, -1.9)
    np.testing.assert_allclose(half_square_step(optim.Adam, lr=0.1), [0.9, -1.9], atol=1e-7)


def test_adam_bias_correction():
    """With a constant gradient c, m̂_t = c and v̂_t = c² for every t, so each step is exactly
    lr·sign(c); without the corrections step 1 would be lr·0.1/√0.001 ≈ 3.16·lr."""
    c = np.array([3.0, -0.02, 500.0])
    p = ag.Tensor(np.zeros(3), requires_grad=True)
    opt = optim.Adam([p], lr=0.01, betas=(0.9, 0.999), eps=1e-12)
    for t in range(1, 6):
        opt.zero_grad()
        (p * c).sum().backward()
        opt.step()
        np.testing.assert_allclose(p.numpy(), -0.01 * t * np.sign(c), rtol=1e-10)
        st = opt.state[id(p)]
        np.testing.assert_allclose(st["exp_avg"], (1 - 0.9 ** t) * c, rtol=1e-12)
        np.testing.assert_allclose(st["exp_avg_sq"], (1 - 0.999 ** t) * c ** 2, rtol=1e-12)


def test_adam_weight_decay_is_l2():
    # g + 0.5 p = 1.5 g: Adam is scale-invariant, so the first step is still lr·sign
    np.testing.assert_allclose(half_square_step(optim.Adam, lr=0.1, weight_decay=0.5),
                               [0.9, -1.9], atol=1e-7)


def test_amsgrad_uses_running_max():
    p = ag.Tensor([0.0], requires_grad=True)
    opt = optim.Adam([p], lr=0.1, betas=(0.9, 0.9), amsgrad=True, eps=0.0)
    expected, m, v, vmax = 0.0, 0.0, 0.0, 0.0
    for t, g in enumerate([2.0, 0.1, 0.1], start=1):
        p.grad = ag.Tensor([g])
        opt.step()
        m, v = 0.9 * m + 0.1 * g, 0.9 * v + 0.1 * g * g
        vmax = max(vmax, v)
        expected -= 0.1 / (1 - 0.9 ** t) * m / (math.sqrt(vmax) / math.sqrt(1 - 0.9 ** t))
        assert p.item() == pytest.approx(expected, rel=1e-12)
    assert opt.state[id(p)]["max_exp_avg_sq"][0] > opt.state[id(p)]["exp_avg_sq"][0]


def test_adamw_decoupled_decay():
    # p(1 - 0.1·0.1) - 0.1 sign(g) = (0.89, -1.88)
    np.testing.assert_allclose(half_square_step(optim.AdamW, lr=0.1, weight_decay=0.1),
                               [0.89, -1.88], atol=1e-7)


# ---- convergence -------------------------------------------------------------------------------

A, C = np.array([1.0, 10.0]), np.array([3.0, -1.0])


@pytest.mark.parametrize("cls,kw,steps", [
    (optim.SGD, dict(lr=0.05), 300),
    (optim.SGD, dict(lr=0.02, momentum=0.9), 500),
    (optim.SGD, dict(lr=0.02, momentum=0.9, nesterov=True), 500),
    (optim.Adagrad, dict(lr=1.0), 300),
    (optim.RMSprop, dict(lr=0.01), 500),
    (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True), 500),
    (optim.Adadelta, dict(lr=1.0), 1000),
    (optim.Adam, dict(lr=0.1), 500),
    (optim.Adam, dict(lr=0.1, amsgrad=True), 500),
    (optim.AdamW, dict(lr=0.1, weight_decay=0.0), 500),
])
def test_converges_on_quadratic(cls, kw, steps):
    """Minimise Σ aᵢ(pᵢ - cᵢ)² with condition number 10 from far away."""
    p = param()
    opt = cls([p], **kw)
    for _ in range(steps):
        opt.zero_grad()
        (A * (p - C) ** 2).sum().backward()
        opt.step()
    np.testing.assert_allclose(p.numpy(), C, atol=1e-4)


def test_adamw_converges_to_shrunk_minimum():
    """Decoupled decay λ moves the fixed point towards 0 (but only slightly for small λ)."""
    p = param()
    opt = optim.AdamW([p], lr=0.05, weight_decay=0.01)
    for _ in range(1500):
        opt.zero_grad()
        (A * (p - C) ** 2).sum().backward()
        opt.step()
    assert np.all(np.abs(p.numpy()) < np.abs(C)) and np.allclose(p.numpy(), C, atol=0.1)


# ---- groups, dtypes, versioning, errors -------------------------------------------------------

def test_param_groups_have_their_own_lr():
    a, b = param(), param()
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.0)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 0.5
    (0.5 * (a * a).sum() + 0.5 * (b * b).sum()).backward()
    opt.step()
    np.testing.assert_allclose(a.numpy(), [0.9, -1.8])
    np.testing.assert_allclose(b.numpy(), [0.5, -1.0])


def test_add_param_group_and_skip_params_without_grad():
    a, b = param(), param()
    opt = optim.Adam([a], lr=0.1)
    opt.add_param_group({"params": b, "lr": 0.01})
    (a * a).sum().backward()          # b gets no gradient: it must not move
    opt.step()
    np.testing.assert_array_equal(b.numpy(), [1.0, -2.0])
    assert id(b) not in opt.state
    assert not np.array_equal(a.numpy(), [1.0, -2.0])


def test_zero_grad():
    p = param()
    opt = optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad.numpy(), [0.0, 0.0])
    opt.zero_grad()
    assert p.grad is None


def test_float32_parameters_stay_float32():
    p = param(dtype=np.float32)
    for cls in (optim.SGD, optim.Adagrad, optim.RMSprop, optim.Adadelta, optim.Adam, optim.AdamW):
        opt = cls([p], lr=0.01)
        (p * p).sum().backward()
        opt.step()
        p.grad = None
        assert p.dtype == np.float32
        assert all(v.dtype == np.float32 for v in opt.state[id(p)].values()
                   if isinstance(v, np.ndarray))


def test_scalar_parameters():
    w = ag.Tensor(2.0, requires_grad=True)
    opt = optim.SGD([w], lr=0.25, momentum=0.5)
    (w * w).backward()
    opt.step()
    assert w.item() == 1.0 and w.shape == ()


def test_step_bumps_version_so_stale_graphs_refuse_backward():
    p = param()
    opt = optim.SGD([p], lr=0.1)
    y = (p * p).sum()
    before = p._version
    (p * p).sum().backward()
    opt.step()
    assert p._version != before
    with pytest.raises(RuntimeError):
        y.backward()


def test_step_with_closure_returns_loss():
    p = param()
    opt = optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = 0.5 * (p * p).sum()
        loss.backward()
        return loss
    loss = opt.step(closure)
    assert loss.item() == pytest.approx(2.5)
    np.testing.assert_allclose(p.numpy(), [0.9, -1.8])


@pytest.mark.parametrize("make,match", [
    (lambda p: optim.SGD(p, lr=0.1), "single Tensor"),
    (lambda p: optim.SGD([], lr=0.1), "empty"),
    (lambda p: optim.SGD([p], lr=-1.0), "learning rate"),
    (lambda p: optim.SGD([p, p], lr=0.1), "more than once"),
    (lambda p: optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1), "more than once"),
    (lambda p: optim.SGD([{"params": [p], "momentun": 0.9}], lr=0.1), "momentun"),
    (lambda p: optim.SGD([p], lr=0.1, nesterov=True), "Nesterov"),
    (lambda p: optim.SGD([p * 2], lr=0.1), "non-leaf"),
    (lambda p: optim.SGD([np.zeros(2)], lr=0.1), "ndarray"),
    (lambda p: optim.Adam([p], betas=(0.9, 1.5)), "betas"),
    (lambda p: optim.RMSprop([p], alpha=2.0), "alpha"),
    (lambda p: optim.Adagrad([p], eps=-1.0), "eps"),
])
def test_bad_arguments_raise_clearly(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make(param())


# ---- state dict ----------------------------------------------------------------------------------

@pytest.mark.parametrize("cls,kw", [
    (optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (optim.Adagrad, dict(lr=0.1)),
    (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
    (optim.Adadelta, dict()),
    (optim.Adam, dict(lr=0.05, amsgrad=True)),
    (optim.AdamW, dict(lr=0.05)),
])
def test_state_dict_round_trip_continues_identically(cls, kw, tmp_path):
    def loss(p):
        return (A * (p - C) ** 2).sum()

    p = param()
    opt = cls([p], **kw)
    for _ in range(3):
        opt.zero_grad()
        loss(p).backward()
        opt.step()
    save(opt, tmp_path / "opt.npz")
    q = ag.Tensor(p.numpy().copy(), requires_grad=True)
    opt2 = cls([q], lr=123.0)                       # hyper-parameters come back from the file
    opt2.load_state_dict(load(tmp_path / "opt.npz"))
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    for _ in range(3):
        for t, o in ((p, opt), (q, opt2)):
            o.zero_grad()
            loss(t).backward()
            o.step()
    np.testing.assert_array_equal(p.numpy(), q.numpy())


def test_state_dict_is_a_copy():
    p = param()
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    (p * p).sum().backward()
    opt.step()
    sd = opt.state_dict()
    sd["state"][0]["momentum_buffer"][:] = 99.0
    sd["param_groups"][0]["lr"] = 5.0
    assert opt.param_groups[0]["lr"] == 0.1
    assert not np.any(opt.state[id(p)]["momentum_buffer"] == 99.0)


def test_load_state_dict_mismatches_raise():
    p = param()
    opt = optim.Adam([p], lr=0.1)
    (p * p).sum().backward()
    opt.step()
    sd = opt.state_dict()
    other = optim.Adam([ag.Tensor(np.zeros(3), requires_grad=True)])
    with pytest.raises(ValueError, match="shape"):
        other.load_state_dict(sd)
    two = optim.Adam([param(), param()])
    with pytest.raises(ValueError, match="1 parameters in the saved state, 2 here"):
        two.load_state_dict(sd)
    with pytest.raises(ValueError, match="param_groups"):
        opt.load_state_dict({"weights": 1})


def test_numpy_scalar_learning_rates_are_accepted_and_stored_as_floats():
    # lr=np.float32(0.1) (from a float32 computation) is a valid rate, not an "invalid" one
    p = param()
    opt = optim.SGD([p], lr=np.float32(0.5))
    assert type(opt.param_groups[0]["lr"]) is float
    opt.zero_grad()
    (0.5 * (p * p).sum()).backward()
    opt.step()
    np.testing.assert_allclose(p.numpy(), [0.5, -1.0])
    for bad in (True, -1.0, "0.1"):
        with pytest.raises(ValueError, match="SGD: invalid learning rate"):
            optim.SGD([param()], lr=bad)


def test_a_set_of_parameters_is_refused():
    # a set's order follows ids, so a saved state could be loaded into the wrong tensors
    with pytest.raises(TypeError, match="SGD: parameters must be an ordered collection"):
        optim.SGD({param(), param()}, lr=0.1)
    opt = optim.SGD([param()], lr=0.1)
    with pytest.raises(TypeError, match="not a set"):
        opt.add_param_group({"params": {param()}})


def _opt_snapshot(opt):
    return ([dict(g, params=None) for g in opt.param_groups],
            {k: {n: np.array(v, copy=True) for n, v in s.items()} for k, s in opt.state.items()})


def _same(a, b):
    (ga, sa), (gb, sb) = a, b
    return ga == gb and sa.keys() == sb.keys() and all(
        np.array_equal(sa[k][n], sb[k][n]) for k in sa for n in sa[k])


def test_optimizer_load_state_dict_refuses_unknown_keys_and_bad_values_atomically():
    p, q = param(), param()
    opt = optim.Adam([{"params": [p]}, {"params": [q], "lr": 0.5}], lr=0.1)
    (p * p + q * q).sum().backward()
    opt.step()
    good = opt.state_dict()
    other = optim.Adam([{"params": [param()]}, {"params": [param()]}], lr=0.2)
    other.step()
    before = _opt_snapshot(other)

    def variant(change):
        sd = opt.state_dict()
        change(sd)
        return sd

    cases = [
        (variant(lambda sd: sd.update(extra=1)), r"exactly the keys"),
        (variant(lambda sd: sd["param_groups"][1].update(bogus=3)),
         r"unknown hyper-parameter\(s\) \['bogus'\] in group 1"),
        (variant(lambda sd: sd["param_groups"][1].update(lr=-1.0)), "group 1: .*learning rate"),
        (variant(lambda sd: sd["param_groups"][1].update(betas=(0.9, 1.5))), "group 1: .*betas"),
        (variant(lambda sd: sd["param_groups"][0].update(eps="x")), "group 0"),
        (variant(lambda sd: sd["state"][1].update(exp_avg=np.zeros(7))), "shape"),
        (variant(lambda sd: sd["state"].update({5: {"step": 1}})), "no group holds"),
    ]
    for sd, match in cases:
        with pytest.raises(ValueError, match=f"Adam.load_state_dict: .*{match}"):
            other.load_state_dict(sd)
        assert _same(_opt_snapshot(other), before)
    other.load_state_dict(good)                    # the negative control: a good dict loads
    assert other.param_groups[1]["lr"] == 0.5 and not _same(_opt_snapshot(other), before)


def test_param_group_hyper_parameters_are_checked_per_optimiser():
    opt = optim.Adam([param()], lr=0.1)
    with pytest.raises(ValueError, match="Adam: invalid betas"):
        opt.add_param_group({"params": [param()], "betas": (0.9, 2.0)})
    with pytest.raises(ValueError, match="SGD: Nesterov"):
        optim.SGD([{"params": [param()], "nesterov": True}], lr=0.1)
