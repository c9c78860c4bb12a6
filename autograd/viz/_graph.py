"""The part of a computation graph a picture shows: which tensors, in which order, cut where.

Every walk is autograd.graph's (iterative, never recursion), so graphs of millions of nodes
work. Tensors are numbered in breadth-first order from the roots, inputs in positional order:
the same computation always gets the same ids, which makes the DOT source deterministic.
"""

import numpy as np

from .. import graph as _walk
from ..engine import backprop, contribution
from ..tensor import Tensor


FOLD_PERIOD = 4        # the longest repeated block of ops (in ops) that folding looks for
FOLD_INPUTS = 6        # a folded run shows at most this many of its other inputs


class Fold:
    """A run of `count` repeats of the ops `ops` along a chain, drawn as one node; `inputs`
    are the drawn tensors it reads (the chain's start first), `hidden` the tensors inside it."""

    def __init__(self, ops, count, inputs, hidden, more=0):
        self.ops, self.count, self.inputs, self.hidden, self.more = ops, count, inputs, hidden, more


class Graph:
    """The tensors reachable from `roots`, numbered breadth-first, chains of `fold` or more
    repeats of one op or block of ops folded into one node (`folds`: {number of the run's
    output: Fold}), then cut at `max_depth` tensors from a root or after `max_nodes` tensors.
    `order` lists the kept tensors, `depth` their distance in ops from a root; `index` maps
    id(tensor) to its number; `cut[i]` counts
    the inputs of tensor i that were not drawn; `n_total` is the number of tensors reachable,
    drawn or not, and `n_shown` of those the picture stands for (folded ones included)."""

    def __init__(self, roots, max_nodes=None, max_depth=None, fold=None):
        for r in roots:
            if not isinstance(r, Tensor):
                raise TypeError(f"draw: roots must be Tensors; got {type(r).__name__}")
        if max_nodes is not None and max_nodes < 1:
            raise ValueError(f"draw: max_nodes must be at least 1; got {max_nodes}")
        if max_depth is not None and max_depth < 0:
            raise ValueError(f"draw: max_depth must be 0 or more; got {max_depth}")
        if fold not in (None, False) and (not isinstance(fold, int) or fold < 2):
            raise ValueError(f"draw: fold must be an int >= 2 (fold chains of that many "
                             f"repeats or more) or None; got {fold!r}")
        self.roots = roots
        self.limits = ", ".join(f"{k}={v}" for k, v in (("max_nodes", max_nodes),
                                                       ("max_depth", max_depth)) if v is not None)
        everything = [t for t, _ in _walk.breadth_first(roots)]
        self.n_total = len(everything)
        self.leaf_grads = any(not _walk.is_node(t) and t.grad is not None for t in everything)
        self.folds_by_id = find_folds(everything, roots, fold) if fold else {}
        self.n_hidden = sum(len(f.hidden) for f in self.folds_by_id.values())
        self.order, self.index, self.cut, self.depth = [], {}, {}, []
        for t, depth in _walk.breadth_first(self.roots, self.inputs_of):
            if ((max_nodes is None or len(self.order) < max_nodes)
                    and (max_depth is None or depth <= max_depth)):
                self.index[id(t)] = len(self.order)
                self.order.append(t)
                self.depth.append(depth)
        self.folds = {self.index[k]: f for k, f in self.folds_by_id.items() if k in self.index}
        for i, t in enumerate(self.order):
            n_cut = sum(1 for x in self.inputs_of(t) if id(x) not in self.index)
            n_cut += self.folds[i].more if i in self.folds else 0
            if n_cut:
                self.cut[i] = n_cut

    def inputs_of(self, t):
        """The tensors drawn as t's inputs: those of its fold, if t ends one, else its own."""
        f = self.folds_by_id.get(id(t))
        return f.inputs if f is not None else [x for x in _walk.inputs(t)
                                               if isinstance(x, Tensor)]


    def __len__(self):
        return len(self.order)


def chains(tensors, roots):
    """The chains among `tensors` (each tensor in one is the one node input of the next,
    which is its only user; roots end chains), each listed first made to last."""
    users = {}
    for t in tensors:
        for x in _walk.inputs(t):
            if isinstance(x, Tensor):
                users[id(x)] = users.get(id(x), 0) + 1
    keep = {id(r) for r in roots}
    after = {}          # id(x) -> the tensor after x in a chain
    for t in tensors:
        node_ins = [x for x in _walk.inputs(t) if isinstance(x, Tensor) and _walk.is_node(x)]
        if len(node_ins) == 1 and users[id(node_ins[0])] == 1 and id(node_ins[0]) not in keep:
            after[id(node_ins[0])] = t
    for t in tensors:
        if id(t) in after and not any(isinstance(x, Tensor) and after.get(id(x)) is t
                                      for x in _walk.inputs(t)):
            chain = [t]
            while id(chain[-1]) in after:
                chain.append(after[id(chain[-1])])
            yield chain


def find_folds(tensors, roots, fold):
    """{id(last tensor of a run): Fold} for every run of `fold` or more repeats of one op or
    block of ops along a chain (see chains)."""
    found = {}
    for chain in chains(tensors, roots):
        for lo, period, count in repeats([c.op.name for c in chain], fold):
            run = chain[lo:lo + period * count]
            found[id(run[-1])] = _fold(run, period, count)
    return found


def repeats(ops, fold):
    """(start, period, count) of the runs in the list `ops` where a block of `period` <=
    FOLD_PERIOD names repeats `count` >= fold times, longest coverage first, not overlapping."""
    runs, i, n = [], 0, len(ops)
    while i < n:
        best = None
        for p in range(1, FOLD_PERIOD + 1):
            j = i + p
            while j < n and ops[j] == ops[j - p]:
                j += 1
            count = (j - i) // p
            if count >= fold and (best is None or count * p > best[1] * best[2]):
                best = (i, p, count)
        if best is None:
            i += 1
        else:
            runs.append(best)
            i += best[1] * best[2]
    return runs


def _fold(run, period, count):
    """The Fold standing for the tensors of `run`, ordered made first to last."""
    inside = {id(t) for t in run}
    first = [x for x in _walk.inputs(run[0]) if isinstance(x, Tensor) and _walk.is_node(x)]
    inputs, seen = list(first), {id(x) for x in first}
    for t in run:
        for x in _walk.inputs(t):
            if (isinstance(x, Tensor) and id(x) not in inside and id(x) not in seen
                    and (x.requires_grad or _walk.is_node(x))):
                seen.add(id(x))
                inputs.append(x)
    shown = inputs[:FOLD_INPUTS]
    return Fold([t.op.name for t in run[:period]], count, shown, run[:-1],
                more=len(inputs) - len(shown))


def local_derivative(t, k):
    """d t / d (input k) for a one-element t and input, from the op's own VJP with g = 1
    (so it is whatever the engine multiplies along that edge); None where it is not a number."""
    x = t.inputs[k]
    if (not any(j == k for j, _ in _walk.parents(t)) or t.size != 1 or x.size != 1):
        return None
    return float(np.sum(contribution(t, k, np.ones_like(t.data))))


def chain_derivative(out, x, inside):
    """d out / d x along the one path of ops from x to out through the tensors `inside` (ids),
    for one-element tensors: the product of the local derivatives; None where there is no
    single path or a factor is not a number."""
    def reaches(u):
        return u is x or (id(u) in inside and any(reaches(v) for v in u.inputs))

    d, t = 1.0, out
    while t is not x:
        ks = [k for k, u in enumerate(t.inputs) if isinstance(u, Tensor) and reaches(u)]
        step = local_derivative(t, ks[0]) if len(ks) == 1 else None
        if step is None:
            return None
        d, t = d * step, t.inputs[ks[0]]
    return d


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
