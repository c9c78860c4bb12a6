"""What `Tensor.scope` says about a drawn graph: which calls of composites to draw as one node,
and which module made an activation.

A scope names composites ('log_softmax', 'subtract', a user's `autograd.scope`) and modules
(their path, 'layers.0', or the class name of the outermost one, 'MLP'). Nothing in a scope says
which is which, so a name is taken for a module when it looks like a path (a capital first
letter, a dot, only digits) or starts the name of a parameter in the graph ('encoder' for
'encoder.weight'); every other name is a composite.
"""

from ..tensor import Tensor


class Call:
    """One call of a composite drawn as one node: `name`, the numbers of the tensors it made
    (`members`, made first to last), those used outside it (`outputs`) and the drawn tensors
    it read (`inputs`, in the order first read)."""

    def __init__(self, name, members, depth):
        self.name, self.members, self.depth = name, members, depth
        self.outputs, self.inputs = [], []

    def label(self, graph):
        """The name; under a module path of digits or dots ('2', 'blocks.0'), also what it
        ran: its one op, its one composite, or how many ops."""
        if not (self.name.isdigit() or "." in self.name):
            return self.name
        inner = {graph.order[i].scope[self.depth + 1:self.depth + 2] or (graph.order[i].op.name,)
                 for i in self.members}
        what = inner.pop()[0] if len(inner) == 1 else f"{len(self.members)} ops"
        return f"{self.name}\n{what}"


def tensor_graph(graph):
    """True when a tensor in the graph has more than one element: scopes are drawn then;
    a scalar lecture graph shows every op, grouped by parameter names only."""
    return any(t.size != 1 for t in graph.order)


def module_paths(graph):
    """Every path that starts the dotted name of a leaf in the graph ('layers', 'layers.0')."""
    paths = set()
    for t in graph.order:
        if t.op is None and t.name and "." in t.name:
            parts = t.name.split(".")
            paths.update(".".join(parts[:k]) for k in range(1, len(parts)))
    return paths


def is_module(name, paths):
    return name[:1].isupper() or "." in name or name.isdigit() or name in paths


def with_parameters(graph):
    """The scopes (and their outer scopes) of the ops that read a parameter (a leaf requiring
    grad)."""
    found = set()
    for t in graph.order:
        if t.op is not None and any(isinstance(x, Tensor) and x.op is None and x.requires_grad
                                    for x in t.inputs):
            found.update(t.scope[:n] for n in range(1, len(t.scope) + 1))
    return found


def composite_calls(graph, made):
    """{tensor number: Call} for the tensors made inside a composite, or inside a module that
    reads no parameter (a loss, an activation), by its outermost call; `made` lists the drawn
    tensors in the order they were made. Successive tensors with the same scope up to that
    composite belong to one call, unless two made directly in it hold different scope
    objects (each call enters a new one: x - y - z is two calls of subtract); a call that
    recorded one op is left out (subtract from a constant records only its add, and the
    constant read is -y, not y)."""
    paths, found, current, key, direct = module_paths(graph), {}, None, None, None
    params = with_parameters(graph)
    for i in made:
        t = graph.order[i]
        k = next((n for n, s in enumerate(t.scope)
                  if not is_module(s, paths) or t.scope[:n + 1] not in params), None)
        if t.op is None or k is None:
            current = key = None
            continue
        mine = t.scope if len(t.scope) == k + 1 else None
        if (t.scope[:k + 1] != key or i in graph.folds
                or (mine is not None and direct is not None and mine is not direct)):
            key, current, direct = t.scope[:k + 1], Call(t.scope[k], [], k), None
        direct = mine if mine is not None else direct
        current.members.append(i)
        found[i] = current
    found = {i: c for i, c in found.items() if len(c.members) > 1}    # one op: drawn as it is
    _boundaries(graph, found)
    return found


def _boundaries(graph, found):
    """Fill each call's outputs (used outside it, or a root) and inputs (read from outside;
    masks, unnamed boolean constants that only the call reads, count as inside it)."""
    roots = {id(r) for r in graph.roots}
    readers = {}
    for i, t in enumerate(graph.order):
        for x in graph.inputs_of(t):
            readers.setdefault(id(x), set()).add(id(found.get(i)))
    for j, x in enumerate(graph.order):
        owner = readers.get(id(x), set())
        if (x.op is None and x.name is None and x.dtype == bool and len(owner) == 1
                and j not in found and owner != {id(None)}):
            found[j] = next(c for c in found.values() if id(c) in owner)
    for i, t in enumerate(graph.order):
        outer = found.get(i)
        for x in graph.inputs_of(t):
            j = graph.index.get(id(x))
            if j is None or j not in found or found[j] is outer:
                continue
            if j not in found[j].outputs:
                found[j].outputs.append(j)
        if outer is not None:
            for x in graph.inputs_of(t):
                j = graph.index.get(id(x))
                if (isinstance(x, Tensor) and j is not None and found.get(j) is not outer
                        and j not in outer.inputs):
                    outer.inputs.append(j)
            if id(t) in roots and i not in outer.outputs:
                outer.outputs.append(i)


def module_of_scope(scope, paths, params):
    """The innermost module in a scope that reads parameters (`params`: with_parameters),
    not counting the outermost module (its class name: its box would hold only the ops of
    its own forward, beside its sub-modules' boxes), nor a module called inside a composite
    (a user's scope('step 1') around a cell's call draws as that step's box), or None."""
    outside = next((n for n, s in enumerate(scope) if not is_module(s, paths)), len(scope))
    for n in range(outside - 1, 0 if scope[:1] and scope[0][:1].isupper() else -1, -1):
        if scope[:n + 1] in params:
            return scope[n]
    return None
