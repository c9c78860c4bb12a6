"""nn/ is composed of autograd operations only: no VJP, no backward, no hand-written gradient.
The sources are parsed (not just grepped) so comments and docstrings may talk about gradients."""

import ast
import pathlib

import pytest

NN = pathlib.Path(__file__).resolve().parents[2] / "nn"
FORBIDDEN_NAMES = {"primitive", "Primitive", "Function", "defvjp", "vjps", "_backprop",
                   "_op", "_inputs", "_kw", "raw", "register_hook", "FunctionCtx"}


def derivative_code(source, filename="<nn>"):
    """Every place in `source` that defines or touches derivative machinery, as messages."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        where = f"{filename}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.name in ("backward", "vjp", "jvp") or "vjp" in node.name.lower():
                found.append(f"{where}: defines {node.name}()")
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_NAMES:
            found.append(f"{where}: uses .{node.attr}")
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            found.append(f"{where}: uses {node.id}")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            mod = getattr(node, "module", "") or ""
            names = {a.name.split(".")[-1] for a in node.names}
            if names & FORBIDDEN_NAMES or mod.split(".")[-1] in ("primitive", "engine"):
                found.append(f"{where}: imports derivative machinery from {mod or names}")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            # resetting a gradient (`.grad = None` or zeros) is fine; any other write into a
            # .grad (a formula, a value computed on an earlier line, .grad.data[...]) is not
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                touches = any(isinstance(n, ast.Attribute) and n.attr == "grad"
                              for n in ast.walk(t))
                reset = (isinstance(node, ast.Assign) and isinstance(t, ast.Attribute)
                         and _is_reset(node.value))
                if touches and not reset:
                    found.append(f"{where}: writes a gradient (.grad = ...)")
    return found


def _is_reset(value):
    """None, or zeros made without arithmetic (Tensor(np.zeros_like(p.data)))."""
    if isinstance(value, ast.Constant) and value.value is None:
        return True
    return "zeros" in ast.unparse(value) and not any(
        isinstance(n, (ast.BinOp, ast.UnaryOp)) for n in ast.walk(value))


SOURCES = sorted(NN.rglob("*.py"))


def test_there_are_nn_sources():
    names = {p.name for p in SOURCES}
    assert {"module.py", "functional.py", "init.py", "losses.py", "utils.py"} <= names


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(NN)))
def test_no_derivative_code_in_nn(path):
    assert derivative_code(path.read_text(), str(path)) == []


@pytest.mark.parametrize("snippet", [
    "@primitive\ndef f(x):\n    return x\n",
    "from autograd import primitive\n",
    "from autograd.primitive import Primitive\n",
    "f.defvjp(lambda g, out, x: g)\n",
    "class F(Function):\n    pass\n",
    "def backward(self, g):\n    return g\n",
    "def my_vjp(g):\n    return g\n",
    "p.grad = p.grad * 2\n",
    "p.grad += 1\n",
    "x.grad = ag.Tensor(2 * x.data)\n",
    "x._op.vjps[0]\n",
    "g = 2 * x.data\nx.grad = ag.Tensor(g)\n",          # a formula one line earlier
    "p.grad.data[...] = 0.5\n",
    "p.grad = ag.ones_like(p)\n",
    "h = t.register_hook(lambda g: g.clip(-1, 1))\n",   # hooks rewrite gradients
])
def test_the_checker_catches_derivative_code(snippet):
    assert derivative_code(snippet)


def test_the_checker_allows_ordinary_nn_code():
    ok = ("import autograd as ag\n\n\ndef loss(x):\n    '''its backward pass comes from VJPs'''\n"
          "    return ag.softplus(x).sum()\n\n\ndef zero(p):\n    p.grad = None\n"
          "    p.grad = ag.zeros_like(p)\n    p.grad = Tensor(np.zeros_like(p.data))\n"
          "    p.grad.mul_(0.5)\n")
    assert derivative_code(ok) == []
