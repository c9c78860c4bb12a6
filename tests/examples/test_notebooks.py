"""The notebooks' stored text: no control characters (a JSON "\\a" instead of "\\\\a" turns
LaTeX's \\approx into a bell and a box), and no stored outputs."""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")          # all but \t and \n


def control_characters(path):
    """(cell index, character, context) for each control character in a cell's source."""
    found = []
    for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
        text = "".join(cell["source"])
        found += [(i, m.group(), text[max(0, m.start() - 20):m.end() + 20])
                  for m in CONTROL.finditer(text)]
    return found


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 9


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_control_characters_in_cell_text(path):
    assert control_characters(path) == []


def test_the_check_finds_a_bell(tmp_path):                              # negative control
    nb = {"cells": [{"cell_type": "markdown", "source": ["at $f \u0007pprox 0.2$\n", "ok\tok"]}]}
    (tmp_path / "x.ipynb").write_text(json.dumps(nb))
    assert control_characters(tmp_path / "x.ipynb") == [(0, "\u0007", "at $f \u0007pprox 0.2$\nok\tok")]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_stored_without_outputs(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in cells if c["cell_type"] == "code")


def _perceptron_losses(gate, lr, epochs=12):
    """Notebook 03's train_perceptron with a learning rate: the mean loss of each pass."""
    import nn
    from nn import data, optim
    X, y = data.logic_gate(gate)
    p = nn.Perceptron(2)
    history = nn.fit(p, nn.PerceptronLoss(), optim.SGD(p.parameters(), lr=lr),
                     data.DataLoader((X, 2.0 * y - 1), batch_size=1), epochs=epochs,
                     progress=False)
    return history["loss"]


def test_notebook_03_try_this_learning_rates_say_what_the_code_does():
    import numpy as np
    assert NOTEBOOKS[2].name == "03_perceptron.ipynb"
    cells = json.loads(NOTEBOOKS[2].read_text(encoding="utf-8"))["cells"]
    text = " ".join("".join("".join(c["source"]) for c in cells).split())
    base = np.array(_perceptron_losses("and", 1.0))
    for lr in (0.5, 0.25):           # the curves scale with the rate: they do change
        np.testing.assert_array_equal(_perceptron_losses("and", lr), lr * base)
    assert "do not change" not in text and "scaled by the rate" in text
    last = {lr: 1 + max(i for i, v in enumerate(_perceptron_losses("and", lr)) if v > 0)
            for lr in (1.0, 0.1, 0.3)}
    assert last == {1.0: 6, 0.1: 3, 0.3: 7}
    assert "last above zero in pass 3 and pass 7 instead of 6" in text
