"""How a composite is marked, and the one primitive every composite may need: `copy`.

A composite is plain code over autograd functions (softmax, stack, clip, ...). Marked with
`@composite` it behaves like one op to its caller: an error raised deep inside names the
function the user called, a result that would be one of its own inputs (clip with no bounds,
a product over length-1 axes) is a new tensor, as NumPy and PyTorch return, PyTorch's
`dim`/`keepdim` are accepted for `axis`/`keepdims`, and the tensors it makes record its name in
their scope (`Tensor.scope`), so pictures can draw it as one box.
"""

import functools
import inspect
import re

import numpy as np

from ..grad_mode import modes
from ..primitive import pytorch_names, primitive, same_type
from ..tensor import Tensor


@primitive
def copy(x):
    "a copy of x with its own memory; d/dx = 1"
    return np.array(x, copy=True)[()]


copy.defvjp(lambda g, out, x: g)


_PREFIX = re.compile(r"^[A-Za-z_][\w.]*: ")


def composite(fn=None, *, name=None):
    """Decorator for a function composed of autograd ops: errors name it ("softmax: axis 3 is
    out of bounds ...", not "logsumexp: ..."), and it never returns one of its inputs itself."""
    if fn is None:
        return lambda f: composite(f, name=name)
    label = name or fn.__name__
    try:
        takes_axis = "axis" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        takes_axis = False

    @functools.wraps(fn)
    def call(*args, **kwargs):
        if takes_axis and kwargs:
            kwargs = pytorch_names(kwargs, label)
        outer = modes.scope
        modes.scope = outer + (label,)
        try:
            out = fn(*args, **kwargs)
        except (ValueError, TypeError, IndexError) as e:
            msg = str(e)
            if msg.startswith(f"{label}:"):
                raise
            raise same_type(e, f"{label}: " + _PREFIX.sub("", msg, count=1)) from e
        finally:
            modes.scope = outer
        if isinstance(out, Tensor):
            for a in args:
                if out is a:
                    return copy(out)
        return out

    call.composite = True
    return call
