"""Random programs: hypothesis composes small DAGs of autograd's ops and checks each one.

A `Program` is data: input shapes, a seed for the input values, and nodes `y_k = op(args,
params)`. The same description is run twice, by the engine (autograd functions, Tensor methods
and operators, NumPy ufuncs on Tensors; some nodes under autograd.checkpoint) and by plain NumPy
(an independent reference written here), and checked for
  - equal forward values (also under no_grad()),
  - first derivatives against central differences (gradcheck, full Jacobian), and the same
    vector-Jacobian product from grad, grad(create_graph=True), backward() and detect_anomaly(),
  - second derivatives (gradgradcheck); third derivatives in the soak,
  - float32 (and mixed float32/float64) dtypes of values and gradients,
  - the functional transforms agreeing (jvp/vjp, jacrev/jacfwd, hvp/hessian),
  - a graph whose input was changed in place refusing to backpropagate (or not needing it),
  - inputs with empty axes.
The outputs are every node no other node consumes, so nothing drawn is dead code.

Domains are kept safe while the program is drawn, on the actual values: log/sqrt/division take
x directly when it is positive (|x| > 0.2 for divisors), else x*x + 0.5; exp takes x when
|x| <= 4, else tanh(x); piecewise-linear ops (relu, abs, maximum, minimum, clip, max/min
reductions) are chosen only where every value is more than MARGIN from a kink or tie; var/std
only where the variance is not near 0. A node whose value would leave [-BOUND, BOUND] (or
become larger than MAX_SIZE elements) is drawn as tanh of its first operand instead.

The generator draws through a `Choices` object, so the same code serves hypothesis (shrinking,
readable falsifying examples: the Program's repr is the program) and a plain `random.Random`
(the coverage test, which checks that every op is drawn at all).

Default run: 5x the profile's examples for the main property (200 under conftest's `ci`), the
profile's for the others; `-m slow` adds a 3000-example soak that runs every check on each.
"""

import itertools
import math
import random
from dataclasses import dataclass, field

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import example, given, settings

import autograd as ag
from autograd.testing import gradcheck, gradgradcheck

MARGIN = 1e-3        # least distance of a value from a kink or a tie
BOUND = 1e3          # largest |value| a node may hold
MAX_SIZE = 36        # most elements a node may hold
MAX_NODES = 7


# ---- choices: hypothesis or random -----------------------------------------------------------


class HypothesisChoices:
    """Draws from a hypothesis `data` object (shrinks toward the first option / the low end)."""

    def __init__(self, draw):
        self._draw = draw

    def integer(self, lo, hi):
        return self._draw(st.integers(lo, hi))

    def choice(self, options):
        return self._draw(st.sampled_from(list(options)))

    def boolean(self):
        return self._draw(st.booleans())

    def permutation(self, n):
        return tuple(self._draw(st.permutations(range(n))))


class RandomChoices:
    """The same draws from a seeded random.Random (used to measure op coverage)."""

    def __init__(self, seed):
        self._r = random.Random(seed)

    def integer(self, lo, hi):
        return self._r.randint(lo, hi)

    def choice(self, options):
        return self._r.choice(list(options))

    def boolean(self):
        return self._r.random() < 0.5

    def permutation(self, n):
        p = list(range(n))
        self._r.shuffle(p)
        return tuple(p)


# ---- formatting ------------------------------------------------------------------------------


def _fmt_const(v):
    if isinstance(v, np.ndarray):
        return f"np.array({v.tolist()!r})"
    if isinstance(v, slice):
        parts = ["" if v.start is None else str(v.start), "" if v.stop is None else str(v.stop)]
        return ":".join(parts + ([str(v.step)] if v.step is not None else []))
    if v is None:
        return "None"
    if v is Ellipsis:
        return "..."
    return repr(v)


def _fmt_kw(params, keys):
    return "".join(f", {k}={params[k]!r}" for k in keys if k in params)


# ---- value transforms shared by several ops ----------------------------------------------------
# Each works on Tensors and on ndarrays alike (operators only), and each has a `safe_*` guard that
# says whether the value may be used directly.


def positive(v):
    return v * v + 0.5


def safe_positive(a):
    return a.size > 0 and a.min() > 0.2


def safe_bounded(a):
    return np.abs(a).max(initial=0) <= 4


def away_from(a, kink=0.0):
    return bool(np.all(np.abs(a - kink) > MARGIN))


# ---- the ops ---------------------------------------------------------------------------------


@dataclass
class Op:
    """One kind of node: `draw(ch, a, pool)` picks the other operands and the params for a first
    operand of value `a` (or returns None where the op does not apply); `ag_fn` and `np_fn` run
    it on Tensors and on arrays; `fmt(names, params)` writes it as code."""

    name: str
    draw: object
    ag_fn: object
    np_fn: object
    fmt: object


OPS = {}


def register(name, draw, ag_fn, np_fn, fmt):
    OPS[name] = Op(name, draw, ag_fn, np_fn, fmt)


def _prefix(name):
    return lambda n, p: f"{name}({n[0]})"


def _call(name, ag_f, via, a):
    """ag_f(a) called the way `via` says: the autograd function, the NumPy ufunc of that name
    on a Tensor (Tensor.__array_ufunc__) or the Tensor method."""
    if via == "np":
        return getattr(np, name)(a)
    if via == "method":
        return getattr(a, name)()
    return ag_f(a)


def _fmt_call(name, via, arg):
    return f"np.{name}({arg})" if via == "np" else f"{arg}.{name}()" if via == "method" \
        else f"{name}({arg})"


def _ways(name):
    """How `name` can be called on a Tensor: always autograd.name; also np.name (a ufunc that
    Tensors dispatch) and t.name() where they exist."""
    ways = ["ag"]
    if isinstance(getattr(np, name, None), np.ufunc) and getattr(np, name) in UFUNCS:
        ways.append("np")
    if callable(getattr(ag.Tensor, name, None)):
        ways.append("method")
    return ways


def _np_erf(a):
    return np.vectorize(math.erf, otypes=[a.dtype])(a)


# smooth unary functions of any real input: name, autograd, independent NumPy formula
UNARY = {
    "tanh": (ag.tanh, np.tanh),
    "sin": (ag.sin, np.sin),
    "cos": (ag.cos, np.cos),
    "sigmoid": (ag.sigmoid, lambda a: 0.5 * (1 + np.tanh(a / 2))),
    "softplus": (ag.softplus, lambda a: np.logaddexp(0.0, a)),
    "log_sigmoid": (ag.log_sigmoid, lambda a: -np.logaddexp(0.0, -a)),
    "erf": (ag.erf, _np_erf),
    "square": (ag.square, np.square),
}
UFUNCS = {np.add, np.subtract, np.multiply, np.divide, np.power, np.negative, np.matmul, np.exp,
          np.log, np.log1p, np.expm1, np.sqrt, np.sin, np.cos, np.tanh, np.absolute, np.maximum,
          np.minimum, np.square}       # the ufuncs Tensor.__array_ufunc__ records as autograd ops


def _transformed(name, ag_f, np_f, guard=lambda a: True, wrap_ag=None, wrap_np=None,
                 wrap_fmt=None):
    """A unary op, called in each of _ways(name); its input is used directly where guard(a)
    holds, else through `wrap`."""
    def draw(ch, i, pool):
        if not guard(pool[i]) and wrap_ag is None:
            return None
        return (i,), {"via": ch.choice(_ways(name)), "wrap": not guard(pool[i])}
    register(name, draw,
             lambda a, via="ag", wrap=False: _call(name, ag_f, via, wrap_ag(a) if wrap else a),
             lambda a, wrap=False: np_f(wrap_np(a) if wrap else a),
             lambda n, p: _fmt_call(name, p.get("via"),
                                    wrap_fmt(n[0]) if p.get("wrap") else n[0]))


for _name, (_f, _g) in UNARY.items():
    _transformed(_name, _f, _g)
register("neg", lambda ch, i, pool: ((i,), {}), lambda a: -a, np.negative,
         lambda n, p: f"-{n[0]}")


_fmt_pos = "({0}*{0} + 0.5)".format
for _name, _f, _g in [("log", ag.log, np.log), ("sqrt", ag.sqrt, np.sqrt),
                      ("log1p", ag.log1p, np.log1p)]:
    _transformed(_name, _f, _g, safe_positive, positive, positive, _fmt_pos)
for _name, _f, _g in [("exp", ag.exp, np.exp), ("expm1", ag.expm1, np.expm1)]:
    _transformed(_name, _f, _g, safe_bounded, ag.tanh, np.tanh, "tanh({})".format)

# piecewise-linear with a kink at 0
_transformed("relu", ag.relu, lambda a: np.maximum(a, 0.0), away_from)
_transformed("abs", ag.abs, np.abs, away_from)


def _draw_clip(ch, i, pool):
    """Bounds in the middle of gaps between the sorted values, so no value is near a bound."""
    a = pool[i]
    v = np.unique(a)
    mids = [float(round((lo + hi) / 2, 3)) for lo, hi in zip(v[:-1], v[1:])]
    mids = [m for m in mids if away_from(a, m)]
    if not mids:
        return None
    k = ch.integer(0, len(mids) - 1)
    kind = ch.choice(["min", "max", "both"]) if k + 1 < len(mids) else ch.choice(["min", "max"])
    lo = mids[k] if kind != "max" else None
    hi = mids[ch.integer(k + 1, len(mids) - 1)] if kind == "both" else \
        (mids[k] if kind == "max" else None)
    return (i,), {"lo": lo, "hi": hi}


register("clip", _draw_clip, lambda a, lo, hi: ag.clip(a, lo, hi),
         lambda a, lo, hi: np.clip(a, -np.inf if lo is None else lo, np.inf if hi is None else hi),
         lambda n, p: f"clip({n[0]}, {p['lo']}, {p['hi']})")


# ---- binary elementwise ops, with broadcasting ----------------------------------------------


def _broadcasts(a, b):
    try:
        return math.prod(np.broadcast_shapes(np.shape(a), np.shape(b))) <= MAX_SIZE
    except ValueError:
        return False


def _partners(i, pool, ok=lambda a, b: True):
    """Indices of pool values that broadcast with pool[i] (i itself included) and pass ok."""
    return [j for j, b in enumerate(pool) if _broadcasts(pool[i], b) and ok(pool[i], b)]


CONSTS = [1.5, -0.7, 2.0]


def _draw_const(ch, a):
    """A Python float, or an ndarray whose shape is a suffix of a's with some axes 1 (it meets
    a Tensor through NumPy's operators: ndarray + Tensor)."""
    if ch.boolean() or a.ndim == 0:
        return ch.choice(CONSTS)
    shape = tuple(1 if ch.boolean() else n for n in a.shape[ch.integer(0, a.ndim - 1):])
    return np.array([ch.choice(CONSTS) for _ in range(math.prod(shape))]).reshape(shape)


def _draw_binary(ok=lambda a, b: True, const_ok=lambda a, c: True, swap=True):
    """Second operand: another pool value (broadcast with the first) or a constant, on
    either side."""
    def draw(ch, i, pool):
        js = _partners(i, pool, ok)
        kind = ch.choice(["value", "const"] if js else ["const"])
        first = ch.boolean() if swap else True
        if kind == "value":
            j = ch.choice(js)
            return ((i, j) if first else (j, i)), {}
        c = _draw_const(ch, pool[i])
        return ((i,), {"const": c, "const_first": not first}) if const_ok(pool[i], c) else None
    return draw


def _binary(name, ag_f, np_f, fmt, **kw):
    def run(f):
        def go(*xs, const=None, const_first=False):
            if const is None:
                return f(*xs)
            return f(const, xs[0]) if const_first else f(xs[0], const)
        return go

    def show(n, p):
        if "const" in p:
            c = _fmt_const(p["const"])
            return fmt(*((c, n[0]) if p["const_first"] else (n[0], c)))
        return fmt(*n)
    register(name, _draw_binary(**kw), run(ag_f), run(np_f), show)


_binary("add", lambda a, b: a + b, np.add, "{} + {}".format)
_binary("sub", lambda a, b: a - b, np.subtract, "{} - {}".format)
_binary("mul", lambda a, b: a * b, np.multiply, "{} * {}".format)
_binary("maximum", ag.maximum, np.maximum, "maximum({}, {})".format,
        ok=lambda a, b: away_from(a - b), const_ok=away_from)
_binary("minimum", ag.minimum, np.minimum, "minimum({}, {})".format,
        ok=lambda a, b: away_from(a - b), const_ok=away_from)


def _draw_div(ch, i, pool):
    """x / y with y used directly where |y| > 0.2, else y*y + 0.5 (or a constant numerator)."""
    js = _partners(i, pool)
    kind = ch.choice(["value", "const"])
    if kind == "const":
        return (i,), {"wrap": not bool(np.all(np.abs(pool[i]) > 0.2)), "const": ch.choice(CONSTS)}
    j = ch.choice(js)
    return (j, i), {"wrap": not bool(np.all(np.abs(pool[i]) > 0.2))}


register("div", _draw_div,
         lambda *xs, wrap, const=None: (const if const is not None else xs[0]) /
         (positive(xs[-1]) if wrap else xs[-1]),
         lambda *xs, wrap, const=None: np.divide(const if const is not None else xs[0],
                                                positive(xs[-1]) if wrap else xs[-1]),
         lambda n, p: f"{p.get('const', n[0])} / {_fmt_pos(n[-1]) if p['wrap'] else n[-1]}")


def _draw_power(ch, i, pool):
    """x ** 2 or 3 for any x; a positive base to a real constant power or to a bounded value;
    a constant base to a bounded power."""
    kind = ch.choice(["int", "real", "tensor", "rpow"])
    wrap = not safe_positive(pool[i])
    if kind == "int":
        return (i,), {"p": ch.choice([2, 3])}
    if kind == "real":
        return (i,), {"p": ch.choice([0.5, -1.5, 1.7]), "wrap": wrap}
    if kind == "rpow":
        return (i,), {"base": ch.choice([2.0, 0.6]), "wrap": not safe_bounded(pool[i])}
    js = _partners(i, pool, lambda a, b: np.abs(b).max(initial=0) <= 2)
    return ((i, ch.choice(js)), {"wrap": wrap}) if js else None


def _power(pow_, tanh):
    def f(*xs, p=None, base=None, wrap=False):
        if base is not None:
            return base ** (tanh(xs[0]) if wrap else xs[0])
        x = positive(xs[0]) if wrap else xs[0]
        return pow_(x, xs[1] if p is None else p)
    return f


def _fmt_power(n, p):
    if "base" in p:
        return f"{p['base']} ** {'tanh(%s)' % n[0] if p['wrap'] else n[0]}"
    x = _fmt_pos(n[0]) if p.get("wrap") else n[0]
    return f"{x} ** {p['p'] if 'p' in p else n[1]}"


register("power", _draw_power, _power(ag.power, ag.tanh), _power(np.power, np.tanh), _fmt_power)


def _draw_where(ch, i, pool):
    """where(mask, x, y) with a fixed boolean mask of the broadcast shape."""
    j = ch.choice(_partners(i, pool))
    shape = np.broadcast_shapes(pool[i].shape, pool[j].shape)
    bits = [ch.boolean() for _ in range(math.prod(shape))]
    return (i, j), {"mask": np.array(bits, dtype=bool).reshape(shape), "tensor": ch.boolean()}


register("where", _draw_where,
         lambda a, b, mask, tensor: ag.where(ag.Tensor(mask) if tensor else mask, a, b),
         lambda a, b, mask, tensor: np.where(mask, a, b),
         lambda n, p: f"where({'Tensor(%s)' if p['tensor'] else '%s'}, {n[0]}, {n[1]})"
         % _fmt_const(p["mask"]))


# ---- reductions ------------------------------------------------------------------------------


def _all_axes(nd):
    """Every axis argument a reduction takes on an nd-d array: None, ints and tuples (empty,
    unsorted, negative)."""
    out = [None, ()] + list(range(nd)) + [a - nd for a in range(nd)]
    for r in range(1, nd + 1):
        for t in itertools.combinations(range(nd), r):
            out += [t, tuple(a - nd for a in reversed(t))] if r > 1 else [t]
    return out


def _moved(a, axis):
    """a with the reduced axes moved last and merged: shape (outputs, reduced)."""
    nd = a.ndim
    axes = tuple(range(nd)) if axis is None else (axis,) if isinstance(axis, int) else axis
    axes = tuple(x % nd for x in axes) if nd else ()
    rest = [x for x in range(nd) if x not in axes]
    return np.transpose(a, rest + list(axes)).reshape(math.prod(a.shape[x] for x in rest),
                                                      math.prod(a.shape[x] for x in axes))


def _some(a, axis):
    """mean, logsumexp, max, min: only of a non-empty array (NumPy refuses or warns otherwise,
    whatever the axis)."""
    return a.size > 0


def _no_tie(a, axis, top):
    s = np.sort(_moved(a, axis), axis=1)
    if s.shape[1] < 2:
        return True
    gap = s[:, -1] - s[:, -2] if top else s[:, 1] - s[:, 0]
    return bool(np.all(gap > MARGIN))


def _spread(a, axis, ddof):
    m = _moved(a, axis)
    return m.size > 0 and m.shape[1] - ddof > 0 and \
        bool(np.all(np.var(m, axis=1, ddof=ddof) > 1e-2))


def _np_logsumexp(a, axis=None, keepdims=False):
    m = np.max(a, axis=axis, keepdims=True)
    s = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return s if keepdims else np.squeeze(s, axis=axis)


REDUCTIONS = {
    "sum": (ag.sum, np.sum, None),
    "mean": (ag.mean, np.mean, _some),
    "prod": (ag.prod, np.prod, None),
    "logsumexp": (ag.logsumexp, _np_logsumexp, _some),
    "max": (ag.max, np.max, lambda a, ax: _some(a, ax) and _no_tie(a, ax, top=True)),
    "min": (ag.min, np.min, lambda a, ax: _some(a, ax) and _no_tie(a, ax, top=False)),
}


def _draw_reduction(guard):
    def draw(ch, i, pool):
        a = pool[i]
        axes = [ax for ax in _all_axes(a.ndim) if guard is None or guard(a, ax)]
        if not axes:
            return None
        return (i,), {"axis": ch.choice(axes), "keepdims": ch.boolean(),
                      "via": ch.choice(["ag", "method"])}
    return draw


_META = ["axis", "ddof", "keepdims"]


def _reduce(name, ag_f):
    """ag_f(a, axis=.., keepdims=..), or the method, metadata positional: a.sum(0, True)."""
    def f(a, via="ag", **kw):
        if via == "method":
            return getattr(a, name)(*[kw[k] for k in _META if k in kw])
        return ag_f(a, **kw)
    return f


def _fmt_reduce(name):
    def fmt(n, p):
        if p.get("via") == "method":
            return f"{n[0]}.{name}({', '.join(repr(p[k]) for k in _META if k in p)})"
        return f"{name}({n[0]}{_fmt_kw(p, _META)})"
    return fmt


for _name, (_f, _g, _guard) in REDUCTIONS.items():
    register(_name, _draw_reduction(_guard), _reduce(_name, _f), _g, _fmt_reduce(_name))


def _draw_moment(ch, i, pool):
    a = pool[i]
    opts = [(ax, d) for ax in _all_axes(a.ndim) for d in (0, 1) if _spread(a, ax, d)]
    if not opts:
        return None
    ax, d = ch.choice(opts)
    return (i,), {"axis": ax, "ddof": d, "keepdims": ch.boolean(),
                  "via": ch.choice(["ag", "method"])}


for _name, _f, _g in [("var", ag.var, np.var), ("std", ag.std, np.std)]:
    register(_name, _draw_moment, _reduce(_name, _f), _g, _fmt_reduce(_name))


def _draw_softmax(ch, i, pool):
    shape = pool[i].shape
    axes = [ax for ax, n in enumerate(shape) if n > 0]
    if not axes:
        return None
    ax = ch.choice(axes)
    return (i,), {"axis": ax - len(shape) if ch.boolean() else ax}


def _np_softmax(a, axis):
    e = np.exp(a - np.max(a, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


register("softmax", _draw_softmax, ag.softmax, _np_softmax, _fmt_reduce("softmax"))
register("log_softmax", _draw_softmax, ag.log_softmax,
         lambda a, axis: a - _np_logsumexp(a, axis=axis, keepdims=True),
         _fmt_reduce("log_softmax"))


# ---- indexing --------------------------------------------------------------------------------


def _draw_slice(ch, n):
    step = ch.choice([1, 2, -1])
    lo = ch.integer(0, n - 1)
    hi = ch.integer(lo + 1, n)
    if step > 0:
        return slice(lo - n if ch.boolean() else lo, hi, step)
    return slice(hi - 1, lo - 1 if lo > 0 else None, -1)


def _int_array(ch, n, size=None):
    return np.array([ch.integer(-n, n - 1) for _ in range(size or ch.integer(1, 4))])


def _draw_index(ch, i, pool):
    """Basic (ints, slices, None, ...), integer arrays (repeats, negatives), two arrays side by
    side or apart (NumPy then puts their axis first), boolean masks; the arrays passed as
    ndarrays, lists or Tensors."""
    shape = pool[i].shape
    nd = len(shape)
    if nd == 0:
        return (i,), {"index": ch.choice([(), (None,), (Ellipsis,)]), "as_": "array"}
    kind = ch.choice(["basic", "int_array", "two_arrays", "mask", "mixed", "apart", "ellipsis"])
    if 0 in shape:       # an empty axis takes only a full slice
        index = [slice(None) if n == 0 else ch.integer(-n, n - 1) if ch.boolean() else
                 _draw_slice(ch, n) for n in shape]
        return (i,), {"index": tuple(index), "as_": "array"}
    if kind == "apart" and nd >= 3:
        k = ch.integer(1, 3)
        index = [_int_array(ch, shape[0], k), slice(None), _int_array(ch, shape[2], k)]
        return (i,), {"index": tuple(index), "as_": ch.choice(["array", "list", "tensor"])}
    if kind == "ellipsis":
        return (i,), {"index": (Ellipsis, _int_array(ch, shape[-1])),
                      "as_": ch.choice(["array", "list", "tensor"])}
    if kind == "basic" or (kind == "two_arrays" and nd < 2):
        index = []
        for n in shape:
            k = ch.choice(["all", "int", "slice"])
            index.append(slice(None) if k == "all" else ch.integer(-n, n - 1) if k == "int"
                         else _draw_slice(ch, n))
        if ch.boolean():
            index.insert(ch.integer(0, nd), None)
        if ch.boolean() and index[-1] == slice(None):
            index[-1] = Ellipsis
    elif kind in ("int_array", "mixed"):
        ax = ch.integer(0, nd - 1)
        n = shape[ax]
        idx = _int_array(ch, n)
        if ch.boolean() and idx.size % 2 == 0:
            idx = idx.reshape(2, -1)
        index = [slice(None)] * ax + [idx]
        if kind == "mixed" and ax + 1 < nd:
            index.append(ch.integer(0, shape[ax + 1] - 1))
    elif kind == "two_arrays":
        k = ch.integer(1, 3)
        index = [np.array([ch.integer(0, n - 1) for _ in range(k)]) for n in shape[:2]]
    else:
        whole = ch.boolean()
        mshape = shape if whole else shape[:1]
        bits = [ch.boolean() for _ in range(math.prod(mshape))]
        bits[ch.integer(0, len(bits) - 1)] = True
        index = [np.array(bits).reshape(mshape)]
    return (i,), {"index": tuple(index), "as_": ch.choice(["array", "list", "tensor"])}


def _as(index, as_):
    """The arrays in an index as ndarrays, lists or Tensors (of the array's dtype: Tensor(ints)
    alone would be float, the default dtype)."""
    conv = {"array": lambda v: v, "list": lambda v: v.tolist(),
            "tensor": lambda v: ag.Tensor(v, dtype=v.dtype)}[as_]
    out = tuple(conv(v) if isinstance(v, np.ndarray) else v for v in index)
    return out[0] if len(out) == 1 and isinstance(out[0], list) else out   # x[[0, 1]]


def _fmt_as(index, as_):
    conv = {"array": _fmt_const, "list": lambda v: repr(v.tolist()),
            "tensor": lambda v: f"Tensor({_fmt_const(v)}, dtype={v.dtype})"}[as_]
    return ", ".join(conv(v) if isinstance(v, np.ndarray) else _fmt_const(v) for v in index) \
        if index else "()"


register("index", _draw_index, lambda a, index, as_: a[_as(index, as_)],
         lambda a, index, as_: a[index],
         lambda n, p: f"{n[0]}[{_fmt_as(p['index'], p['as_'])}]")


# ---- linear algebra --------------------------------------------------------------------------


def _mm_shape(sa, sb):
    try:
        return np.matmul(np.zeros(sa), np.zeros(sb)).shape
    except ValueError:
        return None


def _draw_matmul(ch, i, pool):
    """x @ y or x @ swapaxes(y, -1, -2), y any pool value (x itself included) that fits."""
    a = pool[i]
    if a.ndim == 0:
        return None
    opts = []
    for j, b in enumerate(pool):
        for t in (False, True) if b.ndim >= 2 else (False,):
            sb = b.shape[:-2] + b.shape[:-3:-1] if t else b.shape
            s = _mm_shape(a.shape, sb) if b.ndim else None
            if s is not None and math.prod(s) <= MAX_SIZE:
                opts.append((j, t))
    if not opts:
        return None
    j, t = ch.choice(opts)
    return (i, j), {"t": t, "via": ch.choice(["op", "ag", "np", "method"])}


def _matmul(a, b, t, via):
    b = ag.swapaxes(b, -1, -2) if t else b
    return {"op": lambda: a @ b, "ag": lambda: ag.matmul(a, b), "np": lambda: np.matmul(a, b),
            "method": lambda: a.matmul(b)}[via]()


def _fmt_matmul(n, p):
    b = f"swapaxes({n[1]}, -1, -2)" if p["t"] else n[1]
    return {"op": f"{n[0]} @ {b}", "ag": f"matmul({n[0]}, {b})", "np": f"np.matmul({n[0]}, {b})",
            "method": f"{n[0]}.matmul({b})"}[p["via"]]


register("matmul", _draw_matmul, _matmul,
         lambda a, b, t: np.matmul(a, np.swapaxes(b, -1, -2) if t else b), _fmt_matmul)


def _draw_tensordot(ch, i, pool):
    """Axes given as an int (trailing of x against leading of y) or as explicit pairs."""
    a = pool[i]
    j = ch.integer(0, len(pool) - 1)
    b = pool[j]
    pairs, used_b = [], set()
    for _ in range(ch.integer(0, 2)):
        opts = [(p, q) for p in range(a.ndim) for q in range(b.ndim)
                if a.shape[p] == b.shape[q] and p not in [x for x, _ in pairs] and q not in used_b]
        if not opts:
            break
        p, q = ch.choice(opts)
        pairs.append((p, q))
        used_b.add(q)
    k = len(pairs)
    free = [a.shape[p] for p in range(a.ndim) if p not in [x for x, _ in pairs]] + \
        [b.shape[q] for q in range(b.ndim) if q not in used_b]
    if math.prod(free) > MAX_SIZE:
        return None
    if ch.boolean() and a.shape[a.ndim - k:] == b.shape[:k]:
        axes = k
    else:
        neg = ch.boolean()
        axes = ([p - a.ndim * neg for p, _ in pairs], [q - b.ndim * neg for _, q in pairs])
    return (i, j), {"axes": axes}


register("tensordot", _draw_tensordot, ag.tensordot, np.tensordot,
         lambda n, p: f"tensordot({n[0]}, {n[1]}, axes={p['axes']!r})")


def _draw_einsum(ch, i, pool):
    """One or two operands; a letter may repeat (diagonals); any subset of letters out, or the
    implicit output (no '->'); leading axes may be an ellipsis (broadcast between operands)."""
    letters = iter("abcdefgh")
    sizes = {}
    ops = [i] + ([ch.integer(0, len(pool) - 1)] if ch.boolean() else [])
    lead = [ch.integer(0, pool[j].ndim) if ch.integer(0, 2) == 0 else 0 for j in ops]
    try:
        ell = np.broadcast_shapes(*[pool[j].shape[:k] for j, k in zip(ops, lead)])
    except ValueError:
        lead, ell = [0] * len(ops), ()
    subs = []
    for j, k in zip(ops, lead):
        sub = "..." if any(lead) else ""
        for n in pool[j].shape[k:]:
            same = [c for c, m in sizes.items() if m == n]
            c = ch.choice(same) if same and ch.boolean() else next(letters)
            sizes[c] = n
            sub += c
        subs.append(sub)
    if ch.integer(0, 3) == 0:
        counts = [c for sub in subs for c in sub if c != "."]
        out = "".join(sorted(c for c in set(counts) if counts.count(c) == 1))
        spec = ",".join(subs)
    else:
        keep = [c for c in sorted(sizes) if ch.boolean()]
        out = "".join(keep[k] for k in ch.permutation(len(keep)))
        spec = ",".join(subs) + "->" + ("..." if any(lead) else "") + out
    if math.prod(ell) * math.prod(sizes[c] for c in out) > MAX_SIZE:
        return None
    return tuple(ops), {"subscripts": spec}


register("einsum", _draw_einsum, lambda *xs, subscripts: ag.einsum(subscripts, *xs),
         lambda *xs, subscripts: np.einsum(subscripts, *xs),
         lambda n, p: f"einsum({p['subscripts']!r}, {', '.join(n)})")


# ---- shape ops -------------------------------------------------------------------------------


def _factors(n):
    out, d = [], 2
    while n > 1:
        while n % d == 0:
            out.append(d)
            n //= d
        d += 1
    return out


def _draw_reshape(ch, i, pool):
    a = pool[i]
    k = ch.integer(0 if a.size == 1 else 1, 3)
    dims = [1] * k
    if a.size == 0:
        dims = [ch.integer(1, 3) for _ in range(k)]
        dims[ch.integer(0, k - 1)] = 0
    for f in _factors(a.size):
        dims[ch.integer(0, k - 1)] *= f
    if k and a.size and ch.boolean():
        dims[ch.integer(0, k - 1)] = -1
    return (i,), {"shape": tuple(dims), "via": ch.choice(["ag", "method", "method_tuple"])}


def _reshape(a, shape, via):
    return {"ag": lambda: ag.reshape(a, shape=shape), "method": lambda: a.reshape(*shape),
            "method_tuple": lambda: a.reshape(shape)}[via]()


def _fmt_reshape(n, p):
    s = p["shape"]
    return {"ag": f"reshape({n[0]}, shape={s})", "method_tuple": f"{n[0]}.reshape({s})",
            "method": f"{n[0]}.reshape({', '.join(map(str, s))})"}[p["via"]]


register("reshape", _draw_reshape, _reshape, np.reshape, _fmt_reshape)


def _draw_transpose(ch, i, pool):
    nd = pool[i].ndim
    axes = None if ch.boolean() else ch.permutation(nd)
    ways = ["ag", "method"] + (["permute"] if axes is not None else [])
    return (i,), {"axes": axes, "via": ch.choice(ways)}


def _transpose(a, axes, via):
    return {"ag": lambda: ag.transpose(a, axes=axes),
            "method": lambda: a.transpose(*(axes or ())),
            "permute": lambda: a.permute(*axes)}[via]()


def _fmt_transpose(n, p):
    ax = p["axes"]
    return {"ag": f"transpose({n[0]}, axes={ax})",
            "method": f"{n[0]}.transpose({', '.join(map(str, ax or ()))})",
            "permute": f"{n[0]}.permute({', '.join(map(str, ax or ()))})"}[p["via"]]


register("transpose", _draw_transpose, _transpose, np.transpose, _fmt_transpose)


def _draw_swapaxes(ch, i, pool):
    nd = pool[i].ndim
    if not nd:
        return None
    return (i,), {"axis1": ch.integer(-nd, nd - 1), "axis2": ch.integer(-nd, nd - 1)}


register("swapaxes", _draw_swapaxes, ag.swapaxes, np.swapaxes,
         lambda n, p: f"swapaxes({n[0]}, {p['axis1']}, {p['axis2']})")


def _draw_expand_dims(ch, i, pool):
    nd = pool[i].ndim
    return (i,), {"axis": ch.integer(-nd - 1, nd)}


register("expand_dims", _draw_expand_dims, ag.expand_dims, np.expand_dims,
         lambda n, p: f"expand_dims({n[0]}, {p['axis']})")


def _draw_squeeze(ch, i, pool):
    shape = pool[i].shape
    ones = [ax for ax, n in enumerate(shape) if n == 1]
    if not ones:
        return None
    ax = ch.choice([None] + ones + [ax - len(shape) for ax in ones])
    return (i,), {"axis": ax}


register("squeeze", _draw_squeeze, ag.squeeze, np.squeeze,
         lambda n, p: f"squeeze({n[0]}, axis={p['axis']})")


def _draw_flatten(ch, i, pool):
    nd = pool[i].ndim
    if nd == 0:
        return (i,), {"start_dim": 0, "end_dim": -1}
    s = ch.integer(0, nd - 1)
    return (i,), {"start_dim": s, "end_dim": ch.integer(s, nd - 1) - (nd if ch.boolean() else 0)}


def _np_flatten(a, start_dim, end_dim):
    if a.ndim == 0:
        return a.reshape(1)
    e = end_dim % a.ndim
    return a.reshape(a.shape[:start_dim] + (math.prod(a.shape[start_dim:e + 1]),) + a.shape[e + 1:])


register("flatten", _draw_flatten, ag.flatten, _np_flatten,
         lambda n, p: f"flatten({n[0]}, {p['start_dim']}, {p['end_dim']})")


def _draw_join(stack):
    """concatenate (shapes equal but on the axis) or stack (shapes equal) of 2-3 pool values,
    the first operand among them at a random place (it may appear twice)."""
    def draw(ch, i, pool):
        a = pool[i]
        if not stack and a.ndim == 0:
            return None
        nd = a.ndim + stack
        axis = ch.integer(-nd, nd - 1)
        ax = axis % nd

        def fits(b):
            if stack:
                return b.shape == a.shape
            return b.ndim == a.ndim and all(m == n for k, (m, n) in
                                            enumerate(zip(a.shape, b.shape)) if k != ax)
        js = [j for j, b in enumerate(pool) if fits(b)]
        ids = [i] + [ch.choice(js) for _ in range(ch.integer(1, 2))]
        ids = [ids[k] for k in ch.permutation(len(ids))]
        total = sum(pool[j].size for j in ids)
        return (tuple(ids), {"axis": axis}) if total <= MAX_SIZE else None
    return draw


register("concatenate", _draw_join(False), lambda *xs, axis: ag.concatenate(list(xs), axis=axis),
         lambda *xs, axis: np.concatenate(xs, axis=axis),
         lambda n, p: f"concatenate([{', '.join(n)}], axis={p['axis']})")
register("stack", _draw_join(True), lambda *xs, axis: ag.stack(list(xs), axis=axis),
         lambda *xs, axis: np.stack(xs, axis=axis),
         lambda n, p: f"stack([{', '.join(n)}], axis={p['axis']})")


def _draw_split(ch, i, pool):
    shape = pool[i].shape
    axes = [ax for ax, n in enumerate(shape) if n >= 2]
    if not axes:
        return None
    ax = ch.choice(axes)
    n = shape[ax]
    if ch.boolean():
        sections = ch.choice([k for k in range(2, n + 1) if n % k == 0])
        count = sections
    else:
        cuts = sorted({ch.integer(1, n - 1) for _ in range(ch.integer(1, 2))})
        sections, count = cuts, len(cuts) + 1
    return (i,), {"sections": sections, "axis": ax - (len(shape) if ch.boolean() else 0),
                  "piece": ch.integer(0, count - 1)}


register("split", _draw_split,
         lambda a, sections, axis, piece: ag.split(a, sections, axis=axis)[piece],
         lambda a, sections, axis, piece: np.split(a, sections, axis=axis)[piece],
         lambda n, p: f"split({n[0]}, {p['sections']}, axis={p['axis']})[{p['piece']}]")


def _draw_pad(ch, i, pool):
    a = pool[i]
    if a.ndim == 0:
        return None
    kind = ch.choice(["int", "pair", "full"])
    if kind == "int":
        width = ch.integer(0, 2)
    elif kind == "pair":
        width = (ch.integer(0, 2), ch.integer(0, 2))
    else:
        width = tuple((ch.integer(0, 2), ch.integer(0, 1)) for _ in range(a.ndim))
    c = ch.choice([0.0, 0.5])
    if np.pad(a, width).size > MAX_SIZE:
        return None
    return (i,), {"width": width, "c": c}


register("pad", _draw_pad, lambda a, width, c: ag.pad(a, width, constant_values=c),
         lambda a, width, c: np.pad(a, width, constant_values=c),
         lambda n, p: f"pad({n[0]}, {p['width']}, constant_values={p['c']})")


def _draw_tile(ch, i, pool):
    a = pool[i]
    reps = ch.integer(1, 3) if ch.boolean() else \
        tuple(ch.integer(1, 2) for _ in range(ch.integer(1, a.ndim + 1)))
    return ((i,), {"reps": reps}) if np.tile(a, reps).size <= MAX_SIZE else None


register("tile", _draw_tile, ag.tile, np.tile, lambda n, p: f"tile({n[0]}, {p['reps']})")


def _draw_repeat(ch, i, pool):
    a = pool[i]
    axis = None if a.ndim == 0 or ch.boolean() else ch.integer(-a.ndim, a.ndim - 1)
    n = a.size if axis is None else a.shape[axis]
    if n == 0 or ch.boolean():
        repeats = ch.integer(1, 3)
    else:
        repeats = np.array([ch.integer(0, 2) for _ in range(n)])
        repeats[ch.integer(0, n - 1)] += 1
    return ((i,), {"repeats": repeats, "axis": axis}) \
        if np.repeat(a, repeats, axis).size <= MAX_SIZE else None


register("repeat", _draw_repeat, ag.repeat, np.repeat,
         lambda n, p: f"repeat({n[0]}, {_fmt_const(p['repeats'])}, axis={p['axis']})")


def _draw_flip(ch, i, pool):
    nd = pool[i].ndim
    return ((i,), {"axis": ch.choice(_all_axes(nd))}) if nd else None


register("flip", _draw_flip, ag.flip, np.flip, lambda n, p: f"flip({n[0]}, axis={p['axis']})")


def _draw_broadcast_to(ch, i, pool):
    shape = pool[i].shape
    new = tuple(ch.integer(1, 3) for _ in range(ch.integer(0, 1))) + \
        tuple(ch.integer(1, 3) if n == 1 else n for n in shape)
    return ((i,), {"shape": new}) if math.prod(new) <= MAX_SIZE else None


register("broadcast_to", _draw_broadcast_to, lambda a, shape: ag.broadcast_to(a, shape=shape),
         np.broadcast_to, lambda n, p: f"broadcast_to({n[0]}, {p['shape']})")


# ---- programs --------------------------------------------------------------------------------


@dataclass
class Node:
    """y = op(args, params). `ckpt` runs it in the engine under autograd.checkpoint, with every
    operand an argument ("args") or the first one an argument and the others closed over
    ("closure"), so the backward pass recomputes it."""

    op: str
    args: tuple
    params: dict = field(default_factory=dict)
    ckpt: str = None

    def apply(self, vals, engine):
        """The node's value from the values before it (`via`, how the engine is called, is not
        the reference's business)."""
        op = OPS.get(self.op) or NEGATIVE_OPS[self.op]
        args = [vals[a] for a in self.args]
        if not engine:
            return op.np_fn(*args, **{k: v for k, v in self.params.items() if k != "via"})
        f = lambda *ts: op.ag_fn(*ts, **self.params)     # noqa: E731
        if self.ckpt == "args":
            return ag.checkpoint(f, *args)
        if self.ckpt == "closure":
            return ag.checkpoint(lambda t: f(t, *args[1:]), args[0])
        return f(*args)

    def show(self, names):
        op = OPS.get(self.op) or NEGATIVE_OPS[self.op]
        if self.ckpt == "args":
            ts = [f"t{k}" for k in range(len(self.args))]
            body = op.fmt(ts, self.params)
            return f"checkpoint(lambda {', '.join(ts)}: {body}, {', '.join(names)})"
        if self.ckpt == "closure":
            return f"checkpoint(lambda t: {op.fmt(['t'] + names[1:], self.params)}, {names[0]})"
        return op.fmt(names, self.params)


class Program:
    """Inputs x0.. of `shapes` (values uniform in [-2, 2] from `seed`), nodes y0.., and the
    outputs: every node that no later node uses."""

    def __init__(self, shapes, seed, nodes):
        self.shapes, self.seed, self.nodes = shapes, seed, nodes

    def inputs(self):
        rng = np.random.default_rng(self.seed)
        return [rng.uniform(-2, 2, s) for s in self.shapes]

    def names(self):
        return [f"x{k}" for k in range(len(self.shapes))] + \
            [f"y{k}" for k in range(len(self.nodes))]

    def outputs(self):
        k = len(self.shapes)
        used = {a for node in self.nodes for a in node.args}
        return [k + n for n in range(len(self.nodes)) if k + n not in used]

    def run(self, xs, engine):
        """The outputs for inputs xs (Tensors for the engine, arrays for NumPy)."""
        vals = list(xs)
        for node in self.nodes:
            vals.append(node.apply(vals, engine))
        return tuple(vals[o] for o in self.outputs())

    def __repr__(self):
        names = self.names()
        lines = [f"seed={self.seed}; " + ", ".join(f"x{j}: {s}" for j, s in enumerate(self.shapes))]
        for n, node in enumerate(self.nodes):
            lines.append(f"y{n} = {node.show([names[a] for a in node.args])}")
        lines.append("outputs: " + ", ".join(names[o] for o in self.outputs()))
        return "Program(" + "; ".join(lines) + ")"

    def _repr_pretty_(self, p, cycle):     # hypothesis prints falsifying examples with this
        p.text(repr(self))


def _valid(v):
    return v.size <= MAX_SIZE and bool(np.all(np.isfinite(v))) and np.abs(v).max(initial=0) <= BOUND


def draw_program(ch, max_inputs=3, max_nodes=MAX_NODES, checkpoints=("args",), min_side=1):
    """A random Program: inputs whose shapes mostly broadcast together, then nodes drawn on the
    actual values so that every op is used inside its safe domain. min_side=0 allows empty axes."""
    ops = sorted(OPS, key=lambda name: name != "add")      # shrinking goes toward add
    base = tuple(ch.integer(min_side, 3) for _ in range(ch.integer(0, 3)))
    shapes = []
    for _ in range(ch.integer(1, max_inputs)):
        if ch.integer(0, 3) == 0:      # an unrelated shape
            shapes.append(tuple(ch.integer(min_side, 3) for _ in range(ch.integer(0, 3))))
        else:                         # a suffix of the base shape, some axes 1
            nd = ch.integer(0, len(base))
            shapes.append(tuple(1 if ch.integer(0, 2) == 0 else n for n in base[len(base) - nd:]))
    seed = ch.integer(0, 2 ** 16)
    prog = Program(shapes, seed, [])
    pool = prog.inputs()
    for _ in range(ch.integer(2, max_nodes)):
        # prefer recent values, so that programs are deep as well as wide
        back = ch.integer(0, len(pool) - 1)
        i = len(pool) - 1 - back if ch.boolean() else back
        name = ch.choice(ops)
        got = OPS[name].draw(ch, i, pool)
        node = Node(name, *got) if got is not None else Node("tanh", (i,))
        with np.errstate(all="ignore"):
            value = np.asarray(node.apply(pool, engine=False), dtype=np.float64)
        if not _valid(value):
            node = Node("tanh", (i,))
            value = np.tanh(pool[i])
        if checkpoints and ch.integer(0, 5) == 0:
            node.ckpt = ch.choice(checkpoints)
        prog.nodes.append(node)
        pool.append(value)
    return prog


@st.composite
def programs(draw, **kw):
    return draw_program(HypothesisChoices(draw), **kw)


# ---- the check -------------------------------------------------------------------------------


def check_program(prog, second=True):
    """Forward equal to the NumPy reference; gradcheck; gradgradcheck. True or raise."""
    xs = prog.inputs()
    want = prog.run(xs, engine=False)
    got = prog.run([ag.Tensor(x, requires_grad=True) for x in xs], engine=True)
    assert len(got) == len(want)
    leaves = [ag.Tensor(x, requires_grad=True) for x in xs]
    with ag.no_grad():
        plain = prog.run(leaves, engine=True)
    for g, p, w in zip(got, plain, want):
        assert isinstance(g, ag.Tensor) and g.dtype == np.float64, prog
        assert g.shape == np.shape(w), (prog, g.shape, np.shape(w))
        np.testing.assert_allclose(g.data, w, rtol=1e-9, atol=1e-12, err_msg=repr(prog))
        assert np.array_equal(p.data, g.data), prog
        assert not p.requires_grad, prog
    check_paths_agree(prog, xs)
    fn = lambda *ts: prog.run(ts, engine=True)     # noqa: E731
    assert gradcheck(fn, xs)
    if second:
        assert gradgradcheck(fn, xs, seed=0)
    return True


def check_paths_agree(prog, xs):
    """The same vector-Jacobian product four ways: grad on arrays (first order), grad on Tensors
    (create_graph=True), backward() into .grad, one output at a time (so .grad accumulates), and
    grad of a graph built and differentiated in detect_anomaly() mode (which must not object)."""
    rng = np.random.default_rng(1)
    leaves = [ag.Tensor(x, requires_grad=True) for x in xs]
    outs = [o for o in prog.run(leaves, engine=True) if o.requires_grad]
    vs = [ag.Tensor(rng.standard_normal(o.shape)) for o in outs]
    raw = ag.grad(outs, leaves, grad_outputs=vs, retain_graph=True, allow_unused=True)
    taped = ag.grad(outs, leaves, grad_outputs=vs, retain_graph=True, create_graph=True,
                    allow_unused=True)
    for o, v in zip(outs, vs):
        o.backward(v, retain_graph=True)
    with ag.detect_anomaly():
        anomaly_leaves = [ag.Tensor(x, requires_grad=True) for x in xs]
        anomaly_outs = [o for o in prog.run(anomaly_leaves, engine=True) if o.requires_grad]
        anomaly = ag.grad(anomaly_outs, anomaly_leaves, grad_outputs=vs, allow_unused=True)
    for x, r, t, a in zip(leaves, raw, taped, anomaly):
        r = np.zeros(x.shape) if r is None else r.data
        for other in (t, x.grad, a):
            np.testing.assert_allclose(np.zeros(x.shape) if other is None else other.data, r,
                                       rtol=1e-12, atol=1e-12, err_msg=repr(prog))


def check_float32(prog, mixed=False):
    """In float32 the outputs have the dtype NumPy gives for the same program, values close to
    NumPy's float32 values, and every gradient has the dtype of its leaf. mixed=True: inputs
    x1, x3, ... stay float64."""
    xs = [x.astype(np.float64 if mixed and k % 2 else np.float32)
          for k, x in enumerate(prog.inputs())]
    want = prog.run(xs, engine=False)
    leaves = [ag.Tensor(x, requires_grad=True) for x in xs]
    got = prog.run(leaves, engine=True)
    for g, w in zip(got, want):
        assert g.dtype == np.asarray(w).dtype, (prog, g.dtype, np.asarray(w).dtype)
        np.testing.assert_allclose(g.data, w, rtol=1e-3, atol=1e-3, err_msg=repr(prog))
    outs = [o for o in got if o.requires_grad]
    rng = np.random.default_rng(2)
    grads = ag.grad(outs, leaves, grad_outputs=[ag.Tensor(rng.standard_normal(o.shape),
                                                          dtype=o.dtype) for o in outs],
                    allow_unused=True)
    for x, gx in zip(leaves, grads):
        assert gx is None or (gx.dtype == x.dtype and gx.shape == x.shape), (prog, gx)
    return True


def check_stale_input_refused(prog, k, create_graph):
    """After input k is changed in place (under no_grad, as an optimiser does), differentiating
    the old graph either raises the engine's "changed in place" error or gives the gradient
    of the old values: never a gradient mixing old and new values."""
    xs = prog.inputs()
    k %= len(xs)
    leaves = [ag.Tensor(x, requires_grad=True) for x in xs]
    outs = [o for o in prog.run(leaves, engine=True) if o.requires_grad]
    rng = np.random.default_rng(4)
    vs = [ag.Tensor(rng.standard_normal(o.shape)) for o in outs]
    want = ag.grad(outs, leaves, grad_outputs=vs, retain_graph=True, allow_unused=True)
    with ag.no_grad():
        leaves[k].add_(1.0)
    try:
        got = ag.grad(outs, leaves, grad_outputs=vs, create_graph=create_graph, allow_unused=True)
    except RuntimeError as e:
        assert "changed in place" in str(e), (prog, e)
        return True
    for w, g in zip(want, got):
        assert (w is None) == (g is None), prog
        if w is not None:
            np.testing.assert_allclose(g.data, w.data, rtol=1e-12, atol=1e-12, err_msg=repr(prog))
    return True


def check_third_order(prog):
    """gradgradcheck of the first derivatives (x ↦ vᵀ∂f/∂x, fixed v): third derivatives of f."""
    xs = prog.inputs()
    shapes = [o.shape for o in prog.run([ag.Tensor(x, requires_grad=True) for x in xs], True)]
    rng = np.random.default_rng(5)
    vs = [ag.Tensor(rng.standard_normal(s)) for s in shapes]

    def first(*ts):
        outs = prog.run(ts, engine=True)
        pairs = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
        gs = ag.grad([o for o, _ in pairs], list(ts), grad_outputs=[v for _, v in pairs],
                     create_graph=True, allow_unused=True)
        return tuple(t * 0.0 if g is None else g for g, t in zip(gs, ts))
    return gradgradcheck(first, xs, seed=0)


def _dot(a, b):
    return float(sum(np.sum(np.asarray(getattr(x, "data", x)) * np.asarray(getattr(y, "data", y)))
                     for x, y in zip(a, b)))


def check_functional(prog):
    """The JAX-style transforms agree with each other on the program: vᵀ(J u) from jvp equals
    (vᵀJ) u from vjp; jacrev equals jacfwd; hvp equals the Hessian (input-0 block) times v."""
    fa = ag.functional
    xs = [ag.Tensor(x) for x in prog.inputs()]
    rng = np.random.default_rng(3)
    us = [rng.standard_normal(x.shape) for x in xs]
    f = lambda *ts: prog.run(ts, engine=True)     # noqa: E731
    outs, jv = fa.jvp(f, xs, us)
    vs = [rng.standard_normal(o.shape) for o in outs]
    _, vjp_fn = fa.vjp(f, *xs)
    assert math.isclose(_dot(vs, jv), _dot(vjp_fn(vs), us), rel_tol=1e-9, abs_tol=1e-9), prog

    last = lambda *ts: prog.run(ts, engine=True)[-1]     # noqa: E731
    nums = tuple(range(len(xs)))
    for r, c in zip(fa.jacrev(last, nums)(*xs), fa.jacfwd(last, nums)(*xs)):
        np.testing.assert_allclose(r.data, c.data, rtol=1e-9, atol=1e-12, err_msg=repr(prog))

    def scalar(*ts):
        return sum(ag.sum(o * v) for o, v in zip(prog.run(ts, engine=True), vs))

    w = [rng.standard_normal(x.shape) for x in xs]
    w0 = [w[0]] + [np.zeros(x.shape) for x in xs[1:]]
    hv = fa.hvp(scalar, tuple(xs), tuple(w0))[0]
    h = fa.hessian(scalar, 0)(*xs)
    n0 = xs[0].size
    np.testing.assert_allclose(hv.data.reshape(-1), h.data.reshape(n0, n0) @ w[0].reshape(-1),
                               rtol=1e-9, atol=1e-9, err_msg=repr(prog))
    return True


@settings(max_examples=5 * settings.default.max_examples)     # 200 under the `ci` profile
@given(programs())
def test_random_programs(prog):
    assert check_program(prog)


@given(programs())
def test_random_programs_functional(prog):
    assert check_functional(prog)


@given(programs(), st.integers(0, 2), st.booleans())
def test_random_programs_refuse_stale_inputs(prog, k, create_graph):
    assert check_stale_input_refused(prog, k, create_graph)


@given(programs(min_side=0))
def test_random_programs_with_empty_axes(prog):
    """Inputs may have size-0 axes (an empty batch): same checks, nothing may crash or warn."""
    assert check_program(prog) and check_float32(prog) and check_functional(prog)


@given(programs(), st.booleans())
def test_random_programs_float32(prog, mixed):
    assert check_float32(prog, mixed)


@given(programs(checkpoints=("args", "closure")))
@example(Program([()], 0, [Node("mul", (0, 0), ckpt="closure")]))
def test_random_programs_checkpoint_closures(prog):
    """Checkpointed nodes whose other operands are closed over (segments that use parameters)."""
    assert check_program(prog)


@pytest.mark.parametrize("f", [
    pytest.param(lambda x: ag.prod(x, axis=0, keepdims=True), id="prod"),
    pytest.param(lambda x: ag.prod(x, axis=(), keepdims=True), id="prod_empty_axes"),
    pytest.param(lambda x: ag.clip(x), id="clip"),
    pytest.param(lambda x: ag.sum_to(x, (1, 3)), id="sum_to"),
])
def test_identity_composites_return_a_new_tensor(f):
    """As np.prod and torch.prod do: a new tensor, which under no_grad() does not require grad."""
    x = ag.Tensor(np.full((1, 3), 2.0), requires_grad=True)
    assert f(x) is not x
    with ag.no_grad():
        y = f(x)
        assert not y.requires_grad
        y.mul_(10.0)
    assert np.all(x.data == 2.0)


@pytest.mark.slow
@settings(max_examples=3000)
@given(st.one_of(programs(), programs(min_side=0)))
def test_random_programs_soak(prog):
    assert check_program(prog) and check_float32(prog, mixed=bool(prog.seed % 2)) and \
        check_functional(prog) and check_stale_input_refused(prog, prog.seed, prog.seed % 3 == 0)
    if len(prog.nodes) <= 4:
        assert check_third_order(prog)


# ---- the generator covers what it claims -----------------------------------------------------


def test_every_op_is_drawn():
    """Every op in OPS appears in 300 random programs, and each draw is a valid program whose
    repr names all its nodes (so a falsifying example reads as code)."""
    seen = set()
    for seed in range(300):
        prog = draw_program(RandomChoices(seed), min_side=seed % 2)
        seen.update(node.op for node in prog.nodes)
        assert repr(prog).count(" = ") == len(prog.nodes)
    assert seen == set(OPS), f"never drawn: {sorted(set(OPS) - seen)}"


def test_repr_reads_as_code():
    prog = Program([(2, 3), (3,)], 0, [Node("tanh", (1,)), Node("mul", (2, 0)),
                                       Node("sum", (3,), {"axis": 1, "keepdims": False})])
    assert repr(prog) == ("Program(seed=0; x0: (2, 3), x1: (3,); y0 = tanh(x1); y1 = y0 * x0; "
                          "y2 = sum(y1, axis=1, keepdims=False); outputs: y2)")
    assert check_program(prog)


# ---- negative controls: the same checker must catch wrong derivatives and wrong values ------


@ag.primitive
def _sin_wrong_vjp(x):
    "sin(x), with the derivative -cos(x) (wrong sign)"
    return np.sin(x)


_sin_wrong_vjp.defvjp(lambda g, out, x: -g * ag.cos(x))


@ag.primitive
def _cube_detached_vjp(x):
    "x³, with the right first derivative 3x² computed as a constant: its own derivative is lost"
    return x ** 3


_cube_detached_vjp.defvjp(
    lambda g, out, x: g * (3 * np.square(x.data if isinstance(x, ag.Tensor) else x)))

@ag.primitive
def _sin_vjp_wrong_on_tensors(x):
    "sin(x), its derivative right on arrays (first-order backward) and doubled on Tensors"
    return np.sin(x)


_sin_vjp_wrong_on_tensors.defvjp(
    lambda g, out, x: g * (2 * ag.cos(x) if isinstance(x, ag.Tensor) else np.cos(x)))

NEGATIVE_OPS = {
    "sin_wrong_vjp": Op("sin_wrong_vjp", None, _sin_wrong_vjp, np.sin, _prefix("sin_wrong_vjp")),
    "cube_detached_vjp": Op("cube_detached_vjp", None, _cube_detached_vjp, lambda a: a ** 3,
                            _prefix("cube_detached_vjp")),
    "sin_vs_cos": Op("sin_vs_cos", None, ag.sin, np.cos, _prefix("sin_vs_cos")),
    "sin_vjp_wrong_on_tensors": Op("sin_vjp_wrong_on_tensors", None, _sin_vjp_wrong_on_tensors,
                                   np.sin, _prefix("sin_vjp_wrong_on_tensors")),
}


def _with_bad_node(bad):
    """A program that mixes broadcasting, a reduction and a bad node in the middle."""
    return Program([(2, 3), (3,)], 1, [Node("mul", (0, 1)), Node(bad, (2,)),
                                       Node("sum", (3,), {"axis": 0, "keepdims": True})])


def test_wrong_first_derivative_is_caught():
    with pytest.raises(AssertionError, match="gradcheck: gradient mismatch"):
        check_program(_with_bad_node("sin_wrong_vjp"))


def test_derivative_that_is_not_differentiable_is_caught_at_second_order():
    prog = _with_bad_node("cube_detached_vjp")
    assert check_program(prog, second=False)          # right at first order ...
    with pytest.raises(AssertionError, match="gradgradcheck: gradient mismatch"):
        check_program(prog)                           # ... and caught at the second


def test_wrong_forward_value_is_caught():
    with pytest.raises(AssertionError, match="Not equal to tolerance"):
        check_program(_with_bad_node("sin_vs_cos"))


def test_backward_paths_that_disagree_are_caught():
    """A VJP that gives one answer on arrays and another on Tensors: gradcheck alone passes."""
    prog = _with_bad_node("sin_vjp_wrong_on_tensors")
    assert gradcheck(lambda *ts: prog.run(ts, engine=True), prog.inputs())
    with pytest.raises(AssertionError, match="Not equal to tolerance"):
        check_paths_agree(prog, prog.inputs())
