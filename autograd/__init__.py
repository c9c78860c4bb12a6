"""chainrule's autograd: reverse-mode automatic differentiation on NumPy.

    >>> from autograd import Tensor
    >>> x, y, z = Tensor(-2.0, requires_grad=True), Tensor(5.0, requires_grad=True), Tensor(-4.0, requires_grad=True)
    >>> f = (x + y) * z
    >>> f.backward()
    >>> x.grad, y.grad, z.grad
    (Tensor(-4.), Tensor(-4.), Tensor(3.))
"""

import numpy as _np

from .tensor import Tensor, set_default_dtype, get_default_dtype  # noqa: I001  (loads ops)
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled,
                        detect_anomaly, is_anomaly_enabled)
from .primitive import Primitive, primitive, AnomalyError
from .engine import backward, grad
from .function import Function, FunctionCtx
from .checkpoint import checkpoint
from . import functional
from . import linalg
from .ops import *  # noqa: F401,F403
from .ops import __all__ as _ops_all
from .creation import *  # noqa: F401,F403
from .creation import __all__ as _creation_all

float16, float32, float64 = _np.float16, _np.float32, _np.float64
int32, int64, bool_ = _np.int32, _np.int64, _np.bool_

__version__ = "0.1.0"
__all__ = (["Tensor", "set_default_dtype", "get_default_dtype", "no_grad", "enable_grad",
            "set_grad_enabled", "is_grad_enabled", "detect_anomaly", "is_anomaly_enabled",
            "Primitive", "primitive", "AnomalyError", "Function", "FunctionCtx", "checkpoint",
            "functional", "backward", "grad", "float16", "float32",
            "float64", "int32", "int64", "bool_"] + _ops_all + _creation_all)
