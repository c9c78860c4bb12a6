"""Sliding windows: the im2col view behind convolution and pooling, and its adjoint.

`windows(x, kernel)` views the last len(kernel) axes of x as every window a kernel can cover,
with shape (..., *out, *kernel); `unwindows` adds windows back into an array of x's shape.
Each is the other's VJP, so anything composed from them (convolution, pooling) can be
differentiated any number of times. `conv` is the N-d convolution (cross-correlation, as in
deep learning) composed from pad, windows and matmul; NumPy's 1-d `convolve` is in linalg.py.
"""

import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..primitive import primitive
from .linalg import matmul
from .shape import getitem, pad, reshape, transpose


def spatial_tuple(value, d, name, opname, minimum=1):
    """An int or a sequence of d ints (each >= minimum) as a tuple of d ints."""
    vals = (value,) * d if isinstance(value, (int, np.integer)) else tuple(value)
    if len(vals) != d or any(isinstance(v, bool) or not isinstance(v, (int, np.integer))
                             or v < minimum for v in vals):
        raise ValueError(f"{opname}: {name} must be an int >= {minimum} or {d} of them; "
                         f"got {value!r}")
    return tuple(int(v) for v in vals)


def window_counts(spatial, kernel, stride, dilation):
    """How many windows fit along each axis: ⌊(n - dilation·(k - 1) - 1)/stride⌋ + 1."""
    return tuple((n - dl * (k - 1) - 1) // s + 1
                 for n, k, s, dl in zip(spatial, kernel, stride, dilation))


@primitive(name="windows")
def _windows(x, *, kernel, stride, dilation):
    d = len(kernel)
    out = window_counts(x.shape[x.ndim - d:], kernel, stride, dilation)
    st = x.strides[x.ndim - d:]
    return as_strided(x, x.shape[:x.ndim - d] + out + kernel,
                      x.strides[:x.ndim - d] + tuple(a * s for a, s in zip(st, stride))
                      + tuple(a * dl for a, dl in zip(st, dilation)), writeable=False)


@primitive(name="unwindows")
def _unwindows(g, *, shape, kernel, stride, dilation):
    d = len(kernel)
    out = g.shape[g.ndim - 2 * d:g.ndim - d]
    z = np.zeros(shape, dtype=g.dtype)
    for offset in np.ndindex(*kernel):      # one strided add per kernel position
        dst = tuple(slice(o * dl, o * dl + (n - 1) * s + 1, s)
                    for o, dl, n, s in zip(offset, dilation, out, stride))
        z[(Ellipsis,) + dst] += g[(Ellipsis,) + (slice(None),) * d + offset]
    return z


_windows.defvjp(lambda g, out, x, kernel, stride, dilation: _unwindows(
    g, shape=np.shape(x), kernel=kernel, stride=stride, dilation=dilation))
_unwindows.defvjp(lambda g, out, x, shape, kernel, stride, dilation: _windows(
    g, kernel=kernel, stride=stride, dilation=dilation))


def _geometry(opname, kernel, stride, dilation):
    """kernel (an int: 1-d; a tuple: one size per axis), stride and dilation as tuples."""
    d = 1 if isinstance(kernel, (int, np.integer)) else len(tuple(kernel))
    return (spatial_tuple(kernel, d, "kernel", opname), spatial_tuple(stride, d, "stride", opname),
            spatial_tuple(dilation, d, "dilation", opname))


def _check_fit(opname, shape, kernel, stride, dilation):
    d = len(kernel)
    if len(shape) < d:
        raise ValueError(f"{opname}: a {d}-d kernel needs input with at least {d} axes; "
                         f"got shape {shape}")
    spatial = shape[len(shape) - d:]
    out = window_counts(spatial, kernel, stride, dilation)
    if any(n < 1 for n in out):
        raise ValueError(f"{opname}: kernel {kernel} with dilation {dilation} does not fit in "
                         f"the spatial shape {spatial} (input shape {shape})")
    return out


def windows(x, kernel, stride=1, dilation=1):
    """Every window of size `kernel` over the last len(kernel) axes: (..., *out, *kernel),
    a strided view (no copy); its gradient adds each window back where it came from."""
    kernel, stride, dilation = _geometry("windows", kernel, stride, dilation)
    out = _check_fit("windows", np.shape(x), kernel, stride, dilation)
    if stride == kernel and dilation == (1,) * len(kernel):
        return _tiles(x, out, kernel)
    return _windows(x, kernel=kernel, stride=stride, dilation=dilation)


def _tiles(x, out, kernel):
    """Windows that tile x (stride = kernel): a crop, a reshape and a transpose, whose
    gradients are cheaper than a scatter."""
    shape, d = np.shape(x), len(kernel)
    lead = shape[:len(shape) - d]
    used = tuple(o * k for o, k in zip(out, kernel))
    if used != shape[len(lead):]:
        x = getitem(x, index=(Ellipsis,) + tuple(slice(0, u) for u in used))
    x = reshape(x, shape=lead + tuple(v for ok in zip(out, kernel) for v in ok))
    n = len(lead)
    return transpose(x, axes=tuple(range(n)) + tuple(n + 2 * i for i in range(d))
                     + tuple(n + 2 * i + 1 for i in range(d)))


def unwindows(g, shape, kernel, stride=1, dilation=1):
    """The adjoint of windows: zeros of `shape` with every window of g added at its place."""
    shape = tuple(shape)
    kernel, stride, dilation = _geometry("unwindows", kernel, stride, dilation)
    d = len(kernel)
    out = _check_fit("unwindows", shape, kernel, stride, dilation)
    want = shape[:len(shape) - d] + out + kernel
    if np.shape(g) != want:
        raise ValueError(f"unwindows: expected windows of shape {want} for an array of shape "
                         f"{shape}, got {np.shape(g)}")
    return _unwindows(g, shape=shape, kernel=kernel, stride=stride, dilation=dilation)


def conv(x, weight, stride=1, padding=0, dilation=1, groups=1):
    """N-d cross-correlation y[n, o, p] = Σ_{c,k} w[o, c, k]·x_pad[n, g(o)·C/G + c,
    p·stride + k·dilation], x (N, C, *spatial), weight (O, C/groups, *kernel): windows of the
    zero-padded input times the weights, one matmul per group. padding: int or per axis."""
    xs, ws = np.shape(x), np.shape(weight)
    d = len(ws) - 2
    if d < 1 or len(xs) != d + 2:
        raise ValueError(f"conv: expected weight (O, C/groups, *kernel) and input "
                         f"(N, C, *spatial) with as many spatial axes; got weight {ws} and "
                         f"input {xs}")
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1 \
            or ws[0] % groups or xs[1] != ws[1] * groups:
        raise ValueError(f"conv: input with {xs[1]} channels, weight {ws} and groups="
                         f"{groups} do not fit (need C = weight.shape[1]·groups and "
                         f"O divisible by groups)")
    stride = spatial_tuple(stride, d, "stride", "conv")
    dilation = spatial_tuple(dilation, d, "dilation", "conv")
    padding = spatial_tuple(padding, d, "padding", "conv", minimum=0)
    if any(padding):
        x = pad(x, ((0, 0), (0, 0)) + tuple((p, p) for p in padding))
    kernel = tuple(ws[2:])
    cols = windows(x, kernel, stride, dilation)                  # (N, C, *out, *kernel)
    n, out, G = xs[0], cols.shape[2:2 + d], groups
    cin, cout = ws[1], ws[0] // G
    L, K = math.prod(out), cin * math.prod(kernel)
    # (N, G, C/G, *out, *k) -> (G, N, *out, C/G, *k) -> (G, N·L, K)
    cols = reshape(cols, shape=(n, G, cin) + out + kernel)
    cols = transpose(cols, axes=(1, 0) + tuple(range(3, 3 + d)) + (2,)
                     + tuple(range(3 + d, 3 + 2 * d)))
    cols = reshape(cols, shape=(G, n * L, K))
    w = transpose(reshape(weight, shape=(G, cout, K)), axes=(0, 2, 1))   # (G, K, O/G)
    y = matmul(cols, w)                                                  # (G, N·L, O/G)
    y = transpose(reshape(y, shape=(G, n, L, cout)), axes=(1, 0, 3, 2))  # (N, G, O/G, L)
    return reshape(y, shape=(n, ws[0]) + out)


__all__ = ["windows", "unwindows", "conv"]
