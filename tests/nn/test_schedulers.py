"""Learning-rate schedules: closed forms, per-group base rates, warm-up then cosine, plateau
detection and state-dict resumption."""

import math

import pytest

import autograd as ag
from nn import optim
from nn.schedulers import (CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, MultiStepLR,
                           ReduceLROnPlateau, SequentialLR, StepLR)


def make_opt(lr=1.0, groups=1):
    params = [{"params": [ag.Tensor([0.0], requires_grad=True)], "lr": lr * (i + 1)}
              for i in range(groups)]
    return optim.SGD(params, lr=lr)


def lrs(sched, n):
    """The rate in use during each of n epochs."""
    out = []
    for _ in range(n):
        out.append(sched.get_last_lr()[0])
        sched.optimizer.step()
        sched.step()
    return out


def test_step_lr():
    assert lrs(StepLR(make_opt(), step_size=3, gamma=0.5), 8) == pytest.approx(
        [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25])


def test_multistep_lr():
    assert lrs(MultiStepLR(make_opt(), milestones=[4, 2], gamma=0.1), 6) == pytest.approx(
        [1, 1, 0.1, 0.1, 0.01, 0.01])


def test_exponential_lr_each_group_from_its_own_base():
    opt = make_opt(lr=0.1, groups=2)
    sched = ExponentialLR(opt, gamma=0.9)
    for _ in range(3):
        sched.step()
    assert sched.get_last_lr() == pytest.approx([0.1 * 0.9 ** 3, 0.2 * 0.9 ** 3])


def test_cosine_annealing():
    seq = lrs(CosineAnnealingLR(make_opt(), T_max=10, eta_min=0.1), 11)
    assert seq[0] == pytest.approx(1.0) and seq[10] == pytest.approx(0.1)
    assert seq[5] == pytest.approx(0.55)                       # halfway: the mean
    assert all(a > b for a, b in zip(seq, seq[1:]))
    for t, lr in enumerate(seq):
        assert lr == pytest.approx(0.1 + 0.9 * (1 + math.cos(math.pi * t / 10)) / 2)


def test_linear_warmup():
    assert lrs(LinearLR(make_opt(0.1), start_factor=0.25, total_iters=3), 6) == pytest.approx(
        [0.025, 0.05, 0.075, 0.1, 0.1, 0.1])


def test_lambda_lr_one_function_per_group():
    opt = make_opt(lr=1.0, groups=2)
    sched = LambdaLR(opt, [lambda t: 1 / (t + 1), lambda t: 0.5 ** t])
    sched.step()
    sched.step()
    assert sched.get_last_lr() == pytest.approx([1 / 3, 2 * 0.25])


def test_warmup_then_cosine():
    opt = make_opt(1.0)
    warm = LinearLR(opt, start_factor=0.5, total_iters=2)
    cos = CosineAnnealingLR(opt, T_max=4)
    seq = lrs(SequentialLR(opt, [warm, cos], milestones=[2]), 7)
    assert seq == pytest.approx([0.5, 0.75, 1.0, (1 + math.cos(math.pi / 4)) / 2, 0.5,
                                 (1 + math.cos(3 * math.pi / 4)) / 2, 0.0])


def test_scheduler_changes_the_optimisers_step():
    p = ag.Tensor([1.0], requires_grad=True)
    opt = optim.SGD([p], lr=1.0)
    sched = StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):
        p.grad = ag.Tensor([1.0])
        opt.step()
        sched.step()
    assert p.item() == pytest.approx(1 - 1 - 0.5 - 0.25)


def test_state_dict_resumes():
    a = CosineAnnealingLR(make_opt(), T_max=10)
    for _ in range(4):
        a.step()
    b = CosineAnnealingLR(make_opt(), T_max=10)
    b.load_state_dict(a.state_dict())
    assert b.get_last_lr() == a.get_last_lr()
    a.step()
    b.step()
    assert b.get_last_lr() == a.get_last_lr()


def test_reduce_on_plateau():
    opt = make_opt(1.0)
    sched = ReduceLROnPlateau(opt, factor=0.5, patience=2, min_lr=0.2)
    seen = []
    for metric in [5, 4, 4, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3]:
        sched.step(metric)
        seen.append(sched.get_last_lr()[0])
    # two bad epochs are tolerated; the third halves the rate; never below min_lr
    assert seen == pytest.approx([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2])


def test_reduce_on_plateau_max_mode_and_cooldown():
    opt = make_opt(1.0)
    sched = ReduceLROnPlateau(opt, mode="max", factor=0.1, patience=0, cooldown=2)
    for acc in [0.5, 0.5]:
        sched.step(acc)
    assert sched.get_last_lr() == pytest.approx([0.1])
    sched.step(0.5)
    sched.step(0.5)                        # in cooldown: no reduction
    assert sched.get_last_lr() == pytest.approx([0.1])
    sched.step(0.5)
    assert sched.get_last_lr() == pytest.approx([0.01])


@pytest.mark.parametrize("make,match", [
    (lambda o: StepLR(o, step_size=0), "step_size"),
    (lambda o: CosineAnnealingLR(o, T_max=-1), "T_max"),
    (lambda o: LinearLR(o, start_factor=0.0), "start_factor"),
    (lambda o: ReduceLROnPlateau(o, mode="up"), "mode"),
    (lambda o: ReduceLROnPlateau(o, factor=1.5), "factor"),
    (lambda o: StepLR("not an optimiser", 3), "optimiser"),
    (lambda o: SequentialLR(o, [StepLR(o, 2)], milestones=[3]), "milestones"),
])
def test_bad_arguments(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make(make_opt())


def test_numpy_integer_step_sizes_are_accepted():
    import numpy as np
    assert lrs(StepLR(make_opt(), np.int64(2), gamma=0.5), 4) == [1.0, 1.0, 0.5, 0.5]
    assert lrs(CosineAnnealingLR(make_opt(), np.int32(2)), 3) == pytest.approx([1.0, 0.5, 0.0])
    with pytest.raises(ValueError, match="StepLR: step_size must be a positive integer"):
        StepLR(make_opt(), True)


def _snapshot(sched):
    return dict(vars(sched)), [dict(g, params=None) for g in sched.optimizer.param_groups]


@pytest.mark.parametrize("make", [
    lambda o: StepLR(o, step_size=3, gamma=0.5),
    lambda o: CosineAnnealingLR(o, T_max=10),
    lambda o: ReduceLROnPlateau(o, patience=1),
])
@pytest.mark.parametrize("bad, match", [
    ({"step": 5}, r"unknown key\(s\) \['step'\]"),
    ({"last_epoch": 7, "no_such_key": 1}, r"unknown key\(s\) \['no_such_key'\]"),
    ({"last_epoch": "seven"}, "'last_epoch' must be a number"),
    ([("last_epoch", 3)], "expected a dict"),
])
def test_load_state_dict_refuses_unknown_keys_and_changes_nothing(make, bad, match):
    sched = make(make_opt(groups=2))
    before = _snapshot(sched)
    with pytest.raises(ValueError, match=f"{type(sched).__name__}.load_state_dict: {match}"):
        sched.load_state_dict(bad)
    assert _snapshot(sched) == before
    assert callable(sched.step)


def test_load_state_dict_bad_values_leave_scheduler_and_optimiser_unchanged():
    sched = StepLR(make_opt(groups=2), step_size=3)
    sched.step()
    before = _snapshot(sched)
    for bad, match in [({"last_epoch": 5, "base_lrs": [1.0]}, "base_lrs .* 2 numbers"),
                       ({"last_epoch": 5, "step_size": 0}, "by zero"),
                       ({"last_epoch": 5, "base_lrs": [1.0, "a"]}, "base_lrs")]:
        with pytest.raises(ValueError, match=match):
            sched.load_state_dict(bad)
        assert _snapshot(sched) == before
    plateau = ReduceLROnPlateau(make_opt(groups=2))
    before = _snapshot(plateau)
    for bad in [{"num_bad_epochs": 3, "mode": "up"}, {"min_lrs": [0.0]}, {"factor": 2.0}]:
        with pytest.raises(ValueError, match="ReduceLROnPlateau.load_state_dict"):
            plateau.load_state_dict(bad)
        assert _snapshot(plateau) == before


def test_load_state_dict_round_trips_through_a_file(tmp_path):
    from nn import load, save
    a = ReduceLROnPlateau(make_opt(), patience=0)
    for metric in [3, 3, 3]:
        a.step(metric)
    save(a, tmp_path / "s.npz")
    b = ReduceLROnPlateau(make_opt())
    b.load_state_dict(load(tmp_path / "s.npz"))
    assert b.state_dict() == a.state_dict()
    c = StepLR(make_opt(groups=2), step_size=2)
    for _ in range(3):
        c.step()
    save(c, tmp_path / "c.npz")
    d = StepLR(make_opt(groups=2), step_size=5)
    d.load_state_dict(load(tmp_path / "c.npz"))
    assert d.get_last_lr() == c.get_last_lr() and d.state_dict() == c.state_dict()
