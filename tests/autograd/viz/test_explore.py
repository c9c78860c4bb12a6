"""The explorer: one HTML page, modules and composites as boxes that open on click, tooltips
(with the line of code that made a tensor) on hover; the page is checked in a real headless
Chromium (selenium) on a CNN, an LSTM unrolled over time and a Transformer layer."""

import json
import re

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import Tensor

viz = pytest.importorskip("autograd.viz")
from autograd.viz import explore  # noqa: E402

needs_renderer = pytest.mark.skipif(viz.renderer() is None, reason="no dot / graphviz-pure")


def mlp_loss():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    x = Tensor([[0.5, -1.0, 2.0]], name="x")
    loss = (model(x) ** 2).sum()
    loss.name = "loss"
    loss.backward()
    return loss


def test_one_view_per_module_and_a_tooltip_per_tensor():
    e = explore(mlp_loss())
    assert list(e.views) == ["top", "m0", "m1"]
    top, first = e.views["top"].source, e.views["m0"].source
    assert "cluster" not in top and top.count("shape=box3d") == 2      # both modules closed
    assert "cluster_m0" in first and first.count("shape=box3d") == 1    # module 0 open
    assert e.tips["m1"] == "module 2\n(click to open)"
    loss_tip = e.tips["t0"].splitlines()
    assert loss_tip[:2] == ["loss", "shape (), float64"] and "grad 1" in loss_tip
    assert "autograd.record_source()" in e.tips["t0"]                 # no line recorded
    weight = next(v for v in e.tips.values() if v.startswith("0.weight"))
    assert "shape (4, 3), float64" in weight and "grad mean" in weight
    assert e.tips["o0"] == "sum" and e.tips["o1"] == "power"          # ops: their names
    total = Tensor([[1.0, 2.0]], requires_grad=True).sum(axis=1, keepdims=True)
    assert explore(total).tips["o0"] == "sum\naxis=1\nkeepdims=True"
    assert list(explore(Tensor(2.0) * 3.0).views) == ["top"]          # no modules: one view
    x = Tensor(0.5, requires_grad=True)
    y = x
    for _ in range(20):
        y = ag.tanh(y)
    assert explore(y).tips["o0"] == "tanh ×20\n19 tensors folded into one node"


@needs_renderer
def test_the_page_is_self_contained(tmp_path):
    e = explore(mlp_loss())
    page = open(e.save(tmp_path / "out" / "graph.html"), encoding="utf-8").read()
    assert page.count("<svg") == 3 and "<script>" in page and "http" not in re.sub(
        r"<svg.*?</svg>", "", page, flags=re.S)                        # nothing fetched
    data = json.loads(re.search(r'class="cre-data">(.*?)</script>', page, re.S).group(1))
    assert data["names"] == {"m0": "module 0", "m1": "module 2"}


def small_cnn():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(8, 3))
    x = Tensor(np.linspace(-1, 1, 72).reshape(2, 1, 6, 6), name="x")
    with ag.record_source():
        out = model(x).sum()                                          # LINE cnn
    out.backward()
    return out


def unrolled_lstm():
    ag.manual_seed(0)
    cell = nn.LSTMCell(3, 4)
    x = ag.randn(3, 2, 3)
    h = c = ag.zeros(2, 4)
    with ag.record_source():
        for t in range(3):
            with ag.scope(f"step {t + 1}"):                          # one box per time step
                h, c = cell(x[t], (h, c))
        out = (h ** 2).sum()                                          # LINE lstm
    out.backward()
    return out


def transformer_layer():
    ag.manual_seed(0)
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.0, batch_first=True)
    with ag.record_source():
        out = (layer(ag.randn(1, 3, 4)) ** 2).sum()                   # LINE transformer
    out.backward()
    return out


MODELS = {"cnn": (small_cnn, "module 0", "composite conv"),
          "lstm": (unrolled_lstm, None, "composite step 2"),
          "transformer": (transformer_layer, "module self_attn", "composite softmax")}


@pytest.mark.parametrize("name", MODELS)
def test_modules_and_composites_are_boxes_to_open(name):
    make, module, composite = MODELS[name]
    e = explore(make())
    kinds = list(e.names.values())
    assert composite in kinds and (module is None or module in kinds)
    nid = next(k for k, v in e.names.items() if v == composite)
    assert f"cluster_{nid}" in e.views[nid].source and f"cluster_{nid}" not in e.views["top"].source
    assert e.tips[nid].startswith(composite + "\n(click to open)")
    code = next(line for line in open(__file__, encoding="utf-8") if f"# LINE {name}" in line)
    assert e.tips["t0"].splitlines()[-1] == "  " + code.strip()
    assert "made at test_explore.py:" in e.tips["t0"]


@needs_renderer
@pytest.mark.parametrize("name", MODELS)
def test_in_a_browser_click_opens_back_returns_and_hover_shows_the_line(name, tmp_path,
                                                                          browser):
    make, module, composite = MODELS[name]
    e = explore(make())
    path = e.save(tmp_path / "graph.html")
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    browser.get("file://" + str(path))
    shown = lambda: [v.get_attribute("data-view") for v in         # noqa: E731
                     browser.find_elements(By.CSS_SELECTOR, ".cre-view") if v.is_displayed()]
    assert shown() == ["top"]
    where = browser.find_element(By.CSS_SELECTOR, ".cre-where")
    assert where.text == "whole graph"

    def node(title):
        return next(g for g in browser.find_elements(By.CSS_SELECTOR, "g.node")
                    if g.is_displayed() and g.find_element(By.TAG_NAME, "title")
                    .get_attribute("textContent") == title)

    path = [what for what in (module, composite) if what is not None]
    for what in path:                     # the module, then the composite inside it
        nid = next(k for k, v in e.names.items() if v == what)
        ActionChains(browser).move_to_element(node(nid)).click().perform()
        assert shown() == [nid] and where.text == what
    for what in [None] + path[:-1][::-1]:
        browser.find_element(By.CSS_SELECTOR, ".cre-back").click()
    assert shown() == ["top"] and where.text == "whole graph"
    assert browser.find_element(By.CSS_SELECTOR, ".cre-back").get_attribute("disabled")
    tip = browser.find_element(By.CSS_SELECTOR, ".cre-tip")
    assert not tip.is_displayed()
    ActionChains(browser).move_to_element(node("t0")).perform()
    assert tip.is_displayed() and tip.text.splitlines()[1] == "shape (), float64"
    assert f"# LINE {name}" in tip.text and "made at test_explore.py:" in tip.text
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_a_transformer_layer_opens_module_by_module():
    ag.manual_seed(0)
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.0, batch_first=True)
    loss = (layer(ag.Tensor(ag.randn(1, 3, 4).numpy())) ** 2).sum()
    loss.backward()
    e = explore(loss)
    opened = [e.tips[nid].splitlines()[0] for nid in e.ids.values()]
    assert opened == ["module self_attn", "module self_attn.out_proj", "module norm1",
                      "module linear1", "module linear2", "module norm2"]
    assert all(f"cluster_{nid}" in e.views[nid].source for nid in e.ids.values())
    assert sorted(e.names.values())[:3] == ["composite layer_norm", "composite layer_norm",
                                            "composite softmax"]
    assert len(e.views) == 1 + 6 + 3
