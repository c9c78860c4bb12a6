"""A LeNet-style CNN on scikit-learn's 8×8 handwritten digits, with augmentation.

    python examples/digits_cnn.py              # train and report the test accuracy
    python examples/digits_cnn.py --epochs 5   # a quick run

The split is fixed (stratified, 20 % test, seed 0); the model trains in float32 with AdamW, a
cosine learning-rate schedule, label smoothing 0.1 and random small rotations, scalings and
shifts of every batch.
Measured on a shared 2-core machine, 22-60 s per run: 99.44 % (358 of 360) with training seed
0, 99.17 % with seed 1, 98.89 % with seed 2. Without augmentation (--no-augment) seed 0 also
reaches 99.44 % on this split; augmentation shows its worth on moved digits and on small
training sets (notebook 10).
"""

import argparse
import contextlib
import time

import numpy as np

import autograd as ag
import nn
from nn import transforms as T
from nn.data import DataLoader, load_digits, train_test_split

SPLIT_SEED = 0


def digits_split(seed=SPLIT_SEED, test_size=0.2):
    """X_train, X_test, y_train, y_test: the digits as (N, 1, 8, 8) in [0, 1], stratified."""
    X, y = load_digits()
    return train_test_split(X, y, test_size=test_size, seed=seed, stratify=y)


def build_cnn(classes=10, dtype=None):
    """conv 1→32 3×3, pool, conv 32→64 3×3, pool, 256 → 128 → classes (LeNet's shape, sized
    for 8×8 images: 'same' padding keeps the borders, where digits touch the frame)."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1, dtype=dtype), nn.BatchNorm2d(32, dtype=dtype), nn.ReLU(),
        nn.MaxPool2d(2),                                                   # 32 × 4 × 4
        nn.Conv2d(32, 64, 3, padding=1, dtype=dtype), nn.BatchNorm2d(64, dtype=dtype), nn.ReLU(),
        nn.MaxPool2d(2),                                                   # 64 × 2 × 2
        nn.Flatten(),
        nn.Linear(256, 128, dtype=dtype), nn.ReLU(), nn.Dropout(0.3),
        nn.Linear(128, classes, dtype=dtype))


def build_mlp(classes=10, dtype=None):
    """64 → 256 → 128 → classes, ReLU: the dense baseline."""
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 256, dtype=dtype), nn.ReLU(),
                         nn.Linear(256, 128, dtype=dtype), nn.ReLU(),
                         nn.Linear(128, classes, dtype=dtype))


def augmentation():
    """Small rotations (±10°), scalings (±10 %) and shifts (±1 pixel) of every image."""
    return T.RandomAffine(10, translate=(0.125, 0.125), scale=(0.9, 1.1))


def train(model, X, y, epochs=60, lr=3e-3, batch_size=64, augment=True, seed=0,
          weight_decay=1e-4, label_smoothing=0.1, X_val=None, y_val=None, progress=False):
    """AdamW with a cosine schedule over `epochs`, cross-entropy with label smoothing; returns
    the History."""
    ag.manual_seed(seed)
    loader = DataLoader((X, y), batch_size=batch_size, shuffle=True, seed=seed,
                        transform=augmentation() if augment else None)
    val = None if X_val is None else DataLoader((X_val, y_val), batch_size=512)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = nn.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    sched = nn.schedulers.CosineAnnealingLR(opt, T_max=max(epochs, 1))
    loss = nn.CrossEntropyLoss(label_smoothing=label_smoothing)
    return nn.fit(model, loss, opt, loader, epochs, val_loader=val,
                  scheduler=sched, metrics=["accuracy"], progress=progress)


def predict(model, X, batch_size=512):
    """Class predictions in eval mode, without a graph."""
    model.eval()
    with ag.no_grad():
        out = np.concatenate([model(ag.Tensor(X[i:i + batch_size], dtype=X.dtype)).data
                              for i in range(0, len(X), batch_size)])
    return out.argmax(axis=1)


def one_blas_thread():
    """BLAS limited to one thread (threadpoolctl comes with scikit-learn): for matrices this
    small, threads cost more than they save, and on a shared machine far more."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-augment", action="store_true")
    args = ap.parse_args(argv)
    ag.set_default_dtype(np.float32)
    Xtr, Xte, ytr, yte = digits_split()
    ag.manual_seed(args.seed)
    model = build_cnn()
    t0 = time.perf_counter()
    with one_blas_thread():
        train(model, Xtr, ytr, epochs=args.epochs, augment=not args.no_augment, seed=args.seed)
    seconds = time.perf_counter() - t0
    acc = float(np.mean(predict(model, Xte) == yte))
    print(f"test accuracy {acc:.4f} ({int(round(acc * len(yte)))}/{len(yte)}) after "
          f"{args.epochs} epochs in {seconds:.0f} s (split seed {SPLIT_SEED}, "
          f"training seed {args.seed}, {model.num_parameters():,} parameters)")
    return acc


if __name__ == "__main__":
    main()
