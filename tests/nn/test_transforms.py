"""Augmentation transforms on batches: what each does to an image, seeding, composition and
the DataLoader applying them per batch."""

import numpy as np
import pytest

import nn
from nn import transforms as T
from nn.data import DataLoader

rng = np.random.default_rng(0)
X = rng.random((16, 2, 6, 7))


def test_random_shift_moves_each_image_within_range():
    out = T.RandomShift(2)(X, np.random.default_rng(1))
    assert out.shape == X.shape
    padded = np.pad(X, [(0, 0), (0, 0), (2, 2), (2, 2)])
    shifts = set()
    for i in range(len(X)):
        found = [(dy, dx) for dy in range(5) for dx in range(5)
                 if np.array_equal(out[i], padded[i, :, dy:dy + 6, dx:dx + 7])]
        assert found
        shifts.add(found[0])
    assert len(shifts) > 3                                  # per image, not one per batch


def test_random_crop_size_and_unbatched_channels():
    out = T.RandomCrop(4, padding=1)(X[:, 0], np.random.default_rng(0))
    assert out.shape == (16, 4, 4)
    with pytest.raises(ValueError, match=r"RandomCrop: crop \(9, 9\) is larger than the padded"):
        T.RandomCrop(9)(X)
    with pytest.raises(ValueError, match=r"RandomCrop: expected a batch of images"):
        T.RandomCrop(2)(X[0, 0])


def test_affine_identity_rotation_and_translation():
    np.testing.assert_allclose(T.RandomAffine(0)(X, np.random.default_rng(0)), X, atol=1e-12)
    sq = rng.random((3, 1, 5, 5))
    r = T.RandomRotation((90, 90))(sq, np.random.default_rng(0))
    assert any(np.allclose(r, np.rot90(sq, k, axes=(2, 3)), atol=1e-12) for k in (1, -1))
    assert not np.allclose(r, sq)
    # a translation of exactly one pixel (translate fraction 1/7 of the width, drawn as ±1)
    moved = T.RandomAffine(0, translate=(1 / 7, 0))(X, np.random.default_rng(3))
    right = np.pad(X, [(0, 0), (0, 0), (0, 0), (1, 0)])[..., :7]
    left = np.pad(X, [(0, 0), (0, 0), (0, 0), (0, 1)])[..., 1:]
    for i in range(len(X)):                 # sub-pixel shifts blend neighbours: check bounds
        lo, hi = np.minimum(left[i], right[i]), np.maximum(left[i], right[i])
        lo, hi = np.minimum(lo, X[i]), np.maximum(hi, X[i])
        assert np.all(moved[i] >= lo - 1e-12) and np.all(moved[i] <= hi + 1e-12)


def test_flip_noise_normalize():
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(X), X[..., ::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(0.0)(X), X)
    noisy = T.GaussianNoise(0.5)(np.zeros((200, 1, 8, 8)), np.random.default_rng(0))
    assert abs(noisy.std() - 0.5) < 0.02 and abs(noisy.mean()) < 0.02
    norm = T.Normalize([0.5, 1.0], [2.0, 4.0])(X)
    np.testing.assert_allclose(norm[:, 1], (X[:, 1] - 1.0) / 4.0)
    with pytest.raises(ValueError, match="Normalize: std must be positive"):
        T.Normalize(0, 0)


def test_compose_is_seeded_and_keeps_dtype():
    aug = T.Compose([T.RandomAffine(10, translate=(0.1, 0.1), scale=(0.9, 1.1)),
                     T.RandomShift(1), T.GaussianNoise(0.05)])
    x32 = X.astype(np.float32)
    a = aug(x32, np.random.default_rng(5))
    b = aug(x32, np.random.default_rng(5))
    c = aug(x32, np.random.default_rng(6))
    assert a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    assert "RandomAffine(degrees=10" in repr(aug)


def test_dataloader_applies_the_transform_per_batch():
    y = np.arange(16)
    flip = T.RandomHorizontalFlip(1.0)
    batches = list(DataLoader((X, y), batch_size=5, transform=flip))
    np.testing.assert_array_equal(batches[0][0].data, X[:5, ..., ::-1])
    np.testing.assert_array_equal(batches[0][1].data, y[:5])               # labels untouched

    def epoch(loader):
        return np.concatenate([xb.data for xb, _ in loader])
    shift = T.RandomShift(1)
    one = DataLoader((X, y), batch_size=4, shuffle=True, seed=0, transform=shift)
    two = DataLoader((X, y), batch_size=4, shuffle=True, seed=0, transform=shift)
    first = epoch(one)
    np.testing.assert_array_equal(first, epoch(two))                       # seeded
    assert not np.array_equal(first, epoch(one))                           # fresh each epoch
    single = list(DataLoader(X, batch_size=16, transform=flip))
    np.testing.assert_array_equal(single[0].data, X[..., ::-1])
    assert isinstance(nn.DataLoader(X).transform, type(None))
