"""Rounding (floor, ceil, trunc, rint, round) and the remainders (mod, fmod).

Rounding is piecewise constant: its derivative is 0 wherever it exists, so each VJP is `g * 0`,
recorded like any other op (a second derivative through it is 0 too, not an error). The
remainders are piecewise linear: x - y·floor(x/y) has d/dx = 1 and d/dy = -floor(x/y) away
from the jumps at the multiples of y.
"""

import numpy as np

from ..primitive import primitive


def _zero(g, out, x, **kw):
    return g * 0


@primitive
def floor(x):
    "the largest integer ≤ x; d/dx = 0 (undefined at integers)"
    return np.floor(x)


@primitive
def ceil(x):
    "the smallest integer ≥ x; d/dx = 0 (undefined at integers)"
    return np.ceil(x)


@primitive
def trunc(x):
    "x rounded towards 0; d/dx = 0 (undefined at nonzero integers)"
    return np.trunc(x)


@primitive
def rint(x):
    "x rounded to the nearest integer, halves to even; d/dx = 0"
    return np.rint(x)


@primitive
def round(x, decimals=0):
    "x rounded to `decimals` places, halves to even (np.round); d/dx = 0"
    return np.round(x, decimals)


for _op in (floor, ceil, trunc, rint, round):
    _op.defvjp(_zero)
around, fix = round, trunc


@primitive
def remainder(x, y):
    "x - y·floor(x/y), the sign of y (Python's %); d/dx = 1, d/dy = -floor(x/y)"
    return np.remainder(x, y)


remainder.defvjp(lambda g, out, x, y: g,
                 lambda g, out, x, y: -g * floor(x / y))
mod = remainder


@primitive
def fmod(x, y):
    "x - y·trunc(x/y), the sign of x (C's fmod); d/dx = 1, d/dy = -trunc(x/y)"
    return np.fmod(x, y)


fmod.defvjp(lambda g, out, x, y: g,
            lambda g, out, x, y: -g * trunc(x / y))

__all__ = ["floor", "ceil", "trunc", "fix", "rint", "round", "around", "remainder", "mod",
           "fmod"]
