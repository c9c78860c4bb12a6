"""Initialisers (PyTorch's names): each fills a tensor in place and returns it.

They run under `no_grad` through the Tensor's in-place `copy_`, so they work on Parameters and
bump the version counter. Random ones draw from `autograd.default_generator()` (seed it with
`autograd.manual_seed`) unless a NumPy `generator` is passed.

Fans follow PyTorch: for a weight of shape (out, in, *kernel), fan_in = in·Πkernel and
fan_out = out·Πkernel; Xavier/Glorot keeps Var = 2/(fan_in + fan_out), Kaiming/He keeps
Var = gain²/fan (gain √2 for ReLU).
"""

import math

import numpy as np

from autograd import Tensor, default_generator, no_grad

_GAINS = {"linear": 1.0, "identity": 1.0, "conv1d": 1.0, "conv2d": 1.0, "conv3d": 1.0,
          "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": math.sqrt(2.0), "selu": 3.0 / 4}


def calculate_gain(nonlinearity, param=None):
    """The factor by which an activation scales the variance: √2 for relu, 5/3 for tanh,
    √(2/(1 + a²)) for leaky_relu with slope a (default 0.01), 1 for linear and sigmoid."""
    if nonlinearity == "leaky_relu":
        a = 0.01 if param is None else param
        if isinstance(a, bool) or not isinstance(a, (int, float)):
            raise ValueError(f"calculate_gain: negative slope {a!r} is not a number")
        return math.sqrt(2.0 / (1 + a * a))
    if nonlinearity not in _GAINS:
        raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}; expected one "
                         f"of {sorted(list(_GAINS) + ['leaky_relu'])}")
    return _GAINS[nonlinearity]


def calculate_fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel)."""
    shape = np.shape(tensor)
    if len(shape) < 2:
        raise ValueError(f"init: fan in and fan out cannot be computed for a tensor with fewer "
                         f"than 2 dimensions (shape {shape})")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor, mode):
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"init: mode must be 'fan_in' or 'fan_out'; got {mode!r}")
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor, values):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"init: expected a Tensor to fill, got {type(tensor).__name__}")
    with no_grad():
        tensor.copy_(values)
    return tensor


def _rng(generator):
    return generator if generator is not None else default_generator()


def constant_(tensor, val):
    """Fill with `val`."""
    return _fill(tensor, np.full(tensor.shape, val))


def zeros_(tensor):
    """Fill with 0."""
    return constant_(tensor, 0.0)


def ones_(tensor):
    """Fill with 1."""
    return constant_(tensor, 1.0)


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Samples from U(a, b)."""
    if a > b:
        raise ValueError(f"uniform_: lower bound {a} exceeds upper bound {b}")
    return _fill(tensor, _rng(generator).uniform(a, b, tensor.shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Samples from N(mean, std²)."""
    if std < 0:
        raise ValueError(f"normal_: std must be non-negative; got {std}")
    return _fill(tensor, _rng(generator).normal(mean, std, tensor.shape))


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot: U(-a, a) with a = gain·√(6/(fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot: N(0, std²) with std = gain·√(2/(fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He: U(-b, b) with b = gain·√(3/fan); a is the leaky_relu slope used by the gain."""
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / _fan(tensor, mode))
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He: N(0, std²) with std = gain/√fan."""
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """A 2-d tensor with N(0, std²) entries and a fraction `sparsity` of each column zero
    (Martens 2010)."""
    if len(tensor.shape) != 2:
        raise ValueError(f"sparse_: only 2-d tensors are supported; got shape {tensor.shape}")
    if not 0 <= sparsity <= 1:
        raise ValueError(f"sparse_: sparsity must be in [0, 1]; got {sparsity}")
    rows, cols = tensor.shape
    rng = _rng(generator)
    values = rng.normal(0.0, std, (rows, cols))
    n_zero = int(math.ceil(sparsity * rows))
    for c in range(cols):
        values[rng.permutation(rows)[:n_zero], c] = 0.0
    return _fill(tensor, values)


__all__ = ["calculate_gain", "calculate_fan_in_and_fan_out", "constant_", "zeros_", "ones_",
           "uniform_", "normal_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_", "sparse_"]
