"""Backprop step by step: one picture per step of the engine's pass, and ways to show them.

The frames come from a pass of the engine itself (`backprop` with a step hook), so their order is
the real processing order. That pass writes no `.grad` and skips hooks (see gradient_pass):
making the frames leaves the user's tensors as they were, and the frames show the gradients of
one pass, whatever `.grad` holds from earlier calls.
"""

import hashlib
import html
import os
import warnings

import numpy as np

from ._dot import build, drawn_calls, topological
from ._graph import gradient_pass
from ._render import GraphvizNotFound, pdf_from_pngs, render_source

CURRENT, NEW, ADDED = "#ffe08a", "#c7e9c0", "#fdae6b"


def frames_for(graph, opts):
    """The Frames of the backward pass from graph.roots. Where the picture draws a call of a
    composite as one node (drawn_calls, as draw() does), the steps through its inside make
    one frame: the composite sends its gradient to its inputs."""
    trace = []
    gradient_pass(graph.roots, trace)
    expected = {}
    for _, _, sent in trace:
        for x, _, _ in sent:
            expected[id(x)] = expected.get(id(x), 0) + 1
    calls, _ = drawn_calls(graph, opts, topological(graph))
    call_of = {id(graph.order[i]): c for i, c in calls.items()}
    sums = ({}, {}, {}, expected)       # done, partial, received: filled in step by step
    states, steps = [], []
    for group in _groups(trace, call_of):
        t, call = group[0][0], call_of.get(id(group[0][0]))
        if call is not None:    # the frame shows the call's output drawn nearest the root
            t = next((graph.order[i] for i in call.outputs if any(
                id(graph.order[i]) == id(u) for u, _, _ in group)), t)
        states.append(_state(group, t, call, opts, sums))
        steps.append(t)
    for k, s in enumerate(states):
        s["title"] = f"backprop step {k + 1} of {len(states)}: {s['title']}"
    steps = [(t, s["title"]) for t, s in zip(steps, states)]
    _pad(states)
    return Frames([build(graph, opts, s["grads"], name=f"step{k + 1}", state=s)
                   for k, s in enumerate(states)], steps)


def _state(group, t, call, opts, sums):
    """The state of one frame (see build): the steps of `group` done, t highlighted, the
    gradients they sent out of the group marked (`sums` accumulates over the frames)."""
    done, partial, received, expected = sums
    text, marks, arrived, inputs, n_sent = {}, {}, {}, set(), 0
    inside = {id(u) for u, _, _ in group}
    for u, g, sent in group:
        done[id(u)] = np.asarray(g.data)
        for x, contribution, _ in sent:
            key, c = id(x), np.asarray(contribution.data)
            prev = partial.get(key)
            arrived.setdefault(key, (prev, []))[1].append(c)
            partial[key] = c if prev is None else prev + c
            received[key] = received.get(key, 0) + 1
            if key not in inside:
                inputs.add(key)
                n_sent += 1
    for key, gd in done.items():
        text[key] = opts.lines(gd, "grad")
    marks[id(t)] = CURRENT
    for key, (before, parts) in arrived.items():
        if key not in inputs:
            continue
        terms = ([] if before is None else [before]) + parts
        marks[key] = NEW if len(terms) == 1 else ADDED
        if len(terms) > 1 and parts[0].size == 1:
            text[key] = ["grad " + " + ".join(opts.number(v) for v in terms) + " = "
                         + opts.number(partial[key])]
    for key, gp in partial.items():
        if key not in text:
            text[key] = opts.lines(gp, "grad")
            if received[key] < expected[key]:
                text[key][-1] += " (so far)"
    op = f"{call.name}' ({len(group)} steps inside)" if call else (
        f"{t.op.name}'" if t.op is not None else None)
    what = (f"sends its gradient through '{op} to {n_sent} input(s)"
            if op else "is a leaf: its gradient is complete")
    who = (t.name if t.name is not None
           else f"the result of '{t.op.name}'" if t.op is not None else "a leaf")
    return {"grads": {**partial, **done}, "text": text, "current": id(t), "hot": inputs,
            "marks": marks, "title": f"{who} {what}"}


def _groups(trace, call_of):
    """The steps of `trace` in runs: consecutive steps through one collapsed call make one
    run; every other step is a run of its own."""
    runs, last = [], None
    for step in trace:
        call = call_of.get(id(step[0]))
        if call is not None and call is last:
            runs[-1].append(step)
        else:
            runs.append([step])
        last = call
    return runs


def _pad(states):
    """Give each node's gradient cell, and the title, the same size in every frame (spaces in
    a monospace face), so that the layout does not move from one frame to the next."""
    rows, width = {}, {}
    for s in states:
        for key, lines in s["text"].items():
            rows[key] = max(rows.get(key, 0), len(lines))
            width[key] = max(width.get(key, 0), max(len(line) for line in lines))
    title_width = max(len(s["title"]) for s in states)
    for s in states:
        text = s["text"]
        for key in rows:
            lines = text.get(key, [])
            lines = lines + [""] * (rows[key] - len(lines))
            text[key] = [line.ljust(width[key]) for line in lines]
        s["title"] = s["title"].ljust(title_width)


class Frames:
    """The pictures of a backward pass, one per step (a sequence of Digraphs). Shows as a
    slider in Jupyter, also in a static HTML export; `save` writes numbered SVG or PNG files,
    `save_pdf` one PDF with a page per step."""

    def __init__(self, graphs, steps):
        self.graphs = graphs
        self.steps = steps          # (tensor processed, title) per frame

    def __len__(self):
        return len(self.graphs)

    def __getitem__(self, k):
        return self.graphs[k]

    def __iter__(self):
        return iter(self.graphs)

    def __repr__(self):
        return f"<Frames: {len(self)} backprop steps>"

    def save(self, directory, format="svg", prefix="step"):
        """Write step_001.svg, step_002.svg, ... (or .png) into `directory`; return the paths."""
        if format not in ("svg", "png"):
            raise ValueError(f"Frames.save: format must be 'svg' or 'png'; got {format!r}")
        os.makedirs(directory, exist_ok=True)
        paths = []
        digits = max(3, len(str(len(self))))
        for k, g in enumerate(self.graphs):
            path = os.path.join(directory, f"{prefix}_{k + 1:0{digits}d}.{format}")
            with open(path, "wb") as f:
                f.write(render_source(g.source, format))
            paths.append(path)
        return paths

    def save_pdf(self, path, dpi=150):
        """Write one PDF with one page per step (PNG frames placed by matplotlib's PdfPages,
        which needs no Graphviz PDF support)."""
        return pdf_from_pngs([render_source(g.source, "png", args=[f"-Gdpi={dpi}"])
                              for g in self.graphs], path, dpi)

    def to_html(self):
        """One self-contained HTML fragment: every frame's SVG and a small slider script.
        Without JavaScript all frames show one below the other."""
        try:
            bodies = [svg_body(render_source(g.source, "svg").decode("utf-8"))
                      for g in self.graphs]
        except GraphvizNotFound as e:
            warnings.warn(str(e), UserWarning, stacklevel=2)
            bodies = [f"<pre>{html.escape(g.source)}</pre>" for g in self.graphs]
        uid = hashlib.sha1("".join(g.source for g in self.graphs).encode()).hexdigest()[:10]
        frames = "".join(f'<div class="crs-frame">{b}</div>' for b in bodies)
        return (f'<div id="crs-{uid}" class="chainrule-steps">'
                f'<div><input type="range" min="1" max="{len(self)}" value="1" '
                f'style="display:none;width:60%"> <span></span></div>{frames}</div>'
                + _SCRIPT.replace("UID", uid))

    _repr_html_ = to_html


def svg_body(svg):
    """An SVG document without its XML prolog and doctype, to sit inside HTML."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


_SCRIPT = """<script>(function () {
  var s = document.currentScript, root = s && s.previousElementSibling;
  if (!root || root.className !== "chainrule-steps") root = document.getElementById("crs-UID");
  if (!root) return;
  var frames = root.querySelectorAll(".crs-frame"), input = root.querySelector("input"),
      label = root.querySelector("span");
  function show(k) {
    for (var i = 0; i < frames.length; i++) frames[i].style.display = (i === k - 1) ? "" : "none";
    label.textContent = "step " + k + " of " + frames.length;
  }
  input.style.display = "";
  input.addEventListener("input", function () { show(+input.value); });
  show(1);
})();</script>"""
