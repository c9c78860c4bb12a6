"""Gradient checkpointing: keep a segment's inputs, not its intermediates, and recompute the
segment during backward (memory for time, as torch.utils.checkpoint).

`checkpoint(fn, *args)` runs fn once with grad on, finds which tensors requiring grad it
depends on (its Tensor arguments and the leaves it closes over, such as a layer's
parameters), keeps only the output's data and records one node (a `Function`) whose backward
runs fn again and differentiates the fresh copy. The intermediates of the first run are freed
as soon as checkpoint returns. fn must be deterministic (same output when run again; reseed any
randomness) and return one Tensor. A non-leaf tensor fn closes over is differentiated through
to its leaves (the totals are right, but `autograd.grad` with respect to it sees no gradient
through the checkpoint): pass such tensors as arguments instead.

The node's gradients are partial derivatives: with respect to each argument, and with respect
to each closed-over leaf with the arguments held fixed (the recomputation stops at the
arguments), so a leaf that also feeds an argument is not counted twice.
"""

from . import graph
from .engine import backprop
from .function import Function
from .grad_mode import enable_grad, modes
from .ops import copy
from .tensor import Tensor

__all__ = ["checkpoint"]


class _Run:
    """What the checkpoint node needs to run the segment again."""

    def __init__(self, fn, args, pos, params, data):
        self.fn, self.args, self.pos, self.params, self.data = fn, args, pos, params, data

    def __repr__(self):
        return f"<segment {getattr(self.fn, '__name__', type(self.fn).__name__)}>"


def checkpoint(fn, *args):
    """fn(*args), keeping only inputs and output: the segment is recomputed in backward."""
    if not modes.grad:
        return fn(*args)
    pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    first = list(args)
    for i in pos:
        first[i] = Tensor(args[i].data, requires_grad=args[i].requires_grad)
    out = fn(*first)
    if not isinstance(out, Tensor):
        raise TypeError(f"checkpoint: fn must return one Tensor; got {type(out).__name__}")
    if not out.requires_grad:
        return out
    params = graph.leaves([out], stop={id(first[i]) for i in pos})
    run = _Run(fn, args, pos, params, out.data)
    del out, first                           # the segment's intermediates go here
    return _Checkpoint.apply(run, *[args[i] for i in pos], *params)


class _Checkpoint(Function):
    """One node standing for a whole recomputed segment."""

    @staticmethod
    def forward(ctx, run, *tensors):
        ctx.run = run
        ctx.save_for_backward(*tensors)
        return run.data

    @staticmethod
    def backward(ctx, g):
        run, create = ctx.run, modes.grad     # grad mode on: create_graph
        saved = ctx.saved_tensors[:len(run.pos)]
        full, xs = list(run.args), []
        for i, t in zip(run.pos, saved):
            if not (t.requires_grad if create else run.args[i].requires_grad):
                full[i] = t
                continue
            full[i] = copy(t) if create else Tensor(t.data, requires_grad=True)
            xs.append((i, full[i]))
        wrt = [x for _, x in xs] + run.params
        with enable_grad():
            out = run.fn(*full)
            found = {} if not out.requires_grad else backprop(
                [out], [g if create else g.data], create_graph=create, accumulate=False,
                targets={id(w) for w in wrt}, stop={id(x) for _, x in xs})
        got = [found.get(id(w)) for w in wrt]       # None: no gradient (zeros)
        by_pos = {i: r for (i, _), r in zip(xs, got)}
        return (None, *[by_pos.get(i) for i in run.pos], *got[len(xs):])
