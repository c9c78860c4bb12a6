"""Rosenblatt's perceptron from differentiable primitives.

The score is s = w·x + b and the prediction sign(s) in {-1, +1} (s = 0 counts as +1). Trained
by SGD on the perceptron criterion max(0, -y·s) (`functional.perceptron_loss`), one example at
a time with lr η, the gradient step is exactly the classic rule: nothing when y·s > 0, else
w ← w + η·y·x and b ← b + η·y. Weights start at zero, as in the classic algorithm.
"""

import numpy as np

import autograd as ag

from ..module import Module, Parameter

__all__ = ["Perceptron"]


class Perceptron(Module):
    """A linear threshold unit: forward gives the score w·x + b, predict the label ±1."""

    def __init__(self, nin, dtype=None):
        super().__init__()
        if isinstance(nin, bool) or not isinstance(nin, (int, np.integer)) or nin < 1:
            raise ValueError(f"Perceptron: nin must be a positive int; got {nin!r}")
        self.nin = int(nin)
        self.weight = Parameter(ag.zeros(nin, dtype=dtype))
        self.bias = Parameter(0.0, dtype=dtype)

    def forward(self, x):
        if np.ndim(x) == 0 or np.shape(x)[-1] != self.nin:
            raise ValueError(f"Perceptron: expected input whose last axis has {self.nin} "
                             f"features, got shape {np.shape(x)}")
        return x @ self.weight + self.bias

    def predict(self, x):
        """Labels in {-1, +1} (no graph is recorded)."""
        with ag.no_grad():
            s = self.forward(x)
        return ag.where(s >= 0, 1.0, -1.0)

    def extra_repr(self):
        return f"nin={self.nin}"
