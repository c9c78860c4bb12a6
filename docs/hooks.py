"""MkDocs hooks for chainrule's site (mkdocs.yml `hooks:`).

- Pictures made at build time: the home page's chain-rule graph (examples/demo.py's own
  f = (x + y) * z) and the committed examples/gallery images, served without copying them
  into docs/.
- Nothing from a CDN: nbconvert's MathJax, Mermaid and widget loaders are left out, and
  the notebooks run without tqdm's widget bar.
- Math offline: every TeX formula ($...$ in the notebooks' Markdown, arithmatex's \\(...\\)
  in the pages) becomes MathML, which browsers draw with no script and no web font.
- The API reference is complete: every name in the `__all__` of autograd, autograd.functional,
  autograd.testing, autograd.viz and nn has a heading with a docstring, or the (strict) build
  fails.
"""

import html
import importlib
import importlib.util
import json
import logging
import os
import re
from pathlib import Path

from mkdocs.structure.files import File

log = logging.getLogger("mkdocs.hooks.chainrule")
ROOT = Path(__file__).resolve().parent.parent
API_MODULES = {"api/autograd.md": "autograd", "api/functional.md": "autograd.functional",
               "api/testing.md": "autograd.testing", "api/viz.md": "autograd.viz",
               "api/nn.md": "nn"}     # nn's submodules: api/nn_modules.md


def _demo():
    spec = importlib.util.spec_from_file_location("chainrule_demo", ROOT / "examples" / "demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def chain_rule_svg():
    """The chain-rule picture of examples/demo.py, as SVG text."""
    from autograd.viz import draw, render_source
    picture = draw(_demo().chain_rule(), derivatives=True,
                   title="f = (x + y) * z: values, gradients, local derivatives")
    return render_source(picture.source, "svg").decode("utf-8")


def on_files(files, config):
    files.append(File.generated(config, "assets/chain_rule.svg", content=chain_rule_svg()))
    for path in sorted((ROOT / "examples" / "gallery").iterdir()):
        files.append(File(f"gallery/{path.name}", str(ROOT / "examples"), config["site_dir"],
                          config["use_directory_urls"]))
    return files


# ---- math -------------------------------------------------------------------------------

_NOTEBOOK_MARKDOWN = re.compile(r'(<div class="[^"]*jp-MarkdownOutput[^"]*"[^>]*>)(.*?)(</div>)',
                                re.S)
_DOLLARS = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?!\s)(.+?)(?<![\s\\])\$", re.S)
_ARITHMATEX = re.compile(r'<(span|div) class="arithmatex">\s*(?:\\\(|\\\[)(.*?)(?:\\\)|\\\])\s*</\1>',
                         re.S)


def mathml(tex, display, where):
    """TeX (HTML-escaped, as it sits in the page) as a MathML element."""
    from latex2mathml.converter import convert
    try:
        return convert(html.unescape(tex).strip(), display="block" if display else "inline")
    except Exception as e:  # noqa: BLE001 - any parser error is reported with the formula
        log.warning("%s: cannot typeset %r (%s)", where, tex, e)
        return html.escape(tex)


def _dollars_to_mathml(text, where):
    return _DOLLARS.sub(lambda m: mathml(m.group(1) or m.group(2), m.group(1) is not None,
                                         where), text)


# nbconvert's page head loads MathJax (here with an empty URL) and, for Mermaid diagrams,
# imports mermaid from cdnjs: neither is wanted offline, and the notebooks hold no Mermaid.
_NBCONVERT_CDN_SCRIPTS = re.compile(
    r'<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->'
    r'|<script type="module">(?:(?!</script>).)*?mermaid.*?</script>'
    r'|<script>(?:(?!</script>).)*?addWidgetsRenderer.*?</script>', re.S)


def on_page_content(content, page, config, files):
    where = page.file.src_uri
    if where.endswith(".ipynb"):
        content = _NBCONVERT_CDN_SCRIPTS.sub("", content)
        content = _NOTEBOOK_MARKDOWN.sub(
            lambda m: m.group(1) + _dollars_to_mathml(m.group(2), where) + m.group(3), content)
    return _ARITHMATEX.sub(lambda m: mathml(m.group(2), m.group(1) == "div", where), content)


# ---- the API reference is complete ------------------------------------------------------

def _findable(module_name):
    """Primitives that a factory made from a NumPy ufunc (`equal`, `isnan`, ...) carry the
    ufunc as `__wrapped__`, so inspection would document NumPy's function instead: here they
    are claimed by `module_name`, which exports them, with chainrule's own docstring."""
    module = importlib.import_module(module_name)
    for name in module.__all__:
        obj = getattr(module, name)
        inner = getattr(obj, "__wrapped__", None)
        if callable(obj) and inner is not None and not getattr(inner, "__module__", "") \
                .startswith(("autograd", "nn")):
            del obj.__wrapped__
            obj.__module__ = module_name


def all_members(module_name):
    """The functions and classes in a module's __all__, which mkdocstrings documents under
    it. Submodules, NumPy's own types and constants (a tuple's docstring is the tuple type's)
    are documented on the page in Markdown instead."""
    module = importlib.import_module(module_name)

    def documented_here(obj):
        if isinstance(obj, type):
            return obj.__module__.startswith(("autograd", "nn"))
        return callable(obj)
    return [name for name in module.__all__ if documented_here(getattr(module, name))]


def on_page_markdown(markdown, page, config, files):
    """`members: __all__` under a `::: module` block lists that module's __all__."""
    lines, target = markdown.splitlines(), None
    for i, line in enumerate(lines):
        if line.startswith("::: "):
            target = line[4:].strip()
        elif line.strip() == "members: __all__":
            lines[i] = line.replace("__all__", json.dumps(all_members(target)))
    return "\n".join(lines) + "\n"


def on_config(config):
    # The notebooks' kernels inherit this environment: tqdm's notebook bar is an ipywidget,
    # which a static page can only draw with a widget manager from unpkg.com, so no bar.
    os.environ["TQDM_DISABLE"] = "1"
    for module_name in API_MODULES.values():
        _findable(module_name)
    _documented.clear()
    return config


_documented = {}      # id of a documented object -> whether it shows a docstring


def docstring_text(html_after_heading):
    """The docstring's own text in mkdocstrings' HTML after an object's heading: not its
    signature, summary tables or members."""
    contents = html_after_heading.partition('class="doc doc-contents')[2]
    contents = contents.split('class="doc doc-children"')[0]
    contents = re.sub(r"<table.*?</table>|<p><span class=\"doc-section-title\">.*?</p>", "",
                      contents, flags=re.S)
    return re.sub(r"<[^>]+>|\s", "", contents.partition(">")[2])


def documented(page_html):
    """{id: whether it shows a docstring} for each object on an API page."""
    found = {m.group(2): bool(docstring_text(m.group(4))) for m in re.finditer(
        r'<(h[1-6]) id="([\w.]+)"[^>]*>(.*?)</\1>(.*?)(?=<h[1-6] id=|$)', page_html, re.S)}
    found.update((m.group(1), True)                                     # rows of a table
                 for m in re.finditer(r'<span id="([\w.]+)"></span>', page_html))
    return found


def on_post_page(output, page, config):
    if page.file.src_uri.startswith("api/"):
        _documented.update(documented(output))
    return output


def _public(module_name):
    """(id, object) for every name in the module's __all__, and in its public submodules'."""
    module = importlib.import_module(module_name)
    for name in module.__all__:
        obj = getattr(module, name)
        yield f"{module_name}.{name}", obj
        if type(obj) is type(module) and obj.__name__.startswith(module_name + "."):
            yield from _public(obj.__name__)


def on_post_build(config):
    for module_name in API_MODULES.values():
        for ident, obj in _public(module_name):
            real = f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}"
            found = next((i for i in (ident, real, getattr(obj, "__name__", None))
                          if i in _documented), None)
            if found is None:
                log.warning("API reference: %s is in __all__ but documented on no api/ page",
                            ident)
            elif not _documented[found]:
                log.warning("API reference: %s has no docstring", ident)
