"""The Han-Kamber-Pei worked example (examples/backprop_han_kamber_pei.py) reproduces the
book's tables to three decimals and matches an independent NumPy computation of the book's
error formulas to rounding."""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "backprop_han_kamber_pei.py"

BOOK_UPDATED = {"w46": -0.261, "w56": -0.138, "w14": 0.192, "w15": -0.306, "w24": 0.4,
                "w25": 0.1, "w34": -0.508, "w35": 0.194, "θ6": 0.218, "θ5": 0.194,
                "θ4": -0.408}
BOOK_NET = {4: (-0.7, 0.332), 5: (0.1, 0.525), 6: (-0.105, 0.474)}
BOOK_ERR = {6: 0.1311, 5: -0.0065, 4: -0.0087}


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("backprop_han_kamber_pei", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def by_hand():
    """The book's formulas in NumPy: Err6 = O(1-O)(t-O), Errj = Oj(1-Oj) Err6 wj6,
    wij += l Errj Oi, θj += l Errj."""
    sig = lambda z: 1 / (1 + np.exp(-z))      # noqa: E731
    x, t, lr = np.array([1.0, 0.0, 1.0]), 1.0, 0.9
    W1 = np.array([[0.2, 0.4, -0.5], [-0.3, 0.1, 0.2]])     # rows: units 4, 5
    b1, w2, b2 = np.array([-0.4, 0.2]), np.array([-0.3, -0.2]), 0.1
    O = sig(W1 @ x + b1)
    o = sig(w2 @ O + b2)
    e6 = o * (1 - o) * (t - o)
    eh = O * (1 - O) * e6 * w2
    W1n, b1n = W1 + lr * np.outer(eh, x), b1 + lr * eh
    w2n, b2n = w2 + lr * e6 * O, b2 + lr * e6
    return {"w14": W1n[0, 0], "w24": W1n[0, 1], "w34": W1n[0, 2], "w15": W1n[1, 0],
            "w25": W1n[1, 1], "w35": W1n[1, 2], "w46": w2n[0], "w56": w2n[1], "θ4": b1n[0],
            "θ5": b1n[1], "θ6": b2n}, {6: e6, 4: eh[0], 5: eh[1]}


def test_matches_the_book_to_three_decimals(example):
    net, errors, updated = example.train_step()
    for name, value in BOOK_UPDATED.items():
        assert round(updated[name], 3) == pytest.approx(value, abs=1e-12), name
    for j, (I, O) in BOOK_NET.items():
        assert round(net[j][0], 3) == pytest.approx(I) and round(net[j][1], 3) == pytest.approx(O)
    for j, e in BOOK_ERR.items():                   # the book truncates Err6 = 0.13117 to 0.1311
        assert abs(errors[j] - e) < 1.5e-4


def test_matches_the_formulas_exactly(example):
    _, errors, updated = example.train_step()
    hand_w, hand_err = by_hand()
    for name, value in hand_w.items():
        assert updated[name] == pytest.approx(value, abs=1e-12), name
    for j, e in hand_err.items():
        assert errors[j] == pytest.approx(e, abs=1e-12)


def test_script_prints_the_updated_table():
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "PYTHONIOENCODING": "utf-8"}
    out = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True,
                         env=env, encoding="utf-8", check=True, timeout=120).stdout
    table = out.split("Updated weights and biases")[1]
    rows = dict(re.findall(r"^\s*(\S+)\s+-?\d+\.\d{3}\s+(-?\d+\.\d{3})\s*$", table, flags=re.M))
    assert set(rows) == set(BOOK_UPDATED)
    for name, value in BOOK_UPDATED.items():
        assert float(rows[name]) == value, name
