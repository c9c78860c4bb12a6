"""Scalar granularity (micrograd's): every weight is its own 0-d Parameter, so the graph shows
one node per multiply — the picture a lecture draws.

A Neuron takes a sequence of nin scalars (numbers or 0-d Tensors) or a Tensor whose last axis
has nin entries (then it works on a batch, still one multiply per weight). A Layer returns a
list of its neurons' outputs (a single output when nout == 1, as micrograd). Weights are drawn
like Linear's (U(±1/√nin)), so the two granularities start from the same distribution.
"""

import math

import numpy as np

import autograd as ag

from .. import functional as F
from ..module import Module, ModuleList, Parameter

__all__ = ["Neuron", "Layer", "ScalarMLP"]


class Neuron(Module):
    """act(Σ wᵢxᵢ + b) with each wᵢ and b a 0-d Parameter."""

    def __init__(self, nin, activation="relu", bias=True):
        super().__init__()
        if isinstance(nin, bool) or not isinstance(nin, (int, np.integer)) or nin < 1:
            raise ValueError(f"Neuron: nin must be a positive int; got {nin!r}")
        bound = 1 / math.sqrt(nin)
        rng = ag.default_generator()
        self.nin = nin
        for i in range(nin):
            setattr(self, f"w{i}", Parameter(rng.uniform(-bound, bound)))
        self.register_parameter("b", Parameter(rng.uniform(-bound, bound)) if bias else None)
        self.activation_name = activation
        self.activation = F.get_activation(activation)

    @property
    def weights(self):
        """[w0, w1, ...] read from the registered attributes, so re-assigning one is seen."""
        return [getattr(self, f"w{i}") for i in range(self.nin)]

    def _as_inputs(self, x):
        if isinstance(x, (ag.Tensor, np.ndarray)) and np.ndim(x) > 0:
            if np.shape(x)[-1] != self.nin:
                raise ValueError(f"Neuron: expected {self.nin} inputs along the last axis, got "
                                 f"shape {np.shape(x)}")
            return [x[..., i] for i in range(self.nin)]
        xs = list(x)
        if len(xs) != self.nin:
            raise ValueError(f"Neuron: expected {self.nin} inputs, got {len(xs)}")
        return xs

    def forward(self, x):
        total = self.b
        for w, xi in zip(self.weights, self._as_inputs(x)):
            total = w * xi if total is None else total + w * xi
        return self.activation(total)

    def extra_repr(self):
        return f"nin={self.nin}, activation={self.activation_name!r}"


class Layer(Module):
    """nout Neurons reading the same inputs; returns the list of their outputs (or the single
    output when nout == 1)."""

    def __init__(self, nin, nout, activation="relu", bias=True):
        super().__init__()
        self.neurons = ModuleList([Neuron(nin, activation, bias) for _ in range(nout)])

    def forward(self, x):
        outs = [n(x) for n in self.neurons]
        return outs[0] if len(outs) == 1 else outs


class ScalarMLP(Module):
    """micrograd's MLP(nin, nouts) of scalar Layers: `activation` between layers, none after
    the last. For batched Tensor input use the `stack` of its outputs (see forward)."""

    def __init__(self, nin, nouts, activation="relu", output_activation=None, bias=True):
        super().__init__()
        nouts = list(nouts)
        if not nouts:
            raise ValueError("ScalarMLP: nouts must name at least one layer size")
        sizes = [nin] + nouts
        self.layers = ModuleList([
            Layer(sizes[i], sizes[i + 1], activation if i < len(nouts) - 1 else output_activation,
                  bias) for i in range(len(nouts))])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
            if not isinstance(x, list):
                x = [x]
        return x[0] if len(x) == 1 else x
