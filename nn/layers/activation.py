"""Activation modules: thin wrappers of nn.functional, for use inside Sequential."""

from .. import functional as F
from ..module import Module

__all__ = ["Identity", "ReLU", "Sigmoid", "Tanh", "SiLU", "LeakyReLU", "ELU", "GELU", "Softplus",
           "Softmax", "LogSoftmax", "Maxout"]


class _Elementwise(Module):
    fn = staticmethod(F.identity)

    def forward(self, x):
        return self.fn(x)


class Identity(_Elementwise):
    """x, unchanged (accepts and ignores any constructor arguments, as PyTorch)."""

    def __init__(self, *args, **kwargs):
        super().__init__()


class ReLU(_Elementwise):
    """max(x, 0)."""
    fn = staticmethod(F.relu)

    def __init__(self):
        super().__init__()


class Sigmoid(_Elementwise):
    """1/(1 + exp(-x))."""
    fn = staticmethod(F.sigmoid)

    def __init__(self):
        super().__init__()


class Tanh(_Elementwise):
    """tanh(x)."""
    fn = staticmethod(F.tanh)

    def __init__(self):
        super().__init__()


class SiLU(_Elementwise):
    """x·σ(x) (swish)."""
    fn = staticmethod(F.silu)

    def __init__(self):
        super().__init__()


class LeakyReLU(Module):
    """x where x > 0, else negative_slope·x."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x where x > 0, else alpha·(exp(x) - 1)."""

    def __init__(self, alpha=1.0):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        return F.elu(x, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class GELU(Module):
    """x·Φ(x); approximate='tanh' for the tanh formula."""

    def __init__(self, approximate="none"):
        super().__init__()
        F.gelu(0.0, approximate)           # validate now rather than at the first call
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """log(1 + exp(beta·x))/beta."""

    def __init__(self, beta=1.0):
        super().__init__()
        if beta <= 0:
            raise ValueError(f"Softplus: beta must be positive; got {beta}")
        self.beta = beta

    def forward(self, x):
        return F.softplus(x, self.beta)

    def extra_repr(self):
        return f"beta={self.beta}"


class Softmax(Module):
    """exp(x)/Σexp(x) along `axis`."""

    def __init__(self, axis=-1):
        super().__init__()
        self.axis = axis

    def forward(self, x):
        return F.softmax(x, axis=self.axis)

    def extra_repr(self):
        return f"axis={self.axis}"


class LogSoftmax(Softmax):
    """x - logsumexp(x) along `axis`."""

    def forward(self, x):
        return F.log_softmax(x, axis=self.axis)


class Maxout(Module):
    """Max over groups of `pieces` consecutive features: (..., k·pieces) -> (..., k). A maxout
    layer of k units is Sequential(Linear(n, k·pieces), Maxout(pieces))."""

    def __init__(self, pieces, axis=-1):
        super().__init__()
        if isinstance(pieces, bool) or not isinstance(pieces, int) or pieces < 1:
            raise ValueError(f"Maxout: pieces must be a positive int; got {pieces!r}")
        self.pieces, self.axis = pieces, axis

    def forward(self, x):
        return F.maxout(x, self.pieces, self.axis)

    def extra_repr(self):
        return f"pieces={self.pieces}"
