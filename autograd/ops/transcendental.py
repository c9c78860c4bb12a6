"""NumPy's other elementwise functions: trigonometric and hyperbolic functions and their
inverses, logarithms and exponentials in bases 2 and 10, hypot, logaddexp, sinc, cbrt.

Each is a primitive whose VJP is written with autograd ops (differentiable again) or a
composite. Domains are NumPy's: outside them the forward gives NaN as NumPy does.
"""

import math

import numpy as np

from ..primitive import primitive
from .elementwise import absolute, cos, divide, exp, multiply, sqrt, where

_LN2, _LN10 = math.log(2.0), math.log(10.0)

# ---- trigonometric and hyperbolic -----------------------------------------------------------


@primitive
def tan(x):
    "tan(x); d/dx = 1 + tan²(x)"
    return np.tan(x)


tan.defvjp(lambda g, out, x: g * (1 + out * out))


@primitive
def sinh(x):
    "sinh(x); d/dx = cosh(x)"
    return np.sinh(x)


@primitive
def cosh(x):
    "cosh(x); d/dx = sinh(x)"
    return np.cosh(x)


sinh.defvjp(lambda g, out, x: g * cosh(x))
cosh.defvjp(lambda g, out, x: g * sinh(x))


@primitive
def arcsin(x):
    "arcsin(x) on [-1, 1]; d/dx = 1/√(1 - x²) (infinite at ±1)"
    return np.arcsin(x)


arcsin.defvjp(lambda g, out, x: g / sqrt(1 - x * x))


@primitive
def arccos(x):
    "arccos(x) on [-1, 1]; d/dx = -1/√(1 - x²) (infinite at ±1)"
    return np.arccos(x)


arccos.defvjp(lambda g, out, x: -g / sqrt(1 - x * x))


@primitive
def arctan(x):
    "arctan(x); d/dx = 1/(1 + x²)"
    return np.arctan(x)


arctan.defvjp(lambda g, out, x: g / (1 + x * x))


@primitive
def arctan2(y, x):
    "the angle of the point (x, y); d/dy = x/(x² + y²), d/dx = -y/(x² + y²) (undefined at 0)"
    return np.arctan2(y, x)


arctan2.defvjp(lambda g, out, y, x: g * x / (x * x + y * y),
               lambda g, out, y, x: -g * y / (x * x + y * y))


@primitive
def arcsinh(x):
    "arcsinh(x); d/dx = 1/√(x² + 1)"
    return np.arcsinh(x)


arcsinh.defvjp(lambda g, out, x: g / sqrt(x * x + 1))


@primitive
def arccosh(x):
    "arccosh(x) for x ≥ 1; d/dx = 1/(√(x - 1)·√(x + 1)) (no cancellation in x² - 1 near 1)"
    return np.arccosh(x)


arccosh.defvjp(lambda g, out, x: g / (sqrt(x - 1) * sqrt(x + 1)))


@primitive
def arctanh(x):
    "arctanh(x) on (-1, 1); d/dx = 1/(1 - x²)"
    return np.arctanh(x)


arctanh.defvjp(lambda g, out, x: g / (1 - x * x))


# ---- logarithms and exponentials ------------------------------------------------------------


@primitive
def log2(x):
    "log₂(x); d/dx = 1/(x ln 2)"
    return np.log2(x)


log2.defvjp(lambda g, out, x: g / (x * _LN2))


@primitive
def log10(x):
    "log₁₀(x); d/dx = 1/(x ln 10)"
    return np.log10(x)


log10.defvjp(lambda g, out, x: g / (x * _LN10))


@primitive
def exp2(x):
    "2ˣ; d/dx = 2ˣ ln 2"
    return np.exp2(x)


exp2.defvjp(lambda g, out, x: g * out * _LN2)


@primitive
def logaddexp(x, y):
    "log(eˣ + eʸ) without overflow; d/dx = e^(x - out), d/dy = e^(y - out)"
    return np.logaddexp(x, y)


logaddexp.defvjp(lambda g, out, x, y: g * exp(x - out),
                 lambda g, out, x, y: g * exp(y - out))


@primitive
def logaddexp2(x, y):
    "log₂(2ˣ + 2ʸ) without overflow; d/dx = 2^(x - out), d/dy = 2^(y - out)"
    return np.logaddexp2(x, y)


logaddexp2.defvjp(lambda g, out, x, y: g * exp2(x - out),
                  lambda g, out, x, y: g * exp2(y - out))


@primitive
def cbrt(x):
    "∛x (real, also for x < 0); d/dx = 1/(3∛x²) (infinite at 0)"
    return np.cbrt(x)


cbrt.defvjp(lambda g, out, x: g / (3 * out * out))


def reciprocal(x):
    "1/x, composed from divide"
    return divide(1.0, x)


@primitive
def hypot(x, y):
    "√(x² + y²) without overflow; d/dx = x/out, d/dy = y/out (undefined at x = y = 0)"
    return np.hypot(x, y)


hypot.defvjp(lambda g, out, x, y: g * x / out,
             lambda g, out, x, y: g * y / out)


def degrees(x):
    "x radians in degrees (x·180/π)"
    return multiply(x, 180.0 / math.pi)


def radians(x):
    "x degrees in radians (x·π/180)"
    return multiply(x, math.pi / 180.0)


rad2deg, deg2rad = degrees, radians

# ---- sinc -----------------------------------------------------------------------------------

_SINC_SERIES = 1e-4     # below this |x|, sinc' by its Taylor series (no cancellation)


@primitive
def sinc(x):
    "sin(πx)/(πx), 1 at 0 (NumPy's normalised sinc); d/dx = (cos(πx) - sinc(x))/x, 0 at 0"
    return np.sinc(x)


def _sinc_vjp(g, out, x):
    """(cos(πx) - sinc(x))/x, and its Taylor series -π²x/3 + π⁴x³/30 near 0, where the
    difference cancels; both branches are autograd ops, so sinc'' is right at 0 too."""
    small = absolute(x) < _SINC_SERIES
    safe = where(small, 1.0, x)
    p2 = math.pi ** 2
    series = x * (-p2 / 3 + x * x * (p2 * p2 / 30))
    return g * where(small, series, (cos(math.pi * safe) - out) / safe)


sinc.defvjp(_sinc_vjp)

__all__ = ["tan", "sinh", "cosh", "arcsin", "arccos", "arctan", "arctan2", "arcsinh",
           "arccosh", "arctanh", "log2", "log10", "exp2", "logaddexp", "logaddexp2", "cbrt",
           "reciprocal", "hypot", "degrees", "radians", "rad2deg", "deg2rad", "sinc"]
