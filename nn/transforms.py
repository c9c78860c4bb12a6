"""Image augmentation on whole batches (N, C, H, W) or (N, H, W) of NumPy arrays.

Each transform is called as t(x, rng) and draws its randomness for the whole batch at once
from `rng` (a NumPy Generator; autograd's default generator when None), so a DataLoader with
a seed repeats its augmentation exactly: DataLoader((X, y), 64, shuffle=True, seed=0,
transform=Compose([RandomAffine(10, translate=(0.1, 0.1)), GaussianNoise(0.05)])).
Names follow torchvision where it has them. The data is not differentiated through.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from autograd import default_generator
from autograd.tensor import as_array


def _images(x, name):
    """x as a float (N, C, H, W) array, and whether a channel axis was added."""
    x = as_array(x)
    if x.ndim == 3:
        return x[:, None], True
    if x.ndim != 4:
        raise ValueError(f"{name}: expected a batch of images (N, C, H, W) or (N, H, W), got "
                         f"shape {x.shape}")
    return x, False


def _back(x, squeezed):
    return x[:, 0] if squeezed else x


def _rng(rng):
    return default_generator() if rng is None else rng


class Compose:
    """Transforms applied in order."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x, rng=None):
        rng = _rng(rng)
        for t in self.transforms:
            x = t(x, rng)
        return x

    def __repr__(self):
        return "Compose(" + ", ".join(map(repr, self.transforms)) + ")"


class Normalize:
    """(x - mean)/std per channel (scalars or one value per channel)."""

    def __init__(self, mean, std):
        self.mean, self.std = mean, std
        if np.any(np.asarray(std) <= 0):
            raise ValueError(f"Normalize: std must be positive; got {std!r}")

    def __call__(self, x, rng=None):
        x, sq = _images(x, "Normalize")
        shape = (1, -1, 1, 1)
        m = np.reshape(np.asarray(self.mean, dtype=x.dtype), shape)
        s = np.reshape(np.asarray(self.std, dtype=x.dtype), shape)
        return _back((x - m) / s, sq)

    def __repr__(self):
        return f"Normalize(mean={self.mean}, std={self.std})"


class GaussianNoise:
    """x + N(0, std²) noise, drawn independently per pixel."""

    def __init__(self, std=0.1):
        self.std = std

    def __call__(self, x, rng=None):
        x = as_array(x)
        return x + _rng(rng).normal(0.0, self.std, x.shape).astype(x.dtype)

    def __repr__(self):
        return f"GaussianNoise(std={self.std})"


class RandomHorizontalFlip:
    """Each image mirrored left-right with probability p."""

    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, x, rng=None):
        x = as_array(x)
        flip = _rng(rng).random(len(x)) < self.p
        out = x.copy()
        out[flip] = x[flip][..., ::-1]
        return out

    def __repr__(self):
        return f"RandomHorizontalFlip(p={self.p})"


class RandomCrop:
    """A random size×size crop of each image after padding it by `padding` with `fill`
    (torchvision's RandomCrop); size defaults to the image's own, making it a random shift."""

    def __init__(self, size=None, padding=0, fill=0.0):
        self.size = None if size is None else (size, size) if isinstance(size, int) \
            else tuple(size)
        self.padding, self.fill = padding, fill

    def __call__(self, x, rng=None):
        x, sq = _images(x, type(self).__name__)
        n, _, h, w = x.shape
        p = self.padding
        size = self.size or (h, w)
        padded = np.pad(x, [(0, 0), (0, 0), (p, p), (p, p)], constant_values=self.fill)
        if size[0] > h + 2 * p or size[1] > w + 2 * p:
            raise ValueError(f"{type(self).__name__}: crop {size} is larger than the padded "
                             f"images {(h + 2 * p, w + 2 * p)}")
        win = sliding_window_view(padded, size, axis=(2, 3))      # (N, C, oy, ox, *size)
        r = _rng(rng)
        oy = r.integers(0, win.shape[2], n)
        ox = r.integers(0, win.shape[3], n)
        return _back(win[np.arange(n), :, oy, ox], sq)               # (N, C, *size)

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


class RandomShift(RandomCrop):
    """Each image moved by up to max_shift pixels along each axis (a same-size crop of the
    image padded by max_shift)."""

    def __init__(self, max_shift=1, fill=0.0):
        super().__init__(None, max_shift, fill)

    def __repr__(self):
        return f"RandomShift(max_shift={self.padding})"


class RandomAffine:
    """Each image rotated by U(-degrees, degrees) (or U(lo, hi) for a pair), scaled by
    U(scale) and moved by up to
    translate = (fx, fy) of its width and height, about its centre, with bilinear
    interpolation and `fill` outside (torchvision's RandomAffine, without shear)."""

    def __init__(self, degrees=0.0, translate=None, scale=None, fill=0.0):
        self.degrees, self.translate, self.scale, self.fill = degrees, translate, scale, fill

    def __call__(self, x, rng=None):
        x, sq = _images(x, type(self).__name__)
        n, _, h, w = x.shape
        r = _rng(rng)
        lo, hi = (-self.degrees, self.degrees) if np.ndim(self.degrees) == 0 else self.degrees
        angle = np.deg2rad(r.uniform(lo, hi, n))
        s = r.uniform(*self.scale, n) if self.scale else np.ones(n)
        tx, ty = (r.uniform(-1, 1, (2, n)) * np.array(self.translate)[:, None]
                  * np.array([[w], [h]])) if self.translate else np.zeros((2, n))
        # where each output pixel comes from: the inverse map, rotate by -angle, scale by 1/s
        cy, cx = (h - 1) / 2, (w - 1) / 2
        gy, gx = np.meshgrid(np.arange(h) - cy, np.arange(w) - cx, indexing="ij")
        gx, gy = gx[None] - tx[:, None, None], gy[None] - ty[:, None, None]
        c, si = (np.cos(angle) / s)[:, None, None], (np.sin(angle) / s)[:, None, None]
        return _back(bilinear(x, c * gy - si * gx + cy, si * gy + c * gx + cx, self.fill), sq)

    def __repr__(self):
        return (f"{type(self).__name__}(degrees={self.degrees}, translate={self.translate}, "
                f"scale={self.scale})")


class RandomRotation(RandomAffine):
    """Each image rotated by U(-degrees, degrees) about its centre (bilinear)."""

    def __init__(self, degrees, fill=0.0):
        super().__init__(degrees, fill=fill)


def bilinear(x, sy, sx, fill=0.0):
    """x (N, C, H, W) sampled at fractional rows sy and columns sx (N, H', W'), each sample
    mixing its four neighbours; neighbours outside the image count as `fill`."""
    n, _, h, w = x.shape
    y0, x0 = np.floor(sy).astype(int), np.floor(sx).astype(int)
    fy, fx = (sy - y0)[:, None], (sx - x0)[:, None]
    batch = np.arange(n)[:, None, None]
    out = 0.0
    for dy, wy in ((0, 1 - fy), (1, fy)):
        for dx, wx in ((0, 1 - fx), (1, fx)):
            yy, xx = y0 + dy, x0 + dx
            inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
            v = x[batch, :, np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)]   # (N, H', W', C)
            v = np.where(inside[..., None], v, fill).transpose(0, 3, 1, 2)
            out = out + wy * wx * v
    return out.astype(x.dtype)


__all__ = ["Compose", "Normalize", "GaussianNoise", "RandomHorizontalFlip", "RandomCrop",
           "RandomShift", "RandomAffine", "RandomRotation", "bilinear"]
