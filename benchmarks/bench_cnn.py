"""Convolution benchmarks, each measured against hand-written NumPy in the same run.

(a) LeNet training step: batch 64 of 1×28×28, conv 6@5×5, ReLU, max-pool 2, conv 16@5×5, ReLU,
    max-pool 2, 256-120-84-10 ReLU, softmax cross-entropy, SGD; chainrule (nn layers) against
    a hand-written NumPy im2col forward/backward of the same net, as a ratio, in float64 and
    float32, with the peak memory of one step (tracemalloc: NumPy reports its buffers).
(b) Conv2d forward + backward alone for a few shapes, in µs, against hand-written im2col.

    python benchmarks/bench_cnn.py            # full run (a few seconds)
    python benchmarks/bench_cnn.py --quick    # fewer repeats

Like bench_engine.py, the script restarts itself with BLAS on one thread and malloc pinned.
"""

import os
import sys

PINNED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
          "MALLOC_MMAP_THRESHOLD_": str(2 ** 30), "MALLOC_TRIM_THRESHOLD_": str(2 ** 32)}
if (__name__ == "__main__" and "--as-is" not in sys.argv
        and any(os.environ.get(k) != v for k, v in PINNED.items())):
    os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, **PINNED})

import argparse  # noqa: E402
import pathlib  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402
from numpy.lib.stride_tricks import as_strided  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import autograd as ag  # noqa: E402
import nn  # noqa: E402
from bench_engine import best_of  # noqa: E402

LR = 0.01


# ---- hand-written NumPy: the floor ------------------------------------------------------------


def im2col(x, kh, kw, stride=1):
    """(N, C, H, W) -> (N·oh·ow, C·kh·kw) rows of windows, and (oh, ow)."""
    n, c, h, w = x.shape
    oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    s = x.strides
    win = as_strided(x, (n, oh, ow, c, kh, kw),
                     (s[0], s[2] * stride, s[3] * stride, s[1], s[2], s[3]))
    return win.reshape(n * oh * ow, c * kh * kw), (oh, ow)


def col2im(dcols, shape, kh, kw, oh, ow, stride=1):
    """The adjoint of im2col: add each window's gradient back (one strided add per offset)."""
    n, c = shape[:2]
    d = dcols.reshape(n, oh, ow, c, kh, kw)
    dx = np.zeros(shape, dtype=dcols.dtype)
    for i in range(kh):
        for j in range(kw):
            dx[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride] += \
                d[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return dx


def conv_fwd(x, w, b, stride=1):
    o, _, kh, kw = w.shape
    cols, (oh, ow) = im2col(x, kh, kw, stride)
    y = cols @ w.reshape(o, -1).T + b
    return y.reshape(x.shape[0], oh, ow, o).transpose(0, 3, 1, 2), cols


def conv_bwd(dy, x, w, cols, stride=1, need_dx=True):
    o, _, kh, kw = w.shape
    oh, ow = dy.shape[2:]
    d2 = dy.transpose(0, 2, 3, 1).reshape(-1, o)
    dw = (d2.T @ cols).reshape(w.shape)
    db = d2.sum(0)
    dx = col2im(d2 @ w.reshape(o, -1), x.shape, kh, kw, oh, ow, stride) if need_dx else None
    return dx, dw, db


QUADRANTS = [(slice(i, None, 2), slice(j, None, 2)) for i in (0, 1) for j in (0, 1)]


def pool_fwd(x):
    """2×2 max-pooling as the maximum of four strided views (a reduction over the tiny
    trailing axes of a (N, C, H/2, 2, W/2, 2) reshape is many times slower in NumPy)."""
    a, b, c, d = (x[(Ellipsis,) + q] for q in QUADRANTS)
    y = np.maximum(np.maximum(a, b), np.maximum(c, d))
    return y, (x, y)


def pool_bwd(dy, saved):
    """Each pooled gradient to the positions that hold the maximum."""
    x, y = saved
    dx = np.zeros(x.shape, dtype=dy.dtype)
    for q in QUADRANTS:
        dx[(Ellipsis,) + q] = dy * (x[(Ellipsis,) + q] == y)
    return dx


def numpy_step(p, x, y):
    (w1, b1, w2, b2, w3, b3, w4, b4, w5, b5) = p
    z1, c1 = conv_fwd(x, w1, b1)
    a1 = np.maximum(z1, 0)
    p1, m1 = pool_fwd(a1)
    z2, c2 = conv_fwd(p1, w2, b2)
    a2 = np.maximum(z2, 0)
    p2, m2 = pool_fwd(a2)
    f = p2.reshape(len(x), -1)
    h3 = np.maximum(f @ w3.T + b3, 0)
    h4 = np.maximum(h3 @ w4.T + b4, 0)
    s = h4 @ w5.T + b5
    s = s - s.max(1, keepdims=True)
    e = np.exp(s)
    prob = e / e.sum(1, keepdims=True)
    loss = -np.log(prob[np.arange(len(y)), y]).mean()
    ds = prob
    ds[np.arange(len(y)), y] -= 1
    ds /= len(y)
    g5w, g5b = ds.T @ h4, ds.sum(0)
    dh4 = (ds @ w5) * (h4 > 0)
    g4w, g4b = dh4.T @ h3, dh4.sum(0)
    dh3 = (dh4 @ w4) * (h3 > 0)
    g3w, g3b = dh3.T @ f, dh3.sum(0)
    df = (dh3 @ w3).reshape(p2.shape)
    da2 = pool_bwd(df, m2) * (z2 > 0)
    dp1, g2w, g2b = conv_bwd(da2, p1, w2, c2)
    da1 = pool_bwd(dp1, m1) * (z1 > 0)
    _, g1w, g1b = conv_bwd(da1, x, w1, c1, need_dx=False)
    for q, g in zip(p, (g1w, g1b, g2w, g2b, g3w, g3b, g4w, g4b, g5w, g5b)):
        q -= LR * g
    return loss


# ---- chainrule ----------------------------------------------------------------------------------


def lenet(dtype):
    return nn.Sequential(nn.Conv2d(1, 6, 5, dtype=dtype), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(6, 16, 5, dtype=dtype), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(256, 120, dtype=dtype), nn.ReLU(),
                         nn.Linear(120, 84, dtype=dtype), nn.ReLU(),
                         nn.Linear(84, 10, dtype=dtype))


def chainrule_step(model, opt, x, y):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss


def peak_bytes(fn):
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def bench_lenet(dtype, repeats):
    ag.manual_seed(0)
    model = lenet(dtype)
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((64, 1, 28, 28)).astype(dtype)
    ys = rng.integers(0, 10, 64)
    params = [p.data.copy() for p in model.parameters()]
    opt = nn.optim.SGD(model.parameters(), lr=LR)
    x, y = ag.Tensor(xs, dtype=dtype), ag.Tensor(ys)
    ref_loss = numpy_step([q.copy() for q in params], xs, ys)
    loss = chainrule_step(model, opt, x, y)
    assert np.isclose(float(loss.data), ref_loss, rtol=1e-4), (float(loss.data), ref_loss)
    t_ref, t_cr = best_of([lambda: numpy_step(params, xs, ys),
                           lambda: chainrule_step(model, opt, x, y)], repeats)
    m_ref = peak_bytes(lambda: numpy_step(params, xs, ys))
    m_cr = peak_bytes(lambda: chainrule_step(model, opt, x, y))
    return t_cr, t_ref, m_cr, m_ref


def bench_conv(c_in, c_out, k, stride, hw, repeats, dtype=np.float32, n=32):
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((n, c_in, hw, hw)).astype(dtype)
    conv = nn.Conv2d(c_in, c_out, k, stride=stride, dtype=dtype)
    w, b = conv.weight.data.copy(), conv.bias.data.copy()
    x = ag.Tensor(xs, requires_grad=True)

    def ref():
        y, cols = conv_fwd(xs, w, b, stride)
        conv_bwd(np.ones_like(y), xs, w, cols, stride)

    def ours():
        conv(x).sum().backward()
    return best_of([ref, ours], repeats)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--as-is", action="store_true")
    args = ap.parse_args()
    repeats = 5 if args.quick else 20
    print(f"numpy {np.__version__}, BLAS threads {os.environ.get('OPENBLAS_NUM_THREADS')}")
    print("\n(a) LeNet step, batch 64, 1x28x28")
    for dtype in (np.float64, np.float32):
        t_cr, t_ref, m_cr, m_ref = bench_lenet(dtype, repeats)
        print(f"  {np.dtype(dtype).name}: chainrule {t_cr * 1e3:.2f} ms, NumPy {t_ref * 1e3:.2f} ms,"
              f" ratio {t_cr / t_ref:.2f}; peak memory {m_cr / 2**20:.1f} MiB vs "
              f"{m_ref / 2**20:.1f} MiB")
    print("\n(b) Conv2d forward + backward (input and weight), batch 32, float32")
    for c_in, c_out, k, s, hw in [(1, 8, 3, 1, 28), (8, 16, 3, 1, 28), (16, 32, 3, 2, 28),
                                  (32, 64, 3, 1, 14), (1, 6, 5, 1, 28), (16, 32, 5, 1, 14),
                                  (64, 64, 3, 2, 14)]:
        t_ref, t_cr = bench_conv(c_in, c_out, k, s, hw, max(3, repeats // 2))
        print(f"  {c_in:>2}->{c_out:<2} {k}x{k} stride {s} on {hw}x{hw}: chainrule "
              f"{t_cr * 1e6:8.0f} µs, NumPy {t_ref * 1e6:8.0f} µs, ratio {t_cr / t_ref:.2f}")


if __name__ == "__main__":
    main()
