"""The shape of autograd/ itself (issue 10): the import graph has no cycle and runs one way,
from the bottom layer up; no function grows past a screen without saying why.

The same check from the command line:  python tests/autograd/test_layering.py
"""

import ast
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "autograd"

# each module may import only modules of its own layer or the layers before it
LAYERS = [
    ["grad_mode"],
    ["tensor"],
    ["primitive", "graph"],
    ["ops", "creation"],
    ["linalg", "engine"],
    ["methods", "function", "checkpoint", "functional"],
    ["testing", "viz", "__init__"],
]
LONGEST = 60        # lines; a longer function says why in its docstring ("long because ...")


def module_name(path):
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"] or ["__init__"]
    return ".".join(parts)


def imports(path):
    """The autograd modules `path` imports at module level (relative or absolute)."""
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    if path.name == "__init__.py" and here == ["__init__"]:
        package = []
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)] if node.level > 1 else package
                target = base + (node.module.split(".") if node.module else [])
                names = [target] if node.module else [target + [a.name] for a in node.names]
            elif node.module and node.module.split(".")[0] == "autograd":
                names = [node.module.split(".")[1:]]
            else:
                continue
            for t in names:
                if t and (PACKAGE.joinpath(*t).with_suffix(".py").exists()
                          or PACKAGE.joinpath(*t).is_dir()):
                    found.add(".".join(t))
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("autograd."):
                    found.add(a.name.split(".", 1)[1])
    return found - {module_name(path)}


def graph():
    return {module_name(p): imports(p) for p in PACKAGE.rglob("*.py")}


def layer(module):
    top = module.split(".")[0]
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    raise AssertionError(f"autograd.{module} is in no layer of LAYERS; add it")


def cycles(g):
    """Every cycle of the import graph, as a list of modules (empty when there is none)."""
    found, state = [], {}

    def visit(m, path):
        state[m] = "open"
        for n in sorted(g.get(m, ())):
            if state.get(n) == "open":
                found.append(path[path.index(n):] + [n])
            elif n not in state:
                visit(n, path + [n])
        state[m] = "done"

    for m in sorted(g):
        if m not in state:
            visit(m, [m])
    return found


def test_the_import_graph_has_no_cycle():
    assert cycles(graph()) == []


def test_imports_run_from_a_lower_layer_up():
    wrong = [(m, n) for m, ns in graph().items() for n in ns
             if layer(n) > layer(m) and not n.startswith(m.split(".")[0] + ".")
             and m.split(".")[0] != n.split(".")[0]]
    assert wrong == [], f"imports from a higher layer: {wrong}"


def test_the_cycle_finder_finds_a_cycle():
    """Negative control."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_function_is_longer_than_a_screen_without_a_reason():
    long = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > LONGEST and "long because" not in (ast.get_docstring(node) or "").lower():
                    long.append(f"{module_name(path)}.{node.name} ({n} lines)")
    assert long == []


if __name__ == "__main__":
    g = graph()
    for m in sorted(g, key=lambda m: (layer(m), m)):
        print(f"{m:28} layer {layer(m)}  imports {', '.join(sorted(g[m])) or '-'}")
    print("cycles:", cycles(g) or "none")
