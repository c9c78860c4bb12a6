"""Gradient checking and hypothesis strategies, for chainrule's own tests and for users' CI.

    >>> import numpy as np
    >>> from autograd.testing import gradcheck, gradgradcheck
    >>> gradcheck(lambda x, y: (x * y).sum(), [np.random.randn(3), np.random.randn(3)])
    True

`gradcheck` compares the gradients autograd computes with central differences
(f(x + eps) - f(x - eps)) / 2eps, in float64; `gradgradcheck` does the same for the gradients
themselves (second derivatives). Both return True or raise an AssertionError naming the input,
the output, the worst element and both values.

Which inputs are checked (the PyTorch rule, extended to raw numbers):
- a Tensor is checked when it requires grad (and is floating); otherwise it is a constant;
- a floating NumPy array or a Python float is checked (it has no flag to say otherwise; wrap
  it in a `Tensor` without requires_grad to make it a constant);
- anything else (ints, bools, integer arrays, strings, None) is passed through unchanged.
Every floating input is cast to float64 for the check. `fn` gets Tensors for the checked
inputs and returns a Tensor or a tuple/list of Tensors; non-floating outputs are skipped.

The strategies (`shapes`, `broadcastable_shapes`, `tensors`) need hypothesis, imported only
when they are used, so `gradcheck` works without it.
"""

import warnings

import numpy as np

from . import functional
from .grad_mode import enable_grad
from .tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "shapes", "broadcastable_shapes", "tensors",
           "ELEMENTS", "elements"]


# ---- preparing inputs and outputs -----------------------------------------------------------


def _prepare(inputs, where):
    """Float64 copies of `inputs` and the indices of the ones to check (see the module doc)."""
    if isinstance(inputs, (Tensor, np.ndarray, float, np.floating)):
        inputs = [inputs]
    args, checked = [], []
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor):
            floating = x.dtype.kind == "f"
            data = x.data.astype(np.float64) if floating else x.data
            args.append(Tensor(data, requires_grad=floating and x.requires_grad, name=x.name))
            if floating and x.requires_grad:
                checked.append(i)
        elif isinstance(x, (float, np.floating)) or (isinstance(x, np.ndarray)
                                                     and x.dtype.kind == "f"):
            args.append(Tensor(np.asarray(x, dtype=np.float64), requires_grad=True))
            checked.append(i)
        else:
            args.append(x)
    if not checked:
        kinds = ", ".join(f"input {i} is a {type(x).__name__}"
                          + (f" of dtype {x.dtype}" if hasattr(x, "dtype") else "")
                          for i, x in enumerate(args))
        raise ValueError(f"{where}: none of the {len(args)} inputs is checked ({kinds}). "
                         "Checked inputs are Tensors with requires_grad=True, floating NumPy "
                         "arrays and Python floats; make a list into one with np.array(...)")
    return args, checked


def _outputs(fn, args, where):
    """fn(*args) as a list of Tensors (non-floating outputs dropped)."""
    out = fn(*args)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    for k, o in enumerate(outs):
        if not isinstance(o, Tensor):
            raise TypeError(f"{where}: fn must return a Tensor or a tuple of Tensors; output {k} "
                            f"is a {type(o).__name__}")
    return [o for o in outs if o.dtype.kind == "f"]


def _values(fn, args, where):
    """The float64 output arrays of fn(*args) (grad mode on: fn may itself differentiate)."""
    with enable_grad():
        return [np.asarray(o.data, dtype=np.float64) for o in _outputs(fn, args, where)]


def _with(args, i, data):
    """args with input i replaced by a fresh leaf holding `data`."""
    new = list(args)
    new[i] = Tensor(data, requires_grad=True)
    return new


def _linear_map(fn, args, checked, where):
    """fn's floating outputs at args, and pull(cotangents) -> Σ_k cotangent_kᵀ ∂out_k/∂x for
    each checked input x (Tensors): one forward pass, then any number of VJPs. Checked inputs
    given as Tensors that require grad stay connected (gradgradcheck differentiates pull)."""
    def of_checked(*xs):
        full = list(args)
        for i, x in zip(checked, xs):
            full[i] = x
        return _outputs(fn, full, where)

    outs, vjp_fn = functional.vjp(of_checked, *[args[i] for i in checked])
    return list(outs), lambda cotangents: vjp_fn(list(cotangents))


def _arrays(tensors):
    return [np.asarray(t.data, dtype=np.float64) for t in tensors]


# ---- the checks -----------------------------------------------------------------------------


def _fail(where, i, x, k, o_shape, msg):
    raise AssertionError(f"{where}: gradient mismatch for input {i} (shape {x.shape}) and "
                         f"output {k} (shape {o_shape}): {msg}")


def _check_full(fn, args, checked, eps, atol, rtol, where):
    """Compare the whole Jacobian of every output with respect to every checked input."""
    outs, pull = _linear_map(fn, [a.data if k in checked else a for k, a in enumerate(args)],
                             checked, where)
    analytic = {}                                   # (input, output) -> rows: output elements
    for k, o in enumerate(outs):
        rows = {i: np.zeros((o.size, args[i].size)) for i in checked}
        for r in range(o.size):
            cot = [np.zeros(p.shape) for p in outs]
            cot[k].reshape(-1)[r] = 1.0
            for i, gi in zip(checked, _arrays(pull(cot))):
                rows[i][r] = gi.reshape(-1)
        analytic.update({(i, k): m for i, m in rows.items()})
    for i in checked:
        x = args[i].data
        flat = np.array(x, dtype=np.float64).reshape(-1)
        numeric = [np.zeros((o.size, flat.size)) for o in outs]        # rows: outputs
        for j in range(flat.size):
            plus, minus = flat.copy(), flat.copy()
            plus[j] += eps
            minus[j] -= eps
            hi = _values(fn, _with(args, i, plus.reshape(x.shape)), where)
            lo = _values(fn, _with(args, i, minus.reshape(x.shape)), where)
            for k in range(len(outs)):
                numeric[k][:, j] = ((hi[k] - lo[k]) / (2 * eps)).reshape(-1)
        for k, o in enumerate(outs):
            _compare(analytic[i, k], numeric[k], atol, rtol, lambda msg: _fail(
                where, i, args[i], k, o.shape, msg), o.shape, x.shape)


def _compare(analytic, numeric, atol, rtol, fail, o_shape, x_shape):
    """fail(message) unless |analytic - numeric| <= atol + rtol·|numeric| everywhere."""
    if analytic.size == 0:
        return
    bad = ~(np.abs(analytic - numeric) <= atol + rtol * np.abs(numeric))   # NaN counts as bad
    if not bad.any():
        return
    excess = np.where(bad, np.nan_to_num(np.abs(analytic - numeric), nan=np.inf), -np.inf)
    r, c = np.unravel_index(np.argmax(excess), excess.shape)
    o_idx = np.unravel_index(r, o_shape) if o_shape else ()
    x_idx = np.unravel_index(c, x_shape) if x_shape else ()
    fail(f"{int(bad.sum())} of {bad.size} Jacobian entries differ; worst at output index "
         f"{tuple(map(int, o_idx))}, input index {tuple(map(int, x_idx))}: analytic "
         f"{float(analytic[r, c])!r}, numerical {float(numeric[r, c])!r} (atol={atol}, rtol={rtol})")


def _check_fast(fn, args, checked, eps, atol, rtol, rng, where):
    """Compare vᵀJu for random unit-scale u (per input) and v (per output)."""
    outs, pull = _linear_map(fn, [a.data if k in checked else a for k, a in enumerate(args)],
                             checked, where)
    vs = [rng.standard_normal(o.shape) for o in outs]
    for n, i in enumerate(checked):
        x = np.array(args[i].data, dtype=np.float64)
        u = rng.standard_normal(x.shape)
        hi = _values(fn, _with(args, i, x + eps * u), where)
        lo = _values(fn, _with(args, i, x - eps * u), where)
        for k, (o, v) in enumerate(zip(outs, vs)):
            cot = [v if m == k else np.zeros(p.shape) for m, p in enumerate(outs)]
            analytic = float(np.sum(_arrays(pull(cot))[n] * u))
            numeric = float(np.sum(v * (hi[k] - lo[k])) / (2 * eps))
            if not abs(analytic - numeric) <= atol + rtol * abs(numeric):
                _fail(where, i, args[i], k, o.shape,
                      f"random projection vᵀJu differs: analytic {analytic!r}, numerical "
                      f"{numeric!r} (atol={atol}, rtol={rtol}); rerun with fast=False to "
                      f"find the worst element")


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, fast=False, seed=0):
    """Check fn's autograd gradients against central differences in float64; True or raise.

    inputs: a sequence (or a single Tensor/array/float); see the module doc for which are
    checked. An entry passes when |analytic - numerical| <= atol + rtol·|numerical|.
    fast=True compares one random projection vᵀJu per input and output instead of the full
    Jacobian (cost: two forward and one backward pass per input); `seed` seeds u and v (the
    same vectors, and so the same message, on every run unless you change it).
    """
    return _check(fn, inputs, eps, atol, rtol, fast, seed, "gradcheck")


def _check(fn, inputs, eps, atol, rtol, fast, seed, where):
    """gradcheck, with `where` naming the public function in failure messages."""
    args, checked = _prepare(inputs, where)
    if fast:
        _check_fast(fn, args, checked, eps, atol, rtol, np.random.default_rng(seed), where)
    else:
        _check_full(fn, args, checked, eps, atol, rtol, where)
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, fast=False,
                  seed=0):
    """Check second derivatives: gradcheck of x, v ↦ vᵀ ∂fn/∂x (built with create_graph=True).

    grad_outputs (the v, one per floating output) are random normal unless given; they are
    checked as inputs too, as in PyTorch; `seed` makes them the same on every run. Other
    arguments as for gradcheck. A failure message includes the engine's warnings, such as a
    backward that returned a plain array (not differentiable again).
    """
    args, checked = _prepare(inputs, "gradgradcheck")
    rng = np.random.default_rng(seed)
    with enable_grad():
        outs = _outputs(fn, args, "gradgradcheck")
    if grad_outputs is None:
        vs = [Tensor(rng.standard_normal(o.shape), requires_grad=True) for o in outs]
    else:
        given = list(grad_outputs) if isinstance(grad_outputs, (tuple, list)) else [grad_outputs]
        if len(given) != len(outs):
            raise ValueError(f"gradgradcheck: got {len(given)} grad_outputs for {len(outs)} "
                             "floating outputs")
        vs = [Tensor(np.asarray(getattr(v, "data", v), dtype=np.float64), requires_grad=True)
              for v in given]
    n = len(args)

    def first_grads(*xs):
        return _linear_map(fn, list(xs[:n]), checked, "gradgradcheck")[1](xs[n:])

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            return _check(first_grads, args + vs, eps, atol, rtol, fast, seed, "gradgradcheck")
        except AssertionError as e:
            failure = e
    notes = sorted({str(w.message) for w in caught})
    if notes:
        raise AssertionError(f"{failure}\nWarnings while differentiating: "
                             + "; ".join(notes)) from None
    raise failure


# ---- hypothesis strategies ------------------------------------------------------------------


def _st():
    try:
        import hypothesis.strategies as st
    except ImportError:
        raise ImportError("autograd.testing: the strategies need hypothesis; install it with "
                          "`pip install hypothesis` (or chainrule[test])") from None
    return st


def shapes(min_dims=0, max_dims=4, min_side=1, max_side=5):
    """Strategy for array shapes: tuples of min_dims..max_dims sides in [min_side, max_side].
    The default includes 0-d shapes and size-1 axes; min_side=0 adds size-0 axes."""
    st = _st()
    return st.lists(st.integers(min_side, max_side), min_size=min_dims,
                    max_size=max_dims).map(tuple)


def broadcastable_shapes(n, min_dims=0, max_dims=4, min_side=1, max_side=5):
    """Strategy for a tuple of `n` shapes that broadcast together (NumPy rules): each is a
    suffix of a common result shape, some axes replaced by 1."""
    st = _st()

    @st.composite
    def draw_shapes(draw):
        result = draw(shapes(min_dims, max_dims, min_side, max_side))
        out = []
        for _ in range(n):
            nd = draw(st.integers(min(min_dims, len(result)), len(result)))
            tail = result[len(result) - nd:]
            out.append(tuple(1 if draw(st.booleans()) else s for s in tail))
        return tuple(out)

    return draw_shapes()


ELEMENTS = {
    "real": ("[-3, 3]: smooth functions (exp, tanh, sin, polynomials)", (-3.0, 3.0)),
    "positive": ("[0.1, 3]: log, sqrt, division by, pow with a real exponent", (0.1, 3.0)),
    "away_from_zero": ("±[0.1, 3]: kinks at 0 (relu, abs, sign) and divisors", (0.1, 3.0)),
    "unit": ("[-0.9, 0.9]: open-interval domains such as log1p(-x), arcsin", (-0.9, 0.9)),
    "distinct": ("a shuffled grid in [-3, 3], spacing min(0.1, 6/size): no ties for max/min",
                 None),
}
"""The element presets of `tensors(elements=...)`: name -> (what it is for, (low, high))."""


def elements(preset, dtype=np.float64):
    """Strategy for floats of a preset (see ELEMENTS), of `dtype`'s width."""
    return _preset(preset, dtype)


def _preset(preset, dtype):
    st = _st()
    if preset not in ELEMENTS or preset == "distinct":
        raise ValueError(f"elements: unknown preset {preset!r}; one of "
                         f"{sorted(k for k in ELEMENTS if k != 'distinct')}")
    floats = _floats(*ELEMENTS[preset][1], dtype)
    if preset == "away_from_zero":
        return st.tuples(st.booleans(), floats).map(lambda sv: -sv[1] if sv[0] else sv[1])
    return floats


def _floats(lo, hi, dtype):
    """Floats in [lo, hi] of `dtype`'s width, the bounds rounded inwards to that dtype (hypothesis
    refuses bounds such as 0.1 that a float32 cannot hold exactly)."""
    t = np.dtype(dtype).type
    lo_, hi_ = t(lo), t(hi)
    lo_ = lo_ if float(lo_) >= lo else np.nextafter(lo_, t(np.inf))
    hi_ = hi_ if float(hi_) <= hi else np.nextafter(hi_, t(-np.inf))
    return _st().floats(float(lo_), float(hi_), width=np.dtype(dtype).itemsize * 8)


def tensors(shape=None, elements="real", dtype=np.float64, requires_grad=True):
    """Strategy for Tensors.

    shape: a tuple or a strategy of tuples (default `shapes()`).
    elements: a preset name from ELEMENTS ("real", "positive", "away_from_zero", "unit",
    "distinct"), a (low, high) pair, or a hypothesis strategy of floats.
    """
    st = _st()
    from hypothesis.extra.numpy import arrays
    dtype = np.dtype(dtype)
    shape_st = shapes() if shape is None else shape if hasattr(shape, "example") \
        else st.just(tuple(shape))

    if isinstance(elements, str) and elements == "distinct":
        def grid(shp):
            size = int(np.prod(shp, dtype=np.int64))
            step = min(0.1, 6.0 / max(size, 1))
            values = (np.arange(size) - (size - 1) / 2) * step
            return st.permutations(values.tolist()).map(lambda p: Tensor(
                np.reshape(p, shp), dtype=dtype, requires_grad=requires_grad))
        return shape_st.flatmap(grid)
    if isinstance(elements, str):
        el = _preset(elements, dtype)
    elif isinstance(elements, tuple):
        el = _floats(elements[0], elements[1], dtype)
    else:
        el = elements
    return shape_st.flatmap(lambda shp: arrays(dtype, shp, elements=el)).map(
        lambda a: Tensor(a, dtype=dtype, requires_grad=requires_grad))
