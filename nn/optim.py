"""Optimisers: SGD, AdaGrad, RMSProp, Adadelta, Adam and AdamW, with PyTorch's names and defaults.

An optimiser reads each parameter's `.grad` (computed by autograd) and changes the parameter
with the Tensor's in-place methods inside `no_grad()`, so the version counter sees every update
and a stale graph refuses to backpropagate. Per-parameter state (momentum buffers, moment
estimates) is kept as NumPy arrays of the parameter's dtype.

Parameters come as an iterable of tensors or of dicts (parameter groups), each group with its
own hyper-parameters falling back to the optimiser's defaults:

    opt = SGD([{"params": body.parameters()}, {"params": head.parameters(), "lr": 1e-3}],
              lr=1e-2, momentum=0.9)
"""

import copy
import math
import numbers

import numpy as np

from autograd import Tensor, enable_grad, no_grad


class Optimizer:
    """Base class: parameter groups, `zero_grad`, `step` and a state dict that round-trips."""

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state = {}                 # id(param) -> dict of state arrays and the step count
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError(f"{self._name}: params must be an iterable of tensors or of dicts, "
                            "not a single Tensor; pass [tensor]")
        _check_ordered(params, self._name)
        groups = list(params)
        if not groups:
            raise ValueError(f"{self._name}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    @property
    def _name(self):
        return type(self).__name__

    def __repr__(self):
        lines = [f"{self._name} ("]
        for i, group in enumerate(self.param_groups):
            hyper = ", ".join(f"{k}={v}" for k, v in group.items() if k != "params")
            lines.append(f"  group {i}: {len(group['params'])} tensors, {hyper}")
        return "\n".join(lines + [")"])

    def add_param_group(self, param_group):
        """Add a dict {'params': tensors, hyper-parameter: value, ...}; missing values use the
        defaults. A tensor may belong to one group only."""
        if not isinstance(param_group, dict):
            raise TypeError(f"{self._name}.add_param_group: a group must be a dict, "
                            f"got {type(param_group).__name__}")
        params = param_group.get("params")
        if params is None:
            raise ValueError(f"{self._name}.add_param_group: the group has no 'params' entry")
        _check_ordered(params, self._name)
        params = [params] if isinstance(params, Tensor) else list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{self._name}: can only optimise Tensors, but parameter {i} "
                                f"of group {len(self.param_groups)} is a {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{self._name}: cannot optimise a non-leaf tensor (parameter "
                                 f"{i}, shape {p.shape}); optimise the leaves it came from")
            if p.dtype.kind not in "fc":
                raise TypeError(f"{self._name}: parameter {i} has dtype {p.dtype}; only "
                                "floating-point tensors can be optimised")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params) or seen & {id(p) for p in params}:
            raise ValueError(f"{self._name}: some parameters appear more than once "
                             "(in this group or in an earlier one)")
        unknown = set(param_group) - set(self.defaults) - {"params", "initial_lr"}
        if unknown:
            raise ValueError(f"{self._name}: unknown hyper-parameter(s) {sorted(unknown)} in a "
                             f"parameter group; expected some of {sorted(self.defaults)}")
        full = {**self.defaults, **param_group, "params": params}
        self._check(full)
        full["lr"] = float(full["lr"])              # np.float32(1e-3) is accepted, kept plain
        self.param_groups.append(full)

    def _check(self, group):
        """Reject hyper-parameters outside their valid range, naming the optimiser."""
        lr = group["lr"]
        if isinstance(lr, bool) or not (isinstance(lr, numbers.Real) and lr >= 0):
            raise ValueError(f"{self._name}: invalid learning rate {lr!r} (must be >= 0)")
        for key in ("weight_decay", "eps", "momentum"):
            if key in group and group[key] < 0:
                raise ValueError(f"{self._name}: invalid {key} {group[key]!r} (must be >= 0)")

    def zero_grad(self, set_to_none=True):
        """Forget the gradients (set `.grad` to None, or to zeros with set_to_none=False)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad = Tensor(np.zeros_like(p.data))

    def step(self, closure=None):
        """Update every parameter that has a gradient; `closure` re-evaluates and returns the
        loss (called with grad mode on) and its value is returned."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    g = p.grad.data
                    if g.shape != p.shape:
                        raise RuntimeError(f"{self._name}.step: gradient of shape {g.shape} "
                                           f"for a parameter of shape {p.shape}")
                    state = self.state.setdefault(id(p), {"step": 0})
                    state["step"] += 1
                    self._update(p, g.astype(p.dtype, copy=False), state, group)
        return loss

    def _update(self, p, g, state, group):
        raise NotImplementedError

    @staticmethod
    def _buffer(state, key, p, init=0.0):
        """The state array `key`, created full of `init` with p's shape and dtype."""
        if key not in state:
            state[key] = np.full(p.shape, init, dtype=p.dtype)
        return state[key]

    # ---- state dict ------------------------------------------------------------------------
    def state_dict(self):
        """{'state': {index: {name: array or number}}, 'param_groups': [{hyper..., 'params':
        [indices]}]}: copies, with parameters referred to by their position across groups."""
        index, groups, k = {}, [], 0
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index[id(p)] = k
                ids.append(k)
                k += 1
            groups.append({**{key: copy.deepcopy(v) for key, v in group.items()
                              if key != "params"}, "params": ids})
        state = {index[pid]: {key: np.array(v, copy=True) if isinstance(v, np.ndarray) else v
                              for key, v in s.items()}
                 for pid, s in self.state.items() if pid in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore hyper-parameters and state saved by `state_dict` (the groups must hold the
        same numbers of parameters of the same shapes). Unknown keys, bad values or shapes raise
        ValueError and leave the optimiser as it was."""
        name = f"{self._name}.load_state_dict"
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            keys = sorted(map(str, state_dict)) if isinstance(state_dict, dict) else None
            raise ValueError(f"{name}: expected a dict with exactly the keys 'state' and "
                             f"'param_groups' (from Optimizer.state_dict()), got "
                             f"{keys if keys is not None else type(state_dict).__name__}")
        saved_groups, saved_state = state_dict["param_groups"], state_dict["state"]
        if not isinstance(saved_groups, (list, tuple)) or not isinstance(saved_state, dict):
            raise ValueError(f"{name}: 'param_groups' must be a list and 'state' a dict")
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}: the saved state has {len(saved_groups)} parameter "
                             f"groups, this optimiser {len(self.param_groups)}")
        params, new_groups = {}, []
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if not isinstance(saved, dict) or not isinstance(saved.get("params"), (list, tuple)):
                raise ValueError(f"{name}: group {i} is not a dict with a 'params' list")
            unknown = set(saved) - set(self.defaults) - {"params", "initial_lr"}
            if unknown:
                raise ValueError(f"{name}: unknown hyper-parameter(s) {sorted(map(str, unknown))} "
                                 f"in group {i}; expected some of {sorted(self.defaults)}")
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{name}: group {i} has {len(saved['params'])} parameters in "
                                 f"the saved state, {len(group['params'])} here")
            params.update(zip((_index(k) for k in saved["params"]), group["params"]))
            new = {**group, **{key: tuple(v) if isinstance(v, list) else copy.deepcopy(v)
                               for key, v in saved.items() if key != "params"}}
            try:
                self._check(new)
            except (TypeError, ValueError) as e:
                raise ValueError(f"{name}: group {i}: {e}") from None
            new_groups.append(new)
        new_state = {}
        for k, s in saved_state.items():
            p = params.get(_index(k))
            if p is None or not isinstance(s, dict):
                raise ValueError(f"{name}: state for parameter {k!r}, which no group holds "
                                 "(or which is not a dict)")
            entry = {}
            for key, v in s.items():
                try:
                    v = int(v) if key == "step" else np.array(v, dtype=p.dtype, copy=True)
                except (TypeError, ValueError) as e:
                    raise ValueError(f"{name}: state '{key}' of parameter {k}: {e}") from None
                if key != "step" and v.shape != p.shape:
                    raise ValueError(f"{name}: state '{key}' of parameter {k} has shape "
                                     f"{v.shape}, the parameter {p.shape}")
                entry[key] = v
            new_state[id(p)] = entry
        for group, new in zip(self.param_groups, new_groups):   # all checked: now assign
            group.update(new)
        self.state = new_state


def _index(k):
    """A parameter's position from a state dict ('3' after a JSON round trip); None if not."""
    try:
        return int(k)
    except (TypeError, ValueError):
        return None


def _check_ordered(params, name):
    """A set has no stable order, and the state dict refers to parameters by position."""
    if isinstance(params, (set, frozenset)):
        raise TypeError(f"{name}: parameters must be an ordered collection (a list, or "
                        "model.parameters()), not a set: the state dict refers to them by "
                        "position")


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay:
    g ← ∇ + λp; b ← μb + (1-τ)g (b₁ = g); g ← g + μb (Nesterov) or b; p ← p - ηg."""

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False, *, maximize=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      nesterov=nesterov, weight_decay=weight_decay,
                                      maximize=maximize))

    def _check(self, group):
        super()._check(group)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: Nesterov momentum needs momentum > 0 and dampening = 0")

    def _update(self, p, g, state, group):
        if group["maximize"]:
            g = -g
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        mu = group["momentum"]
        if mu:
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = np.array(g, dtype=p.dtype, copy=True)
            else:
                buf = state["momentum_buffer"]
                buf *= mu
                buf += (1 - group["dampening"]) * g
            buf = state["momentum_buffer"]
            g = g + mu * buf if group["nesterov"] else buf
        p.sub_(g, alpha=group["lr"])


class Adagrad(Optimizer):
    """AdaGrad (Duchi et al. 2011): s ← s + g²; p ← p - η_t g / (√s + ε), with
    η_t = η / (1 + (t-1)·lr_decay)."""

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps))

    def _check(self, group):
        super()._check(group)
        if group["lr_decay"] < 0 or group["initial_accumulator_value"] < 0:
            raise ValueError("Adagrad: lr_decay and initial_accumulator_value must be >= 0")

    def _update(self, p, g, state, group):
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        s = self._buffer(state, "sum", p, group["initial_accumulator_value"])
        s += g * g
        lr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        p.sub_(g / (np.sqrt(s) + group["eps"]), alpha=lr)


class RMSprop(Optimizer):
    """RMSProp (Hinton 2012): v ← αv + (1-α)g²; optionally centred (m ← αm + (1-α)g, divide by
    √(v - m²)) and with momentum b ← μb + g/(√v + ε); p ← p - η·b (or η·g/(√v + ε))."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def _check(self, group):
        super()._check(group)
        if not 0 <= group["alpha"] <= 1:
            raise ValueError(f"RMSprop: invalid alpha {group['alpha']!r} (must be in [0, 1])")

    def _update(self, p, g, state, group):
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        a = group["alpha"]
        v = self._buffer(state, "square_avg", p)
        v *= a
        v += (1 - a) * g * g
        if group["centered"]:
            m = self._buffer(state, "grad_avg", p)
            m *= a
            m += (1 - a) * g
            denom = np.sqrt(np.maximum(v - m * m, 0)) + group["eps"]
        else:
            denom = np.sqrt(v) + group["eps"]
        if group["momentum"]:
            buf = self._buffer(state, "momentum_buffer", p)
            buf *= group["momentum"]
            buf += g / denom
            p.sub_(buf, alpha=group["lr"])
        else:
            p.sub_(g / denom, alpha=group["lr"])


class Adadelta(Optimizer):
    """Adadelta (Zeiler 2012): v ← ρv + (1-ρ)g²; Δ = √(u + ε)/√(v + ε)·g; u ← ρu + (1-ρ)Δ²;
    p ← p - ηΔ."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay))

    def _check(self, group):
        super()._check(group)
        if not 0 <= group["rho"] <= 1:
            raise ValueError(f"Adadelta: invalid rho {group['rho']!r} (must be in [0, 1])")

    def _update(self, p, g, state, group):
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        rho, eps = group["rho"], group["eps"]
        v = self._buffer(state, "square_avg", p)
        u = self._buffer(state, "acc_delta", p)
        v *= rho
        v += (1 - rho) * g * g
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u *= rho
        u += (1 - rho) * delta * delta
        p.sub_(delta, alpha=group["lr"])


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015): m ← β₁m + (1-β₁)g; v ← β₂v + (1-β₂)g²; with the bias
    corrections m̂ = m/(1-β₁ᵗ), v̂ = v/(1-β₂ᵗ): p ← p - η·m̂/(√v̂ + ε). AMSGrad divides by the
    running maximum of v instead. weight_decay adds λp to the gradient (L2, not AdamW)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad))

    def _check(self, group):
        super()._check(group)
        betas = group["betas"] = tuple(group["betas"])
        if len(betas) != 2 or not all(0 <= b < 1 for b in betas):
            raise ValueError(f"{self._name}: invalid betas {betas!r} (two numbers in [0, 1))")

    def _update(self, p, g, state, group):
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        self._adam(p, g, state, group)

    def _adam(self, p, g, state, group):
        (b1, b2), t = group["betas"], state["step"]
        m = self._buffer(state, "exp_avg", p)
        v = self._buffer(state, "exp_avg_sq", p)
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g * g
        if group["amsgrad"]:
            vmax = self._buffer(state, "max_exp_avg_sq", p)
            np.maximum(vmax, v, out=vmax)
            v = vmax
        denom = np.sqrt(v) / math.sqrt(1 - b2 ** t) + group["eps"]
        p.sub_(m / denom, alpha=group["lr"] / (1 - b1 ** t))


class AdamW(Adam):
    """AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay, p ← p(1 - ηλ)
    before the Adam step."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad)

    def _update(self, p, g, state, group):
        if group["weight_decay"]:
            p.mul_(1 - group["lr"] * group["weight_decay"])
        self._adam(p, g, state, group)


__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW"]
