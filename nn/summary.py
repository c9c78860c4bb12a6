"""A model summary: each module's output shape and parameter count, and the totals."""

import numpy as np

import autograd as ag

from .module import Module


class Summary:
    """The rows (depth, name, layer type, output shape, parameter count) of one forward pass,
    in call order, and the totals; printing it draws the table."""

    def __init__(self, rows, total, trainable, input_shape):
        self.rows, self.total_params, self.trainable_params = rows, total, trainable
        self.input_shape = input_shape

    def __str__(self):
        lines = [("Layer (type)", "Output shape", "Param #")]
        for depth, name, kind, shape, n in self.rows:
            lines.append(("  " * depth + f"{name} ({kind})" if name else kind, str(shape),
                          f"{n:,}" if n else "--"))
        w = [max(len(r[i]) for r in lines) for i in range(3)]
        rule = "-" * (w[0] + w[1] + w[2] + 4)
        body = [f"{a:<{w[0]}}  {b:<{w[1]}}  {c:>{w[2]}}" for a, b, c in lines]
        return "\n".join([rule, body[0], rule] + body[1:] + [
            rule, f"Input shape: {self.input_shape}",
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.total_params - self.trainable_params:,}", rule])

    __repr__ = __str__


def _shape(out):
    if isinstance(out, (tuple, list)):
        return [_shape(o) for o in out]
    return tuple(np.shape(out))


def summary(model, input_shape, dtype=None):
    """Run zeros of `input_shape` (batch axis included) through `model` in eval mode without
    recording a graph, and list what every module returned and how many parameters it holds
    itself (a module called twice appears twice, its parameters counted once)."""
    if not isinstance(model, Module):
        raise TypeError(f"summary: expected a Module, got {type(model).__name__}")
    rows, seen, depth = [], set(), [0]
    names = {id(m): name for name, m in model.named_modules()}

    def wrap(m):
        forward = m.forward

        def recorded(*args, **kwargs):
            row = [depth[0], names.get(id(m), ""), type(m).__name__, None, 0]
            rows.append(row)
            if id(m) not in seen:
                seen.add(id(m))
                row[4] = sum(p.size for p in m.parameters(recurse=False))
            depth[0] += 1
            try:
                out = forward(*args, **kwargs)
            finally:
                depth[0] -= 1
            row[3] = _shape(out)
            return out
        return recorded

    modules = list(model.modules())
    modes = [m.training for m in modules]
    x = ag.zeros(tuple(input_shape), dtype=dtype)
    try:
        for m in modules:
            object.__setattr__(m, "forward", wrap(m))
        model.eval()
        with ag.no_grad():
            model(x)
    except Exception as e:
        e.add_note(f"(in summary: the forward pass of zeros of shape {tuple(input_shape)}, "
                   f"after {len(rows)} module call(s))")
        raise
    finally:
        for m, mode in zip(modules, modes):
            m.__dict__.pop("forward", None)
            object.__setattr__(m, "training", mode)
    params = list(model.parameters())
    return Summary([tuple(r) for r in rows], sum(p.size for p in params),
                   sum(p.size for p in params if p.requires_grad), tuple(input_shape))


__all__ = ["summary", "Summary"]
