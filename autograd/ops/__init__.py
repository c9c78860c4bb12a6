"""The primitives and composites, grouped by family. Every name here is also `autograd.<name>`;
those in METHODS are Tensor methods too (t.exp(), t.sum(axis=0), ...)."""

from .elementwise import *  # noqa: F401,F403
from .elementwise import __all__ as _elementwise
from .linalg import *  # noqa: F401,F403
from .linalg import __all__ as _linalg
from .reductions import *  # noqa: F401,F403
from .reductions import __all__ as _reductions
from .shape import *  # noqa: F401,F403
from .shape import __all__ as _shape
from .windows import *  # noqa: F401,F403
from .windows import __all__ as _windows

__all__ = _elementwise + _reductions + _shape + _linalg
__all__ += _windows

METHODS = ["exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tanh", "sigmoid", "softplus",
           "log_sigmoid", "erf", "relu", "sign", "abs", "square", "pow", "maximum", "minimum", "clip", "astype",
           "sum", "mean", "var", "std", "prod", "max", "min", "argmax", "argmin", "logsumexp",
           "softmax", "log_softmax", "broadcast_to", "swapaxes", "squeeze", "expand_dims",
           "flatten", "flip", "repeat", "tile", "matmul", "split", "pad"]
