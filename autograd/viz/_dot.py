"""DOT source for a Graph: tensor nodes, operation nodes between them, edges, module boxes.

Labels are Graphviz HTML-like tables; numbers sit in a monospace face so that a picture keeps
its layout when only the digits change (the backprop frames rely on that).
"""

import html
import re
from dataclasses import dataclass

import numpy as np

from ..tensor import Tensor
from .. import graph as _walk
from ._graph import chain_derivative, chains, local_derivative, repeats
from ._render import Digraph
from ._scopes import (composite_calls, module_of_scope, module_paths, tensor_graph,
                      with_parameters)

FIELDS = ("name", "value", "grad", "shape", "dtype")
SYMBOLS = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/", "power": "**", "negative": "neg",
           "matmul": "@"}
# Gradient magnitude (root mean square) bands: upper bound, fill colour, font colour, legend.
BANDS = ((1e-6, "#2c4a9a", "white", "vanishing"), (1e-3, "#9ab8ec", "black", "small"),
         (1e2, "#d4eecf", "black", "healthy"), (1e4, "#f4a582", "black", "large"),
         (np.inf, "#b2182b", "white", "exploding"))
MONO = "Courier"
OP_FILL = "#e4e4e4"
OP_NODE = {"shape": "ellipse", "style": "filled", "fillcolor": "#f2f2f2", "height": "0.3",
           "margin": "0.04,0.02"}


@dataclass
class Options:
    """What draw() was asked for (see draw's docstring)."""
    fields: tuple = FIELDS
    rankdir: str = "auto"
    fmt: object = ".4g"
    max_elements: int = 9
    derivatives: bool = False
    group: object = False
    collapse: object = False
    color_grad: object = False
    font_size: float = 14
    composites: str = "expand"
    compact: object = "auto"
    opened: tuple = ()      # composites' call nodes ('s12') drawn open, as boxes, when collapsing

    def __post_init__(self):
        bad = [f for f in self.fields if f not in FIELDS]
        if bad:
            raise ValueError(f"draw: unknown fields {bad}; choose from {list(FIELDS)}")
        if self.rankdir not in ("auto", "LR", "TB", "RL", "BT"):
            raise ValueError(f"draw: rankdir must be 'auto', 'LR', 'TB', 'RL' or 'BT'; got "
                             f"{self.rankdir!r}")
        if self.collapse and not self.group:
            self.group = True
        self.number(0.5)    # fail early on a bad fmt
        if self.color_grad not in (False, True):
            b = [float(v) for v in self.color_grad]
            if len(b) != len(BANDS) - 1 or sorted(b) != b:
                raise ValueError(f"draw: color_grad takes True or {len(BANDS) - 1} increasing "
                                 f"thresholds; got {self.color_grad!r}")
            self.color_grad = tuple(b)
        if not isinstance(self.font_size, (int, float)) or not self.font_size > 0:
            raise ValueError(f"draw: font_size must be a positive number of points; got "
                             f"{self.font_size!r}")
        if self.composites not in ("auto", "collapse", "box", "expand"):
            raise ValueError(f"draw: composites must be 'auto', 'collapse', 'box' or 'expand'; "
                             f"got {self.composites!r}")
        if self.compact not in ("auto", True, False):
            raise ValueError(f"draw: compact must be 'auto', True or False; got {self.compact!r}")
        if not isinstance(self.max_elements, int) or self.max_elements < 0:
            raise ValueError(f"draw: max_elements must be an int >= 0; got {self.max_elements!r}")

    def number(self, v):
        """One number as text, with `fmt` (a format spec like '.4g', or a callable)."""
        v = v.item() if isinstance(v, (np.generic, np.ndarray)) else v
        if isinstance(v, float) and v == 0:
            v = 0.0     # a gradient of -0.0 reads '0', not '-0'
        return self.fmt(v) if callable(self.fmt) else format(v, self.fmt)

    def lines(self, a, kind):
        """A value or gradient as lines of text: the numbers when there are at most
        `max_elements`, else mean and norm."""
        a, word = np.asarray(a), f"{kind} " if kind else ""
        if a.ndim == 0:
            return [word + self.number(a)]
        if a.size <= self.max_elements:
            text = np.array2string(a, separator=", ", formatter={"all": self.number},
                                   max_line_width=10**6, threshold=10**6)
            rows = text.split("\n")
            return [word + rows[0]] + [" " * len(word) + r for r in rows[1:]]
        mean, norm = summary(a)
        return [f"{word}mean {self.number(mean)}", " " * len(word) + f"norm {self.number(norm)}"]

    def module_of(self, name):
        """The module path a tensor name belongs to ('layers.0.weight' -> 'layers.0'), or None."""
        if name is None or not self.group:
            return None
        if callable(self.group):
            return self.group(name)
        parts = name.split(".")
        keep = len(parts) - 1 if self.group is True else self.group
        return ".".join(parts[:keep]) if 0 < keep < len(parts) else None


def summary(a):
    """(mean, L2 norm) of an array, computed in float64 and scaled so that no value overflows."""
    with np.errstate(all="ignore"):     # inf and NaN values are shown as they are
        a = np.asarray(a)
        mean = np.mean(a, dtype=np.complex128 if a.dtype.kind == "c" else np.float64)
        scale = np.max(np.abs(a)) if a.size else 0.0
        if not np.isfinite(scale) or scale == 0:
            return mean, float(scale)
        return mean, float(scale * np.sqrt(np.sum(np.abs(a / scale) ** 2)))


def magnitude(g):
    """Root mean square of a gradient: the number the colour bands are measured on."""
    _, norm = summary(g)
    return norm / np.sqrt(max(np.size(g), 1))


def band(g, bounds):
    """The (fill, font colour, legend) band of gradient g."""
    m = magnitude(g)
    for bound, (_, fill, font, word) in zip(bounds, BANDS):
        if m < bound:
            return fill, font, word
    return BANDS[-1][1:]


def plain(v):
    """True for metadata worth printing (axes, shapes, numbers), not objects such as a ctx."""
    if isinstance(v, (tuple, list)):
        return all(plain(u) for u in v)
    return v is None or isinstance(v, (int, float, str, slice, np.integer, np.floating, np.dtype))


def op_label(t, opts=None, width=24, symbol=None):
    """The text of an operation node: the op's symbol (or `symbol`) with its one-number
    constant inputs written in place ('* 2', '1 /': the constant's side of the symbol) when
    `opts` is given, and its plain keyword arguments, shortened (None and False, the
    defaults such as axis=None and keepdims=False, are left out)."""
    name = symbol or SYMBOLS.get(t.op.name, t.op.name)
    if opts is not None:
        for k, c in enumerate(t.inputs):
            if inline_constant(c):
                value = opts.number(np.asarray(c).reshape(()))
                name = f"{value} {name}" if k == 0 else f"{name} {value}"
    kw = ", ".join(f"{k}={v!r}" for k, v in sorted(t.op_kwargs.items())
                   if plain(v) and v is not None and v is not False)
    if len(kw) > width:
        kw = kw[:width - 3] + "..."
    return f"{name}\n{kw}" if kw else name


def inline_constant(c):
    """True for a constant input (not a Tensor) of one number: written into its op's label."""
    return not isinstance(c, Tensor) and np.size(c) == 1 and np.ndim(c) == 0


SLIDE = (1440, 810)     # 1920 x 1080 px in points, Graphviz's unit


def orientation(graph, opts, collapsed_into):
    """('LR' or 'TB', how much that drawing must shrink to fit a slide): 'LR' when the
    picture drawn left to right fits a slide or TB would not shrink it by a quarter more;
    from an estimate of each box's size in points (tensor i is drawn inside the module node
    `collapsed_into(i)`, or on its own when that is None)."""
    fs, levels, modules_seen = opts.font_size, {}, {}
    for i, (t, d) in enumerate(zip(graph.order, graph.depth)):
        m = collapsed_into(i)
        if m is None:
            chars, lines = _box_text(t, opts)
        elif m not in modules_seen or d < modules_seen[m]:
            modules_seen[m] = d
            continue
        else:
            continue
        levels.setdefault(d, []).append((chars * 0.6 * fs + 16, lines * 1.3 * fs + 10))
    for m, d in modules_seen.items():
        levels.setdefault(d, []).append((max(len(m), 16) * 0.6 * fs + 24, 3 * 1.3 * fs + 16))
    gap, op_w, op_h = 22, 3 * fs, 1.6 * fs          # the ranksep set below, an op oval
    lr = (sum(max(w for w, _ in lv) + op_w + 2 * gap for lv in levels.values()),
          max(sum(h + 9 for _, h in lv) for lv in levels.values()))
    tb = (max(sum(w + 9 for w, _ in lv) for lv in levels.values()),
          sum(max(h for _, h in lv) + op_h + 2 * gap for lv in levels.values()))
    shrink = [max(w / SLIDE[0], h / SLIDE[1]) for w, h in (lr, tb)]
    return ("LR", shrink[0]) if shrink[0] <= 1 or shrink[1] > 0.75 * shrink[0] else (
        "TB", shrink[1])


def _box_text(t, opts):
    """(characters across, lines) of a tensor's box, roughly."""
    name = len(t.name or "") if "name" in opts.fields else 0
    shown = sum(f in opts.fields for f in ("value", "grad"))
    if t.ndim == 0:                 # 'data 0.5' and a gradient of about the same width
        return name + shown * (len(opts.number(t.data)) + 6), 1
    if t.size <= opts.max_elements:
        rows = t.shape[0] if t.ndim > 1 else 1
        return max(name, 18, 7 + 9 * t.size // max(rows, 1)), 1 + (name > 0) + shown * rows
    return max(name, 22), 1 + (name > 0) + 2 * shown


def wrapped_rows(graph, member, calls):
    """The rows a compact top-to-bottom drawing gives a chain of 3 or more repeats of one
    block of ops (h = sigmoid(w * h + b), six times): the tensors of each repeat, made first
    to last, when all of them are drawn on their own (in no module box or folded node)."""
    rows = []
    for chain in chains(graph.order, graph.roots):
        for lo, period, count in repeats([t.op.name for t in chain], 3):
            run = [graph.index.get(id(t)) for t in chain[lo:lo + period * count]]
            if period > 1 and all(i is not None and i not in graph.folds and i not in member
                                  and i not in calls for i in run):
                rows += [run[k:k + period] for k in range(0, len(run), period)]
    return rows


def fold_label(fold):
    """'tanh ×700', or '(*, +) ×50000' for a repeated block of ops."""
    ops = [SYMBOLS.get(op, op) for op in fold.ops]
    return f"{ops[0] if len(ops) == 1 else '(' + ', '.join(ops) + ')'} ×{fold.count}"


def modules(graph, opts):
    """{tensor number: module path} for the tensors a module box holds: its named parameters
    and what is computed from them alone (a weight's transpose), the operations that use those
    directly (with other inputs from no other module), and the operations that only combine
    two or more of its results. With group=True, an activation made inside a module's call
    (its scope names the module) belongs to the innermost such module that reads parameters,
    in a tensor graph."""
    found, pure = {}, set()     # pure: computed from one module's parameters alone
    paths = module_paths(graph) if opts.group is True and tensor_graph(graph) else None
    params = with_parameters(graph) if paths is not None else None
    for i in topological(graph):
        t = graph.order[i]
        m = opts.module_of(t.name)
        if m is None and paths is not None and t.op is not None:
            m = module_of_scope(t.scope, paths, params)
        if m is None and t.op is not None:
            direct, other = set(), []
            ins = [x for x in t.inputs if isinstance(x, Tensor)]
            if ins and all(graph.index.get(id(x)) in pure for x in ins):
                owners = {found[graph.index[id(x)]] for x in ins}
                if len(owners) == 1:
                    found[i] = owners.pop()
                    pure.add(i)
                    continue
            for x in t.inputs:
                if not (isinstance(x, Tensor) and x.requires_grad):
                    continue
                own = opts.module_of(x.name)
                if own is None and graph.index.get(id(x)) in pure:
                    own = found[graph.index[id(x)]]
                if own is not None:
                    direct.add(own)
                else:
                    other.append(found.get(graph.index.get(id(x))))
            if len(direct) == 1:
                m = direct.pop()
                m = m if all(o in (None, m) for o in other) else None
            elif not direct and len(other) >= 2 and len(set(other)) == 1:
                m = other[0]
        if m is not None:
            found[i] = m
            if t.op is None:
                pure.add(i)
    return found


def module_ids(graph, member):
    """{module path: its node id 'm0', 'm1', ...}, numbered in the order the modules were made."""
    made = topological(graph) if member else []
    return {m: f"m{k}" for k, m in enumerate(dict.fromkeys(member[i] for i in made if i in member))}


def topological(graph):
    """Numbers of the drawn tensors in the order they were made: leaves first, in the order
    the first ops to use them read them, then each op's result after its inputs."""
    made = sorted((i for i, t in enumerate(graph.order) if t.op is not None),
                  key=lambda i: _walk.made_at(graph.order[i]))
    leaves, seen = [], set()
    for i in made:
        for x in graph.inputs_of(graph.order[i]):
            j = graph.index.get(id(x))
            if j is not None and x.op is None and j not in seen:
                seen.add(j)
                leaves.append(j)
    rest = [i for i, t in enumerate(graph.order) if t.op is None and i not in seen]
    return leaves + rest + made


def _cell(lines, attrs=""):
    body = "<br/>".join(html.escape(s) for s in lines)
    return f'<td balign="left"{attrs}><font face="{MONO}">{body}</font></td>'


def tensor_label(t, opts, grad_lines, mark=None, table=' border="0"', cell_color=None,
                 op=None, compact=False, name=None):
    """The HTML-like label of a tensor node: one row of cells for a scalar (as micrograd
    draws them), one cell per row for a tensor with axes; `table` holds table attributes
    (cells take the table's colour unless `cell_color` is given). In a `compact` drawing the
    value is unlabelled and `op`, the label of the op that made t, heads the box. `name`
    replaces t.name (inside a module's box, the name relative to the module)."""
    cells, name = [], name or t.name
    if "name" in opts.fields and name is not None:
        cells.append(f"<td><b>{html.escape(name)}</b></td>")
    meta = []
    if "shape" in opts.fields and t.ndim > 0:
        meta.append(f"shape {t.shape}")
    if "dtype" in opts.fields and (t.ndim > 0 or t.dtype != np.float64):
        meta.append(str(t.dtype))
    if meta:
        cells.append(_cell([" ".join(meta)]))
    if "value" in opts.fields:
        cells.append(_cell(opts.lines(t.data, "" if compact else "data")))
    if "grad" in opts.fields and grad_lines:
        cells.append(_cell(grad_lines, f' bgcolor="{mark}"' if mark else ""))
    if not cells:
        cells.append("<td> </td>")
    if op is not None:
        cells.insert(0, f'<td bgcolor="{OP_FILL}"><font color="black">' + "<br/>".join(
            html.escape(s) for s in op.split("\n")) + "</font></td>")
    if cell_color is not None:
        cells = [c.replace("<td", f'<td color="{cell_color}"', 1) for c in cells]
    rows = "".join(f"<tr>{c}</tr>" for c in cells) if t.ndim else f"<tr>{''.join(cells)}</tr>"
    return f'<<table cellborder="1" cellspacing="0" cellpadding="3"{table}>{rows}</table>>'


def constant_label(c, opts):
    a = np.asarray(c)
    return "\n".join(opts.lines(a, "const")) if a.size <= opts.max_elements else f"const {a.shape}"


def call_id(call):
    """The node id of a composite's call drawn as one node."""
    return f"s{call.members[0]}"


def drawn_calls(graph, opts, made):
    """({tensor number: Call} drawn as one node, {tensor number: Call} drawn as a box) for
    the calls of composites, following opts.composites ('auto': collapse in a tensor graph;
    in a scalar graph only arithmetic written as a composite, such as subtract, is one op)
    and opts.opened; `made` lists the tensors in the order made (topological)."""
    mode = opts.composites
    if mode == "auto":
        mode = "collapse" if tensor_graph(graph) else "arithmetic"
    found = composite_calls(graph, made) if mode != "expand" else {}
    if mode == "arithmetic":
        found, mode = {i: c for i, c in found.items() if c.name in SYMBOLS}, "collapse"
    if mode == "box":
        return {}, found
    shut = {i: c for i, c in found.items() if call_id(c) not in opts.opened}
    return (shut, {i: c for i, c in found.items() if i not in shut}) if found else ({}, {})


def build(graph, opts, grads, name="autograd", state=None):
    """The Digraph of `graph`. `grads` maps id(tensor) to the gradient to show; `state`
    (used by the backprop frames) may give `text` (id -> grad lines), `current` (id),
    `hot` (ids whose edge into the current op is lit), `marks` (id -> cell colour), `title`."""
    made = topological(graph)
    calls, boxed = drawn_calls(graph, opts, made)
    drawing = _Drawing(graph, opts, grads, state or {}, calls)
    drawing.boxed = boxed
    for i in made:        # made first, drawn first: neuron 0 above neuron 1
        t, call = graph.order[i], calls.get(i)
        if call is None or i in call.outputs:
            drawing.tensor(i, t)
        if call is not None and i in call.outputs:
            drawing.call(i, call)
        elif call is None and t.op is not None:
            drawing.operation(i, t)
    return drawing.digraph(name)


class _Drawing:
    """The nodes and edges of one picture, gathered first (each in its module's box, or folded
    into the box's one node when the module is collapsed), then written as a Digraph."""

    def __init__(self, graph, opts, grads, state, calls=None):
        self.calls, self.calls_drawn = calls or {}, {}
        self.boxed, self.call_boxes = {}, {}
        self.graph, self.opts, self.grads, self.state = graph, opts, grads, state
        self.text, self.hot = state.get("text"), state.get("hot", ())
        self.marks, self.current = state.get("marks", {}), state.get("current")
        self.bounds = None
        if opts.color_grad:
            self.bounds = (opts.color_grad if opts.color_grad is not True
                           else [b[0] for b in BANDS[:-1]])
        self.member = member = modules(graph, opts) if opts.group else {}
        self.collapsed = (set(member.values()) if opts.collapse is True
                          else set(opts.collapse or ()))
        unknown = self.collapsed - set(member.values())
        if unknown:
            raise ValueError(f"draw: cannot collapse {sorted(unknown)}: no such module in the "
                             f"graph (modules: {sorted(set(member.values()))})")
        self.box_ids = module_ids(graph, member)
        self.boxes = {m: [] for m in self.box_ids}
        self.rankdir, shrink = orientation(graph, opts, self._collapsed_into)
        self.inline = opts.compact is True or (opts.compact == "auto" and shrink > 0.9)
        if opts.rankdir != "auto" or self.inline:
            self.rankdir = opts.rankdir if opts.rankdir != "auto" else "TB"
        self.rows = wrapped_rows(graph, self.member, self.calls) if (
            self.inline and self.rankdir == "TB") else []
        self.top, self.edges, self.seen_edges, self.used_bands = [], [], set(), set()
        self.root_ids = {id(r) for r in graph.roots}

    def op_inside(self, i):
        """True when the op that made tensor i is written in i's box (a compact drawing; not
        for a fold, nor for the result of a composite drawn as one node)."""
        t = self.graph.order[i]
        return (self.inline and t.op is not None and i not in self.graph.folds
                and (i not in self.calls or self.calls[i].name in SYMBOLS))

    def _collapsed_into(self, i):
        """What tensor i is drawn inside, for the size estimate: its collapsed module, the
        call of a composite it is internal to (a short key), or None."""
        m = self.member.get(i)
        if m in self.collapsed:
            return m
        call = self.calls.get(i)
        return call_id(call) if call is not None and i not in call.outputs else None

    def call(self, i, call):
        """The node of a composite's call (once) and its edge to output i; edges from its
        inputs into it. Arithmetic (subtract) is drawn as an op: an oval such as '1 -', or
        in the result's box, with the local derivatives on its edges."""
        nid, shown, graph = call_id(call), self.shown, self.graph
        if self.op_inside(i):
            nid = f"t{i}"
        if nid not in self.calls_drawn:
            self.calls_drawn[nid] = i
            if call.name not in SYMBOLS:
                self.node(i, nid, {"label": call.label(graph), "shape": "box",
                                   "style": "filled,rounded", "fillcolor": "#e6f0e6",
                                   "height": "0.3", "margin": "0.06,0.02"})
            elif nid != f"t{i}":
                self.node(i, nid, {"label": self.op_text(i), **OP_NODE})
            lit = self.current is not None and any(
                id(graph.order[k]) == self.current for k in call.outputs)
            inside = {id(graph.order[k]) for k in call.members}
            for j in call.inputs:
                x = graph.order[j]
                edge_attrs = {"weight": "2"} if x.op is None else {}
                if self.opts.derivatives and call.name in SYMBOLS:
                    d = chain_derivative(graph.order[i], x, inside)
                    if d is not None:
                        edge_attrs["label"] = self.opts.number(d)
                if lit and id(x) in self.hot:
                    edge_attrs.update(color="#d62728", penwidth="2.5")
                self.edge(shown(j, f"t{j}"), shown(i, nid), edge_attrs)
        if nid != f"t{i}":
            self.edge(shown(self.calls_drawn[nid], nid), shown(i, f"t{i}"), {})

    def op_text(self, i):
        """The text of the op that made tensor i: its own, or its arithmetic call's ('1 -')."""
        t, call = self.graph.order[i], self.calls.get(i)
        return op_label(t, self.opts, symbol=SYMBOLS[call.name] if call else None)

    def node(self, i, nid, attrs):
        m = self.member.get(i)
        if m in self.collapsed:
            return
        call = self.boxed.get(i)
        if call is not None:
            self.call_boxes.setdefault(id(call), (call, m, []))[2].append((nid, attrs))
            return
        (self.boxes[m] if m is not None else self.top).append((nid, attrs))

    def _module_box(self, g, m, inside):
        """Module m in g: one node when collapsed, else a box of its nodes and sub-modules."""
        nid = self.box_ids[m]
        if m in self.collapsed:
            g.node(nid, **_module_node(m, self.graph, self.member, self.opts))
            return
        with g.subgraph(name=f"cluster_{nid}") as sub:
            sub.attr(label=m, style="rounded,dashed", color="#7f7f7f", fontcolor="#555555")
            for n, attrs in self.boxes[m]:
                sub.node(n, **attrs)
            self._call_boxes(sub, m)
            for child in inside.get(m, ()):
                self._module_box(sub, child, inside)

    def _call_boxes(self, g, m):
        """The boxes of the composites' calls drawn inside module m (None: outside any)."""
        for call, owner, drawn in self.call_boxes.values():
            if owner != m:
                continue
            with g.subgraph(name=f"cluster_s{call.members[0]}") as sub:
                sub.attr(label=call.label(self.graph), style="rounded,dotted", color="#4d8f4d",
                         fontcolor="#3a6b3a")
                for n, attrs in drawn:
                    sub.node(n, **attrs)

    def shown(self, i, nid):
        m = self.member.get(i)
        return self.box_ids[m] if m in self.collapsed else nid

    def edge(self, a, b, attrs):
        if a[0] == "m" or b[0] == "m":      # several edges may meet in one collapsed module
            if a == b or (a, b, tuple(attrs.items())) in self.seen_edges:
                return
            self.seen_edges.add((a, b, tuple(attrs.items())))
        self.edges.append((a, b, attrs))

    def tensor(self, i, t):
        """Tensor i's node: its table, filled by gradient band, bordered if root or current."""
        key, grads, current = id(t), self.grads, self.current
        gl = self.text.get(key) if self.text is not None else (
            self.opts.lines(grads[key], "grad") if key in grads else None)
        attrs = {"shape": "plain"}
        fill = "white" if t.requires_grad else "#eeeeee"
        if t.op is None and t.requires_grad:
            fill = "#eef4fb"
        if self.bounds is not None and key in grads:
            fill, font, word = band(grads[key], self.bounds)
            attrs["fontcolor"] = font
            self.used_bands.add(word)
        table = f' bgcolor="{fill}"' + ("" if t.requires_grad else ' style="dashed"')
        if current is not None:     # a frame: one border width everywhere, so nothing moves
            color = "#d62728" if key == current else "black" if key in self.root_ids else fill
            table = f' border="3" color="{color}"' + table
        else:
            table = (' border="1"' if key in self.root_ids else ' border="0"') + table
        cell_color = "black" if current is not None and key != current else None
        op = self.op_text(i).replace("\n", " ") if self.op_inside(i) else None
        m = self.member.get(i)
        short = t.name[len(m) + 1:] if m and t.name and t.name.startswith(m + ".") else None
        attrs["label"] = tensor_label(t, self.opts, gl, self.marks.get(key), table, cell_color,
                                      op, self.inline, short)
        self.node(i, f"t{i}", attrs)

    def operation(self, i, t):
        """The op that made tensor i (or the fold it ends), and the edges into it: tensors,
        constants, what was cut."""
        o, shown, edge = f"t{i}" if self.op_inside(i) else f"o{i}", self.shown, self.edge
        fold = self.graph.folds.get(i)
        attrs = {"label": fold_label(fold) if fold else op_label(t, self.opts), **OP_NODE}
        if fold:
            attrs.update(shape="box", style="filled,rounded", fillcolor="#e8e8f8")
        if o != f"t{i}":
            self.node(i, o, attrs)
            edge(shown(i, o), shown(i, f"t{i}"), {})
        for k, x in (((None, x) for x in fold.inputs) if fold else enumerate(t.inputs)):
            if not isinstance(x, Tensor):
                if not inline_constant(x):
                    self.constant(i, k, x)
                continue
            j = self.graph.index.get(id(x))
            if j is None:
                continue
            e = {"weight": "2"} if x.op is None else {}   # the computation's spine: straight
            if self.opts.derivatives and k is not None and self.member.get(i) not in self.collapsed:
                d = local_derivative(t, k)
                if d is not None:
                    e["label"] = self.opts.number(d)
            if id(t) == self.current and id(x) in self.hot:
                e.update(color="#d62728", penwidth="2.5")
            edge(shown(j, f"t{j}"), shown(i, o), e)
        if i in self.graph.cut:
            self.node(i, f"cut{i}", {"label": f"... {self.graph.cut[i]} more",
                                     "shape": "plaintext", "fontcolor": "#999999"})
            edge(shown(i, f"cut{i}"), shown(i, o), {"style": "dotted", "color": "#999999",
                                                    "weight": "1"})

    def constant(self, i, k, c):
        """A constant input k of tensor i's op: a grey text node with a dashed edge."""
        nid = f"c{i}_{k}"
        self.node(i, nid, {"label": constant_label(c, self.opts), "shape": "plaintext",
                           "fontcolor": "#666666", "fontname": MONO})
        self.edge(self.shown(i, nid), self.shown(i, f"t{i}" if self.op_inside(i) else f"o{i}"),
                  {"style": "dashed", "color": "#999999", "weight": "1"})

    def _wrap(self, g):
        """Each row of `rows` on one line, the rows one below the other, aligned on the left,
        with a rank between them for the next row's parameters: the edge from one row's end
        to the next row's start does not pull them apart."""
        ends = {(f"t{a[-1]}", f"t{b[0]}") for a, b in zip(self.rows, self.rows[1:])}
        self.edges = [(a, b, {**attrs, "weight": "0"} if (a, b) in ends else attrs)
                      for a, b, attrs in self.edges]
        for row in self.rows:
            with g.subgraph() as same:
                same.attr(rank="same")
                for i in row:
                    same.node(f"t{i}")
        for a, b in zip(self.rows, self.rows[1:]):
            g.edge(f"t{a[0]}", f"t{b[0]}", style="invis", weight="20", minlen="2")

    def digraph(self, name):
        """Everything gathered, as a Digraph: top-level nodes, module boxes, edges, legend."""
        size = f"{self.opts.font_size:g}"        # every text: tensors, ops, edges, boxes
        g = Digraph(name, graph_attr={"rankdir": self.rankdir, "fontname": "Helvetica",
                                      "fontsize": size, "ranksep": "0.2" if self.inline else "0.3",
                                      "nodesep": "0.12"},
                    node_attr={"fontname": "Helvetica", "fontsize": size},
                    edge_attr={"fontname": "Helvetica", "fontsize": size, "arrowsize": "0.7",
                               "weight": "4"})     # tensor-op edges straight; constants weight 1
        for nid, attrs in self.top:
            g.node(nid, **attrs)
        inside = {}         # a module's box holds the boxes of its sub-modules ('a' holds 'a.b')
        for m in self.box_ids:
            outer = max((p for p in self.box_ids if m.startswith(p + ".")), key=len, default=None)
            inside.setdefault(outer if outer not in self.collapsed else None, []).append(m)
        for m in inside.get(None, ()):
            self._module_box(g, m, inside)
        self._call_boxes(g, None)
        self._wrap(g)
        for a, b, attrs in self.edges:
            g.edge(a, b, **attrs)
        if self.used_bands:
            g.node("legend", **_legend(self.bounds))
        label = [self.state.get("title")] if self.state.get("title") else []
        graph = self.graph
        if len(graph) + graph.n_hidden < graph.n_total:
            note = (f"drew {len(graph)} of {graph.n_total - graph.n_hidden} tensors "
                    f"({graph.limits});\n'... n more' marks inputs left out")
            if self.member.get(0) is None:      # next to the output, which is always drawn
                g.node("note", label=note, shape="plaintext", fontcolor="#666666")
                with g.subgraph() as same:
                    same.attr(rank="same")
                    same.edge("t0", "note", style="invis")
            else:
                label.append(note.replace("\n", " "))
        if label:
            g.attr(label="\n".join(label), labelloc="t", labeljust="l")
        return g


def _module_node(m, graph, member, opts):
    """One node standing for a whole module: its name, parameters and number of operations."""
    rows = [f"<tr><td><b>{html.escape(m)}</b></td></tr>"]
    n_ops, params = 0, []
    for i in sorted(i for i, mm in member.items() if mm == m):
        t = graph.order[i]
        if t.op is not None:
            n_ops += 1
        elif t.name is not None:
            rest = t.name[len(m) + 1:] if t.name.startswith(m + ".") else t.name
            params.append((rest, t.shape))
    params.sort(key=lambda p: _natural(p[0]))
    shown = params if len(params) <= 8 else params[:3] + [("…", None)] + params[-2:]
    for rest, shape in shown:
        text = rest if not shape else f"{rest} {shape}"     # scalars: the name alone
        rows.append(f'<tr><td><font face="{MONO}">{html.escape(text)}</font></td></tr>')
    if len(params) > 8:
        rows.append(f"<tr><td>{len(params)} parameter tensors</td></tr>")
    rows.append(f"<tr><td>{n_ops} operations</td></tr>")
    return {"shape": "box3d", "style": "filled", "fillcolor": "#fff7e6", "margin": "0.12,0.08",
            "label": '<<table border="0" cellborder="0" cellspacing="0" cellpadding="3">'
                     + "".join(rows) + "</table>>"}


def _natural(name):
    """Sort key putting w2 before w10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _legend(bounds):
    rows = ['<tr><td colspan="2"><b>gradient size (rms)</b></td></tr>']
    lower = 0.0
    for bound, (_, fill, font, word) in zip(list(bounds) + [np.inf], BANDS):
        span = f"&lt; {bound:g}" if lower == 0 else (f"&gt;= {lower:g}" if bound == np.inf
                                                      else f"{lower:g} to {bound:g}")
        rows.append(f'<tr><td bgcolor="{fill}"><font color="{font}">{word}</font></td>'
                    f"<td>{span}</td></tr>")
        lower = bound
    return {"shape": "plain", "label": '<<table border="0" cellborder="1" cellspacing="0" '
                                       'cellpadding="3">' + "".join(rows) + "</table>>"}
