"""The documentation site: `mkdocs build --strict` (every notebook executed) succeeds, a broken
link or an undocumented public name makes it fail, and the pages render in a real headless
Chromium with nothing fetched from the network: the chain-rule picture, an API signature, a
notebook's graph and its backprop step slider, formulas as MathML."""

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mkdocs")
pytest.importorskip("mkdocs_jupyter")
pytest.importorskip("mkdocstrings_handlers.python")

ROOT = Path(__file__).resolve().parents[2]


def mkdocs_build(root, site, execute=True):
    """Run `mkdocs build --strict` on the project at `root` into `site`; the finished process."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1",
               CHAINRULE_DOCS_EXECUTE="true" if execute else "false")
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f",
                           str(root / "mkdocs.yml"), "-d", str(site)],
                          cwd=root, env=env, capture_output=True, text=True, timeout=1500)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site, built once for this module (it executes all twelve notebooks)."""
    site = tmp_path_factory.mktemp("site")
    done = mkdocs_build(ROOT, site)
    assert done.returncode == 0, done.stderr[-5000:]
    return site


def test_the_build_is_strict_and_complete(site):
    pages = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert len(notebooks) == 12
    assert {f"notebooks/{n}.html" for n in notebooks} <= pages
    assert {"index.html", "gallery.html", "from_pytorch.html", "from_numpy.html",
            "from_micrograd.html", "benchmarks.html", "numpy_support.html", "api/autograd.html",
            "api/functional.html", "api/testing.html", "api/viz.html", "api/nn.html",
            "api/nn_modules.html"} <= pages
    for page in (site / "api").glob("*.html"):        # no builtin type's docstring as a doc
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"new empty dictionary|Built-in immutable|str\(object=", text)
    gallery = (site / "gallery.html").read_text(encoding="utf-8")
    for script in (ROOT / "examples").glob("*.py"):               # every example, its source
        assert f"<summary>examples/{script.name}</summary>" in gallery
    bench = (site / "benchmarks.html").read_text(encoding="utf-8")
    first_heading = (ROOT / "benchmarks" / "README.md").read_text().splitlines()[0].lstrip("# ")
    assert first_heading in bench and "Speed targets live here" in bench   # included, not copied


def test_the_docstring_check_sees_a_missing_docstring(site):
    """Negative control of the build's API check (docs/hooks.py), on a real page: every entry
    shows its docstring; with Tensor.__bool__'s paragraph taken out, the check reports it."""
    spec = importlib.util.spec_from_file_location("site_hooks", ROOT / "docs" / "hooks.py")
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    page = (site / "api" / "autograd.html").read_text(encoding="utf-8")
    found = hooks.documented(page)
    assert found["autograd.Tensor.__bool__"] is True
    assert found["autograd.sum"] is True and found["autograd.float32"] is True
    heading = page.index('id="autograd.Tensor.__bool__"')
    start = page.index("<p>", heading)
    stripped = page[:start] + page[page.index("</p>", start) + 4:]
    found = hooks.documented(stripped)
    assert found["autograd.Tensor.__bool__"] is False and found["autograd.sum"] is True


def test_no_page_loads_anything_from_the_network(site):
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assets = re.findall(r'<(?:script|img|iframe)\b[^>]*\bsrc="([^"]*)"', text)
        assets += re.findall(r'<link\b[^>]*\bhref="([^"]*)"', text)
        assets += re.findall(r"@import\s+url\(([^)]*)\)", text)
        assert [a for a in assets if re.match(r"(https?:)?//", a)] == [], page
    css = [p.read_text(encoding="utf-8") for p in site.rglob("*.css")]
    assert not any(re.search(r"url\(\s*['\"]?(https?:)?//", c) for c in css)   # no web fonts


def test_a_broken_link_or_an_undocumented_name_fails_the_strict_build(tmp_path):
    """Negative control: the same project with a dead link and an API page missing one name."""
    for part in ("docs", "notebooks", "examples"):
        shutil.copytree(ROOT / part, tmp_path / part, symlinks=True)
    (tmp_path / "benchmarks").mkdir()
    shutil.copy(ROOT / "benchmarks" / "README.md", tmp_path / "benchmarks")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path)
    good = mkdocs_build(tmp_path, tmp_path / "site", execute=False)
    assert good.returncode == 0, good.stderr[-3000:]               # the copy itself builds
    index = tmp_path / "docs" / "index.md"
    index.write_text(index.read_text() + "\nSee [the missing page](no_such_page.md).\n")
    api = tmp_path / "docs" / "api" / "autograd.md"
    api.write_text(api.read_text().replace("::: autograd.checkpoint.checkpoint", ""))
    bad = mkdocs_build(tmp_path, tmp_path / "site", execute=False)
    assert bad.returncode != 0
    assert "no_such_page.md" in bad.stderr
    assert "autograd.checkpoint is in __all__ but documented on no api/ page" in bad.stderr


# ---- in a browser ---------------------------------------------------------------------

def open_page(browser, site, page):
    browser.get((site / page).as_uri())
    return browser


def assert_clean(browser):
    """No console errors and every request stayed on this machine (file:, data:, blob:)."""
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    urls = [json.loads(e["message"])["message"]["params"]["request"]["url"]
            for e in browser.get_log("performance")
            if '"Network.requestWillBeSent"' in e["message"]]
    assert urls and [u for u in urls if not u.startswith(("file:", "data:", "blob:"))] == []


def size(element):
    rect = element.rect
    return rect["width"], rect["height"]


def test_home_page_shows_the_chain_rule_picture_and_search_works_offline(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    open_page(browser, site, "index.html")
    assert "chainrule" in browser.title
    picture = browser.find_element(By.CSS_SELECTOR, 'img[src$="chain_rule.svg"]')
    assert picture.is_displayed() and browser.execute_script(
        "return arguments[0].complete && arguments[0].naturalWidth", picture) > 100
    browser.find_element(By.TAG_NAME, "body").send_keys("/")         # the search shortcut
    browser.find_element(By.CSS_SELECTOR, "input.md-search__input").send_keys("hessian")
    found = WebDriverWait(browser, 10).until(lambda b: b.find_elements(
        By.CSS_SELECTOR, ".md-search-result__item"))             # from file://, no server
    assert any("autograd.functional" in f.text for f in found)
    assert_clean(browser)


def test_api_page_shows_a_signature_and_its_docstring(site, browser):
    from selenium.webdriver.common.by import By
    open_page(browser, site, "api/functional.html")
    heading = browser.find_element(By.ID, "autograd.functional.grad")
    block = heading.find_element(By.XPATH, "..")
    assert "grad(f, argnums=0, has_aux=False)" in block.text
    assert "∂f/∂args[argnums]" in block.text
    assert_clean(browser)


def test_notebook_page_shows_a_graph_the_step_slider_and_formulas(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait
    open_page(browser, site, "notebooks/01_chain_rule.html")

    def graphs(b):
        shown = [size(g) for g in b.find_elements(By.CSS_SELECTOR, ".jp-OutputArea svg g.graph")
                 if g.is_displayed()]
        return len(shown) >= 2 and all(w > 50 and h > 20 for w, h in shown)
    WebDriverWait(browser, 10).until(graphs)          # the graph pictures, laid out
    steps = browser.find_element(By.CSS_SELECTOR, ".chainrule-steps")
    slider = steps.find_element(By.CSS_SELECTOR, 'input[type="range"]')
    label = steps.find_element(By.TAG_NAME, "span")
    frames = steps.find_elements(By.CSS_SELECTOR, ".crs-frame")
    shown = lambda: [i for i, f in enumerate(frames) if f.is_displayed()]     # noqa: E731
    assert slider.is_displayed() and len(frames) >= 3
    assert shown() == [0] and label.text == f"step 1 of {len(frames)}"
    first = frames[0].find_element(By.TAG_NAME, "svg").get_attribute("innerHTML")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", slider)
    slider.send_keys(Keys.ARROW_RIGHT)
    assert shown() == [1] and label.text == f"step 2 of {len(frames)}"
    assert frames[1].find_element(By.TAG_NAME, "svg").get_attribute("innerHTML") != first
    assert all(w > 50 for w, _ in [size(frames[1].find_element(By.TAG_NAME, "svg"))])
    formulas = [m for m in browser.find_elements(By.TAG_NAME, "math") if m.is_displayed()]
    assert formulas and all(w > 0 and h > 0 for w, h in map(size, formulas))
    assert "$" not in "".join(m.text for m in browser.find_elements(
        By.CSS_SELECTOR, ".jp-MarkdownOutput"))                 # no TeX left unconverted
    assert_clean(browser)
