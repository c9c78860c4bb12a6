"""Convolution layers (PyTorch's Conv1d, Conv2d and Conv3d: names, weight layout, defaults,
init)."""

import math

import numpy as np

import autograd as ag
from autograd.ops.windows import spatial_tuple

from .. import init, spatial
from ..module import Module, Parameter

__all__ = ["Conv1d", "Conv2d", "Conv3d"]


class _ConvNd(Module):
    """y = conv(x, weight) + bias with weight (out_channels, in_channels/groups, *kernel_size).
    Default init as PyTorch: weight ~ kaiming_uniform(a=√5) = U(±1/√fan_in), bias ~
    U(±1/√fan_in), fan_in = in_channels/groups·Πkernel_size."""

    _d = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", dtype=None):
        super().__init__()
        d, name = self._d, type(self).__name__
        self._call = f"{name}({in_channels}, {out_channels}, {kernel_size!r})"
        for what, n in (("in_channels", in_channels), ("out_channels", out_channels),
                        ("groups", groups)):
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
                raise ValueError(f"{self._call}: {what} must be a positive int; got {n!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{self._call}: in_channels and out_channels must be divisible by "
                             f"groups={groups}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = spatial_tuple(kernel_size, d, "kernel_size", self._call)
        self.stride = spatial_tuple(stride, d, "stride", self._call)
        self.dilation = spatial_tuple(dilation, d, "dilation", self._call)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{self._call}: padding must be an int, a tuple, 'same' or "
                                 f"'valid'; got {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{self._call}: padding='same' is not supported for strided "
                                 f"convolutions (stride {self.stride})")
            self.padding = padding
        else:
            self.padding = spatial_tuple(padding, d, "padding", self._call, minimum=0)
        if padding_mode not in spatial.PAD_MODES:
            raise ValueError(f"{self._call}: padding_mode must be one of {spatial.PAD_MODES}; "
                             f"got {padding_mode!r}")
        self.padding_mode = padding_mode
        self.weight = Parameter(ag.zeros((out_channels, in_channels // groups)
                                         + self.kernel_size, dtype=dtype))
        self.register_parameter("bias", Parameter(ag.zeros(out_channels, dtype=dtype))
                                if bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        """Draw fresh weights with PyTorch's default scheme."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        d, shape = self._d, np.shape(x)
        if len(shape) not in (d + 1, d + 2):
            dims = spatial.axes_names(d)
            raise ValueError(f"{self._call}: expected input of shape (N, {self.in_channels}, "
                             f"{dims}) or ({self.in_channels}, {dims}), got {shape}")
        channels = shape[len(shape) - d - 1]
        if channels != self.in_channels:
            raise ValueError(f"{self._call}: expected input with {self.in_channels} channels, "
                             f"got {channels} (input shape {shape})")
        return spatial.conv(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                            self.groups, self.padding_mode, fname=self._call)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding not in ("valid", (0,) * self._d):
            s += f", padding={self.padding!r}"
        if self.dilation != (1,) * self._d:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode!r}"
        return s


class Conv1d(_ConvNd):
    """1-d convolution over (N, C, L) input; weight (out, in/groups, k)."""
    _d = 1


class Conv2d(_ConvNd):
    """2-d convolution over (N, C, H, W) input; weight (out, in/groups, kh, kw)."""
    _d = 2


class Conv3d(_ConvNd):
    """3-d convolution over (N, C, D, H, W) input; weight (out, in/groups, kd, kh, kw)."""
    _d = 3
