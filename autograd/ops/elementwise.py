"""Elementwise primitives and the composites built from them.

Each VJP gets (g, out, *inputs) and returns the cotangent of one input, possibly of the
broadcast shape: the engine sums it back to the input's shape.
"""

import math

import numpy as np

from ..grad_mode import modes
from ..primitive import primitive
from .composite import composite
from ..tensor import Tensor

# ---- arithmetic -----------------------------------------------------------------------------


@primitive
def add(x, y):
    "x + y; d/dx = 1, d/dy = 1"
    return x + y


add.defvjp(lambda g, out, x, y: g,
           lambda g, out, x, y: g)


@primitive
def multiply(x, y):
    "x * y; d/dx = y, d/dy = x"
    return x * y


multiply.defvjp(lambda g, out, x, y: g * y,
                lambda g, out, x, y: g * x)


@primitive
def divide(x, y):
    "x / y; d/dx = 1/y, d/dy = -x/y² = -out/y"
    return x / y


divide.defvjp(lambda g, out, x, y: g / y,
              lambda g, out, x, y: -g * out / y)


@primitive
def negative(x):
    "-x; d/dx = -1"
    return -x


negative.defvjp(lambda g, out, x: -g)


def subtract(x, y):
    "x - y, composed as x + (-y)"
    if type(y) in (int, float, bool):   # stays a Python number: float32 - 1 stays float32
        return add(x, -y)
    return add(x, negative(y))


def _log_base(x):
    """log(x) where x > 0, 0 where x == 0 (the limit of out·log x), NaN where x < 0."""
    safe = where(x > 0, x, 1.0)
    return where(x > 0, log(safe), where(x == 0, 0.0, np.nan))


@primitive
def power(x, p):
    "x ** p; d/dx = p·x^(p-1), d/dp = x^p·log(x)"
    return x ** p


def _power_vjp_x(g, out, x, p):
    """p·x^(p-1), exactly 0 where p = 0: where x = 0 too, x^(p-1) is evaluated at x = 1, so
    there is no 0·inf (and, the exponent being a power's again, none at higher orders)"""
    if isinstance(p, (int, float)):
        return g * 0 if p == 0 else g * p * x ** (p - 1)
    return g * p * where((p == 0) * (x == 0), 1.0, x) ** (p - 1)


power.defvjp(_power_vjp_x,
             lambda g, out, x, p: g * out * _log_base(x))


pow = power


def square(x):
    "x², composed as x * x"
    return multiply(x, x)


# ---- transcendental -------------------------------------------------------------------------


@primitive
def exp(x):
    "exp(x); d/dx = exp(x)"
    return np.exp(x)


exp.defvjp(lambda g, out, x: g * out)


@primitive
def log(x):
    "log(x); d/dx = 1/x"
    return np.log(x)


log.defvjp(lambda g, out, x: g / x)


@primitive
def log1p(x):
    "log(1 + x), accurate near 0; d/dx = 1/(1 + x)"
    return np.log1p(x)


log1p.defvjp(lambda g, out, x: g / (1 + x))


@primitive
def expm1(x):
    "exp(x) - 1, accurate near 0; d/dx = exp(x)"
    return np.expm1(x)


expm1.defvjp(lambda g, out, x: g * (out + 1))


@primitive
def sqrt(x):
    "√x; d/dx = 1/(2√x)"
    return np.sqrt(x)


sqrt.defvjp(lambda g, out, x: g / (2 * out))


@primitive
def sin(x):
    "sin(x); d/dx = cos(x)"
    return np.sin(x)


sin.defvjp(lambda g, out, x: g * cos(x))


@primitive
def cos(x):
    "cos(x); d/dx = -sin(x)"
    return np.cos(x)


cos.defvjp(lambda g, out, x: -g * sin(x))


@primitive
def tanh(x):
    "tanh(x); d/dx = 1 - tanh²(x)"
    return np.tanh(x)


tanh.defvjp(lambda g, out, x: g * (1 - out * out))


@primitive
def sigmoid(x):
    "1/(1 + exp(-x)); d/dx = σ(x)(1 - σ(x))"
    with np.errstate(over="ignore"):    # exp(-x) = inf far below 0 gives σ = 0, as it should
        return 1 / (1 + np.exp(-x))


sigmoid.defvjp(lambda g, out, x: g * out * (1 - out))


@primitive
def softplus(x):
    "log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)), stable; d/dx = σ(x)"
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


softplus.defvjp(lambda g, out, x: g * sigmoid(x))


_erf = np.frompyfunc(math.erf, 1, 1)


@primitive
def erf(x):
    "the error function (2/√π)∫₀ˣ exp(-t²) dt; d/dx = (2/√π)·exp(-x²)"
    return np.asarray(_erf(x), dtype=np.result_type(x, np.float16))[()]


erf.defvjp(lambda g, out, x: g * (2 / np.sqrt(np.pi)) * exp(-x * x))


@composite
def log_sigmoid(x):
    "log σ(x) = -softplus(-x), finite for large |x|"
    return negative(softplus(negative(x)))


# ---- piecewise ------------------------------------------------------------------------------


@primitive
def relu(x):
    "max(x, 0); d/dx = 1 where x > 0, else 0"
    return np.maximum(x, 0)


relu.defvjp(lambda g, out, x: g * (x > 0))


@primitive
def sign(x):
    "-1, 0 or 1; d/dx = 0"
    return np.sign(x)


sign.defvjp(lambda g, out, x: g * 0)


@primitive
def absolute(x):
    "|x|; d/dx = sign(x)"
    return np.abs(x)


absolute.defvjp(lambda g, out, x: g * sign(x))
abs = fabs = absolute


def _share(x, y):
    """1 where x wins, ½ on ties, 0 where y wins: how maximum/minimum route gradient to x."""
    return (x > y) + 0.5 * (x == y)


@primitive
def maximum(x, y):
    "elementwise max; the gradient goes to the larger input, split equally on ties"
    return np.maximum(x, y)


maximum.defvjp(lambda g, out, x, y: g * _share(x, y),
               lambda g, out, x, y: g * _share(y, x))


@primitive
def minimum(x, y):
    "elementwise min; the gradient goes to the smaller input, split equally on ties"
    return np.minimum(x, y)


minimum.defvjp(lambda g, out, x, y: g * _share(y, x),
               lambda g, out, x, y: g * _share(x, y))


def _nan_route(x, y, share):
    """x's part of the gradient of fmax/fmin: all of it where y is NaN, none where x is,
    else `share` (as maximum/minimum route it)."""
    return where(isnan(y), 1.0, where(isnan(x), 0.0, share))


@primitive
def fmax(x, y):
    "elementwise max ignoring NaN (np.fmax); the gradient as maximum's, to the non-NaN input"
    return np.fmax(x, y)


fmax.defvjp(lambda g, out, x, y: g * _nan_route(x, y, _share(x, y)),
            lambda g, out, x, y: g * _nan_route(y, x, _share(y, x)))


@primitive
def fmin(x, y):
    "elementwise min ignoring NaN (np.fmin); the gradient as minimum's, to the non-NaN input"
    return np.fmin(x, y)


fmin.defvjp(lambda g, out, x, y: g * _nan_route(x, y, _share(y, x)),
            lambda g, out, x, y: g * _nan_route(y, x, _share(x, y)))


@primitive(name="where")
def _where(condition, x, y):
    "x where condition, else y; the gradient follows the chosen branch"
    return np.where(condition, x, y)[()]


_where.defvjp(None,
              lambda g, out, c, x, y: _where(c, g, 0.0),
              lambda g, out, c, x, y: _where(c, 0.0, g))


def where(condition, x=None, y=None):
    """x where condition, else y (differentiable in x and y); with the condition alone, the
    indices where it holds, as np.where(condition) (integer tensors, no gradient)"""
    if x is None and y is None:
        return tuple(Tensor(i, dtype=i.dtype) for i in np.nonzero(np.asarray(condition.data if isinstance(
            condition, Tensor) else condition)))
    if x is None or y is None:
        raise TypeError("where: give both x and y, or neither (np.where's one-argument form)")
    return _where(condition, x, y)


def _bound(v, which):
    if v is None or isinstance(v, (Tensor, np.ndarray, int, float, np.number)):
        return v
    raise TypeError(f"clip: {which} must be a number, an array or a Tensor; got "
                    f"{type(v).__name__} {v!r}")


@composite
def clip(x, a_min=None, a_max=None):
    "x limited to [a_min, a_max]; gradient 1 inside (bounds included), 0 outside"
    a_min, a_max = _bound(a_min, "a_min"), _bound(a_max, "a_max")
    if a_min is not None:
        x = where(x < a_min, a_min, x)
    if a_max is not None:
        x = where(x > a_max, a_max, x)
    return x


# ---- dtype ----------------------------------------------------------------------------------


@primitive(name="astype")
def _cast(x, *, dtype):
    "x converted to dtype; the gradient is converted back"
    return x.astype(dtype)


_cast.defvjp(lambda g, out, x, dtype: _cast(g, dtype=x.dtype))


def astype(x, dtype):
    "x converted to `dtype`; differentiable between float dtypes, a constant otherwise"
    dtype = np.dtype(dtype)
    if isinstance(x, Tensor) and dtype.kind not in "fc":
        return Tensor(x.data.astype(dtype), dtype=dtype)
    if dtype.kind == "c" and isinstance(x, Tensor) and x.requires_grad and modes.grad:
        raise TypeError(f"astype: chainrule differentiates real values only, so a tensor that "
                        f"requires grad cannot become {dtype}; use x.detach().astype(...) for "
                        f"a constant")
    return _cast(x, dtype=dtype)


# ---- comparisons (no gradient: the result is boolean) ----------------------------------------

def _boolean(ufunc, doc):
    """A NumPy ufunc with a boolean result as a primitive without VJPs, with a short doc."""
    op = primitive(ufunc, name=ufunc.__name__)
    op.__doc__ = doc + " (boolean; no gradient)"
    return op


equal = _boolean(np.equal, "x == y elementwise")
not_equal = _boolean(np.not_equal, "x != y elementwise")
less = _boolean(np.less, "x < y elementwise")
less_equal = _boolean(np.less_equal, "x <= y elementwise")
greater = _boolean(np.greater, "x > y elementwise")
greater_equal = _boolean(np.greater_equal, "x >= y elementwise")
isnan = _boolean(np.isnan, "True where x is NaN")
isinf = _boolean(np.isinf, "True where x is ±inf")
isfinite = _boolean(np.isfinite, "True where x is neither NaN nor ±inf")
signbit = _boolean(np.signbit, "True where the sign bit of x is set (x < 0, -0.0)")

__all__ = ["add", "subtract", "multiply", "divide", "negative", "power", "pow", "square", "exp", "log",
           "log1p", "expm1", "sqrt", "sin", "cos", "tanh", "sigmoid", "softplus", "log_sigmoid", "erf",
           "relu", "sign", "absolute", "abs", "maximum", "minimum", "where", "clip", "astype",
           "equal", "not_equal", "less", "less_equal", "greater", "greater_equal"]
__all__ += ["fmax", "fmin", "isnan", "isinf", "isfinite", "signbit", "fabs"]
