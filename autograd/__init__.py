"""chainrule's autograd: reverse-mode automatic differentiation on NumPy.

    >>> from autograd import Tensor
    >>> x, y, z = Tensor(-2.0, requires_grad=True), Tensor(5.0, requires_grad=True), Tensor(-4.0, requires_grad=True)
    >>> f = (x + y) * z
    >>> f.backward()
    >>> x.grad, y.grad, z.grad
    (Tensor(-4.), Tensor(-4.), Tensor(3.))

The modules, from the bottom up (each imports only those before it): grad_mode (the engine's
per-thread modes), tensor (the Tensor), primitive and graph (how an op is declared and
recorded; the graph's walks), ops (the primitives and composites), engine (backward, grad),
methods (Tensor's operators bound to ops), then function, checkpoint, functional, testing, viz.
"""

import numpy as _np

from .grad_mode import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled,
                        detect_anomaly, is_anomaly_enabled, scope, record_source)
from .tensor import Tensor, set_default_dtype, get_default_dtype, as_array
from .primitive import Primitive, primitive, AnomalyError
from .ops.composite import composite
from . import graph
from .ops import *  # noqa: F401,F403
from .ops import __all__ as _ops_all
from . import linalg
from .creation import *  # noqa: F401,F403
from .creation import __all__ as _creation_all
from .engine import backward, grad
from . import methods as _methods
from .function import Function, FunctionCtx
from .checkpoint import checkpoint
from . import functional

_methods.attach()

float16, float32, float64 = _np.float16, _np.float32, _np.float64
int32, int64, bool_ = _np.int32, _np.int64, _np.bool_

__version__ = "0.1.0"
__all__ = (["Tensor", "set_default_dtype", "get_default_dtype", "as_array", "no_grad",
            "enable_grad", "set_grad_enabled", "is_grad_enabled", "detect_anomaly",
            "is_anomaly_enabled", "scope", "record_source", "Primitive", "primitive",
            "composite", "AnomalyError", "graph",
            "Function", "FunctionCtx", "checkpoint", "functional", "backward", "grad",
            "float16", "float32", "float64", "int32", "int64", "bool_"]
           + _ops_all + _creation_all)
