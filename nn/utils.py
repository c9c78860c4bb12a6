"""Gradient clipping, applied in place to the `.grad` of parameters after backward()."""

import math

import numpy as np

import autograd as ag

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _with_grads(parameters):
    if isinstance(parameters, ag.Tensor):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale all gradients together so that their joint norm is at most max_norm; returns the
    norm before clipping (a 0-d Tensor). norm_type may be a p ≥ 1 or inf."""
    if max_norm < 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be non-negative; got {max_norm}")
    norm_type = float(norm_type)
    if not (norm_type >= 1 or math.isinf(norm_type)):
        raise ValueError(f"clip_grad_norm_: norm_type must be >= 1 or inf; got {norm_type}")
    params = _with_grads(parameters)
    if not params:
        return ag.Tensor(0.0)
    grads = [np.abs(np.asarray(p.grad.data, dtype=np.float64)) for p in params]
    if math.isinf(norm_type):
        total = max(float(g.max(initial=0.0)) for g in grads)
    else:
        total = sum(float(np.sum(g ** norm_type)) for g in grads) ** (1 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                           "gradients is non-finite; pass error_if_nonfinite=False to skip")
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        with ag.no_grad():
            for p in params:
                p.grad.mul_(coef)
    return ag.Tensor(total)


def clip_grad_value_(parameters, clip_value):
    """Clip every gradient element to [-clip_value, clip_value] in place."""
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be non-negative; got {clip_value}")
    with ag.no_grad():
        for p in _with_grads(parameters):
            p.grad.clamp_(-clip_value, clip_value)
