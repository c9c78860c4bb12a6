"""Pictures of the computation graph, and of backprop step by step, with Graphviz.

    >>> from autograd import Tensor
    >>> from autograd.viz import draw, backprop_steps
    >>> x, y, z = (Tensor(v, requires_grad=True, name=n) for v, n in ((-2., "x"), (5., "y"), (-4., "z")))
    >>> f = (x + y) * z
    >>> f.backward()
    >>> g = draw(f, derivatives=True)      # a graphviz.Digraph; shows inline in Jupyter
    >>> frames = backprop_steps(f)         # one picture per step; a slider in Jupyter
    >>> g.save("out/graph.svg")            # .svg, .png or .pdf by extension; g.view() opens it

Tensors are boxes (name, value, gradient; shape and a mean/norm summary for big ones),
operations are small ovals between them, as in micrograd's drawings. Rendering uses the system
`dot` if there is one, else `graphviz-pure` from PyPI; without either, `.source` still gives
the DOT text and rendering raises GraphvizNotFound with install instructions.

Which gradients a picture shows (`grads`): intermediate tensors keep no `.grad`, so by default
("auto"), once a backward pass has run (some leaf the roots depend on has a `.grad`), draw runs
one more pass of the engine from the roots that writes nothing and shows d root / d t on
every tensor; leaves that have a `.grad` show that, as do tensors that called retain_grad().
"stored" shows `.grad` attributes only, "pass" always runs the pass, None shows no gradients.

Big graphs: chains of one op or of a repeated block of ops fold into one node ('tanh ×700');
past `max_nodes` the output end is kept, with a note beside it; and a drawing too big to
render (RENDER_LIMITS) is refused with DrawingTooBig before any renderer starts. By default
text is 14 pt (`font_size`) and the direction (`rankdir='auto'`) is the one that fits a
1920x1080 slide best; a drawing that would still not fit is drawn compact (`compact`: ops
inside their results' boxes, the repeats of a layer one per row).
"""

try:
    import graphviz  # noqa: F401
except ImportError:  # pragma: no cover - depends on the environment
    raise ImportError("autograd.viz needs the graphviz Python package: "
                      "pip install 'chainrule[viz]' (or pip install graphviz graphviz-pure)") from None

import warnings

import numpy as np

from ._dot import BANDS, FIELDS, Options, build
from ._graph import Graph, gradient_pass
from ._render import (RENDER_LIMITS, Digraph, DrawingTooBig, GraphvizNotFound, render_source,
                      renderer)
from ._steps import Frames, frames_for
from ._explore import Explorer

__all__ = ["draw", "backprop_steps", "explore", "Explorer", "Frames", "Digraph", "GraphvizNotFound", "DrawingTooBig",
           "RENDER_LIMITS", "renderer", "render_source", "FIELDS", "BANDS"]


def draw(*roots, fields=FIELDS, rankdir="auto", fmt=".4g", max_elements=9, max_nodes=500,
         max_depth=None, fold=16, grads="auto", derivatives=False, group=False, collapse=False,
         color_grad=False, title=None, font_size=14, composites="auto", compact="auto"):
    """A graphviz.Digraph of everything `roots` were computed from.

    fields: which parts of a tensor's box to show, from FIELDS ('shape' and 'dtype' appear on
        tensors with axes, and 'dtype' on scalars that are not float64).
    rankdir: 'LR' (left to right) or 'TB' (top to bottom), also 'RL', 'BT'; 'auto': left to
        right when that fits a 1920x1080 slide, else whichever needs less shrinking.
    fmt: a format spec for numbers ('.4g', '.3f', ...) or a callable number -> str.
    max_elements: tensors with at most this many elements show their numbers; bigger ones
        show shape, dtype, mean and norm.
    max_nodes, max_depth: draw at most this many tensors (nearest the roots first) / only
        tensors at most this many operations from a root; the output end is kept and a note
        says what was left out.
    fold: a chain of this many or more repeats of one op, or of a block of up to 4 ops
        (each result used only by the next), is drawn as one node such as 'tanh ×700';
        None draws every op.
    grads: 'auto', 'stored', 'pass' or None (see the module docs).
    derivatives: label each edge of a one-element tensor into an operation with the local
        derivative d out / d in (from the op's own VJP), the factor the chain rule multiplies.
    group: put parameters named by module path ('layers.0.weight') and the operations using
        them into one box per module. True: the module is the name up to its last dot, and in
        a tensor graph an activation made inside a module's call (Tensor.scope) joins that
        module's box; an int k: a name's first k parts; or a callable name -> module (or None).
    collapse: True, or module names: draw those modules as one node each (implies group).
    color_grad: fill tensors by the size (rms) of their gradient, with a legend; True or
        four increasing thresholds between the bands of BANDS.
    title: a line of text above the picture.
    font_size: the size in points of all text: values, op labels, edge labels, boxes, notes.
    composites: 'collapse' draws each call of a composite (softmax, cross_entropy, a function
        under autograd.scope) as one node named after it, between the tensors that cross its
        boundary; 'box' draws its primitives inside a dotted box named after it; 'expand'
        draws its primitives; 'auto' (the default) collapses when a tensor
        in the graph has more than one element, so scalar lecture graphs show every op.
    compact: True writes each op in the box of the tensor it made (no oval of its own, and
        values without the word 'data'), runs top to bottom, and wraps a chain of 3 or more
        repeats of a block of ops (a layer) one repeat per row; 'auto' (the default) does so
        when the drawing would otherwise fill more than 90 % of a 1920x1080 slide.
    """
    opts = Options(tuple(fields), rankdir, fmt, max_elements, derivatives, group, collapse,
                   color_grad, font_size, composites, compact)
    graph = Graph(roots, max_nodes, max_depth, fold)
    shown = _gradients(graph, grads)
    return build(graph, opts, shown, state={"title": title} if title else None)


def backprop_steps(*roots, fields=FIELDS, rankdir="auto", fmt=".4g", max_elements=9,
                   max_nodes=500, max_depth=None, derivatives=False, group=False,
                   collapse=False, color_grad=False, font_size=14, composites="auto",
                   compact="auto"):
    """The backward pass from one-element `roots`, as Frames: one picture per step in the
    engine's real processing order. Each highlights the tensor being processed (red border,
    yellow gradient), the inputs it sends gradients to (green: first contribution; orange,
    with the sum written out: a contribution added to an earlier one), and the gradients
    filled in so far ('(so far)' where more contributions are still to come). The frames come
    from a pass of their own: `.grad` is left untouched. Options are those of draw(); a
    composite drawn as one node (composites='auto' in a tensor graph) is one step: it sends
    its gradient to its inputs."""
    opts = Options(tuple(fields), rankdir, fmt, max_elements, derivatives, group, collapse,
                   color_grad, font_size, composites, compact)
    return frames_for(Graph(roots, max_nodes, max_depth), opts)


def explore(*roots, group=True, fields=FIELDS, rankdir="auto", fmt=".4g", max_elements=9,
            max_nodes=500, max_depth=None, fold=16, grads="auto", font_size=14,
            composites="auto"):
    """An Explorer of the graph: one HTML page (shown in Jupyter, or `.save('graph.html')`)
    where each module and each call of a composite is a box to click open, a tensor shows its
    shape, dtype, value and gradient on hover, and the line of code that made it when the
    forward pass ran under `autograd.record_source()`; the picture zooms (scroll) and pans
    (drag). `group` says what a module is, as in draw(); the other options are draw()'s."""
    opts = Options(tuple(fields), rankdir, fmt, max_elements, False, group, False, False,
                   font_size, composites)
    graph = Graph(roots, max_nodes, max_depth, fold)
    return Explorer(graph, opts, _gradients(graph, grads))


def _gradients(graph, mode):
    """{id(tensor): gradient array} to show, following draw's `grads` option."""
    if mode not in ("auto", "stored", "pass", None):
        raise ValueError(f"draw: grads must be 'auto', 'stored', 'pass' or None; got {mode!r}")
    if mode is None:
        return {}
    stored = {id(t): np.asarray(t.grad.data) for t in graph.order
              if (t.is_leaf or t.retains_grad) and t.grad is not None}
    run = mode == "pass" or (mode == "auto" and graph.leaf_grads)
    if not run:
        return stored
    roots = [r for r in graph.roots if r.requires_grad]
    if mode == "auto" and any(r.size != 1 for r in roots):
        return stored       # the pass would need the gradient backward was seeded with
    try:
        computed = gradient_pass(roots, caller="draw") if roots else {}
    except RuntimeError as e:
        if mode == "pass":
            raise
        warnings.warn(f"draw: showing stored .grad only; the gradient pass failed: {e}",
                      UserWarning, stacklevel=3)
        return stored
    return {**computed, **stored}
