"""Custom operations with a derivative of their own, declared PyTorch style.

    class Cube(autograd.Function):
        @staticmethod
        def forward(ctx, x):                 # x: a Tensor (grad mode off here)
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):                # g and the saved tensors: Tensors
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2            # one gradient per forward argument

    y = Cube.apply(x)

Each subclass becomes one `Primitive` (named after the class), so a custom op is a node like
any other: the engine undoes broadcasting of what `backward` returns, checks shapes, draws it,
and `gradcheck` tests it. The lower-level way to declare an op is the one the core itself
uses, `autograd.primitive` + `defvjp` (forward on arrays, one VJP per input).

What users see, always Tensors:
- `forward(ctx, *args)` gets Tensors (detached from the graph, grad mode off) for the Tensor
  arguments and every other argument unchanged; it returns one Tensor (or array/number).
- `backward(ctx, grad)` gets the output gradient as a Tensor and returns one gradient per
  forward argument (None for non-Tensor arguments or where no gradient flows; None counts as
  zero). During a first-order backward it runs on Tensors without a graph (the engine's plain
  array mode is switched off around it); during `backward(create_graph=True)` it runs with
  grad mode on, so it is differentiated again if it is written with Tensor operations.
- `ctx.saved_tensors` gives back what `forward` passed to `ctx.save_for_backward`. Inputs and
  the output are given back as the graph's own tensors, so second derivatives flow through
  them; any other saved tensor (an intermediate computed in forward) is a constant, so a
  backward that uses one is correct to first order only, as in PyTorch.
- `ctx.needs_input_grad` says, per forward argument, whether a gradient is wanted.
A Function has one output; compose several Functions for several outputs.
"""

import numpy as np

from .grad_mode import modes, tensor_mode
from .primitive import Primitive
from .tensor import Tensor, as_array, wrap

__all__ = ["Function", "FunctionCtx"]


class FunctionCtx:
    """The `ctx` of one call of a Function: carries what forward saves to backward."""

    def __init__(self, fn, args, pos):
        self._fn, self._args, self._pos = fn, args, pos
        self._saved, self._live, self._cache = (), None, None
        self.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad
                                      and modes.grad for a in args)

    def __repr__(self):
        return f"<{self._fn.__name__} ctx>"

    def save_for_backward(self, *tensors):
        """Keep tensors (inputs, the output, or others) for backward; see the module doc."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"{self._fn.__name__}.save_for_backward: expected Tensors or "
                                f"None, got {type(t).__name__}; keep other values as ctx "
                                f"attributes (ctx.alpha = ...)")
        self._saved = tensors

    @property
    def saved_tensors(self):
        """The saved tensors; inside backward, inputs and output are the graph's own."""
        if self._live is None:
            return tuple(t for t in self._saved)
        out, inputs = self._live
        return tuple(out if isinstance(ref, str) else inputs[ref] if isinstance(ref, int) else ref
                     for ref in self._refs)

    def _resolve(self, ins, out):
        """After forward: note which saved tensors are inputs (their index) or the output."""
        refs = []
        for t in self._saved:
            k = next((k for k, x in enumerate(ins) if t is x), None)
            refs.append(k if k is not None else "out" if t is out else
                        None if t is None else t.detach())
        self._refs = refs
        self._args = tuple(None if isinstance(a, Tensor) else a for a in self._args)

    def _gradients(self, g, out, inputs):
        """Run the user's backward once per backward step; gradients of the Tensor inputs."""
        if self._cache is not None and self._cache[0] is g:
            return self._cache[1]
        raw = modes.arrays
        tensor = wrap if raw else (lambda v: v if isinstance(v, Tensor) else wrap(v))
        self._live = tensor(out), [tensor(x) for x in inputs]
        name = self._fn.__name__
        try:
            with tensor_mode(modes.grad):
                res = self._fn.backward(self, tensor(g))
        finally:
            self._live = None
        n = len(self._args)
        res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
        if len(res) != n:
            raise ValueError(f"{name}.backward: returned {len(res)} gradient(s) but forward "
                             f"took {n} argument(s); return one per argument (None for none)")
        grads = []
        for k, i in enumerate(self._pos):
            r, x = res[i], inputs[k]
            if r is None:           # no gradient: zeros, a constant either way
                r = np.zeros_like(as_array(x))
                grads.append(r if raw else wrap(r))
            elif isinstance(r, Tensor):
                grads.append(as_array(r) if raw else r)
            else:                   # a plain array: under create_graph the engine warns
                grads.append(np.asarray(r))
        self._cache = (g, grads)
        return grads


def _name(ctx):
    """The name of the Function subclass a ctx belongs to."""
    return getattr(getattr(ctx, "_fn", None), "__name__", "a Function subclass")


class Function:
    """Base class of a custom op: define static `forward(ctx, *args)` and `backward(ctx, g)`,
    then call `YourOp.apply(*args)`. See the module doc for what each one sees."""

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError(f"{_name(ctx)} must define a static forward(ctx, *args)")

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError(f"{_name(ctx)} must define a static backward(ctx, grad)")

    @classmethod
    def apply(cls, *args):
        """Run forward, recording the call as one node of the graph."""
        raw = modes.arrays
        pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)
               or (raw and isinstance(a, (np.ndarray, np.generic)))]
        ctx = FunctionCtx(cls, args, pos)
        prim = cls._primitive()
        if not pos:                        # nothing to differentiate: a constant
            return wrap(prim.fwd(ctx=ctx))
        return prim.apply(*[args[i] for i in pos], ctx=ctx)

    @classmethod
    def _primitive(cls):
        """This class's Primitive (made on first use): forward and one VJP for any input."""
        prim = cls.__dict__.get("_prim")
        if prim is None:
            prim = Primitive(lambda *arrays, ctx: _forward(cls, ctx, arrays), name=cls.__name__)
            prim.defvjp_argnum(_vjp)
            cls._prim = prim
        return prim


def _forward(cls, ctx, arrays):
    """The Primitive's forward: the user's forward on Tensors, returning an array."""
    full = list(ctx._args)
    ins = [wrap(a) for a in arrays]
    for i, x in zip(ctx._pos, ins):
        full[i] = x
    with tensor_mode(False):
        out = cls.forward(ctx, *full)
    if isinstance(out, (tuple, list)):
        raise TypeError(f"{cls.__name__}.forward: returned a {type(out).__name__}; a Function "
                        "has one output (use one Function per output)")
    ctx._resolve(ins, out)
    data = as_array(out)
    return data[()] if isinstance(data, np.ndarray) and data.ndim == 0 else data


def _vjp(k, g, out, *inputs, ctx):
    """The VJP for Tensor argument k: k-th entry of the (cached) user backward's result."""
    grads = ctx._gradients(g, out, inputs)
    if k == max((j for j, i in enumerate(ctx._pos) if ctx.needs_input_grad[i]), default=-1):
        ctx._cache = None              # the last one the engine will ask for: let g go
    return grads[k]
