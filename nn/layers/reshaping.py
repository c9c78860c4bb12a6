"""Flatten and Unflatten (PyTorch's): the bridge between convolutional and dense layers."""

import math

import numpy as np

import autograd as ag

from ..module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Axes start_dim..end_dim merged into one; by default all but the batch axis."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return ag.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Axis `dim` split into `unflattened_size` (one entry may be -1)."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x):
        shape = np.shape(x)
        dim = self.dim % len(shape) if shape else 0
        if not shape or (math.prod(self.unflattened_size) != shape[dim]
                         and -1 not in self.unflattened_size):
            raise ValueError(f"Unflatten: axis {self.dim} of input shape {shape} cannot be "
                             f"split into {self.unflattened_size}")
        return ag.reshape(x, shape[:dim] + self.unflattened_size + shape[dim + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
