"""Real image data: the scikit-learn digits, the stratified split, and IDX files (MNIST's
format) written by the test itself."""

import gzip
import struct
import sys

import numpy as np
import pytest

from nn.data import load_digits, load_idx, train_test_split


def test_load_digits_shapes_and_range():
    X, y = load_digits()
    assert X.shape == (1797, 1, 8, 8) and X.dtype == np.float64 and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.bincount(y).min() >= 170
    assert load_digits(flat=True)[0].shape == (1797, 64)


def test_load_digits_without_scikit_learn_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[data\]'"):
        load_digits()


def test_stratified_split_keeps_class_shares():
    y = np.repeat(np.arange(3), [50, 30, 20])
    X = np.arange(100.0)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, seed=0, stratify=y)
    assert np.bincount(yte).tolist() == [10, 6, 4] and len(ytr) == 80
    assert sorted(np.r_[Xtr, Xte].tolist()) == X.tolist()
    np.testing.assert_array_equal(y[Xte.astype(int)], yte)        # rows stay together
    again = train_test_split(X, y, test_size=0.2, seed=0, stratify=y)
    np.testing.assert_array_equal(again[1], Xte)
    # the counts still add up when shares are fractional: 7 classes of 3, 5 test samples
    y7 = np.repeat(np.arange(7), 3)
    parts = train_test_split(np.zeros(21), y7, test_size=5, seed=1, stratify=y7)
    assert len(parts[3]) == 5 and np.bincount(parts[3]).max() == 1
    with pytest.raises(ValueError, match="stratify must be one label per sample"):
        train_test_split(X, y, stratify=y[:10])


def write_idx(path, array, code, compress):
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    with (gzip.open if compress else open)(path, "wb") as f:
        f.write(data)


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("dtype,code", [(np.uint8, 0x08), (np.int16, 0x0B), (np.int32, 0x0C),
                                        (np.float32, 0x0D), (np.float64, 0x0E)])
def test_load_idx_round_trips(tmp_path, compress, dtype, code):
    a = (np.random.default_rng(0).random((3, 4, 5)) * 100).astype(dtype)
    path = tmp_path / ("x.idx.gz" if compress else "x.idx")
    write_idx(path, a, code, compress)
    got = load_idx(path)
    assert got.dtype == dtype and got.shape == (3, 4, 5)
    np.testing.assert_array_equal(got, a)
    labels = np.arange(10, dtype=np.uint8)
    write_idx(tmp_path / "labels", labels, 0x08, compress)
    np.testing.assert_array_equal(load_idx(tmp_path / "labels"), labels)


def test_load_idx_refuses_other_files(tmp_path):
    bad = tmp_path / "bad"
    bad.write_bytes(b"PK\x03\x04rest")
    with pytest.raises(ValueError, match="is not an IDX file"):
        load_idx(bad)
    short = tmp_path / "short"
    write_idx(short, np.zeros((2, 3), np.uint8), 0x08, False)
    short.write_bytes(short.read_bytes()[:-1])
    with pytest.raises(ValueError, match=r"declares shape \(2, 3\) of uint8 \(6 bytes\) but "
                                         r"holds 5"):
        load_idx(short)
