"""What autograd.record_source() costs per op, against the default mode in the same run.

Under record_source() every op's result remembers the line of user code that made it (a walk
up the call stack to the first frame outside autograd and nn), for the explorer's tooltips.
Measured on (a) a chain of scalar ops written at the top of a function (a short walk) and
(b) repeated nn.Linear calls (the walk climbs through Module.__call__, forward and linear).

    python benchmarks/bench_record_source.py
"""

import time

import numpy as np

import autograd as ag
import nn
from autograd import graph


def scalar_chain(n):
    y = ag.Tensor(0.5, requires_grad=True)
    for _ in range(n):
        y = ag.tanh(y * 1.0001)
    return y


def linear_calls(n):
    ag.manual_seed(0)
    layer, y = nn.Linear(4, 4), ag.Tensor(np.ones((2, 4)))
    for _ in range(n):
        y = layer(y)
    return y


def best(fn, n, repeats=5):
    """Fastest of `repeats` runs of fn(n), in seconds, and the number of ops one run records."""
    ops = sum(1 for t, _ in graph.breadth_first([fn(n)]) if t.op is not None)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(n)
        times.append(time.perf_counter() - t0)
    return min(times), ops


def main():
    print("µs per op recorded (best of 5): default, under record_source(), ratio")
    for name, fn, n in (("(a) scalar chain, 20,000 ops", scalar_chain, 10_000),
                        ("(b) nn.Linear calls, 2,000 calls", linear_calls, 2_000)):
        plain, ops = best(fn, n)
        with ag.record_source():
            recorded, _ = best(fn, n)
        print(f"  {name:34s} {plain / ops * 1e6:6.2f} {recorded / ops * 1e6:6.2f} "
              f"{recorded / plain:5.2f}")


if __name__ == "__main__":
    main()
