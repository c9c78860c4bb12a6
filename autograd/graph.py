"""The recorded graph, walked in one place: a node's differentiable parents, the order in which
backward visits nodes, and which nodes lie between outputs and inputs.

A Tensor made by a primitive is a node. Applying the primitive recorded, once, which of its
inputs receive a gradient (`parents`) and a tick of one clock (`Tensor._seq`). Every node is
made after its inputs, so a larger tick means "later in the forward pass": visiting nodes from
the largest tick down is a topological order for the backward pass, found with a heap as the
gradients spread, with no separate counting walk. Leaves (tensors no op made) come last.

Every walk here is iterative: a chain of a million operations needs no recursion. The engine,
autograd.functional, checkpoint, testing and viz all use these functions; nothing else reads a
node's inputs by hand.
"""

import heapq
from collections import deque

__all__ = ["parents", "inputs", "is_node", "made_at", "backward_order", "breadth_first",
           "reachable", "leading_to", "leaves"]


def is_node(t):
    """True when t was made by a recorded primitive (it has an op and parents)."""
    return t._op is not None


def inputs(t):
    """All recorded inputs of t, Tensors and constants, in positional order; () for a leaf."""
    return t._inputs if t._op is not None else ()


def made_at(t):
    """The clock tick at which the op that made t ran (0 for a leaf): inputs come earlier."""
    return t._seq if t._op is not None else 0


def parents(t):
    """[(position, input tensor)] for the inputs of node t that receive a gradient."""
    if t._op is None:
        return []
    inputs = t._inputs
    return [(k, inputs[k]) for k in t._parents]


def backward_order(roots, stop=()):
    """The tensors that reach the roots' gradients, in the order backward visits them: nodes
    from the latest made down, then the leaves in the order first reached. Tensors in `stop`
    (ids) are visited but not walked through."""
    heap, seen, order, found_leaves = [], set(), [], []
    for r in roots:
        _push(r, heap, seen, found_leaves)
    while heap:
        t = heapq.heappop(heap)[1]
        order.append(t)
        if id(t) in stop:
            continue
        for _, x in parents(t):
            _push(x, heap, seen, found_leaves)
    return order + found_leaves


def _push(t, heap, seen, found_leaves):
    if id(t) in seen:
        return
    seen.add(id(t))
    if t._op is None:
        found_leaves.append(t)
    else:
        heapq.heappush(heap, (-t._seq, t))


def breadth_first(roots, inputs_of=None):
    """(tensor, depth) for every tensor the roots were computed from (through all recorded
    inputs, constant tensors included), breadth first, inputs in positional order, each once.
    `inputs_of(t)` replaces the recorded inputs (a picture that folds chains walks its own)."""
    inputs_of = inputs if inputs_of is None else inputs_of
    seen, queue = set(), deque()
    for r in roots:
        if id(r) not in seen:
            seen.add(id(r))
            queue.append((r, 0))
    while queue:
        t, depth = queue.popleft()
        yield t, depth
        for x in inputs_of(t):
            if hasattr(x, "_op") and id(x) not in seen:
                seen.add(id(x))
                queue.append((x, depth + 1))


def reachable(roots, stop=()):
    """The ids of every tensor requiring grad that the roots depend on (not walking past the
    ids in `stop`), roots included."""
    seen, stack = set(), [r for r in roots if r.requires_grad]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        if id(t) not in stop:
            stack.extend(x for _, x in parents(t))
    return seen


def leading_to(roots, targets):
    """The ids of the tensors through which a gradient from the roots reaches a target (ids):
    the engine runs only their VJPs (less work, and no NaN from branches nobody needs)."""
    users, seen, stack = {}, set(), list(roots)
    while stack:
        t = stack.pop()
        for _, x in parents(t):
            users.setdefault(id(x), []).append(id(t))
            if id(x) not in seen:
                seen.add(id(x))
                stack.append(x)
    useful, stack = set(), list(targets)
    while stack:
        k = stack.pop()
        if k not in useful:
            useful.add(k)
            stack.extend(users.get(k, ()))
    return useful


def leaves(roots, stop=()):
    """The leaves requiring grad that the roots depend on, not walking past the ids in `stop`."""
    found, seen, stack = [], set(), [r for r in roots if r.requires_grad]
    while stack:
        t = stack.pop()
        if id(t) in seen or id(t) in stop:
            continue
        seen.add(id(t))
        if t._op is None:
            found.append(t)
        else:
            stack.extend(x for _, x in parents(t))
    return found
