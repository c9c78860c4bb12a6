"""The part of a computation graph a picture shows: which tensors, in which order, cut where.

Everything here walks iteratively (a deque, never recursion), so graphs of millions of nodes
work. Tensors are numbered in breadth-first order from the roots, inputs in positional order:
the same computation always gets the same ids, which makes the DOT source deterministic.
"""

import numpy as np

from .. import graph as _walk
from ..engine import backprop, contribution
from ..tensor import Tensor


class Graph:
    """The tensors reachable from `roots`, numbered breadth-first, cut at `max_depth` tensors
    from a root or after `max_nodes` tensors. `order` lists the kept tensors; `index` maps
    id(tensor) to its number; `cut[i]` counts the inputs of tensor i that were not drawn;
    `n_total` is the number of tensors reachable, drawn or not."""

    def __init__(self, roots, max_nodes=None, max_depth=None):
        for r in roots:
            if not isinstance(r, Tensor):
                raise TypeError(f"draw: roots must be Tensors; got {type(r).__name__}")
        if max_nodes is not None and max_nodes < 1:
            raise ValueError(f"draw: max_nodes must be at least 1; got {max_nodes}")
        if max_depth is not None and max_depth < 0:
            raise ValueError(f"draw: max_depth must be 0 or more; got {max_depth}")
        self.roots = roots
        self.limits = ", ".join(f"{k}={v}" for k, v in (("max_nodes", max_nodes),
                                                       ("max_depth", max_depth)) if v is not None)
        self.order, self.index, self.cut = [], {}, {}
        n_total = 0
        self.leaf_grads = False     # does any leaf reachable from the roots have a .grad?
        for t, depth in _walk.breadth_first(roots):
            n_total += 1
            if not _walk.is_node(t) and t.grad is not None:
                self.leaf_grads = True
            if ((max_nodes is None or len(self.order) < max_nodes)
                    and (max_depth is None or depth <= max_depth)):
                self.index[id(t)] = len(self.order)
                self.order.append(t)
        self.n_total = n_total
        for i, t in enumerate(self.order):
            n_cut = sum(1 for x in t.inputs if isinstance(x, Tensor) and id(x) not in self.index)
            if n_cut:
                self.cut[i] = n_cut

    def __len__(self):
        return len(self.order)


def local_derivative(t, k):
    """d t / d (input k) for a one-element t and input, from the op's own VJP with g = 1
    (so it is whatever the engine multiplies along that edge); None where it is not a number."""
    x = t.inputs[k]
    if (not any(j == k for j, _ in _walk.parents(t)) or t.size != 1 or x.size != 1):
        return None
    return float(np.sum(contribution(t, k, np.ones_like(t.data))))


def gradient_pass(roots, trace=None, caller="backprop_steps"):
    """Run one backward pass of the engine from the one-element `roots` (seeded with ones) and
    return {id(tensor): gradient array} for every tensor it reached, in processing order.
    `trace`, a list, receives (tensor, gradient, [(input, contribution, already had one)]) per
    step. The pass leaves the user's state alone: no `.grad` is written and no hook runs."""
    for r in roots:
        if r.size != 1:
            raise ValueError(f"{caller}: the roots must have one element each; got shape "
                             f"{r.shape} (the pass is seeded with ones)")
        if not r.requires_grad:
            raise RuntimeError(f"{caller}: a root does not require grad, so there is no "
                               "backward pass to show")
    trace = [] if trace is None else trace
    reached = set()

    def step(t, g):
        sent = []
        for k, x in _walk.parents(t):
            sent.append((x, Tensor(contribution(t, k, g.data)), id(x) in reached))
            reached.add(id(x))
        trace.append((t, g, sent))

    backprop(list(roots), [np.ones_like(r.data) for r in roots], accumulate=False, hooks=False,
             on_step=step)
    return {id(t): np.asarray(g.data) for t, g, _ in trace}
