"""Finding a `dot` program and rendering with it.

The python `graphviz` package runs a program named `dot` from PATH. We keep its Digraph (so
everything users know about it still works) and only choose the program: the system Graphviz
`dot` when it is on PATH, else `graphviz-pure` (a self-contained `dot` from PyPI, installed by
`pip install chainrule[viz]`) from PATH or next to the running Python, else none: the DOT source
is still there (`.source`) and rendering raises GraphvizNotFound, which says how to install
Graphviz. In Jupyter a missing renderer shows the DOT text with a warning instead of an error.
"""

import os
import shutil
import subprocess
import sys
import warnings

import graphviz

INSTALL = ("no Graphviz renderer found: neither `dot` nor `graphviz-pure` is on PATH. "
           "Install one with `pip install graphviz-pure` (or `pip install chainrule[viz]`), or "
           "install Graphviz itself (https://graphviz.org/download/: `apt install graphviz`, "
           "`brew install graphviz`, `conda install graphviz`). The DOT source is still "
           "available as `.source`.")


class GraphvizNotFound(graphviz.ExecutableNotFound):
    """No `dot` program to render with; the message says how to install one."""

    def __init__(self):
        RuntimeError.__init__(self, INSTALL)


def renderer():
    """The path of the program that renders DOT here, or None: the system `dot`, else
    `graphviz-pure` from PATH or from the running Python's scripts folder."""
    found = shutil.which("dot") or shutil.which("graphviz-pure")
    if found:
        return found
    beside = os.path.join(os.path.dirname(sys.executable), "graphviz-pure")
    return beside if os.path.isfile(beside) and os.access(beside, os.X_OK) else None


def render_source(source, format, engine="dot", args=()):
    """Render DOT `source` (str) to `format` ('svg', 'png', ...) and return the bytes;
    `args` are extra command-line arguments (e.g. ['-Gdpi=150'])."""
    program = renderer()
    if program is None:
        raise GraphvizNotFound()
    proc = subprocess.run([program, f"-K{engine}", f"-T{format}", *args], input=source.encode("utf-8"),
                          capture_output=True)
    if proc.returncode != 0:
        raise graphviz.CalledProcessError(proc.returncode, [program, f"-T{format}"],
                                          output=proc.stdout, stderr=proc.stderr)
    return proc.stdout


class Digraph(graphviz.Digraph):
    """A graphviz.Digraph that renders with `renderer()` and, in Jupyter, falls back to its
    DOT text (with a warning) when no renderer is installed."""

    def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None, quiet=False,
             *, engine=None, encoding=None):
        """The rendered picture as bytes (str when `encoding` is given), as graphviz's pipe."""
        if renderer is not None or formatter is not None or neato_no_op:
            return super().pipe(format, renderer, formatter, neato_no_op, quiet,
                                engine=engine, encoding=encoding)
        data = render_source(self.source, format or self.format, engine or self.engine)
        return data.decode(encoding) if encoding is not None else data

    def render(self, filename=None, directory=None, view=False, cleanup=False, format=None,
               *, outfile=None, engine=None, **kwargs):
        """Write the DOT source and the rendered file; return the rendered file's path."""
        if kwargs or view:
            raise TypeError("render: only filename, directory, cleanup, format, outfile and "
                            "engine are supported here; use .pipe() for other options")
        if outfile is not None:
            outfile = os.fspath(outfile)
            format = format or os.path.splitext(outfile)[1].lstrip(".") or self.format
            filename = filename or os.path.splitext(outfile)[0] + ".gv"
        src_path = self.save(filename, directory=directory)
        format = format or self.format
        out = outfile or f"{src_path}.{format}"
        with open(out, "wb") as f:
            f.write(self.pipe(format, engine=engine))
        if cleanup:
            os.remove(src_path)
        return out

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        try:
            return super()._repr_mimebundle_(include, exclude, **kwargs)
        except GraphvizNotFound as e:
            warnings.warn(str(e), UserWarning, stacklevel=2)
            return {"text/plain": self.source}
