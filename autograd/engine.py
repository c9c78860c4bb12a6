"""The chain rule over the recorded graph. No maths lives here.

`backprop` is the one backward pass; `backward` and `grad` are its two front doors:
1. the roots get their seeds; nodes are visited from the latest made down (graph.py explains
   why that is a topological order), so a node is visited once every gradient it will receive
   has arrived; leaves come last;
2. at each node: its hooks, then each parent's VJP; a cotangent of a broadcast shape is summed
   down to its input's shape (broadcasting is undone here and only here), checked, and added up;
3. leaves (and tensors that asked with `retain_grad()`) receive `.grad`; gradients add.

Cotangents live in a dict local to the pass, keyed by node identity. A cotangent that has
received two contributions, or one from a primitive's in-place VJP form (Primitive.defvjp_into),
is a Gathering: an array the pass made itself, which takes further contributions in place;
arrays that came from elsewhere (the user's seed, a VJP returning its g) are never written. The graph itself is left
as it was, so it can be drawn after backward and differentiated again: calling backward twice
adds the gradients twice (`retain_graph` is accepted for PyTorch compatibility and ignored).

Without `create_graph` the VJPs run on plain arrays (array mode) and record nothing; with it
they run on Tensors with grad mode on, so the gradients come with a graph of their own.
"""

import gc
import heapq
import warnings

import numpy as np

from .grad_mode import modes, modes_for_vjps, tensor_mode
from .graph import leading_to
from .ops.reductions import sum_to
from .ops.shape import gradient_copy
from .primitive import check_backward
from .tensor import Tensor, clock, wrap

__all__ = ["backward", "grad", "backprop", "contribution"]


def backward(tensor, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradient of `tensor` into `.grad` of the leaves it depends on (or only of
    `inputs`). `gradient` is required unless `tensor` has one element. With `create_graph` the
    gradients are themselves differentiable."""
    if not tensor.requires_grad:
        raise RuntimeError("backward: this tensor does not require grad; it was not computed "
                           "from any tensor with requires_grad=True (or grad mode was off)")
    seed = _seed(tensor, gradient, "backward", create_graph)
    if inputs is None:
        backprop([tensor], [seed], create_graph=create_graph)
        return
    inputs = _as_list(inputs)
    if not inputs:
        raise RuntimeError("backward: `inputs` is empty; pass None to accumulate into every leaf")
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor) or not x.requires_grad:
            raise RuntimeError(f"backward: inputs[{i}] does not require grad")
    # only the VJPs leading to `inputs` run; each input (leaf or not) accumulates its gradient
    found = backprop([tensor], [seed], create_graph=create_graph, accumulate=False,
                     targets={id(x) for x in inputs})
    for x in {id(x): x for x in inputs}.values():
        if id(x) in found:
            _accumulate(x, found[id(x)], not create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """The gradients of `outputs` with respect to `inputs`, as a tuple, without touching any
    `.grad`. With `create_graph` the results can be differentiated again (a gradient that does
    not depend on the inputs, such as relu's, differentiates to zeros)."""
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    grad_outputs = _as_list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor) or not x.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad; create it with "
                               "requires_grad=True")
    seeds = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, Tensor) or not out.requires_grad:
            raise RuntimeError(f"grad: output {i} does not require grad; it was not computed "
                               "from any of the inputs")
        seeds.append(_seed(out, g, "grad", create_graph))
    found = backprop(outputs, seeds, create_graph=create_graph, accumulate=False,
                     targets={id(x) for x in inputs})
    result = []
    for i, x in enumerate(inputs):
        g = found.get(id(x))
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} (shape {x.shape}) was not used to compute the "
                               "outputs; pass allow_unused=True to get None for it")
        result.append(None if g is None else _owned(g, x, not create_graph))
    return tuple(result)


def backprop(roots, seeds, *, create_graph=False, accumulate=True, targets=None, stop=(),
             hooks=True, on_step=None):
    """Run the chain rule from `roots` with cotangents `seeds` (arrays, or Tensors when
    `create_graph`). Leaves (and retained tensors) accumulate `.grad` when `accumulate`.
    Returns {id: cotangent} for the ids in `targets`; only VJPs leading to a target run then.
    Tensors in `stop` (ids) receive their cotangent but send none on. `hooks=False` skips the
    tensors' hooks. `on_step(tensor, cotangent)` is called as each tensor is settled, in the
    engine's order, with its complete cotangent (a Tensor): the step-by-step pictures use it."""
    run = _Pass(create_graph, accumulate, targets, stop, hooks, on_step,
                None if targets is None else leading_to(roots, targets))
    for r, g in zip(roots, seeds):
        run.receive(r, g)
    collecting = gc.isenabled()
    gc.disable()        # the graph has no cycles: collections would only cost time here
    try:
        with modes_for_vjps(create_graph):
            run.nodes()
            for t in run.leaves:
                g = run.grads.pop(id(t))
                run.settle(t, g.value() if type(g) is Gathering else g)
    finally:
        if collecting:
            gc.enable()
    return run.found


class Gathering:
    """A cotangent of several contributions in a first-order backward (or of one from a VJP's
    in-place form, Primitive.defvjp_into): an array of the input's shape that the pass owns,
    so further contributions add in place, plus products aᵢᵀbᵢ not yet formed. The products are formed at once, as one product of the stacked operands, when the
    cotangent is complete: a weight used at T time steps gets its gradient in one matrix
    product instead of T small ones."""

    __slots__ = ("shape", "dtype", "array", "own", "lefts", "rights")

    def __init__(self, like, start=None, owned=False):
        self.shape, self.dtype = like.shape, like.dtype
        self.array, self.own = start, owned     # own: made by this pass, writable
        self.lefts, self.rights = [], []

    def buffer(self):
        """The array, made the pass's own (zeros, or a copy of what came from elsewhere)."""
        if not self.own:
            self.array = np.zeros(self.shape, self.dtype) if self.array is None else \
                np.array(self.array, dtype=self.dtype)
            self.own = True
        return self.array

    def __iadd__(self, g):
        if self.array is None:
            self.array = g
        else:
            self.buffer()[...] += g
        return self

    def add_product(self, a, b):
        """Add aᵀb (a of shape (n, k), b of shape (n, m) or (n,)), formed later."""
        self.lefts.append(a)
        self.rights.append(b)

    def value(self):
        if self.lefts:
            a, b = self.lefts, self.rights
            p = a[0].T @ b[0] if len(a) == 1 else np.concatenate(a).T @ np.concatenate(b)
            self.lefts, self.rights = [], []
            self += p if p.dtype == self.dtype else p.astype(self.dtype)
        return np.zeros(self.shape, self.dtype) if self.array is None else self.array


class _Pass:
    """One backward pass: the cotangents gathered so far, the nodes waiting (a heap keyed by
    the clock, latest first), the leaves reached, and what to do once a tensor is settled."""

    def __init__(self, create_graph, accumulate, targets, stop, hooks, on_step, useful):
        self.raw, self.accumulate, self.targets, self.stop = not create_graph, accumulate, \
            targets, stop
        self.hooks, self.on_step, self.useful = hooks, on_step, useful
        self.grads, self.heap, self.leaves, self.found = {}, [], [], {}
        self.special = targets is not None or on_step is not None or bool(stop)

    def receive(self, t, g):
        """Add cotangent g to t's; the first one puts t in line to be visited."""
        key = id(t)
        prev = self.grads.get(key)
        if prev is not None:
            self.grads[key] = prev + g
            return
        self.grads[key] = g
        self.leaves.append(t) if t._op is None else heapq.heappush(self.heap, (-t._seq, t))

    def settle(self, t, g):
        """Hooks, retained gradient, target, step hook: what happens once t's cotangent is
        complete. Returns the cotangent to send on (hooks may replace it)."""
        raw = self.raw
        if self.hooks and t._hooks:
            g = _run_hooks(t, g, raw)
        if self.accumulate and (t._op is None or t._retains):
            _accumulate(t, g, raw)
        if self.targets is not None and id(t) in self.targets:
            self.found[id(t)] = g
        if self.on_step is not None:
            self.on_step(t, wrap(g) if raw else g)
        return g

    def nodes(self):
        """Visit the nodes, latest made first, sending each one's cotangent to its parents
        through its op's VJPs. Long because it is the hot loop, kept inline: a scalar graph
        spends most of backward here (a chain goes from node to node without the heap)."""
        heap, grads, pop, push = self.heap, self.grads, heapq.heappop, heapq.heappush
        raw, useful, special, stop, leaves = self.raw, self.useful, self.special, self.stop, \
            self.leaves
        anomaly = modes.anomaly
        nxt = None          # the next node when it is known without the heap (a chain)
        while True:
            if nxt is not None:
                t, nxt = nxt, None
            elif heap:
                t = pop(heap)[1]
            else:
                break
            g = grads.pop(id(t))
            if type(g) is Gathering:
                g = g.value()
            if special or t._hooks is not None:
                g = self.settle(t, g)
                if id(t) in stop:
                    continue
            inputs = t._inputs
            if t._seq < clock.last_change:      # something was changed in place since t was made
                _check_versions(t)
            if raw:     # the VJPs see arrays; spelled out for one or two inputs, the hot case
                if len(inputs) == 1:
                    x0, = inputs
                    args = (x0._data if isinstance(x0, Tensor) else x0,)
                elif len(inputs) == 2:
                    x0, x1 = inputs
                    args = (x0._data if isinstance(x0, Tensor) else x0,
                            x1._data if isinstance(x1, Tensor) else x1)
                else:
                    args = [x._data if isinstance(x, Tensor) else x for x in inputs]
                out = t._data
            else:
                args, out = inputs, t
            kw, vjps, op = t._kw, t._op.vjps, t._op
            into = op.vjps_into if raw and not anomaly else None
            every = op.vjp_all and op.vjp_all(g, out, *args, **kw)    # all inputs in one call
            for k in t._parents:
                x = inputs[k]
                key = id(x)
                if useful is not None and key not in useful:
                    continue                    # no target lies behind x: skip its VJP
                prev = grads.get(key)
                if into is not None and into[k] is not None:
                    # the VJP's in-place form adds into x's gathering cotangent
                    if type(prev) is not Gathering:
                        grads[key] = Gathering(x._data, prev)
                    into[k](grads[key], g, out, *args, **kw)
                    if prev is not None:
                        continue
                else:
                    gx = every[k] if every else \
                        vjps[k](g, out, *args, **kw) if kw else vjps[k](g, out, *args)
                    if not raw and not isinstance(gx, Tensor):
                        gx = _constant_vjp(op, k, gx)
                    xdata = x._data
                    if gx.shape != xdata.shape:
                        gx = _fit(gx, xdata.shape, op, k)
                    if gx.dtype is not xdata.dtype and gx.dtype != xdata.dtype:
                        gx = gx.astype(xdata.dtype)
                    if anomaly:
                        check_backward(op, t, k, gx)
                    if prev is not None:
                        if type(prev) is Gathering:
                            prev += gx              # an array of this pass: add in place
                        else:
                            total = prev + gx
                            grads[key] = Gathering(xdata, total, True) if raw and \
                                type(total) is np.ndarray and total.ndim else total
                        continue
                    grads[key] = gx
                # x's first cotangent: put x in line
                if x._op is None:
                    leaves.append(x)
                elif nxt is None:
                    nxt = x
                else:
                    push(heap, (-x._seq, x))
            if nxt is not None and heap and heap[0][0] < -nxt._seq:
                push(heap, (-nxt._seq, nxt))    # a later-made node waits: nxt is not next
                nxt = None


def contribution(t, k, g):
    """The cotangent node t sends its input k when its own cotangent is g (arrays in, array
    out, nothing recorded), summed to the input's shape: what backprop adds along that edge.
    For pictures and checks; backprop's loop does the same inline."""
    args = [x._data if isinstance(x, Tensor) else x for x in t._inputs]
    with modes_for_vjps(False):
        gx = t._op.vjps[k](g, t._data, *args, **t._kw)
        return _fit(gx, np.shape(t._inputs[k]._data), t._op, k)


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _seed(out, gradient, opname, create_graph):
    """The cotangent the pass starts from: ones for one-element outputs, else `gradient`."""
    if out.dtype.kind == "c":
        raise TypeError(f"{opname}: the output has complex dtype {out.dtype}; chainrule "
                        "differentiates real-valued functions only: take a real-valued "
                        "function of it (abs, a sum of squares) first")
    if gradient is None:
        if out.size != 1:
            raise RuntimeError(f"{opname}: grad can be implicitly created only for outputs with "
                               f"one element; this output has shape {out.shape}. Pass a "
                               f"`gradient` of that shape")
        g = np.ones_like(out._data)
        return wrap(g) if create_graph else g
    g = gradient if isinstance(gradient, Tensor) else Tensor(gradient, dtype=out.dtype)
    if g.shape != out.shape:
        raise ValueError(f"{opname}: gradient has shape {g.shape} but the output has shape "
                         f"{out.shape}")
    return g if create_graph else g._data


def _fit(gx, shape, op, k):
    """Sum a broadcast cotangent down to its input's shape; refuse one that cannot be."""
    if np.shape(gx) == shape:
        return gx
    try:
        return sum_to(gx, shape)
    except ValueError:
        raise ValueError(f"{op.name}: the VJP for input {k} returned a gradient of shape "
                         f"{gx.shape}, which does not reduce to the input's shape {shape}") from None


def _owned(g, x, raw):
    """A gradient handed to the user: its own memory (never shared with another tensor's
    gradient or a graph's array) and, with create_graph, part of the graph even where it is
    constant in x, so that differentiating it again gives zeros instead of an error."""
    if raw:
        return wrap(np.array(g)[()])
    with modes_for_vjps(True):
        return gradient_copy(g, x)


def _accumulate(t, g, raw):
    """Add g to t.grad (a leaf, or a tensor that called retain_grad())."""
    if t._grad is None:
        t._grad = _owned(g, t, raw)
    elif raw:
        t._grad = wrap(t._grad._data + g)
    else:
        t._grad = t._grad + g


def _run_hooks(t, g, raw):
    """Let each hook of t see (and maybe replace) its gradient; hooks always get Tensors."""
    gt = wrap(g) if raw else g
    with tensor_mode(not raw):
        for hook in list(t._hooks):
            new = hook(gt)
            if new is not None:
                new = new if isinstance(new, Tensor) else Tensor(new, dtype=t.dtype)
                if new.shape != t.shape:
                    raise ValueError(f"hook: a hook returned a gradient of shape {new.shape} for "
                                     f"a tensor of shape {t.shape}")
                gt = new if new.dtype == t.dtype else new.astype(t.dtype)
    return gt._data if raw else gt


def _constant_vjp(op, k, gx):
    """A VJP that returned a plain array under create_graph: its result cannot be
    differentiated again. Say so (gradgradcheck shows the warning), and go on with a constant."""
    warnings.warn(f"{op.name}: the VJP (backward) for input {k} returned a plain array, not a "
                  f"Tensor, under create_graph=True, so second derivatives through "
                  f"'{op.name}' are taken as zero; write the backward with Tensor operations "
                  f"to make it differentiable", UserWarning, stacklevel=4)
    return wrap(np.asarray(gx))


def _check_versions(t):
    """Refuse to differentiate through t if t or a tensor it saved was changed in place."""
    for x in (t,) + tuple(t._inputs):
        if isinstance(x, Tensor) and x._version > t._seq:
            raise RuntimeError(
                f"backward: a tensor of shape {x.shape} that '{t._op.name}' saved for the "
                f"backward pass was changed in place after it was used (it is at version "
                f"{x._version}, newer than the graph). Redo the forward pass after the update, "
                f"or use an out-of-place operation.")
