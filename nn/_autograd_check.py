"""`import nn` fails with an explanation, not a bare ImportError, when the `autograd` Python
finds is not chainrule's engine: the unrelated HIPS package (pip name `autograd`) uses the same
import name and, installed in the same environment, can shadow it."""


def check_autograd():
    """Raise ImportError naming the clash and the fix if `autograd` has no chainrule Tensor."""
    import autograd
    if getattr(autograd, "Tensor", None) is not None:
        return
    where = getattr(autograd, "__file__", None) or "a namespace package"
    raise ImportError(
        f"import nn: the module 'autograd' that Python found ({where}) is not chainrule's "
        "engine (it has no Tensor). Most likely the unrelated HIPS package 'autograd', which "
        "uses the same import name, is installed in this environment and shadows chainrule's. "
        "Install chainrule into its own virtual environment (from the clone: python3 -m venv "
        ".venv && . .venv/bin/activate && pip install -e .), or run 'pip uninstall autograd' "
        "and then reinstall chainrule (pip install -e .).")
