"""Dropout, BatchNorm1d and LayerNorm: layers whose behaviour depends on train()/eval()."""

import math
import numbers

import numpy as np

import autograd as ag

from .. import functional as F
from .. import init
from ..module import Module, Parameter

__all__ = ["Dropout", "BatchNorm1d", "LayerNorm"]


class Dropout(Module):
    """Inverted dropout with probability p while training; the identity in eval()."""

    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"{type(self).__name__}: probability p must be in [0, 1]; got {p}")
        self.p = p

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"


class BatchNorm1d(Module):
    """Per-channel normalisation of (N, C) or (N, C, L) input, then ·weight + bias. Training
    uses batch statistics and updates the running_mean/running_var buffers; eval uses them."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, *, dtype=None):
        super().__init__()
        if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real) \
                or not 0 <= momentum <= 1:
            raise ValueError(f"{type(self).__name__}: momentum must be a number in [0, 1], got "
                             f"{momentum!r} (PyTorch's momentum=None, a cumulative average, "
                             "is not supported)")
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.register_parameter("weight", Parameter(ag.ones(num_features, dtype=dtype))
                                if affine else None)
        self.register_parameter("bias", Parameter(ag.zeros(num_features, dtype=dtype))
                                if affine else None)
        if track_running_stats:
            self.register_buffer("running_mean", ag.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", ag.ones(num_features, dtype=dtype))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)

    def reset_running_stats(self):
        """Running mean 0, running variance 1."""
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)

    def forward(self, x):
        shape = np.shape(x)
        if len(shape) not in (2, 3) or shape[1] != self.num_features:
            raise ValueError(f"BatchNorm1d: expected input of shape (N, {self.num_features}) or "
                             f"(N, {self.num_features}, L), got {shape}")
        use_batch = self.training or not self.track_running_stats
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            training=use_batch, momentum=self.momentum, eps=self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}")


class LayerNorm(Module):
    """Normalise over the last axes (normalized_shape) of each example, then ·weight + bias."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, *, dtype=None):
        super().__init__()
        self.normalized_shape = F.normalized_shape_tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        shape = self.normalized_shape
        if not shape or math.prod(shape) < 1:
            raise ValueError(f"LayerNorm: normalized_shape must be non-empty; got {shape}")
        self.register_parameter("weight", Parameter(ag.ones(shape, dtype=dtype))
                                if elementwise_affine else None)
        self.register_parameter("bias", Parameter(ag.zeros(shape, dtype=dtype))
                                if elementwise_affine else None)

    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
