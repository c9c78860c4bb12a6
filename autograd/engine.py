"""The chain rule over the recorded graph, in topological order. No maths lives here.

One backward pass:
1. count, for every tensor reachable from the roots, how many edges will bring it a gradient
   (an iterative walk: a chain of a million operations needs no recursion);
2. start from the roots and process a tensor once all its contributions have arrived
   (Kahn's algorithm): run its hooks, then each input's VJP; sum each contribution down to
   its input's shape (broadcasting is undone here and only here), check it, add it up;
3. leaves (and tensors that asked with `retain_grad()`) receive `.grad`; gradients add.

Cotangents live in a dict local to the pass, keyed by node identity. The graph itself is left
as it was, so it can be drawn after backward and differentiated again: calling backward twice
adds the gradients twice (`retain_graph` is accepted for PyTorch compatibility and ignored).

Without `create_graph` the VJPs run on plain arrays (`_state.raw`) and record nothing; with it
they run on Tensors with grad mode on, so the gradients come with a graph of their own.
"""

import gc

import numpy as np

from .grad_mode import _state
from .ops.reductions import sum_to
from .primitive import AnomalyError, creation_site
from .tensor import _RETAIN, Tensor, as_array

_new = object.__new__


def _wrap(data):
    t = _new(Tensor)
    t._data, t.requires_grad, t._op = data, False, None
    return t


def backward(tensor, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradient of `tensor` into `.grad` of the leaves it depends on (or only of
    `inputs`). `gradient` is required unless `tensor` has one element. With `create_graph` the
    gradients are themselves differentiable."""
    if not tensor.requires_grad:
        raise RuntimeError("backward: this tensor does not require grad; it was not computed "
                           "from any tensor with requires_grad=True (or grad mode was off)")
    root = _root_grad(tensor, gradient, "backward", create_graph)
    if inputs is None:
        _backprop([tensor], [root], create_graph, accumulate=True)
        return
    inputs = _as_list(inputs)
    if not inputs:
        raise RuntimeError("backward: `inputs` is empty; pass None to accumulate into every leaf")
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor) or not x.requires_grad:
            raise RuntimeError(f"backward: inputs[{i}] does not require grad")
    # only the VJPs leading to `inputs` run; each input (leaf or not) accumulates its gradient
    found = _backprop([tensor], [root], create_graph, accumulate=False,
                      targets={id(x) for x in inputs})
    for x in {id(x): x for x in inputs}.values():
        if id(x) in found:
            _accumulate(x, found[id(x)], not create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """The gradients of `outputs` with respect to `inputs`, as a tuple, without touching any
    `.grad`. With `create_graph` the results can be differentiated again."""
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
    roots, root_grads = [], []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, Tensor) or not out.requires_grad:
            raise RuntimeError(f"grad: output {i} does not require grad; it was not computed "
                               "from any of the inputs")
        roots.append(out)
        root_grads.append(_root_grad(out, g, "grad", create_graph))
    found = _backprop(roots, root_grads, create_graph, accumulate=False,
                      targets={id(x) for x in inputs})
    result = []
    for i, x in enumerate(inputs):
        g = found.get(id(x))
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} (shape {x.shape}) was not used to compute the "
                               "outputs; pass allow_unused=True to get None for it")
        result.append(None if g is None else g if isinstance(g, Tensor) else _wrap(g))
    return tuple(result)


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _root_grad(out, gradient, opname, create_graph):
    """The cotangent the pass starts from: ones for one-element outputs, else `gradient`."""
    if gradient is None:
        if out.size != 1:
            raise RuntimeError(f"{opname}: grad can be implicitly created only for outputs with "
                               f"one element; this output has shape {out.shape}. Pass a "
                               f"`gradient` of that shape")
        g = np.ones_like(out._data)
        return _wrap(g) if create_graph else g
    g = gradient if isinstance(gradient, Tensor) else Tensor(gradient, dtype=out.dtype)
    if g.shape != out.shape:
        raise ValueError(f"{opname}: gradient has shape {g.shape} but the output has shape "
                         f"{out.shape}")
    return g if create_graph else g._data


def _count_edges(roots):
    """For each tensor reachable from the roots: how many gradient contributions it awaits."""
    deps = {id(r): 0 for r in roots}
    stack = list({id(r): r for r in roots}.values())     # a root given twice is walked once
    while stack:
        t = stack.pop()
        op = t._op
        if op is None:
            continue
        vjps = op.vjps
        for k, x in enumerate(t._inputs):
            if isinstance(x, Tensor) and x.requires_grad and vjps[k] is not None:
                key = id(x)
                n = deps.get(key)
                if n is None:
                    deps[key] = 1
                    stack.append(x)
                else:
                    deps[key] = n + 1
    return deps


def _leading_to(roots, targets):
    """The ids of the tensors through which a gradient can reach a target (ids): autograd.grad
    runs only their VJPs (less work, and no NaN/warnings from branches it does not need)."""
    users, seen, stack = {}, set(), list(roots)
    while stack:
        t = stack.pop()
        if t._op is None:
            continue
        for x in t._inputs:
            if isinstance(x, Tensor) and x.requires_grad:
                users.setdefault(id(x), []).append(id(t))
                if id(x) not in seen:
                    seen.add(id(x))
                    stack.append(x)
    useful, stack = set(), list(targets)
    while stack:
        k = stack.pop()
        if k not in useful:
            useful.add(k)
            stack.extend(users.get(k, ()))
    return useful


def _backprop(roots, root_grads, create_graph, accumulate, targets=None,
              trace=None):
    """Run the chain rule from `roots`. Returns the cotangents of `targets` (ids) if given.
    `trace`, a list, receives one (tensor, grad, [(input, contribution, accumulated)]) per step,
    in processing order (used by the step-by-step pictures)."""
    deps = _count_edges(roots)
    useful = None if targets is None else _leading_to(roots, targets)
    grads = {}
    for r, g in zip(roots, root_grads):
        key = id(r)
        grads[key] = g if key not in grads else grads[key] + g
    ready = [r for r in {id(r): r for r in roots}.values() if deps[id(r)] == 0]
    found = {}
    raw = not create_graph
    saved = _state.raw, _state.grad_enabled, gc.isenabled()
    _state.raw, _state.grad_enabled = raw, create_graph
    gc.disable()        # the graph has no cycles: collections would only cost time here
    anomaly = _state.anomaly
    try:
        while ready:
            t = ready.pop()
            g = grads.pop(id(t))
            if t._hooks:
                g = _run_hooks(t, g, raw, accumulate)
            if targets is not None and id(t) in targets:
                found[id(t)] = g
            sent = [] if trace is not None else None
            op = t._op
            if op is None:
                if accumulate:
                    _accumulate(t, g, raw)
                if trace is not None:
                    trace.append((t, _wrap(g) if raw else g, sent))
                continue
            # send g to each input through op's VJPs
            inputs = t._inputs
            if t._stamp < _state.clock:     # something was changed in place since t was made
                _check_versions(op, t, inputs)
            if raw:
                # the VJPs see plain arrays; spelled out for one or two inputs, the hot case
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
            kw = t._kw
            vjps = op.vjps
            for k, x in enumerate(inputs):
                if not isinstance(x, Tensor) or not x.requires_grad or vjps[k] is None:
                    continue
                if useful is not None and id(x) not in useful:
                    continue                # no target lies behind x: skip its VJP
                gx = vjps[k](g, out, *args, **kw) if kw else vjps[k](g, out, *args)
                xdata = x._data
                if gx.shape != xdata.shape:
                    gx = _fit(gx, xdata.shape, op, k)
                if gx.dtype is not xdata.dtype and gx.dtype != xdata.dtype:
                    gx = gx.astype(xdata.dtype)
                if anomaly:
                    _check_backward(op, t, k, gx)
                key = id(x)
                prev = grads.get(key)
                grads[key] = gx if prev is None else prev + gx
                if sent is not None:
                    sent.append((x, _wrap(gx) if raw else gx, prev is not None))
                n = deps[key] - 1
                deps[key] = n
                if n == 0:
                    ready.append(x)
            if trace is not None:
                trace.append((t, _wrap(g) if raw else g, sent))
    finally:
        _state.raw, _state.grad_enabled = saved[:2]
        if saved[2]:
            gc.enable()
    return found


def _fit(gx, shape, op, k):
    """Sum a broadcast cotangent down to its input's shape; refuse one that cannot be."""
    try:
        return sum_to(gx, shape)
    except ValueError:
        raise ValueError(f"{op.name}: the VJP for input {k} returned a gradient of shape "
                         f"{gx.shape}, which does not reduce to the input's shape {shape}") from None


def _accumulate(t, g, raw):
    """Add g to t.grad (a leaf, or a tensor that called retain_grad())."""
    if raw:
        t._grad = _wrap(g) if t._grad is None else _wrap(t._grad._data + g)
    else:
        t._grad = g if t._grad is None else t._grad + g


def _run_hooks(t, g, raw, accumulate=True):
    """Let each hook of t see (and maybe replace) its gradient; hooks always get Tensors."""
    gt = _wrap(g) if raw else g
    _state.raw, prev_raw = False, _state.raw
    try:
        for hook in list(t._hooks):
            if hook is _RETAIN:
                continue
            new = hook(gt)
            if new is not None:
                new = new if isinstance(new, Tensor) else Tensor(new, dtype=t.dtype)
                if new.shape != t.shape:
                    raise ValueError(f"hook: a hook returned a gradient of shape {new.shape} for "
                                     f"a tensor of shape {t.shape}")
                gt = new if new.dtype == t.dtype else new.astype(t.dtype)
        if accumulate and _RETAIN in t._hooks:     # .grad shows the gradient after all hooks
            _accumulate(t, gt._data if raw else gt, raw)
    finally:
        _state.raw = prev_raw
    return gt._data if raw else gt


def _check_versions(op, t, inputs):
    """Refuse to differentiate through t if t or a tensor it saved was changed in place."""
    for x in (t,) + tuple(inputs):
        if isinstance(x, Tensor) and x._version > t._stamp:
            raise _modified(op, x)


def _modified(op, x):
    return RuntimeError(
        f"backward: a tensor of shape {x.shape} that '{op.name}' saved for the backward pass "
        f"was changed in place after it was used (it is at version {x._version}, newer than the "
        f"graph). Redo the forward pass after the update, or use an out-of-place operation.")


def _check_backward(op, t, k, gx):
    data = np.asarray(as_array(gx))
    if not np.isfinite(data).all():
        kind = "NaN" if np.isnan(data).any() else "inf"
        raise AnomalyError(f"{op.name}: backward produced {kind} in the gradient of input {k} "
                           f"(shape {data.shape}). The op was created at:\n" + creation_site(t))
