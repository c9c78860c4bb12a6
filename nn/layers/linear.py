"""Tensor granularity: Linear (y = x Wᵀ + b) and an MLP of Linear layers."""

import math

import numpy as np

import autograd as ag

from .. import functional as F
from .. import init
from ..module import Module, ModuleList, Parameter

__all__ = ["Linear", "MLP"]


class Linear(Module):
    """y = x Wᵀ + b with W of shape (out_features, in_features), as PyTorch. Default init as
    PyTorch: W ~ kaiming_uniform(a=√5) = U(±1/√in), b ~ U(±1/√in)."""

    def __init__(self, in_features, out_features, bias=True, *, dtype=None):
        super().__init__()
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
                raise ValueError(f"Linear: {name} must be a positive int; got {n!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.weight = Parameter(ag.zeros((out_features, in_features), dtype=dtype))
        self.register_parameter("bias", Parameter(ag.zeros(out_features, dtype=dtype))
                                if bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        """Draw fresh weights with PyTorch's default scheme."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        if np.ndim(x) == 0 or np.shape(x)[-1] != self.in_features:
            raise ValueError(f"Linear: expected input whose last axis has {self.in_features} "
                             f"features, got shape {np.shape(x)}")
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class MLP(Module):
    """Linear layers of sizes nin -> nouts[0] -> ... -> nouts[-1] with `activation` between
    them and none after the last (micrograd's signature MLP(nin, nouts); its last layer is
    linear too). Pass output_activation to squash the output (e.g. 'sigmoid')."""

    def __init__(self, nin, nouts, activation="relu", output_activation=None, bias=True,
                 dtype=None):
        super().__init__()
        nouts = list(nouts)
        if not nouts:
            raise ValueError("MLP: nouts must name at least one layer size")
        sizes = [nin] + nouts
        self.layers = ModuleList([Linear(sizes[i], sizes[i + 1], bias=bias, dtype=dtype)
                                  for i in range(len(nouts))])
        self.activation = F.get_activation(activation)
        self.output_activation = F.get_activation(output_activation)
        self._act_names = (activation, output_activation)

    def forward(self, x):
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x = layer(x)
            x = self.activation(x) if i < last else self.output_activation(x)
        return x

    def extra_repr(self):
        act, out = self._act_names
        name = getattr(act, "__name__", act)
        return f"activation={name!r}" + (f", output_activation={out!r}" if out else "")
