"""Save and load state dicts as `.npz` archives that cannot run code when loaded.

`save(obj, path)` writes a Module's (or an optimiser's, or a scheduler's) `state_dict()`, or
any nest of dicts, lists and tuples whose leaves are arrays, Tensors, numbers, strings,
booleans or None. Each array becomes one `.npy` member named by its key path ('layers.0.weight',
or 'state/0/exp_avg' inside nested dicts), so `numpy.load` can read the file too; everything
that is not an array goes into a JSON member, `__chainrule__.npy`, describing the structure.

`load(path)` reads with `allow_pickle=False` and parses JSON, nothing else: no object arrays,
no pickles, so a crafted file cannot execute code. A truncated, corrupted or foreign file
raises a ValueError that says what is wrong. A plain `numpy.savez` archive loads as a flat
dict of arrays.
"""

import json
import math
import os
import tempfile
import zipfile
import zlib

import numpy as np

from autograd import Tensor
from autograd.tensor import as_array

_META = "__chainrule__"
_FORMAT = 1


def _encode(obj, path, arrays):
    """The JSON-able description of `obj`; arrays are moved into `arrays` by member name."""
    if isinstance(obj, (Tensor, np.ndarray, np.generic)) and not isinstance(obj, np.bool_):
        arr = as_array(obj)
        if arr.dtype.kind not in "biufc":
            raise TypeError(f"nn.save: entry {path or '<root>'!r} has dtype {arr.dtype}; only "
                            "numeric arrays can be saved")
        name = path or "array"
        while name in arrays or name == _META:
            name += "_"
        arrays[name] = arr
        return {"__array__": name}
    if isinstance(obj, (bool, np.bool_)) or obj is None or isinstance(obj, str):
        return bool(obj) if isinstance(obj, np.bool_) else obj
    if isinstance(obj, (int, float)):
        return obj
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(f"nn.save: dict keys must be str or int, got {k!r} at "
                                f"{path or '<root>'!r}")
            sub = str(k) if not path else f"{path}/{k}"
            items.append([k, _encode(v, sub, arrays)])
        return {"__dict__": items}
    if isinstance(obj, (list, tuple)):
        items = [_encode(v, f"{path}/{i}" if path else str(i), arrays) for i, v in enumerate(obj)]
        return {"__tuple__": items} if isinstance(obj, tuple) else items
    raise TypeError(f"nn.save: cannot save a {type(obj).__name__} at {path or '<root>'!r}; "
                    "save a state_dict(): arrays, numbers, strings and dicts/lists of them")


def save(obj, path):
    """Write `obj` (a Module, optimiser or scheduler — via its state_dict() — or a dict of
    arrays) to `path` as an .npz archive; the file is replaced atomically."""
    if hasattr(obj, "state_dict") and callable(obj.state_dict):
        obj = obj.state_dict()
    arrays = {}
    tree = _encode(obj, "", arrays)
    meta = json.dumps({"format": _FORMAT, "tree": tree}).encode()
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"nn.save: cannot write {path!r}: folder {folder!r} does not "
                                "exist")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".chainrule-", suffix=".npz.tmp")
    try:
        with os.fdopen(fd, "wb") as f, zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as zf:
            members = {**arrays, _META: np.frombuffer(meta, dtype=np.uint8)}
            for name, arr in members.items():
                with zf.open(name + ".npy", "w", force_zip64=True) as fh:
                    np.lib.format.write_array(fh, np.asarray(arr), allow_pickle=False)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


class _Bad(Exception):
    """Internal: the file's structure is not what save() writes."""


def _decode(node, arrays):
    if isinstance(node, dict):
        if set(node) == {"__array__"}:
            name = node["__array__"]
            if name not in arrays:
                raise _Bad(f"the structure refers to a missing array {name!r}")
            return arrays[name]
        if set(node) == {"__dict__"} and isinstance(node["__dict__"], list):
            out = {}
            for item in node["__dict__"]:
                if not (isinstance(item, list) and len(item) == 2
                        and isinstance(item[0], (str, int))):
                    raise _Bad("a dict entry is not a [key, value] pair")
                out[item[0]] = _decode(item[1], arrays)
            return out
        if set(node) == {"__tuple__"} and isinstance(node["__tuple__"], list):
            return tuple(_decode(v, arrays) for v in node["__tuple__"])
        raise _Bad(f"unknown structure node with keys {sorted(node)}")
    if isinstance(node, list):
        return [_decode(v, arrays) for v in node]
    return node


def _check_sizes(zf, where):
    """Refuse a member whose .npy header declares more data than the member holds: NumPy
    would allocate the declared shape (a crafted one: terabytes) before noticing."""
    for info in zf.infolist():
        with zf.open(info) as fh:
            version = np.lib.format.read_magic(fh)
            if version not in ((1, 0), (2, 0)):
                continue                                   # left to numpy.load to judge
            read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                    else np.lib.format.read_array_header_2_0)
            shape, _, dtype = read(fh)
            needed, held = math.prod(shape) * dtype.itemsize, info.file_size - fh.tell()
            if needed > held:
                raise ValueError(f"nn.load: {where!r} is truncated or crafted: member "
                                 f"{info.filename!r} declares shape {shape} of {dtype} "
                                 f"({needed} bytes) but holds {held} bytes")


def load(path):
    """Read what `save` wrote: a dict name → array for a Module (pass it to
    `model.load_state_dict`), or the saved structure. Never unpickles anything."""
    where = os.fspath(path)
    try:
        npz = np.load(where, allow_pickle=False)
        if not isinstance(npz, np.lib.npyio.NpzFile):
            raise ValueError(f"nn.load: {where!r} holds a single .npy array, not an .npz "
                             "archive written by nn.save")
        with npz:
            _check_sizes(npz.zip, where)
            arrays = {name: npz[name] for name in npz.files}
    except FileNotFoundError:
        raise
    except ValueError as e:
        text = str(e)
        if text.startswith("nn.load:"):
            raise
        if "pickle" in text.lower() or "object arrays" in text.lower():
            raise ValueError(f"nn.load: {where!r} contains pickled data or object arrays, which "
                             "are refused because loading them could execute code") from None
        raise ValueError(f"nn.load: {where!r} is not a valid .npz file ({text})") from None
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error, KeyError) as e:
        raise ValueError(f"nn.load: {where!r} is truncated or corrupted and cannot be read "
                         f"({type(e).__name__}: {e})") from None
    meta = arrays.pop(_META, None)
    if meta is None:
        return arrays
    try:
        if meta.dtype != np.uint8 or meta.ndim != 1:
            raise _Bad("its description member has the wrong type")
        info = json.loads(meta.tobytes().decode("utf-8"))
        if not isinstance(info, dict) or info.get("format") != _FORMAT or "tree" not in info:
            raise _Bad(f"unknown format {info.get('format') if isinstance(info, dict) else info!r}")
        return _decode(info["tree"], arrays)
    except (_Bad, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise ValueError(f"nn.load: {where!r} is not a valid nn.save file: {e}") from None


__all__ = ["save", "load"]
