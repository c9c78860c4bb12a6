"""Per-channel layers for images: BatchNorm2d and Dropout2d (PyTorch's)."""

import numpy as np

import autograd as ag

from .. import functional as F
from .. import spatial
from .normalization import BatchNorm1d, Dropout

__all__ = ["BatchNorm2d", "Dropout2d"]


class BatchNorm2d(BatchNorm1d):
    """Per-channel normalisation of (N, C, H, W) input over N, H and W, then ·weight + bias;
    running statistics as BatchNorm1d (PyTorch's momentum and unbiased running variance)."""

    def forward(self, x):
        shape = np.shape(x)
        if len(shape) != 4 or shape[1] != self.num_features:
            raise ValueError(f"BatchNorm2d: expected input of shape (N, {self.num_features}, H, "
                             f"W), got {shape}")
        use_batch = self.training or not self.track_running_stats
        y = F.batch_norm(ag.reshape(x, shape[:2] + (-1,)), self.running_mean, self.running_var,
                         self.weight, self.bias, training=use_batch, momentum=self.momentum,
                         eps=self.eps)
        return ag.reshape(y, shape)


class Dropout2d(Dropout):
    """Zero whole channels with probability p while training (scaling the rest by 1/(1-p));
    the identity in eval()."""

    def forward(self, x):
        return spatial.dropout2d(x, self.p, self.training)
