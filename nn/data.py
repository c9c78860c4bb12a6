"""Batches and toy data sets.

`DataLoader` cuts a data set into (x, y) Tensor batches, optionally shuffled with its own
seedable generator. The toy sets are generated in code, return NumPy arrays (X float64 of
shape (n, features), y int64 labels) as scikit-learn's `make_*` functions do, and take a
`seed` so a figure or a test can be reproduced exactly.
"""

import math

import numpy as np

from autograd import Tensor, default_generator, get_default_dtype
from autograd import as_array


class TensorDataset:
    """Arrays (or Tensors) sharing their first axis; item i is the tuple of their i-th rows.
    Indexing with an array of indices gives whole batches at once."""

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset: needs at least one array")
        self.arrays = tuple(as_array(a) for a in arrays)
        n = {a.shape[0] if a.ndim else None for a in self.arrays}
        if None in n or len(n) != 1:
            shapes = ", ".join(str(a.shape) for a in self.arrays)
            raise ValueError(f"TensorDataset: the arrays must share a first axis; "
                             f"got shapes {shapes}")

    def __len__(self):
        return self.arrays[0].shape[0]

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)


def _columns(dataset):
    """Whether a tuple/list holds columns such as (X, y): arrays, Tensors or lists, none 0-d.
    A list of tuples (samples, as list(zip(X, y))) or of numbers is a sequence of samples."""
    return (isinstance(dataset, (tuple, list)) and len(dataset) > 0 and
            all(isinstance(a, (np.ndarray, Tensor, list)) and np.ndim(a) > 0 for a in dataset))


def _to_tensor(a):
    a = np.asarray(a)
    return Tensor(a, dtype=a.dtype) if a.dtype.kind in "biuf" else Tensor(a)   # labels stay int


class DataLoader:
    """Iterate over `dataset` in batches of Tensors.

    `dataset` is an array or Tensor (batches are single Tensors), a tuple/list of arrays such
    as (X, y) (batches are tuples of Tensors), a TensorDataset, or any object with `__len__`
    and `__getitem__(i)` returning arrays or tuples of arrays (stacked into batches) — so a
    list of samples, list(zip(X, y)), batches as PyTorch's DataLoader does. With
    `shuffle`, each epoch draws a new order from a generator seeded by `seed` (by default
    from autograd's `manual_seed` generator), so runs repeat exactly. `transform(x, rng)`
    (see nn.transforms) augments each batch's inputs, drawing from the same generator.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, *, drop_last=False, seed=None,
                 transform=None):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, "
                             f"got {batch_size!r}")
        self._single = isinstance(dataset, (np.ndarray, Tensor))
        if self._single:
            dataset = TensorDataset(dataset)
        elif _columns(dataset):
            dataset = TensorDataset(*dataset)
        elif not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(f"DataLoader: the dataset must be an array, a tuple of arrays or "
                            f"have __len__ and __getitem__; got {type(dataset).__name__}")
        self.dataset = dataset
        self.batch_size, self.shuffle, self.drop_last = int(batch_size), shuffle, drop_last
        self.generator = np.random.default_rng(seed) if seed is not None else None
        self.transform = transform

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            order = (self.generator or default_generator()).permutation(n)
        else:
            order = np.arange(n)
        stop = n - n % self.batch_size if self.drop_last else n
        for start in range(0, stop, self.batch_size):
            yield self._batch(order[start:start + self.batch_size])

    def _batch(self, idx):
        single = self._single
        if isinstance(self.dataset, TensorDataset):
            parts = self.dataset[idx]
        else:
            items = [self.dataset[int(i)] for i in idx]
            if isinstance(items[0], tuple):
                parts = tuple(np.stack([as_array(it[k]) for it in items])
                              for k in range(len(items[0])))
            else:
                parts, single = (np.stack([as_array(it) for it in items]),), True
        if self.transform is not None:      # augment the inputs, a whole batch at a time
            parts = (self.transform(parts[0], rng=self.generator or default_generator()),) \
                + tuple(parts[1:])
        tensors = tuple(_to_tensor(p) for p in parts)
        return tensors[0] if single else tensors


def train_test_split(*arrays, test_size=0.25, seed=None, stratify=None):
    """Split arrays sharing a first axis into shuffled train and test parts:
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=0).
    With `stratify` (labels, usually y) each class keeps its share in both parts."""
    data = TensorDataset(*arrays)
    n = len(data)
    n_test = int(math.ceil(test_size * n)) if isinstance(test_size, float) else int(test_size)
    if not 0 < n_test < n:
        raise ValueError(f"train_test_split: test_size {test_size!r} leaves no train or no "
                         f"test samples out of {n}")
    rng = np.random.default_rng(seed)
    if stratify is None:
        order = rng.permutation(n)
        test, train = order[:n_test], order[n_test:]
    else:
        test, train = _stratified(as_array(stratify), n, n_test, rng)
    return [part for a in data.arrays for part in (a[train], a[test])]


def _stratified(labels, n, n_test, rng):
    """(test, train) indices with each class's share of the test part n_test·n_c/n rounded by
    largest remainder, so the parts have exactly n_test and n - n_test samples."""
    if labels.shape != (n,):
        raise ValueError(f"train_test_split: stratify must be one label per sample; got "
                         f"shape {labels.shape}")
    classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    share = n_test * counts / n
    k = np.floor(share).astype(int)
    k[np.argsort(k - share)[:n_test - k.sum()]] += 1
    test, train = [], []
    for c in range(len(classes)):
        members = rng.permutation(np.flatnonzero(inverse == c))
        test.append(members[:k[c]])
        train.append(members[k[c]:])
    return rng.permutation(np.concatenate(test)), rng.permutation(np.concatenate(train))


# ---- real data ------------------------------------------------------------------------------

def load_digits(flat=False):
    """The 1,797 8×8 handwritten digits that scikit-learn ships (UCI optical digits): X of
    shape (1797, 1, 8, 8) (or (1797, 64) with flat) scaled from 0..16 to [0, 1], y int64."""
    try:
        from sklearn.datasets import load_digits as sk_load_digits
    except ImportError:
        raise ImportError("load_digits: needs scikit-learn, which ships the digits; install it "
                          "with `pip install 'chainrule[data]'` (or `pip install scikit-learn`)"
                          ) from None
    d = sk_load_digits()
    X = (d.data / 16.0).astype(get_default_dtype())
    return (X if flat else X.reshape(-1, 1, 8, 8)), d.target.astype(np.int64)


_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def load_idx(path):
    """An array from an IDX file (the format of MNIST and Fashion-MNIST), gzip-compressed or
    plain: magic 0, 0, type code, number of axes; the sizes as big-endian uint32; the data."""
    import gzip
    with open(path, "rb") as f:
        blob = f.read()
    if blob[:2] == b"\x1f\x8b":
        blob = gzip.decompress(blob)
    if len(blob) < 4 or blob[0] != 0 or blob[1] != 0 or blob[2] not in _IDX_TYPES:
        raise ValueError(f"load_idx: {path} is not an IDX file (its magic number is "
                         f"{blob[:4].hex() or 'missing'}; expected 0000 followed by a type code "
                         f"in {sorted(_IDX_TYPES)} and the number of axes)")
    dtype, ndim = np.dtype(_IDX_TYPES[blob[2]]), blob[3]
    shape = tuple(int(v) for v in np.frombuffer(blob, ">u4", ndim, offset=4))
    size = math.prod(shape) * dtype.itemsize
    if len(blob) - 4 - 4 * ndim != size:
        raise ValueError(f"load_idx: {path} declares shape {shape} of {dtype.name} "
                         f"({size} bytes) but holds {len(blob) - 4 - 4 * ndim} bytes of data")
    return np.frombuffer(blob, dtype, offset=4 + 4 * ndim).reshape(shape).astype(
        dtype.newbyteorder("="))


# ---- toy data sets ---------------------------------------------------------------------------

def _finish(X, y, rng, noise, shuffle=True):
    if noise:
        X = X + rng.normal(scale=noise, size=X.shape)
    if shuffle:
        order = rng.permutation(len(y))
        X, y = X[order], y[order]
    return X.astype(get_default_dtype()), y.astype(np.int64)


def _check_n(n_samples, name, minimum=1):
    if not isinstance(n_samples, (int, np.integer)) or n_samples < minimum:
        raise ValueError(f"{name}: n_samples must be an integer >= {minimum}, got {n_samples!r}")


_GATES = {"and": (0, 0, 0, 1), "or": (0, 1, 1, 1), "nand": (1, 1, 1, 0), "nor": (1, 0, 0, 0),
          "xor": (0, 1, 1, 0), "xnor": (1, 0, 0, 1)}


def logic_gate(name):
    """The truth table of a two-input gate ('and', 'or', 'nand', 'nor', 'xor', 'xnor'):
    X = [[0,0],[0,1],[1,0],[1,1]] and y its outputs."""
    key = str(name).lower()
    if key not in _GATES:
        raise ValueError(f"logic_gate: unknown gate {name!r}; choose from {sorted(_GATES)}")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=get_default_dtype())
    return X, np.array(_GATES[key], dtype=np.int64)


def make_xor(n_samples=200, noise=0.1, seed=None):
    """Four Gaussian clusters at the corners (±1, ±1); label 1 where the signs differ."""
    _check_n(n_samples, "make_xor", 4)
    rng = np.random.default_rng(seed)
    corners = rng.integers(0, 2, size=(n_samples, 2))
    corners[:4] = [[0, 0], [0, 1], [1, 0], [1, 1]]          # every cluster present
    X = 2.0 * corners - 1
    return _finish(X, corners[:, 0] ^ corners[:, 1], rng, noise)


def make_moons(n_samples=100, noise=0.0, seed=None):
    """Two interleaving half circles: (cos t, sin t) labelled 0 and (1 - cos t, ½ - sin t)
    labelled 1, t ∈ [0, π], plus Gaussian noise of standard deviation `noise`."""
    _check_n(n_samples, "make_moons", 2)
    rng = np.random.default_rng(seed)
    n0 = n_samples // 2
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n_samples - n0)
    X = np.concatenate([np.stack([np.cos(t0), np.sin(t0)], 1),
                        np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], 1)])
    y = np.concatenate([np.zeros(n0), np.ones(n_samples - n0)])
    return _finish(X, y, rng, noise)


def make_circles(n_samples=100, noise=0.0, factor=0.8, seed=None):
    """Two concentric circles: radius 1 labelled 0, radius `factor` labelled 1."""
    _check_n(n_samples, "make_circles", 2)
    if not 0 < factor < 1:
        raise ValueError(f"make_circles: factor must be in (0, 1), got {factor!r}")
    rng = np.random.default_rng(seed)
    n0 = n_samples // 2
    t0 = np.linspace(0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0, 2 * np.pi, n_samples - n0, endpoint=False)
    X = np.concatenate([np.stack([np.cos(t0), np.sin(t0)], 1),
                        factor * np.stack([np.cos(t1), np.sin(t1)], 1)])
    y = np.concatenate([np.zeros(n0), np.ones(n_samples - n0)])
    return _finish(X, y, rng, noise)


def make_spirals(n_samples=300, n_classes=3, noise=0.2, seed=None):
    """`n_classes` interleaved spiral arms (CS231n's toy set): arm k has radius r ∈ [0, 1]
    and angle 4k + 4r plus Gaussian noise of standard deviation `noise` (radians)."""
    _check_n(n_samples, "make_spirals", n_classes)
    rng = np.random.default_rng(seed)
    counts = [n_samples // n_classes + (k < n_samples % n_classes) for k in range(n_classes)]
    Xs, ys = [], []
    for k, n in enumerate(counts):
        r = np.linspace(0.0, 1.0, n)
        t = 4.0 * k + 4.0 * r + rng.normal(scale=noise, size=n) if noise else 4.0 * k + 4.0 * r
        Xs.append(np.stack([r * np.sin(t), r * np.cos(t)], 1))
        ys.append(np.full(n, k))
    return _finish(np.concatenate(Xs), np.concatenate(ys), rng, 0.0)


def make_blobs(n_samples=100, n_features=2, *, centers=3, cluster_std=1.0,
               center_box=(-10.0, 10.0), seed=None):
    """Isotropic Gaussian clusters around `centers` (a count, drawn uniformly in center_box,
    or an array of centres), samples split evenly between them."""
    _check_n(n_samples, "make_blobs")
    rng = np.random.default_rng(seed)
    if isinstance(centers, (int, np.integer)):
        centers = rng.uniform(*center_box, size=(int(centers), n_features))
    centers = np.asarray(centers, dtype=np.float64)
    if centers.ndim != 2:
        raise ValueError(f"make_blobs: centers must be a count or an array (k, features), "
                         f"got shape {centers.shape}")
    k = len(centers)
    y = np.arange(n_samples) % k
    X = centers[y] + rng.normal(scale=cluster_std, size=(n_samples, centers.shape[1]))
    return _finish(X, y, rng, 0.0)


__all__ = ["TensorDataset", "DataLoader", "train_test_split", "load_digits", "load_idx",
           "logic_gate", "make_xor",
           "make_moons", "make_circles", "make_spirals", "make_blobs"]
