"""An explorer: the graph with each module and each call of a composite as one box; click a
box to open it, 'back' to go back; hover a tensor for its shape, dtype, value, gradient and
the line of user code that made it; scroll to zoom, drag to pan. One self-contained HTML page
(Jupyter output or a saved file): no kernel needs to run.

The line is known for tensors made under `autograd.record_source()` (finding it costs a walk
up the call stack per op, so it is not recorded by default); other tooltips say so.
"""

import dataclasses
import hashlib
import json
import linecache
import os

from ._dot import (build, call_id, fold_label, module_ids, modules, plain, topological)
from ._scopes import composite_calls, is_module, module_paths, tensor_graph
from ._render import render_source
from ._steps import svg_body


class Explorer:
    """Pictures of one graph: 'top' (every module and composite closed) and one per module and
    per call of a composite (that one open, with the modules around it; the others closed),
    with the text shown on hover. `names` maps each box's node id to what it is."""

    def __init__(self, graph, opts, grads):
        member = modules(graph, opts) if opts.group else {}
        self.ids = module_ids(graph, member)
        calls = {}
        if opts.composites == "collapse" or (opts.composites == "auto" and tensor_graph(graph)):
            calls = {call_id(c): c for c in composite_calls(graph, topological(graph)).values()}
        names, paths = list(self.ids), module_paths(graph)
        kind = lambda name: "module" if is_module(name, paths) else "composite"  # noqa: E731

        def view(name, open_modules=(), open_call=None):
            around = {p for m in open_modules for p in names if m == p or m.startswith(p + ".")}
            shut = [n for n in names if n not in around]
            return build(graph, dataclasses.replace(
                opts, collapse=shut or False, composites="collapse" if calls else opts.composites,
                opened=(open_call,) if open_call else (), compact=False), grads, name=name)

        self.views = {"top": view("top")}
        for m, nid in self.ids.items():
            self.views[nid] = view(nid, [m])
        for nid, c in calls.items():
            inside = member.get(c.outputs[0]) if c.outputs else None
            self.views[nid] = view(nid, [inside] if inside else [], nid)
        self.names = {**{nid: f"module {m}" for m, nid in self.ids.items()},
                      **{nid: f"{kind(c.name)} {c.name}" for nid, c in calls.items()}}
        self.tips = {f"t{i}": tooltip(t, grads.get(id(t)), opts)
                     for i, t in enumerate(graph.order)}
        self.tips.update({f"o{i}": op_tip(t, graph.folds.get(i))
                          for i, t in enumerate(graph.order) if t.op is not None})
        self.tips.update({nid: f"{what}\n(click to open)" for nid, what in self.names.items()})
        for nid, c in calls.items():
            made = graph.order[c.outputs[0]] if c.outputs else None
            self.tips[nid] += "".join("\n" + s for s in made_at(made)) if made is not None else ""

    def to_html(self):
        """An HTML fragment: the pictures, the data for the tooltips and a small script."""
        svgs = {k: svg_body(render_source(g.source, "svg").decode("utf-8"))
                for k, g in self.views.items()}
        uid = hashlib.sha1("".join(g.source for g in self.views.values()).encode()).hexdigest()[:10]
        views = "".join(f'<div class="cre-view" data-view="{k}"{"" if k == "top" else " hidden"}>'
                        f"{svg}</div>" for k, svg in svgs.items())
        data = json.dumps({"tips": self.tips, "names": self.names})
        return (f'<div id="cre-{uid}" class="chainrule-explorer" style="font-family:sans-serif">'
                '<div><button class="cre-back" disabled>back</button> '
                '<span class="cre-where">whole graph</span> '
                '<small>(scroll: zoom, drag: pan, click a module to open it)</small></div>'
                '<div class="cre-stage" style="overflow:hidden;border:1px solid #ccc;'
                f'position:relative;height:70vh;cursor:grab">{views}</div>'
                '<div class="cre-tip" style="position:fixed;display:none;background:#ffffe8;'
                'border:1px solid #999;padding:4px 6px;white-space:pre;font:13px monospace;'
                'pointer-events:none"></div>'
                f'<script type="application/json" class="cre-data">{_json_in_html(data)}'
                f"</script></div>" + _SCRIPT.replace("UID", uid))

    _repr_html_ = to_html

    def save(self, path):
        """Write a standalone HTML page (folders created); return its path."""
        path = os.fspath(path)
        if os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write('<!doctype html><html><head><meta charset="utf-8">'
                    f"<title>chainrule graph</title></head><body>{self.to_html()}</body></html>")
        return path


def tooltip(t, grad, opts):
    """The text shown on hovering tensor t: name, shape, dtype, value, gradient and the line
    of user code that made it."""
    lines = [t.name or ("(result of " + t.op.name + ")" if t.op is not None else "(leaf)"),
             f"shape {t.shape}, {t.dtype}"]
    lines += opts.lines(t.data, "value")
    if grad is not None:
        lines += opts.lines(grad, "grad")
    return "\n".join(lines + made_at(t))


def made_at(t):
    """Lines saying where t was made: the file, line and code of the user's line, or how to
    record it (a leaf made outside record_source() says nothing)."""
    if t.source is None and t.op is None:
        return []
    if t.source is None:
        return ["made at: (unknown; run the forward pass under", "  autograd.record_source() "
                "to see the line)"]
    path, line, function = t.source
    code = linecache.getline(path, line).strip()
    where = f"made at {os.path.basename(path)}:{line}" + (
        f" in {function}" if function != "<module>" else "")
    return [where] + ([f"  {code}"] if code else [])


def op_tip(t, fold):
    """The text shown on hovering an op: its name and keyword arguments, or what a fold holds."""
    if fold is not None:
        return f"{fold_label(fold)}\n{len(fold.hidden)} tensors folded into one node"
    return "\n".join([t.op.name] + [f"{k}={v!r}" for k, v in sorted(t.op_kwargs.items())
                                    if plain(v)])


def _json_in_html(text):
    return text.replace("</", "<\\/")


_SCRIPT = """<script>(function () {
  var root = document.getElementById("cre-UID");
  if (!root) return;
  var data = JSON.parse(root.querySelector(".cre-data").textContent);
  var stage = root.querySelector(".cre-stage"), tip = root.querySelector(".cre-tip");
  var back = root.querySelector(".cre-back"), where = root.querySelector(".cre-where");
  var views = {}, trail = [], current = "top", zoom = 1, dx = 0, dy = 0, drag = null;
  root.querySelectorAll(".cre-view").forEach(function (v) { views[v.dataset.view] = v; });
  function place() {
    var svg = views[current].querySelector("svg");
    if (svg) { svg.style.transformOrigin = "0 0";
      svg.style.transform = "translate(" + dx + "px," + dy + "px) scale(" + zoom + ")"; }
  }
  function show(name) {
    Object.keys(views).forEach(function (k) { views[k].hidden = k !== name; });
    current = name; dx = 0; dy = 0; zoom = 1;
    var svg = views[name].querySelector("svg");
    if (svg) {            /* start with the whole picture in view */
      svg.style.transform = "none";
      var r = svg.getBoundingClientRect();
      if (r.width && r.height)
        zoom = Math.min(1, stage.clientWidth / r.width, stage.clientHeight / r.height);
    }
    place();
    where.textContent = name === "top" ? "whole graph" : data.names[name];
    back.disabled = trail.length === 0;
  }
  function nodeOf(target) {
    var g = target.closest ? target.closest("g.node") : null;
    var t = g && g.querySelector("title");
    return t ? t.textContent : null;
  }
  stage.addEventListener("click", function (e) {
    var id = nodeOf(e.target);
    if (id && data.names[id] && views[id]) { trail.push(current); show(id); }
  });
  back.addEventListener("click", function () { if (trail.length) show(trail.pop()); });
  stage.addEventListener("mouseover", function (e) {
    var id = nodeOf(e.target);
    if (id && data.tips[id]) { tip.textContent = data.tips[id]; tip.style.display = "block"; }
  });
  stage.addEventListener("mousemove", function (e) {
    tip.style.left = (e.clientX + 14) + "px"; tip.style.top = (e.clientY + 14) + "px";
    if (drag) { dx = drag[2] + e.clientX - drag[0]; dy = drag[3] + e.clientY - drag[1]; place(); }
  });
  stage.addEventListener("mouseout", function (e) {
    if (!nodeOf(e.relatedTarget || document.body)) tip.style.display = "none";
  });
  stage.addEventListener("mousedown", function (e) { drag = [e.clientX, e.clientY, dx, dy]; });
  window.addEventListener("mouseup", function () { drag = null; });
  stage.addEventListener("wheel", function (e) {
    e.preventDefault(); zoom *= e.deltaY < 0 ? 1.1 : 1 / 1.1; place();
  }, {passive: false});
  show("top");
})();</script>"""
