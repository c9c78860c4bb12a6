"""Functions over spatial axes (PyTorch's names and layouts, NC* input): convolution, max and
average pooling, adaptive average pooling, channel dropout. Re-exported by nn.functional.

Everything is composed from autograd's `windows` (a strided view of every window), pad,
getitem, matmul and reductions, so gradients of any order come from their VJPs.
Unbatched input (C, *spatial) is accepted as PyTorch does and comes back unbatched.
"""

import numpy as np

import autograd as ag
from autograd.ops.windows import spatial_tuple, window_counts
from autograd.tensor import as_array

PAD_MODES = ("zeros", "reflect", "replicate", "circular")


def _batched(x, d, fname):
    """x as (N, C, *spatial) and whether a batch axis was added; refuses other ranks."""
    shape = np.shape(x)
    if len(shape) == d + 1:
        return ag.expand_dims(x, 0), True
    if len(shape) != d + 2:
        raise ValueError(f"{fname}: expected input of shape (N, C, {axes_names(d)}) or "
                         f"(C, {axes_names(d)}), got {shape}")
    return x, False


def axes_names(d):
    """The letters PyTorch's docs give the spatial axes: L; H, W; D, H, W."""
    return ", ".join(("L",) if d == 1 else ("H", "W") if d == 2 else ("D", "H", "W") if d == 3
                     else [f"S{i}" for i in range(d)])


def _unbatched(y, added):
    return ag.squeeze(y, 0) if added else y


def _mode_index(mode, n, before, after):
    """Indices into an axis of length n that pad it by (before, after) in `mode`."""
    i = np.arange(-before, n + after)
    if mode == "circular":
        return i % n
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    period = 2 * (n - 1) if n > 1 else 1                      # reflect (edge not repeated)
    i = np.abs(i) % period
    return np.where(i >= n, period - i, i)


def pad_spatial(x, widths, mode="zeros", value=0.0, fname="pad"):
    """x (N, C, *spatial) padded by widths[i] = (before, after) on spatial axis i, with zeros
    (or `value`), or by reflecting, replicating or wrapping the edges."""
    if mode not in PAD_MODES:
        raise ValueError(f"{fname}: padding_mode must be one of {PAD_MODES}; got {mode!r}")
    if not any(a or b for a, b in widths):
        return x
    if mode == "zeros":
        return ag.pad(x, ((0, 0), (0, 0)) + tuple(widths), constant_values=value)
    shape = np.shape(x)
    for axis, (a, b) in enumerate(widths, start=2):
        n = shape[axis]
        if mode == "reflect" and max(a, b) >= n:
            raise ValueError(f"{fname}: reflect padding of {max(a, b)} needs an axis longer "
                             f"than that; input shape {shape}")
        if a or b:
            idx = _mode_index(mode, n, a, b)
            x = ag.getitem(x, index=(slice(None),) * axis + (idx,))
    return x


def _conv_padding(padding, d, kernel, stride, dilation, fname):
    """((before, after) per spatial axis) for padding given as int, tuple, 'valid' or 'same'."""
    if padding == "valid":
        return ((0, 0),) * d
    if padding == "same":
        if any(s != 1 for s in stride):
            raise ValueError(f"{fname}: padding='same' is not supported for strided "
                             f"convolutions (stride {stride})")
        total = [dl * (k - 1) for k, dl in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in total)       # the odd one goes after
    if isinstance(padding, str):
        raise ValueError(f"{fname}: padding must be an int, a tuple, 'valid' or 'same'; "
                         f"got {padding!r}")
    return tuple((p, p) for p in spatial_tuple(padding, d, "padding", fname, minimum=0))


def conv(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, padding_mode="zeros",
         fname="conv"):
    """y = conv(pad(x), weight) + bias for x (N, C, *spatial), weight (O, C/groups, *k)."""
    ws = np.shape(weight)
    d = len(ws) - 2
    x, added = _batched(x, d, fname)
    xs = np.shape(x)
    if len(ws) < 3 or xs[1] != ws[1] * groups or ws[0] % groups:
        raise ValueError(f"{fname}: weight of shape {ws} with groups={groups} expects input "
                         f"with {ws[1] * groups if len(ws) > 1 else '?'} channels and a number "
                         f"of output channels divisible by groups, got input of shape {xs}")
    kernel = tuple(ws[2:])
    stride = spatial_tuple(stride, d, "stride", fname)
    dilation = spatial_tuple(dilation, d, "dilation", fname)
    widths = _conv_padding(padding, d, kernel, stride, dilation, fname)
    x = pad_spatial(x, widths, padding_mode, fname=fname)
    spatial = np.shape(x)[2:]
    if any(n < 1 for n in window_counts(spatial, kernel, stride, dilation)):
        raise ValueError(f"{fname}: kernel {kernel} (dilation {dilation}) is larger than the "
                         f"padded input {spatial} (input shape {xs})")
    y = ag.conv(x, weight, stride=stride, dilation=dilation, groups=groups)
    if bias is not None:
        y = y + ag.reshape(bias, (-1,) + (1,) * d)
    return _unbatched(y, added)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d convolution of (N, C, L) input with weight (O, C/groups, k), plus bias (O,)."""
    _check_rank(weight, 3, "conv1d")
    return conv(input, weight, bias, stride, padding, dilation, groups, fname="conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d convolution of (N, C, H, W) input with weight (O, C/groups, kh, kw), plus bias (O,):
    y[n, o, i, j] = b[o] + Σ_{c,p,q} w[o, c, p, q]·x[n, c, i·s + p·dl, j·s + q·dl]."""
    _check_rank(weight, 4, "conv2d")
    return conv(input, weight, bias, stride, padding, dilation, groups, fname="conv2d")


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-d convolution of (N, C, D, H, W) input with weight (O, C/groups, kd, kh, kw)."""
    _check_rank(weight, 5, "conv3d")
    return conv(input, weight, bias, stride, padding, dilation, groups, fname="conv3d")


def _check_rank(weight, n, fname):
    if np.ndim(weight) != n:
        raise ValueError(f"{fname}: expected a weight with {n} axes, got shape "
                         f"{np.shape(weight)}")


# ---- pooling --------------------------------------------------------------------------------


def _pool_geometry(x, d, kernel_size, stride, padding, dilation, ceil_mode, fname):
    """(x batched, added, kernel, stride, dilation, (before, after) padding per axis)."""
    x, added = _batched(x, d, fname)
    kernel = spatial_tuple(kernel_size, d, "kernel_size", fname)
    stride = kernel if stride is None or stride == () else spatial_tuple(stride, d, "stride",
                                                                         fname)
    dilation = spatial_tuple(dilation, d, "dilation", fname)
    padding = spatial_tuple(padding, d, "padding", fname, minimum=0)
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise ValueError(f"{fname}: padding {padding} should be at most half of kernel_size "
                         f"{kernel}")
    widths = []
    for n, k, s, dl, p in zip(np.shape(x)[2:], kernel, stride, dilation, padding):
        span = n + 2 * p - dl * (k - 1) - 1
        if span < 0:
            raise ValueError(f"{fname}: kernel {kernel} (dilation {dilation}, padding "
                             f"{padding}) does not fit in input of shape {np.shape(x)}")
        out = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (out - 1) * s >= n + p:           # a window must start inside
            out -= 1
        widths.append((p, max(0, (out - 1) * s + dl * (k - 1) + 1 - n - p)))
    return x, added, kernel, stride, dilation, tuple(widths)


def _pool(combine, x, d, kernel_size, stride, padding, dilation, ceil_mode, fill, fname):
    """combine(a, b) folded over the k·k strided views x_pad[..., p·dl::stride] (one per kernel
    position): the windows' max or sum without a reduction over tiny trailing axes, which
    NumPy runs many times slower than the same number of elementwise operations."""
    x, added, kernel, stride, dilation, widths = _pool_geometry(
        x, d, kernel_size, stride, padding, dilation, ceil_mode, fname)
    xp = pad_spatial(x, widths, value=fill)
    out = window_counts(np.shape(xp)[2:], kernel, stride, dilation)
    views = [ag.getitem(xp, index=(slice(None), slice(None)) + tuple(
        slice(o * dl, o * dl + (n - 1) * s + 1, s)
        for o, dl, n, s in zip(offset, dilation, out, stride)))
        for offset in np.ndindex(*kernel)]
    while len(views) > 1:           # pairwise: log₂(k·k) levels of elementwise operations
        views = [combine(a, b) for a, b in zip(views[::2], views[1::2])] + views[len(views) & ~1:]
    return _unbatched(views[0], added), (x, kernel, stride, widths, added)


def _first_max(a, b):
    """max(a, b) elementwise, a on ties (so its gradient goes to one input, not half to each)."""
    return ag.where(a >= b, a, b)


def max_pool(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, d=2,
             fname="max_pool"):
    """The largest value in each window (padding counts as -inf); on a tie the gradient goes
    to the first largest element in the window, as in PyTorch."""
    return _pool(_first_max, x, d, kernel_size, stride, padding, dilation, ceil_mode, -np.inf,
                 fname)[0]


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """Max over windows of (N, C, L) input; stride defaults to kernel_size."""
    return max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, 1, "max_pool1d")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """Max over windows of (N, C, H, W) input; stride defaults to kernel_size."""
    return max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, 2, "max_pool2d")


def avg_pool(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
             divisor_override=None, d=2, fname="avg_pool"):
    """The mean of each window: its sum over the number of elements counted (the padding is
    counted when count_include_pad; positions past the edge that ceil_mode adds never are)."""
    total, (xb, kernel, stride, widths, added) = _pool(
        ag.add, x, d, kernel_size, stride, padding, 1, ceil_mode, 0.0, fname)
    if divisor_override is not None:
        return total / divisor_override
    spatial = np.shape(xb)[2:]
    if count_include_pad:                                   # padding counts, the ceil extra not
        inside = [np.r_[np.ones(n + a + min(a, b)), np.zeros(max(b - a, 0))]
                  for n, (a, b) in zip(spatial, widths)]
    else:
        inside = [np.r_[np.zeros(a), np.ones(n), np.zeros(b)] for n, (a, b) in zip(spatial, widths)]
    mask = inside[0]
    for v in inside[1:]:
        mask = np.multiply.outer(mask, v)
    counts = ag.windows(mask, kernel, stride).data.sum(axis=tuple(range(-d, 0)))
    return total / counts.astype(as_array(total).dtype)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """Mean over windows of (N, C, L) input; stride defaults to kernel_size."""
    return avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1,
                    "avg_pool1d")


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over windows of (N, C, H, W) input; stride defaults to kernel_size."""
    return avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                    divisor_override, 2, "avg_pool2d")


def _bins(n, m):
    """The (m, n) matrix that averages PyTorch's adaptive bins [⌊i·n/m⌋, ⌈(i+1)·n/m⌉)."""
    a = np.zeros((m, n))
    for i in range(m):
        lo, hi = (i * n) // m, -(-((i + 1) * n) // m)
        a[i, lo:hi] = 1.0 / (hi - lo)
    return a


def adaptive_avg_pool(x, output_size, d=2, fname="adaptive_avg_pool"):
    """Average over `output_size` bins per spatial axis, one averaging matrix per axis (the
    bins of a box are products of the bins of each axis)."""
    x, added = _batched(x, d, fname)
    spatial = np.shape(x)[2:]
    sizes = (output_size,) * d if isinstance(output_size, (int, np.integer)) or output_size is None \
        else tuple(output_size)
    if len(sizes) != d:
        raise ValueError(f"{fname}: output_size must be an int or {d} of them; got "
                         f"{output_size!r}")
    sizes = tuple(n if m is None else m for n, m in zip(spatial, sizes))
    if any(isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1 for m in sizes):
        raise ValueError(f"{fname}: output sizes must be positive ints; got {output_size!r}")
    dtype = as_array(x).dtype
    for axis, (n, m) in enumerate(zip(spatial, sizes)):
        if n != m:
            x = ag.swapaxes(ag.swapaxes(x, 2 + axis, -1) @ _bins(n, m).T.astype(dtype),
                            2 + axis, -1)
    return _unbatched(x, added)


def adaptive_avg_pool1d(input, output_size):
    """Average of (N, C, L) input over `output_size` adaptive bins."""
    return adaptive_avg_pool(input, output_size, 1, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input, output_size):
    """Average of (N, C, H, W) input over output_size = (oh, ow) adaptive bins (an int: both;
    None: keep that axis)."""
    return adaptive_avg_pool(input, output_size, 2, "adaptive_avg_pool2d")


# ---- channel dropout ------------------------------------------------------------------------


def dropout2d(input, p=0.5, training=True, generator=None):
    """Zero whole channels of (N, C, H, W) input with probability p, scale the rest by 1/(1-p)."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout2d: probability p must be in [0, 1]; got {p}")
    shape = np.shape(input)
    if len(shape) not in (3, 4):
        raise ValueError(f"dropout2d: expected input of shape (N, C, H, W) or (C, H, W), got "
                         f"{shape}")
    if not training or p == 0:
        return input
    rng = generator if generator is not None else ag.default_generator()
    mask_shape = shape[:-2] + (1, 1)
    keep = (rng.random(mask_shape) >= p) / (1 - p) if p < 1 else np.zeros(mask_shape)
    return input * keep.astype(as_array(input).dtype)


__all__ = ["conv1d", "conv2d", "conv3d", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "dropout2d", "pad_spatial"]
__all__ += ["conv", "max_pool", "avg_pool", "adaptive_avg_pool", "axes_names"]
