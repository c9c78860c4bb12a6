"""DataLoader batching, shuffling and seeding; toy data sets' shapes, labels, geometry and
reproducibility."""

import numpy as np
import pytest

import autograd as ag
from nn import data


def collect(loader):
    return [tuple(t.numpy() for t in b) if isinstance(b, tuple) else b.numpy() for b in loader]


@pytest.mark.parametrize("n,bs,drop", [(10, 3, False), (10, 3, True), (9, 3, False),
                                       (4, 10, False)])
def test_batches_cover_the_data_once(n, bs, drop):
    X = np.arange(2 * n, dtype=float).reshape(n, 2)
    y = np.arange(n)
    loader = data.DataLoader((X, y), batch_size=bs, drop_last=drop)
    batches = collect(loader)
    assert len(batches) == len(loader)
    sizes = [len(b[1]) for b in batches]
    assert all(s == bs for s in sizes[:-1]) and (sizes[-1] == bs or not drop)
    seen = np.concatenate([b[1] for b in batches])
    expected = np.arange(n - n % bs if drop else n)
    np.testing.assert_array_equal(seen, expected)
    for xb, yb in batches:
        np.testing.assert_array_equal(xb, X[yb])              # rows stay paired


def test_batches_are_tensors_with_dtypes_kept():
    X = np.ones((5, 2), dtype=np.float32)
    y = np.array([0, 1, 2, 1, 0])
    xb, yb = next(iter(data.DataLoader((X, y), batch_size=5)))
    assert isinstance(xb, ag.Tensor) and isinstance(yb, ag.Tensor)
    assert xb.dtype == np.float32 and yb.dtype == np.int64
    assert not xb.requires_grad


def test_single_array_gives_single_tensors():
    batches = list(data.DataLoader(ag.arange(6.0).reshape(3, 2), batch_size=2))
    assert isinstance(batches[0], ag.Tensor) and batches[0].shape == (2, 2)


def test_shuffle_is_seeded_and_changes_each_epoch():
    y = np.arange(50)
    a = data.DataLoader((y,), batch_size=50, shuffle=True, seed=3)
    b = data.DataLoader((y,), batch_size=50, shuffle=True, seed=3)
    e1, e2 = collect(a)[0][0], collect(a)[0][0]
    np.testing.assert_array_equal(e1, collect(b)[0][0])       # same seed, same order
    assert not np.array_equal(e1, e2)                           # new order each epoch
    np.testing.assert_array_equal(np.sort(e1), y)               # a permutation
    assert not np.array_equal(e1, y)


def test_shuffle_without_seed_follows_manual_seed():
    y = np.arange(30)
    ag.manual_seed(7)
    first = collect(data.DataLoader((y,), batch_size=30, shuffle=True))[0][0]
    ag.manual_seed(7)
    again = collect(data.DataLoader((y,), batch_size=30, shuffle=True))[0][0]
    np.testing.assert_array_equal(first, again)


def test_map_style_dataset_is_stacked():
    class Squares:
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i, i * i], dtype=float), i % 2

    xb, yb = next(iter(data.DataLoader(Squares(), batch_size=4)))
    np.testing.assert_array_equal(xb.numpy(), [[0, 0], [1, 1], [2, 4], [3, 9]])
    np.testing.assert_array_equal(yb.numpy(), [0, 1, 0, 1])


@pytest.mark.parametrize("make,match", [
    (lambda: data.DataLoader((np.zeros((3, 2)), np.zeros(4))), "first axis"),
    (lambda: data.DataLoader(np.zeros(3), batch_size=0), "batch_size"),
    (lambda: data.DataLoader(42), "dataset"),
    (lambda: data.logic_gate("xand"), "unknown gate"),
    (lambda: data.make_moons(1), "n_samples"),
    (lambda: data.make_circles(10, factor=1.5), "factor"),
    (lambda: data.train_test_split(np.zeros(4), test_size=4), "test_size"),
])
def test_errors(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_train_test_split():
    X, y = np.arange(20).reshape(10, 2), np.arange(10)
    Xtr, Xte, ytr, yte = data.train_test_split(X, y, test_size=0.3, seed=0)
    assert len(Xte) == 3 and len(Xtr) == 7
    np.testing.assert_array_equal(np.sort(np.concatenate([ytr, yte])), y)
    np.testing.assert_array_equal(Xtr[:, 0], 2 * ytr)


@pytest.mark.parametrize("gate,table", [("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]),
                                        ("NAND", [1, 1, 1, 0]), ("xor", [0, 1, 1, 0])])
def test_logic_gates(gate, table):
    X, y = data.logic_gate(gate)
    assert X.shape == (4, 2) and X.dtype == np.float64
    ops = {"and": np.logical_and, "or": np.logical_or, "nand": lambda a, b: ~(a & b),
           "xor": np.logical_xor}
    np.testing.assert_array_equal(y, table)
    np.testing.assert_array_equal(ops[gate.lower()](X[:, 0] > 0, X[:, 1] > 0), y.astype(bool))


TOYS = [lambda s: data.make_moons(101, 0.1, seed=s), lambda s: data.make_circles(100, 0.05, seed=s),
        lambda s: data.make_spirals(301, 3, seed=s), lambda s: data.make_blobs(90, centers=3, seed=s),
        lambda s: data.make_xor(64, 0.1, seed=s)]


@pytest.mark.parametrize("make", TOYS)
def test_toy_sets_are_seeded(make):
    X1, y1 = make(0)
    X2, y2 = make(0)
    X3, _ = make(1)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    assert X1.ndim == 2 and X1.shape[0] == y1.shape[0] and y1.dtype == np.int64
    assert np.isfinite(X1).all()


def test_moons_geometry_without_noise():
    X, y = data.make_moons(200, noise=0.0, seed=0)
    assert np.bincount(y).tolist() == [100, 100]
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0)               # upper unit half circle
    assert (X[y == 0, 1] >= -1e-12).all()
    np.testing.assert_allclose(np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5), 1.0)
    assert (X[y == 1, 1] <= 0.5 + 1e-12).all()


def test_circles_geometry():
    X, y = data.make_circles(100, factor=0.3, seed=0)
    r = np.hypot(*X.T)
    np.testing.assert_allclose(r[y == 0], 1.0)
    np.testing.assert_allclose(r[y == 1], 0.3)


def test_spirals_and_blobs_classes():
    X, y = data.make_spirals(301, n_classes=3, seed=0)
    assert np.bincount(y).tolist() == [101, 100, 100]
    assert np.hypot(*X.T).max() <= 1.0 + 1e-12
    X, y = data.make_blobs(90, centers=[[0, 0], [10, 10], [-10, 10]], cluster_std=0.5, seed=0)
    assert np.bincount(y).tolist() == [30, 30, 30]
    centres = np.array([X[y == k].mean(0) for k in range(3)])
    np.testing.assert_allclose(centres, [[0, 0], [10, 10], [-10, 10]], atol=0.3)


def test_xor_labels_follow_the_quadrant():
    X, y = data.make_xor(400, noise=0.1, seed=0)
    assert set(np.unique(y)) == {0, 1}
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))


def test_float32_default_dtype_is_followed():
    ag.set_default_dtype(np.float32)
    try:
        X, _ = data.make_moons(10, seed=0)
        assert X.dtype == np.float32
    finally:
        ag.set_default_dtype(np.float64)


def test_a_list_of_samples_batches_like_pytorch():
    # list(zip(X, y)) is a sequence of samples, not columns: batches are (x rows, labels)
    X, y = np.arange(10.0).reshape(5, 2), np.arange(5)
    batches = list(data.DataLoader(list(zip(X, y)), batch_size=2))
    assert [b[0].shape for b in batches] == [(2, 2), (2, 2), (1, 2)]
    np.testing.assert_array_equal(np.concatenate([b[0].data for b in batches]), X)
    assert [b[1].data.tolist() for b in batches] == [[0, 1], [2, 3], [4]]
    pairs = list(data.DataLoader([(1.0, 0), (2.0, 1), (3.0, 0)], batch_size=2))
    assert [(b[0].data.tolist(), b[1].data.tolist()) for b in pairs] == \
        [([1.0, 2.0], [0, 1]), ([3.0], [0])]             # once silently read as 3 columns
    assert [b.data.tolist() for b in data.DataLoader([1.0, 2.0, 3.0], batch_size=2)] == \
        [[1.0, 2.0], [3.0]]
    cols = list(data.DataLoader([X, list(y)], batch_size=5))   # columns: arrays or lists
    assert cols[0][1].data.tolist() == list(y)
    with pytest.raises(ValueError, match="batch_size"):
        data.DataLoader(X, batch_size=True)
