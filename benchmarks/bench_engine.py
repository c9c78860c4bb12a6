"""Engine benchmarks, each measured against a reference in the same run.

(a) scalar chain: build + backward of a chain of N scalar operations, in µs per operation,
    beside a plain-Python scalar engine (floats, closures; written here as the reference);
    at 1,000,000 operations also the peak memory of the graph (tracemalloc, a separate run).
(c) forward under no_grad(): the cost per op above the NumPy call it wraps.
(b) MLP training step: 784-256-128-10 ReLU MLP, batch 128, softmax cross-entropy, SGD, built
    from autograd operations, against a hand-written NumPy forward/backward of the same net
    (the lower bound for any NumPy engine), as a ratio, in float64 and float32.

    python benchmarks/bench_engine.py            # full run (about a minute)
    python benchmarks/bench_engine.py --quick    # fewer repeats
    python benchmarks/bench_engine.py --as-is    # keep this shell's BLAS threads and malloc

The script restarts itself with BLAS on one thread and glibc's malloc told to keep freed
memory (PINNED below), so that both sides of (b) are measured without thread scheduling and
page-fault noise, which on a small shared machine swing the ratio by ±20%: what is left is
the engine's own overhead. Pass --as-is to measure the environment as it is.
"""

import os
import sys

PINNED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
          "MALLOC_MMAP_THRESHOLD_": str(2 ** 30), "MALLOC_TRIM_THRESHOLD_": str(2 ** 32)}
if (__name__ == "__main__" and "--as-is" not in sys.argv
        and any(os.environ.get(k) != v for k, v in PINNED.items())):
    os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, **PINNED})

import argparse  # noqa: E402  (after the restart above, before NumPy loads BLAS)
import gc  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402

import autograd as ag  # noqa: E402


def best_of(fns, repeats):
    """Fastest of `repeats` timed calls of each function (after one warm-up), in seconds.
    The functions take turns, so that a busy machine slows them alike."""
    for fn in fns:
        fn()
    best = [float("inf")] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t0)
    return best


# ---- (a) scalar chain -------------------------------------------------------------------------


def chain_autograd(n):
    x = ag.Tensor(0.5, requires_grad=True)
    y = x
    for _ in range(n // 3):
        y = (y * 1.0001 + 0.01).tanh()
    y.backward()
    return x.grad.item()


class Scalar:
    """A plain-Python scalar engine (the reference): a float and a closure per operation."""

    __slots__ = ("v", "g", "parents", "local")

    def __init__(self, v, parents=(), local=()):
        self.v, self.g, self.parents, self.local = v, 0.0, parents, local

    def __add__(self, c):
        return Scalar(self.v + c, (self,), (1.0,))

    def __mul__(self, c):
        return Scalar(self.v * c, (self,), (c,))

    def tanh(self):
        t = math.tanh(self.v)
        return Scalar(t, (self,), (1 - t * t,))

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:                      # iterative topological sort
            node, done = stack.pop()
            if done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p in node.parents)
        self.g = 1.0
        for node in reversed(order):
            for p, d in zip(node.parents, node.local):
                p.g += d * node.g


def chain_reference(n):
    x = Scalar(0.5)
    y = x
    for _ in range(n // 3):
        y = (y * 1.0001 + 0.01).tanh()
    y.backward()
    return x.g


def chain_peak_mib(n):
    """Peak traced memory of building and backpropagating an n-op chain, in MiB."""
    tracemalloc.start()
    chain_autograd(n)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2 ** 20


# ---- (c) overhead under no_grad -----------------------------------------------------------------


def no_grad_overhead(repeats, n=100_000):
    """(µs per op of t * c, t.tanh(), t + c under no_grad, µs of the same NumPy calls)."""
    t, a = ag.Tensor(0.5), np.float64(0.5)

    def tensor_ops():
        with ag.no_grad():
            for _ in range(n):
                t * 1.0001
                t.tanh()
                t + 0.01

    def numpy_ops():
        for _ in range(n):
            a * 1.0001
            np.tanh(a)
            a + 0.01

    t_ag, t_np = best_of([tensor_ops, numpy_ops], repeats)
    return t_ag / (3 * n) * 1e6, t_np / (3 * n) * 1e6


# ---- (b) MLP training step --------------------------------------------------------------------

SIZES = (784, 256, 128, 10)
BATCH, LR = 128, 0.01


def mlp_data(dtype, seed=0):
    rng = np.random.default_rng(seed)
    weights = [(rng.standard_normal((i, o)) * np.sqrt(2 / i)).astype(dtype)
               for i, o in zip(SIZES[:-1], SIZES[1:])]
    biases = [np.zeros(o, dtype) for o in SIZES[1:]]
    x = rng.standard_normal((BATCH, SIZES[0])).astype(dtype)
    y = rng.integers(0, SIZES[-1], BATCH)
    return weights, biases, x, y


def numpy_step(weights, biases, x, y):
    """Hand-written forward and backward of the MLP with softmax cross-entropy, then SGD."""
    acts, h = [x], x
    for i, (w, b) in enumerate(zip(weights, biases)):
        h = h @ w + b
        if i < len(weights) - 1:
            h = np.maximum(h, 0)
        acts.append(h)
    z = h - h.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(len(y)), y]).mean()
    g = p
    g[np.arange(len(y)), y] -= 1
    g /= len(y)
    for i in reversed(range(len(weights))):
        gw, gb = acts[i].T @ g, g.sum(axis=0)
        if i > 0:
            g = (g @ weights[i].T) * (acts[i] > 0)
        weights[i] -= LR * gw
        biases[i] -= LR * gb
    return loss


def autograd_step(weights, biases, x, y):
    """The same step through the engine: forward with Tensor ops, backward, SGD in place."""
    h = x
    for i, (w, b) in enumerate(zip(weights, biases)):
        h = h @ w + b
        if i < len(weights) - 1:
            h = h.relu()
    loss = -ag.log_softmax(h, axis=1)[np.arange(len(y)), y].mean()
    loss.backward()
    with ag.no_grad():
        for p in weights + biases:
            p.sub_(LR * p.grad.data)
            p.grad = None
    return loss.item()


def bench_mlp(dtype, repeats):
    w, b, x, y = mlp_data(dtype)
    tw = [ag.Tensor(a, requires_grad=True) for a in w]
    tb = [ag.Tensor(a, requires_grad=True) for a in b]
    xt = ag.Tensor(x)
    t_np, t_ag = best_of([lambda: numpy_step(w, b, x, y),
                          lambda: autograd_step(tw, tb, xt, y)], repeats)
    assert tw[0].dtype == dtype, "the step must stay in the requested dtype"
    return t_np, t_ag


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--as-is", action="store_true",
                        help="do not pin BLAS threads and malloc (see the module doc)")
    args = parser.parse_args()
    repeats = 3 if args.quick else 20
    pinned = all(os.environ.get(k) == v for k, v in PINNED.items())
    print(f"numpy {np.__version__}, Python {sys.version.split()[0]}, "
          f"{'BLAS on 1 thread, malloc pinned' if pinned else 'environment as is'}\n")

    print("(a) scalar chain, build + backward, µs per operation (best of %d); target: the "
          "ratio to plain Python" % repeats)
    print(f"{'ops':>9} {'chainrule':>10} {'plain Python':>13} {'ratio':>6} {'target':>7}")
    for n, target, reps in [(10_000, 1.3, repeats), (100_000, 1.3, repeats),
                            (1_000_000, 2.0, 1 if args.quick else 3)]:
        t_ag, t_ref = (t / n * 1e6 for t in best_of([lambda: chain_autograd(n),
                                                     lambda: chain_reference(n)], reps))
        flag = "ok" if t_ag / t_ref <= target else "MISSED"
        print(f"{n:>9} {t_ag:>10.2f} {t_ref:>13.2f} {t_ag / t_ref:>6.2f} {target:>7.1f}  {flag}")
    assert abs(chain_autograd(999) - chain_reference(999)) < 1e-12
    print(f"  peak memory of the 1,000,000-op chain: {chain_peak_mib(1_000_000):.0f} MiB")

    print("\n(c) forward under no_grad(), µs per op (t * c, tanh, t + c on a 0-d tensor)")
    t_ag, t_np = no_grad_overhead(repeats)
    flag = "ok" if t_ag - t_np <= 0.4 else "MISSED"
    print(f"  chainrule {t_ag:.2f}, NumPy {t_np:.2f}, overhead {t_ag - t_np:.2f} "
          f"(target <= 0.40)  {flag}")

    print("\n(b) MLP 784-256-128-10, batch 128, one SGD step, ms (best of %d)" % repeats)
    print(f"{'dtype':>8} {'NumPy':>8} {'chainrule':>10} {'ratio':>6} {'target':>7}")
    for dtype, target in [(np.float64, 1.15), (np.float32, 1.3)]:
        t_np, t_ag = bench_mlp(dtype, repeats)
        ratio = t_ag / t_np
        flag = "ok" if ratio <= target else "MISSED"
        print(f"{np.dtype(dtype).name:>8} {t_np * 1e3:>8.2f} {t_ag * 1e3:>10.2f} "
              f"{ratio:>6.2f} {target:>7.2f}  {flag}")
    gc.collect()


if __name__ == "__main__":
    main()
