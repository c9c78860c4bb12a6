"""Sequence-model benchmarks, each against a hand-written NumPy forward/backward in the same run.

(a) LSTM training step: one layer, seq 32, batch 32, input 64, hidden 128; loss Σ out·c for a
    fixed random c; SGD. The reference computes the input projection of all steps in one
    matmul and backpropagates through time by hand (the floor for a NumPy LSTM).
(b) TransformerEncoderLayer training step: seq 64, batch 16, d_model 128, 4 heads,
    feed-forward 512, post-norm, ReLU, dropout 0; the same loss; SGD. The reference is the
    layer's forward and backward written out in NumPy.
Also the peak memory of one step of each (tracemalloc, which NumPy reports its arrays to).

    python benchmarks/bench_sequence.py            # BLAS on one thread, malloc pinned
    python benchmarks/bench_sequence.py --quick    # fewer repeats
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_engine import PINNED  # noqa: E402

if (__name__ == "__main__" and "--as-is" not in sys.argv
        and any(os.environ.get(k) != v for k, v in PINNED.items())):
    os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, **PINNED})

import argparse  # noqa: E402
import math  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402

import autograd as ag  # noqa: E402
import nn  # noqa: E402
from bench_engine import best_of  # noqa: E402
from nn.optim import SGD  # noqa: E402

LR = 1e-3


def _sigmoid(x):
    with np.errstate(over="ignore"):    # exp's overflow far below 0 gives σ = 0
        return 1 / (1 + np.exp(-x))     # NumPy's exp is 2-3x faster than its tanh


# ---- (a) LSTM -------------------------------------------------------------------------------


def numpy_lstm_step(p, x, coef):
    """Forward, BPTT and SGD update of a one-layer LSTM; p = dict of arrays (PyTorch names)."""
    W_ih, W_hh = p["weight_ih_l0"], p["weight_hh_l0"]
    T, N, _ = x.shape
    H = W_hh.shape[1]
    xw = (x.reshape(T * N, -1) @ W_ih.T).reshape(T, N, 4 * H) + (p["bias_ih_l0"] + p["bias_hh_l0"])
    h, c = np.zeros((N, H), x.dtype), np.zeros((N, H), x.dtype)
    hs, cs, gates, tcs = [h], [c], [], []
    for t in range(T):
        z = xw[t] + h @ W_hh.T
        s = _sigmoid(z)
        g = np.tanh(z[:, 2 * H:3 * H])
        c = s[:, H:2 * H] * c + s[:, :H] * g
        tc = np.tanh(c)
        h = s[:, 3 * H:] * tc
        hs.append(h)
        cs.append(c)
        gates.append((s, g))
        tcs.append(tc)
    dz = np.empty((T, N, 4 * H), x.dtype)
    dh_next, dc_next = np.zeros((N, H), x.dtype), np.zeros((N, H), x.dtype)
    for t in reversed(range(T)):
        (s, g), tc = gates[t], tcs[t]
        i, f, o = s[:, :H], s[:, H:2 * H], s[:, 3 * H:]
        dh = coef[t] + dh_next
        dc = dc_next + dh * o * (1 - tc * tc)
        d = dz[t]
        d[:, :H] = dc * g * i * (1 - i)
        d[:, H:2 * H] = dc * cs[t] * f * (1 - f)
        d[:, 2 * H:3 * H] = dc * i * (1 - g * g)
        d[:, 3 * H:] = dh * tc * o * (1 - o)
        dc_next = dc * f
        dh_next = d @ W_hh
    dz2 = dz.reshape(T * N, 4 * H)
    grads = {"weight_ih_l0": dz2.T @ x.reshape(T * N, -1),
             "weight_hh_l0": dz2.T @ np.stack(hs[:-1]).reshape(T * N, H),
             "bias_ih_l0": dz2.sum(0), "bias_hh_l0": dz2.sum(0)}
    for k, g in grads.items():
        p[k] -= LR * g
    return float(np.sum(np.stack(hs[1:]) * coef))


def lstm_case(dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(32, 32, 64)).astype(dtype)
    coef = rng.normal(size=(32, 32, 128)).astype(dtype)
    model = nn.LSTM(64, 128, dtype=dtype)
    opt = SGD(model.parameters(), lr=LR)
    ref = {k: v.copy() for k, v in model.state_dict().items()}
    xt, ct = ag.Tensor(x), ag.Tensor(coef)

    def engine():
        out, _ = model(xt)
        loss = (out * ct).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    def numpy():
        return numpy_lstm_step(ref, x, coef)
    return engine, numpy


# ---- (b) Transformer encoder layer ----------------------------------------------------------


def _ln_fwd(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    xc = x - mu
    inv = 1 / np.sqrt((xc * xc).mean(-1, keepdims=True) + eps)
    xh = xc * inv
    return xh * w + b, (xh, inv)


def _ln_bwd(dy, w, cache):
    xh, inv = cache
    dxh = dy * w
    dx = inv * (dxh - dxh.mean(-1, keepdims=True) - xh * (dxh * xh).mean(-1, keepdims=True))
    return dx, (dy * xh).reshape(-1, xh.shape[-1]).sum(0), dy.reshape(-1, xh.shape[-1]).sum(0)


def numpy_encoder_step(p, x, coef, heads, eps=1e-5):
    """Forward, backward and SGD update of a post-norm TransformerEncoderLayer on (T, N, E)."""
    T, N, E = x.shape
    d = E // heads
    X = x.reshape(T * N, E)
    qkv = X @ p["self_attn.in_proj_weight"].T + p["self_attn.in_proj_bias"]

    def split(a):                                        # (T·N, E) -> (N, h, T, d)
        return a.reshape(T, N, heads, d).transpose(1, 2, 0, 3)
    q, k, v = split(qkv[:, :E]), split(qkv[:, E:2 * E]), split(qkv[:, 2 * E:])
    s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d)
    a = np.exp(s - s.max(-1, keepdims=True))
    a /= a.sum(-1, keepdims=True)
    ctx = (a @ v).transpose(2, 0, 1, 3).reshape(T * N, E)
    att = ctx @ p["self_attn.out_proj.weight"].T + p["self_attn.out_proj.bias"]
    y1, c1 = _ln_fwd(X + att, p["norm1.weight"], p["norm1.bias"], eps)
    pre = y1 @ p["linear1.weight"].T + p["linear1.bias"]
    hid = np.maximum(pre, 0)
    ff = hid @ p["linear2.weight"].T + p["linear2.bias"]
    y2, c2 = _ln_fwd(y1 + ff, p["norm2.weight"], p["norm2.bias"], eps)
    loss = float(np.sum(y2 * coef.reshape(T * N, E)))
    g = {}
    dz2, g["norm2.weight"], g["norm2.bias"] = _ln_bwd(coef.reshape(T * N, E), p["norm2.weight"],
                                                      c2)
    g["linear2.weight"], g["linear2.bias"] = dz2.T @ hid, dz2.sum(0)
    dpre = (dz2 @ p["linear2.weight"]) * (pre > 0)
    g["linear1.weight"], g["linear1.bias"] = dpre.T @ y1, dpre.sum(0)
    dy1 = dz2 + dpre @ p["linear1.weight"]
    dz1, g["norm1.weight"], g["norm1.bias"] = _ln_bwd(dy1, p["norm1.weight"], c1)
    g["self_attn.out_proj.weight"], g["self_attn.out_proj.bias"] = dz1.T @ ctx, dz1.sum(0)
    dctx = split(dz1 @ p["self_attn.out_proj.weight"])
    da = dctx @ v.transpose(0, 1, 3, 2)
    dv = a.transpose(0, 1, 3, 2) @ dctx
    ds = a * (da - (da * a).sum(-1, keepdims=True)) / math.sqrt(d)
    dq, dk = ds @ k, ds.transpose(0, 1, 3, 2) @ q

    def merge(t):                                        # (N, h, T, d) -> (T·N, E)
        return t.transpose(2, 0, 1, 3).reshape(T * N, E)
    dqkv = np.concatenate([merge(dq), merge(dk), merge(dv)], axis=1)
    g["self_attn.in_proj_weight"], g["self_attn.in_proj_bias"] = dqkv.T @ X, dqkv.sum(0)
    for name, grad in g.items():
        p[name] -= LR * grad
    return loss


def encoder_case(dtype, seed=0):
    rng = np.random.default_rng(seed)
    T, N, E, heads = 64, 16, 128, 4
    x = rng.normal(size=(T, N, E)).astype(dtype)
    coef = rng.normal(size=(T, N, E)).astype(dtype)
    layer = nn.TransformerEncoderLayer(E, heads, dim_feedforward=512, dropout=0.0, dtype=dtype)
    opt = SGD(layer.parameters(), lr=LR)
    ref = {k: v.copy() for k, v in layer.state_dict().items()}
    xt, ct = ag.Tensor(x), ag.Tensor(coef)

    def engine():
        loss = (layer(xt) * ct).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    def numpy():
        return numpy_encoder_step(ref, x, coef, heads)
    return engine, numpy


# ---- running --------------------------------------------------------------------------------


def check_same(case, dtype):
    """Both sides compute the same losses over three steps (the reference is right)."""
    engine, numpy = case(np.float64)
    for _ in range(3):
        a, b = engine(), numpy()
        assert abs(a - b) <= 1e-8 * max(1.0, abs(b)), (case.__name__, a, b)


def peak_mib(fn):
    fn()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2 ** 20


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--as-is", action="store_true")
    args = parser.parse_args()
    repeats = 5 if args.quick else 20
    print(f"numpy {np.__version__}, best of {repeats}")
    for case, name in ((lstm_case, "LSTM step (T 32, N 32, I 64, H 128)"),
                       (encoder_case, "TransformerEncoderLayer step (T 64, N 16, E 128, 4 heads)")):
        check_same(case, np.float64)
        for dtype in (np.float64, np.float32):
            engine, numpy = case(dtype)
            t_e, t_n = best_of([engine, numpy], repeats)
            m_e, m_n = peak_mib(engine), peak_mib(numpy)
            print(f"{name}, {np.dtype(dtype).name}: chainrule {t_e * 1e3:.2f} ms, NumPy "
                  f"{t_n * 1e3:.2f} ms, ratio {t_e / t_n:.2f}; peak memory {m_e:.1f} MiB vs "
                  f"{m_n:.1f} MiB")


if __name__ == "__main__":
    main()
