"""Finding a `dot` program and rendering with it.

The python `graphviz` package runs a program named `dot` from PATH. We keep its Digraph (so
everything users know about it still works) and only choose the program: the system Graphviz
`dot` when it is on PATH, else `graphviz-pure` (a self-contained `dot` from PyPI, installed by
`pip install chainrule[viz]`) from PATH or next to the running Python, else none: the DOT source
is still there (`.source`) and rendering raises GraphvizNotFound, which says how to install
Graphviz. In Jupyter a missing renderer shows the DOT text with a warning instead of an error.
"""

import io
import os
import shutil
import subprocess
import sys
import tempfile
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


# What a renderer is given at most: Graphviz's layout time grows faster than the number of
# edges (8,500 edges: about 15 s with graphviz-pure), and its memory with it. "memory" caps
# the renderer's address space (bytes, POSIX only), so that it fails instead of being killed.
RENDER_LIMITS = {"nodes": 4000, "edges": 6000, "chars": 4_000_000, "memory": 4 << 30}
SMALLER = ("Draw less: draw(..., max_nodes=200) keeps the output end, fold=4 folds shorter "
           "repeated chains, collapse=True draws each module as one node (with named "
           "parameters)")


class DrawingTooBig(ValueError):
    """A drawing refused before rendering: the message says which option makes it smaller."""


def check_size(source):
    """Refuse DOT `source` whose nodes, edges or text exceed RENDER_LIMITS, before any
    renderer starts (a layout that big could take minutes or be killed for memory)."""
    edges = source.count(" -> ")
    nodes = sum(1 for line in source.splitlines()
                if line.rstrip().endswith("]") and " -> " not in line
                and not line.lstrip().startswith(("graph ", "node ", "edge ")))
    size = {"nodes": nodes, "edges": edges, "chars": len(source)}
    over = [k for k, v in size.items() if v > RENDER_LIMITS[k]]
    if over:
        raise DrawingTooBig(
            f"this drawing is too big to render safely: {nodes} nodes, {edges} edges, "
            f"{len(source)} characters of DOT (limits: {RENDER_LIMITS}). {SMALLER}; or raise "
            "autograd.viz.RENDER_LIMITS if this machine can take it. The DOT text is still "
            "there as `.source`.")


def _cap_memory():
    """In the renderer's process, before it starts: cap its address space."""
    import resource
    limit = RENDER_LIMITS["memory"]
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def render_source(source, format, engine="dot", args=()):
    """Render DOT `source` (str) to `format` ('svg', 'png', ...) and return the bytes;
    `args` are extra command-line arguments (e.g. ['-Gdpi=150']). Drawings over
    RENDER_LIMITS are refused with DrawingTooBig before the renderer starts."""
    check_size(source)
    program = renderer()
    if program is None:
        raise GraphvizNotFound()
    cap = _cap_memory if os.name == "posix" and RENDER_LIMITS.get("memory") else None
    proc = subprocess.run([program, f"-K{engine}", f"-T{format}", *args],
                          input=source.encode("utf-8"), capture_output=True, preexec_fn=cap)
    if proc.returncode < 0 or b"memory allocation" in proc.stderr:
        raise DrawingTooBig(
            f"the renderer ({program}) ran out of memory or was killed (exit status "
            f"{proc.returncode}; its memory is capped at RENDER_LIMITS['memory'] = "
            f"{RENDER_LIMITS['memory']} bytes). {SMALLER}.")
    if proc.returncode != 0:
        raise graphviz.CalledProcessError(proc.returncode, [program, f"-T{format}"],
                                          output=proc.stdout, stderr=proc.stderr)
    return proc.stdout


PICTURES = ("svg", "png", "pdf")


def write_picture(source, path, dpi=150):
    """Render DOT `source` into the file `path`, its format chosen by the extension (.svg,
    .png, .pdf), creating its folder; return the path. A PDF falls back to a PNG placed on a
    page by matplotlib when the renderer (graphviz-pure) has no PDF output."""
    path = os.fspath(path)
    fmt = os.path.splitext(path)[1].lstrip(".").lower()
    if fmt not in PICTURES:
        raise ValueError(f"save: the file name must end in .svg, .png or .pdf (or .gv/.dot "
                         f"for the DOT source); got {path!r}")
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    try:
        data = render_source(source, fmt)
    except graphviz.CalledProcessError as e:
        if fmt != "pdf" or b"not recognized" not in (e.stderr or b""):
            raise
        return pdf_from_pngs([render_source(source, "png", args=[f"-Gdpi={dpi}"])], path, dpi)
    with open(path, "wb") as f:
        f.write(data)
    return path


def pdf_from_pngs(pngs, path, dpi=150):
    """Write one PDF page per PNG (bytes) with matplotlib's PdfPages; return the path."""
    try:
        import matplotlib
        matplotlib.use("Agg", force=False)
        import matplotlib.image as mpimg
        import matplotlib.pyplot as plt
        from matplotlib.backends.backend_pdf import PdfPages
    except ImportError:
        raise ImportError("PDF output with graphviz-pure needs matplotlib: pip install "
                          "matplotlib (or install Graphviz itself)") from None
    with PdfPages(path, metadata={"CreationDate": None, "ModDate": None}) as pdf:
        for png in pngs:
            img = mpimg.imread(io.BytesIO(png), format="png")
            h, w = img.shape[:2]
            fig = plt.figure(figsize=(w / dpi, h / dpi), dpi=dpi)
            fig.figimage(img, resize=False)
            pdf.savefig(fig, dpi=dpi)
            plt.close(fig)
    return path


def viewer():
    """The command that opens a file in this platform's picture viewer, or None (headless)."""
    if sys.platform == "darwin":
        return shutil.which("open")
    if sys.platform.startswith("win"):
        return "start"
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return shutil.which("xdg-open")
    return None


def open_file(path):
    """Open `path` with the platform viewer; False when there is none."""
    program = viewer()
    if program is None:
        return False
    if program == "start":
        os.startfile(path)      # noqa: S606 - Windows' own way to open a file
    else:
        subprocess.Popen([program, path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    return True


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

    def save(self, filename=None, directory=None, *, skip_existing=False):
        """`save("out/graph.svg")`: render to a picture chosen by the extension (.svg, .png,
        .pdf), creating the folder; any other name saves the DOT source, as graphviz does."""
        name = os.fspath(filename) if filename is not None else None
        if name is not None and os.path.splitext(name)[1].lstrip(".").lower() in PICTURES:
            return write_picture(self.source, os.path.join(os.fspath(directory or ""), name))
        return super().save(filename, directory=directory, skip_existing=skip_existing)

    def view(self, filename=None, format="svg"):
        """Render to `filename` (default: a new temporary .svg) and open it in the platform's
        viewer; without one (a headless machine) print where the file is; without a renderer
        write the DOT source instead and say how to install one. Returns the path."""
        if filename is None:
            fd, filename = tempfile.mkstemp(prefix="chainrule-graph-", suffix=f".{format}")
            os.close(fd)
        try:
            path = write_picture(self.source, filename)
        except GraphvizNotFound as e:       # still nothing raised: the DOT text, and how to fix
            path = os.path.splitext(os.fspath(filename))[0] + ".gv"
            with open(path, "w", encoding="utf-8") as f:
                f.write(self.source)
            print(f"view: {e}\nThe DOT source is at {path}")
            return path
        if not open_file(path):
            print(f"view: no picture viewer on this machine; the picture is at {path}")
        return path

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        try:
            return super()._repr_mimebundle_(include, exclude, **kwargs)
        except GraphvizNotFound as e:
            warnings.warn(str(e), UserWarning, stacklevel=2)
            return {"text/plain": self.source}
