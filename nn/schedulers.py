"""Learning-rate schedules, with PyTorch's names: call `step()` once per epoch (or per batch)
after `optimizer.step()`; each group's 'lr' is then set from its initial value.

The epoch-based schedules compute the rate in closed form from the step count t, so they can
be resumed from a state dict and composed with no drift:

    StepLR            η_t = η₀ · γ^⌊t / step_size⌋
    MultiStepLR       η_t = η₀ · γ^(number of milestones ≤ t)
    ExponentialLR     η_t = η₀ · γ^t
    CosineAnnealingLR η_t = η_min + (η₀ - η_min)(1 + cos(π t / T_max)) / 2
    LinearLR          η_t = η₀ · (s + (e - s) · min(t, T) / T)     (linear warm-up: s < e = 1)
    LambdaLR          η_t = η₀ · f(t)
    SequentialLR      one schedule until each milestone, then the next (warm-up then cosine)

ReduceLROnPlateau instead watches a metric: `step(val_loss)`.
"""

import copy
import math
import numbers

from .optim import Optimizer


class LRScheduler:
    """Base class: remembers each group's initial lr and sets lr = lr_at(initial_lr, t)."""

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an nn.optim optimiser, got "
                            f"{type(optimizer).__name__}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def lr_at(self, base_lr, t):
        """The learning rate after t steps for a group that started at base_lr."""
        raise NotImplementedError

    def step(self):
        """Advance one step and set every group's learning rate."""
        self.last_epoch += 1
        self._apply()

    def _apply(self):
        for group, lr in zip(self.optimizer.param_groups, self._lrs()):
            group["lr"] = lr

    def _lrs(self):
        return [self._group_lr(i, self.last_epoch)
                for i in range(len(self.optimizer.param_groups))]

    def _group_lr(self, i, t):
        return self.lr_at(self.base_lrs[i], t)

    def get_last_lr(self):
        """The learning rates the last `step()` set, one per group."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        """The schedule's position and settings (everything but the optimiser)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer" and not callable(v)}

    def load_state_dict(self, state_dict):
        """Restore a position saved by `state_dict` (also sets the learning rates). Unknown keys
        or bad values raise ValueError and leave the scheduler and the optimiser unchanged."""
        lrs = _load_attributes(self, state_dict, self._check_loaded)
        for group, base, lr in zip(self.optimizer.param_groups, self.base_lrs, lrs):
            group["initial_lr"], group["lr"] = base, lr

    def _check_loaded(self):
        """The learning rates the loaded settings give (raises if they are inconsistent)."""
        n = len(self.optimizer.param_groups)
        self.base_lrs = list(self.base_lrs)
        if len(self.base_lrs) != n or not all(_is_number(b) for b in self.base_lrs):
            raise ValueError(f"base_lrs {self.base_lrs!r} must hold {n} numbers, one per "
                             "parameter group")
        return self._lrs()


def _is_number(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _kind(v):
    if isinstance(v, bool) or _is_number(v):
        return "bool" if isinstance(v, bool) else "number"
    return "list" if isinstance(v, (list, tuple)) else type(v).__name__


def _load_attributes(obj, state_dict, check):
    """Set obj's attributes from state_dict, then run check(), whose result is returned. Every
    key must be one that obj.state_dict() holds, with a value of the same kind; on any error
    obj is restored and ValueError raised, so it is never left half-updated."""
    name = f"{type(obj).__name__}.load_state_dict"
    if not isinstance(state_dict, dict):
        raise ValueError(f"{name}: expected a dict from state_dict(), got "
                         f"{type(state_dict).__name__}")
    own = obj.state_dict()
    unknown = set(state_dict) - set(own)
    if unknown:
        raise ValueError(f"{name}: unknown key(s) {sorted(map(str, unknown))}; expected some "
                         f"of {sorted(own)}")
    for key, value in state_dict.items():
        if _kind(value) != _kind(own[key]):
            raise ValueError(f"{name}: {key!r} must be a {_kind(own[key])}, got {value!r}")
    before = dict(obj.__dict__)
    obj.__dict__.update(copy.deepcopy(state_dict))
    try:
        return check()
    except Exception as e:
        obj.__dict__.clear()
        obj.__dict__.update(before)
        raise ValueError(f"{name}: {e}") from None


def _positive_int(value, what, cls):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{cls}: {what} must be a positive integer, got {value!r}")


class StepLR(LRScheduler):
    """Multiply the rate by gamma every step_size steps."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        _positive_int(step_size, "step_size", "StepLR")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, t):
        return base_lr * self.gamma ** (t // self.step_size)


class MultiStepLR(LRScheduler):
    """Multiply the rate by gamma at each milestone step."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self.milestones, self.gamma = sorted(milestones), gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, t):
        return base_lr * self.gamma ** sum(m <= t for m in self.milestones)


class ExponentialLR(LRScheduler):
    """Multiply the rate by gamma every step."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, t):
        return base_lr * self.gamma ** t


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from the initial rate down to eta_min over T_max steps (SGDR without
    restarts); past T_max the cosine continues, as PyTorch's closed form does."""

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        _positive_int(T_max, "T_max", "CosineAnnealingLR")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, t):
        cosine = (1 + math.cos(math.pi * t / self.T_max)) / 2
        return self.eta_min + (base_lr - self.eta_min) * cosine


class LinearLR(LRScheduler):
    """Scale the rate linearly from start_factor to end_factor over total_iters steps, then
    keep end_factor: with start_factor < 1 = end_factor this is a linear warm-up."""

    def __init__(self, optimizer, start_factor=1 / 3, end_factor=1.0, total_iters=5,
                 last_epoch=-1):
        if not 0 < start_factor <= 1 or not 0 <= end_factor <= 1:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1] and end_factor in "
                             f"[0, 1]; got {start_factor!r}, {end_factor!r}")
        _positive_int(total_iters, "total_iters", "LinearLR")
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, t):
        frac = min(t, self.total_iters) / self.total_iters
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * frac)


class LambdaLR(LRScheduler):
    """The initial rate times lr_lambda(t) (one function, or one per group)."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        n = len(optimizer.param_groups)
        fns = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * n
        if len(fns) != n:
            raise ValueError(f"LambdaLR: got {len(fns)} lr_lambdas for {n} parameter groups")
        self._fns = fns
        super().__init__(optimizer, last_epoch)

    def _group_lr(self, i, t):
        return self.base_lrs[i] * self._fns[i](t)

    def state_dict(self):
        return {k: v for k, v in super().state_dict().items() if k != "_fns"}


class SequentialLR(LRScheduler):
    """Run schedulers[0] until milestones[0], then schedulers[1] (counting from 0 again), ...:
    e.g. a LinearLR warm-up followed by CosineAnnealingLR."""

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR: {len(schedulers)} schedulers need "
                             f"{len(schedulers) - 1} milestones, got {len(milestones)}")
        if any(s.optimizer is not optimizer for s in schedulers):
            raise ValueError("SequentialLR: every scheduler must drive the same optimiser")
        self.schedulers, self.milestones = list(schedulers), sorted(milestones)
        super().__init__(optimizer, last_epoch)

    def _group_lr(self, i, t):
        k = sum(m <= t for m in self.milestones)
        start = self.milestones[k - 1] if k else 0
        return self.schedulers[k]._group_lr(i, t - start)

    def state_dict(self):
        return {k: v for k, v in super().state_dict().items() if k != "schedulers"}


class ReduceLROnPlateau:
    """Multiply the rate by `factor` when a metric has not improved for `patience` steps
    (mode 'min' for losses, 'max' for accuracies), then wait `cooldown` steps; never below
    min_lr. Call `step(metric)`."""

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0.0, eps=1e-8):
        n = len(optimizer.param_groups)
        self.optimizer = optimizer
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.eps = cooldown, eps
        self.min_lrs = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * n
        try:
            self._check_settings()
        except ValueError as e:
            raise ValueError(f"ReduceLROnPlateau: {e}") from None
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs, self.cooldown_counter, self.last_epoch = 0, 0, 0

    def _check_settings(self):
        if self.mode not in ("min", "max") or self.threshold_mode not in ("rel", "abs"):
            raise ValueError(f"mode must be 'min' or 'max' and threshold_mode 'rel' or 'abs'; "
                             f"got {self.mode!r}, {self.threshold_mode!r}")
        if not 0 <= self.factor < 1:
            raise ValueError(f"factor must be in [0, 1), got {self.factor!r}")
        n = len(self.optimizer.param_groups)
        self.min_lrs = list(self.min_lrs)
        if len(self.min_lrs) != n or not all(_is_number(m) for m in self.min_lrs):
            raise ValueError(f"got min_lrs {self.min_lrs!r} for {n} groups (one number each)")

    def is_better(self, a, best):
        """Whether metric a improves on best by more than the threshold."""
        if self.threshold_mode == "rel":
            scale = 1 - self.threshold if self.mode == "min" else 1 + self.threshold
            ref = best * scale if math.isfinite(best) else best
        else:
            ref = best - self.threshold if self.mode == "min" else best + self.threshold
        return a < ref if self.mode == "min" else a > ref

    def step(self, metric):
        """Record this epoch's metric and reduce the rates after `patience` bad epochs."""
        metric = float(metric)
        self.last_epoch += 1
        if self.is_better(metric, self.best):
            self.best, self.num_bad_epochs = metric, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, low in zip(self.optimizer.param_groups, self.min_lrs):
                new = max(group["lr"] * self.factor, low)
                if group["lr"] - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0

    def get_last_lr(self):
        """The current learning rates, one per group."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        """The counters and settings (everything but the optimiser)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore counters saved by `state_dict`. Unknown keys or bad values raise ValueError
        and leave the scheduler unchanged."""
        _load_attributes(self, state_dict, self._check_settings)


__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
           "LinearLR", "LambdaLR", "SequentialLR", "ReduceLROnPlateau"]
