"""The explorer: one HTML page, modules as boxes that open on click, tooltips on hover; the
page is checked in a real headless Chromium (selenium) when one is installed."""

import json
import re

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
    assert loss_tip[:2] == ["loss", "shape (), float64"] and loss_tip[-1] == "grad 1"
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
    assert data["names"] == {"m0": "0", "m1": "2"}


@needs_renderer
def test_in_a_browser_click_opens_a_module_back_returns_and_hover_shows_the_tooltip(tmp_path,
                                                                                  browser):
    path = explore(mlp_loss()).save(tmp_path / "graph.html")
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    browser.get(path.resolve().as_uri() if hasattr(path, "resolve") else "file://" + path)
    shown = lambda: [v.get_attribute("data-view") for v in         # noqa: E731
                     browser.find_elements(By.CSS_SELECTOR, ".cre-view") if v.is_displayed()]
    assert shown() == ["top"]
    where = browser.find_element(By.CSS_SELECTOR, ".cre-where")
    assert where.text == "whole graph"

    def node(title):
        return next(g for g in browser.find_elements(By.CSS_SELECTOR, "g.node")
                    if g.is_displayed() and g.find_element(By.TAG_NAME, "title")
                    .get_attribute("textContent") == title)
    node("m0").find_element(By.TAG_NAME, "polygon").click()
    assert shown() == ["m0"] and where.text == "module 0"
    browser.find_element(By.CSS_SELECTOR, ".cre-back").click()
    assert shown() == ["top"] and where.text == "whole graph"
    tip = browser.find_element(By.CSS_SELECTOR, ".cre-tip")
    assert not tip.is_displayed()
    ActionChains(browser).move_to_element(node("t0")).perform()
    assert tip.is_displayed() and tip.text.splitlines()[:2] == ["loss", "shape (), float64"]
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
    assert len(e.views) == 7 and all(f"cluster_{nid}" in e.views[nid].source
                                     for nid in e.ids.values())
