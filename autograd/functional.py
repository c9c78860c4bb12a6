"""JAX-style function transforms on the reverse-mode engine.

    >>> from autograd import functional as F, tanh
    >>> d3 = F.grad(F.grad(F.grad(tanh)))          # third derivative, by nesting
    >>> F.jacobian(lambda x: x ** 2)(np.array([1.0, 2.0]))
    Tensor([[2., 0.],
            [0., 4.]])

Every transform takes a function of Tensors and returns a function that accepts Tensors, NumPy
arrays or Python numbers and returns Tensors; keyword arguments go to `f` as they are (never
differentiated, as in JAX). Nothing here knows a derivative formula: all is
`autograd.grad` over the recorded graph.

How nesting works: each call makes its own differentiation variables, fresh nodes (an identity
op applied to an input that requires grad, so an outer transform still sees through it; a new
leaf otherwise), and differentiates `f`'s output with respect to exactly those. The backward
pass builds a graph of its own (`create_graph`) only when the output also depends on some
tensor outside the transform that requires grad (an outer transform's variable, a parameter
`f` closes over): then the result can be differentiated again. Otherwise the results are plain
constants and first-order calls cost one forward and one backward pass. No `.grad` is touched.

jvp is forward mode by the double-VJP trick: u ↦ Jᵀu is linear in u, so its VJP with v is Jv.
"""

from collections import namedtuple

import numpy as np

from . import graph
from .engine import grad as _grad
from .grad_mode import enable_grad, modes
from .ops import copy, reshape, stack
from .tensor import Tensor

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "jacobian", "jacrev", "jacfwd", "hessian",
           "hvp", "elementwise_grad"]


# ---- plumbing -------------------------------------------------------------------------------


def _variable(x, where):
    """A fresh differentiation variable holding x (connected to x if x is part of a graph)."""
    if isinstance(x, Tensor):
        if x.dtype.kind != "f":
            raise TypeError(f"{where}: can only differentiate with respect to floating inputs; "
                            f"got a Tensor of dtype {x.dtype}")
        if x.requires_grad and modes.grad:
            return copy(x)          # a fresh node: an outer transform still sees through it
        return Tensor(x.data, requires_grad=True)
    try:
        return Tensor(x, requires_grad=True)
    except TypeError:
        raise TypeError(f"{where}: cannot differentiate with respect to an argument of type "
                        f"{type(x).__name__}; pass a Tensor, a NumPy array or a Python float") \
            from None


def _argnums(argnums, nargs, where):
    """argnums as a tuple of valid non-negative positions, and whether it was a single int."""
    single = isinstance(argnums, (int, np.integer))
    nums = (argnums,) if single else tuple(argnums)
    if not nums:
        raise ValueError(f"{where}: argnums is empty")
    out = []
    for a in nums:
        if not -nargs <= a < nargs:
            raise ValueError(f"{where}: argnums {a} is out of range for a function called with "
                             f"{nargs} positional argument(s)")
        out.append(a % nargs)
    return tuple(out), single


def _call(f, args, argnums, has_aux, where, kwargs=None):
    """Run f with fresh variables at argnums (keyword arguments are passed through, never
    differentiated, as in JAX); returns (variables, output, aux)."""
    args = list(args)
    xs = [_variable(args[i], where) for i in argnums]
    for i, x in zip(argnums, xs):
        args[i] = x
    with enable_grad():
        out = f(*args, **(kwargs or {}))
    aux = None
    if has_aux:
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError(f"{where}: with has_aux=True the function must return a pair "
                            f"(output, aux); got {type(out).__name__}")
        out, aux = out
    return xs, out, aux


def _outputs(out, where):
    """f's output as a list of Tensors (a single Tensor or a tuple/list of them)."""
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    for k, o in enumerate(outs):
        if not isinstance(o, Tensor):
            if isinstance(o, (np.ndarray, float, int, np.number)):
                outs[k] = Tensor(o)          # a constant function of the inputs
            else:
                raise TypeError(f"{where}: the function must return a Tensor (or a tuple of "
                                f"Tensors); got {type(o).__name__}")
    return outs


def _needs_graph(outs, own):
    """True when outs depend on a tensor requiring grad other than our own variables `own`:
    then the gradients must carry a graph, so that whoever owns that tensor can go on."""
    if not modes.grad:
        return False
    return bool(graph.leaves(outs, stop={id(x) for x in own if not graph.is_node(x)}))


def _vjp(outs, xs, cotangents, create_graph):
    """Σ_k cotangent_kᵀ · ∂out_k/∂x for each x in xs, zeros where an x is not used."""
    pairs = [(o, c) for o, c in zip(outs, cotangents) if o.requires_grad]
    got = [None] * len(xs)
    if pairs:
        with enable_grad():
            got = _grad([o for o, _ in pairs], xs, grad_outputs=[c for _, c in pairs],
                        create_graph=create_graph, allow_unused=True)
    return tuple(Tensor(np.zeros_like(x.data)) if g is None else g for g, x in zip(got, xs))


def _cotangent(c, o, where):
    """A cotangent for output o: a Tensor of o's shape and dtype."""
    c = c if isinstance(c, Tensor) else Tensor(c, dtype=o.dtype)
    if c.shape != o.shape:
        raise ValueError(f"{where}: cotangent has shape {c.shape} but the output has shape "
                         f"{o.shape}")
    return c


def _plain(t, keep):
    """t itself when the results must carry a graph, else a detached copy (no graph kept)."""
    return t if keep or not isinstance(t, Tensor) else t.detach()


def _pack(items, single):
    return items[0] if single else tuple(items)


# ---- gradients ------------------------------------------------------------------------------


def value_and_grad(f, argnums=0, has_aux=False):
    """A function returning (f(*args), ∂f/∂args[argnums]) for scalar-valued f; with
    has_aux=True f returns (value, aux) and the result is ((value, aux), gradient)."""
    return _value_and_grad(f, argnums, has_aux, "value_and_grad")


def _value_and_grad(f, argnums, has_aux, transform):
    """value_and_grad, its errors naming `transform` (the function the user called)."""
    where = f"{transform}({_name(f)})"

    def value_and_grad_f(*args, **kwargs):
        nums, single = _argnums(argnums, len(args), where)
        xs, out, aux = _call(f, args, nums, has_aux, where, kwargs)
        (o,) = _outputs((out,), where)
        if o.size != 1:
            raise TypeError(f"{where}: grad needs a function with a scalar output; the output "
                            f"has shape {o.shape}. Use jacobian, vjp or elementwise_grad for "
                            f"non-scalar outputs")
        keep = _needs_graph([o], xs)
        gs = _vjp([o], xs, [Tensor(np.ones_like(o.data))], keep)
        value = _plain(o, keep)
        return ((value, aux) if has_aux else value), _pack(gs, single)

    return _named(value_and_grad_f, "value_and_grad", f)


def grad(f, argnums=0, has_aux=False):
    """∂f/∂args[argnums] of a scalar-valued f, as a function (a tuple for a tuple of argnums;
    with has_aux=True, f returns (value, aux) and the result is (gradient, aux))."""
    vg = _value_and_grad(f, argnums, has_aux, "grad")

    def grad_f(*args, **kwargs):
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return _named(grad_f, "grad", f)


def elementwise_grad(f, argnums=0):
    """The sum over f's outputs of their gradients: f' on a whole grid at once when f acts
    elementwise (vjp with a cotangent of ones)."""
    where = f"elementwise_grad({_name(f)})"

    def egrad_f(*args, **kwargs):
        nums, single = _argnums(argnums, len(args), where)
        xs, out, _ = _call(f, args, nums, False, where, kwargs)
        outs = _outputs(out, where)
        keep = _needs_graph(outs, xs)
        ones = [Tensor(np.ones_like(o.data)) for o in outs]
        return _pack(_vjp(outs, xs, ones, keep), single)

    return _named(egrad_f, "elementwise_grad", f)


def vjp(f, *primals, has_aux=False):
    """(f(*primals), vjp_fn) where vjp_fn(v) = vᵀ·∂f/∂primals, one cotangent per primal (a
    tuple); v matches f's output (a tuple of cotangents if f returns a tuple). vjp_fn may be
    called many times. With has_aux=True returns (out, vjp_fn, aux)."""
    where = f"vjp({_name(f)})"
    if not primals:
        raise TypeError(f"{where}: give at least one primal")
    xs, out, aux = _call(f, primals, tuple(range(len(primals))), has_aux, where)
    multi = isinstance(out, (tuple, list))
    outs = _outputs(out, where)
    keep = _needs_graph(outs, xs)

    def vjp_fn(v):
        vs = list(v) if multi else [v]
        if len(vs) != len(outs):
            raise ValueError(f"{where}: got {len(vs)} cotangents for {len(outs)} outputs")
        return _vjp(outs, xs, [_cotangent(c, o, where) for c, o in zip(vs, outs)], keep)

    shown = tuple(_plain(o, keep) for o in outs) if multi else _plain(outs[0], keep)
    return (shown, vjp_fn, aux) if has_aux else (shown, vjp_fn)


Linearization = namedtuple("Linearization", "outs multi xs us jtu keep aux")
Linearization.__doc__ = """f at primals with the graph of u ↦ Jᵀu built once: outs (f's outputs),
multi (f returned a tuple), xs (the variables), us (one cotangent variable per output), jtu
(Jᵀu, one per variable), keep (results must carry a graph), aux."""


def _linearize(f, primals, where, has_aux=False):
    """Build the graph of u ↦ Jᵀu once (see Linearization)."""
    xs, out, aux = _call(f, primals, tuple(range(len(primals))), has_aux, where)
    multi = isinstance(out, (tuple, list))
    outs = _outputs(out, where)
    keep = _needs_graph(outs, xs)
    us = [Tensor(np.zeros_like(o.data), requires_grad=True) for o in outs]
    jtu = _vjp(outs, xs, us, True)
    return Linearization(outs, multi, xs, us, jtu, keep, aux)


def _push(lin, tangents, where):
    """J·tangents for a linearization, one per output: Jᵀu is linear in u, its VJP is Ju."""
    tangents = [_cotangent(t, x, where) for t, x in zip(tangents, lin.xs)]
    return _vjp(lin.jtu, lin.us, tangents, lin.keep)


def jvp(f, primals, tangents, has_aux=False):
    """(f(*primals), J·tangents): the forward-mode derivative along `tangents` (one per
    primal, same shapes), by the double-VJP construction. With has_aux: (out, jv, aux)."""
    where = f"jvp({_name(f)})"
    primals = tuple(primals) if isinstance(primals, (tuple, list)) else (primals,)
    tangents = tuple(tangents) if isinstance(tangents, (tuple, list)) else (tangents,)
    if len(primals) != len(tangents):
        raise ValueError(f"{where}: got {len(tangents)} tangents for {len(primals)} primals")
    lin = _linearize(f, primals, where, has_aux)
    jv = _push(lin, tangents, where)
    shown = tuple(_plain(o, lin.keep) for o in lin.outs)
    res = (shown, jv) if lin.multi else (shown[0], jv[0])
    return res + (lin.aux,) if has_aux else res


# ---- Jacobians and Hessians -----------------------------------------------------------------


def _basis(shape, dtype):
    """The one-hot arrays of a shape, in C order."""
    n = int(np.prod(shape))
    for j in range(n):
        e = np.zeros(n, dtype=dtype)
        e[j] = 1
        yield e.reshape(shape)


def _stack(rows, shape):
    """Stack a list of Tensors (differentiably) into one of `shape`."""
    return reshape(stack(rows), shape=shape) if rows else Tensor(np.zeros(shape))


def jacrev(f, argnums=0, has_aux=False):
    """The Jacobian of f (output shape O, input shape I → shape O + I) by reverse mode: one
    VJP per output element. A tuple for a tuple of argnums."""
    where = f"jacrev({_name(f)})"

    def jac_f(*args, **kwargs):
        nums, single = _argnums(argnums, len(args), where)
        xs, out, aux = _call(f, args, nums, has_aux, where, kwargs)
        (o,) = _outputs((out,), where)
        keep = _needs_graph([o], xs)
        rows = [_vjp([o], xs, [Tensor(e)], keep) for e in _basis(o.shape, o.dtype)]
        jac = [_stack([r[k] for r in rows], o.shape + x.shape) for k, x in enumerate(xs)]
        return (_pack(jac, single), aux) if has_aux else _pack(jac, single)

    return _named(jac_f, "jacrev", f)


def jacfwd(f, argnums=0, has_aux=False):
    """The Jacobian of f (shape O + I) by forward mode: one JVP per input element (cheaper
    than jacrev when the output is larger than the input). For a tuple of outputs and a tuple
    of argnums, a tuple (per output) of tuples (per argument), as JAX."""
    where = f"jacfwd({_name(f)})"

    def jac_f(*args, **kwargs):
        nums, single = _argnums(argnums, len(args), where)
        args = list(args)
        rest = {i: a for i, a in enumerate(args) if i not in nums}

        def g(*xs):
            full = [rest[i] if i in rest else None for i in range(len(args))]
            for i, x in zip(nums, xs):
                full[i] = x
            return f(*full, **kwargs)

        lin = _linearize(g, [args[i] for i in nums], where, has_aux)
        blocks = [[] for _ in lin.outs]                 # blocks[output][input]
        for k, x in enumerate(lin.xs):
            zeros = [np.zeros_like(y.data) for y in lin.xs]
            cols = []
            for e in _basis(x.shape, x.dtype):
                zeros[k] = e
                cols.append(_push(lin, zeros, where))
            for m, o in enumerate(lin.outs):
                j = _stack([c[m] for c in cols], x.shape + o.shape)     # input axes first
                nx, no = x.ndim, o.ndim
                blocks[m].append(j.transpose(tuple(range(nx, nx + no)) + tuple(range(nx))))
        jac = [_pack(b, single) for b in blocks]
        jac = tuple(jac) if lin.multi else jac[0]
        return (jac, lin.aux) if has_aux else jac

    return _named(jac_f, "jacfwd", f)


jacobian = jacrev


def hessian(f, argnums=0):
    """The Hessian of a scalar-valued f (shape I + I), as forward-over-reverse jacfwd(grad).
    For a tuple of argnums, the nested blocks `H[i][j]` = ∂²f/∂xᵢ∂xⱼ (shape Iᵢ + Iⱼ), as JAX."""
    return _named(jacfwd(grad(f, argnums), argnums), "hessian", f)


def hvp(f, primals, v):
    """H·v, the Hessian of scalar f at primals times v, without forming H (reverse over
    reverse: H is symmetric, so the VJP of ∇f with v is Hv). primals and v: a value or tuples."""
    where = f"hvp({_name(f)})"
    multi = isinstance(primals, (tuple, list))
    primals = tuple(primals) if multi else (primals,)
    vs = tuple(v) if isinstance(v, (tuple, list)) and multi else (v,)
    if len(vs) != len(primals):
        raise ValueError(f"{where}: got {len(vs)} vectors for {len(primals)} primals")
    xs, out, _ = _call(f, primals, tuple(range(len(primals))), False, where)
    (o,) = _outputs((out,), where)
    if o.size != 1:
        raise TypeError(f"{where}: needs a scalar-valued function; the output has shape {o.shape}")
    keep = _needs_graph([o], xs)
    gs = _vjp([o], xs, [Tensor(np.ones_like(o.data))], True)
    hv = _vjp(gs, xs, [_cotangent(w, x, where) for w, x in zip(vs, xs)], keep)
    return hv if multi else hv[0]


# ---- names ----------------------------------------------------------------------------------


def _name(f):
    return getattr(f, "__name__", type(f).__name__)


def _named(fn, transform, f):
    fn.__name__ = f"{transform}({_name(f)})"
    fn.__qualname__ = fn.__name__
    fn.__doc__ = f"{transform} of {_name(f)} (see autograd.functional.{transform})."
    fn.__wrapped__ = f
    return fn
