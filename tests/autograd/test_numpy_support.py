"""docs/numpy_support.md lists exactly the NumPy functions autograd provides: every name in its
tables exists (in autograd or autograd.linalg, and in NumPy), and every public autograd function
named after a NumPy function is listed."""

import pathlib
import re

import numpy as np

import autograd as ag
from autograd import creation

DOC = pathlib.Path(__file__).parents[2] / "docs" / "numpy_support.md"


def _listed():
    """The backticked names in the first column of the doc's tables."""
    names = set()
    for line in DOC.read_text().splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([\w.]+)`", line.split(" | ")[0]))
    return names


def test_every_listed_function_exists_in_autograd_and_numpy():
    for name in _listed():
        ns, npns, short = (ag.linalg, np.linalg, name[7:]) if name.startswith("linalg.") \
            else (ag, np, name)
        assert callable(getattr(ns, short, None)), f"{name} is listed but autograd lacks it"
        assert hasattr(npns, short), f"{name} is listed but is not a NumPy function"


def test_every_numpy_named_function_is_listed():
    listed = _listed()
    skip = set(creation.__all__) | {"float16", "float32", "float64", "int32", "int64", "bool_"}
    top = {n for n in ag.__all__ if hasattr(np, n) and n not in skip}
    lin = {"linalg." + n for n in ag.linalg.__all__ if callable(getattr(np.linalg, n, None))
           and n != "LinAlgError"}
    assert not (top | lin) - listed, f"not listed in {DOC.name}: {sorted((top | lin) - listed)}"


def test_the_check_sees_a_missing_name():
    """Negative control: the parser finds names, so an unlisted one would be reported."""
    assert {"cumsum", "linalg.inv", "take_along_axis"} <= _listed()
    assert "not_a_numpy_function" not in _listed()
