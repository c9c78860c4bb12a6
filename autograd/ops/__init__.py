"""The primitives and composites, grouped by family. Every name here is also `autograd.<name>`;
those in METHODS are Tensor methods too (t.exp(), t.sum(axis=0), ...).

Every public function that is not a primitive is a composite, and is marked so here, in one
place (see composite.py): its errors name it, it never returns its own input, and it accepts
PyTorch's `dim`/`keepdim` for `axis`/`keepdims` as primitives do."""

from .composite import composite
from .elementwise import *  # noqa: F401,F403
from .elementwise import __all__ as _elementwise
from .linalg import *  # noqa: F401,F403
from .linalg import __all__ as _linalg
from .reductions import *  # noqa: F401,F403
from .reductions import __all__ as _reductions
from .shape import *  # noqa: F401,F403
from .shape import __all__ as _shape
from .transcendental import *  # noqa: F401,F403
from .transcendental import __all__ as _transcendental
from .rounding import *  # noqa: F401,F403
from .rounding import __all__ as _rounding
from .cumulative import *  # noqa: F401,F403
from .cumulative import __all__ as _cumulative
from .ordering import *  # noqa: F401,F403
from .ordering import __all__ as _ordering
from .arrangement import *  # noqa: F401,F403
from .arrangement import __all__ as _arrangement
from .statistics import *  # noqa: F401,F403
from .statistics import __all__ as _statistics
from .windows import *  # noqa: F401,F403
from .windows import __all__ as _windows

__all__ = _elementwise + _reductions + _shape + _linalg + _windows
__all__ += _transcendental + _rounding + _cumulative + _ordering + _arrangement + _statistics

for _name in __all__:
    _f = globals()[_name]
    if callable(_f) and not hasattr(_f, "primitive") and not getattr(_f, "composite", False):
        globals()[_name] = composite(_f)

METHODS = ["exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tanh", "sigmoid", "softplus",
           "log_sigmoid", "erf", "relu", "sign", "abs", "square", "pow", "maximum", "minimum", "clip", "astype",
           "sum", "mean", "var", "std", "prod", "max", "min", "argmax", "argmin", "logsumexp",
           "softmax", "log_softmax", "broadcast_to", "swapaxes", "squeeze", "expand_dims",
           "flatten", "flip", "repeat", "tile", "matmul", "split", "pad"]
METHODS += ["round", "ravel", "cumsum", "cumprod", "sort", "argsort", "argpartition", "partition",
            "searchsorted", "diagonal", "trace", "dot"]
