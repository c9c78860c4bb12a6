"""Save and load state dicts as `.npz` archives that cannot run code when loaded.

`save(obj, path)` writes a Module's (or an optimiser's, or a scheduler's) `state_dict()`, or
any nest of dicts, lists and tuples whose leaves are arrays, Tensors, numbers, strings,
booleans or None. Each array becomes one `.npy` member named by its key path ('layers.0.weight',
or 'state/0/exp_avg' inside nested dicts), so `numpy.load` can read the file too; everything
that is not an array goes into a JSON member, `__chainrule__.npy`, describing the structure.

`load(path)` parses the .npy headers and JSON itself, nothing else: no object arrays, no
pickles, so a crafted file cannot execute code. A truncated, corrupted, compressed, crafted or
foreign file raises `FileFormatError` (a ValueError) that says what is wrong, before anything
larger than the file is allocated. A plain `numpy.savez` archive loads as a flat dict of
arrays (not a `numpy.savez_compressed` one: compressed members are refused).
"""

import ast
import json
import math
import os
import struct
import tempfile
import zipfile

import numpy as np

from autograd import Tensor
from autograd import as_array

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


class FileFormatError(ValueError):
    """Raised by `load` for any file that is not an intact archive as `save` (or a plain
    `numpy.savez`) writes it: truncated, corrupted, crafted, compressed or foreign."""


class _Bad(Exception):
    """Internal: what is wrong with the file, turned into a FileFormatError by `load`."""


_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")       # a member, or an empty archive
_NPY_MAGIC = b"\x93NUMPY"
_MAX_HEADER = 10000                                 # numpy.load's own limit on .npy headers
_CHUNK = 1 << 18


def _decode(node, arrays):
    if isinstance(node, dict):
        if set(node) == {"__array__"}:
            name = node["__array__"]
            if not isinstance(name, str) or name not in arrays:
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


def _sniff(f):
    """Refuse, by its first bytes, a file that is not a zip archive, saying what it is."""
    head = f.read(8)
    f.seek(0)
    if head.startswith(_ZIP_MAGIC):
        return
    if head.startswith(_NPY_MAGIC):
        raise _Bad("it holds a single .npy array, not an .npz archive written by nn.save")
    if head[:1] == b"\x80":                            # pickle protocol 2 and later
        raise _Bad("it contains pickled data, which is refused because loading it could "
                   "execute code")
    raise _Bad(f"it is not an .npz archive (it begins with {head!r})" if head
               else "it is empty")


def _npy_header(fh, name, held):
    """Parse a .npy header (versions 1.0, 2.0, 3.0): shape, dtype, fortran_order and the
    header's length in bytes."""
    magic = fh.read(8)
    if len(magic) != 8 or not magic.startswith(_NPY_MAGIC):
        raise _Bad(f"member {name!r} is not a .npy array")
    version = (magic[6], magic[7])
    if version not in ((1, 0), (2, 0), (3, 0)):
        raise _Bad(f"member {name!r} has unknown .npy format version {version}")
    size_bytes = 2 if version == (1, 0) else 4
    length = int.from_bytes(fh.read(size_bytes).ljust(size_bytes, b"\xff"), "little")
    if length > min(_MAX_HEADER, held):
        raise _Bad(f"member {name!r} declares a {length}-byte header")
    text = fh.read(length)
    try:
        header = ast.literal_eval(text.decode("utf-8" if version == (3, 0) else "latin1"))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError,
            UnicodeDecodeError):
        raise _Bad(f"member {name!r} has an unreadable .npy header") from None
    if not (isinstance(header, dict)
            and set(header) == {"descr", "fortran_order", "shape"}
            and isinstance(header["descr"], str)
            and isinstance(header["fortran_order"], bool)
            and isinstance(header["shape"], tuple)
            and all(type(n) is int and n >= 0 for n in header["shape"])):
        raise _Bad(f"member {name!r} has a malformed .npy header {header!r:.200}")
    try:
        dtype = np.dtype(header["descr"])
    except (TypeError, ValueError):
        raise _Bad(f"member {name!r} has an unknown dtype {header['descr']!r}") from None
    if dtype.hasobject:
        raise _Bad(f"member {name!r} holds object arrays (pickled data), which are refused "
                   "because loading them could execute code")
    if dtype.kind not in "biufc" or dtype.fields is not None or dtype.shape:
        raise _Bad(f"member {name!r} has dtype {dtype}; only numeric arrays are read")
    return header["shape"], dtype, header["fortran_order"], 8 + size_bytes + length


def _read_member(zf, info):
    """One stored .npy member as an array, never allocating more than the member holds."""
    name = info.filename
    with zf.open(info) as fh:
        shape, dtype, fortran, header = _npy_header(fh, name, info.file_size)
        needed, held = math.prod(shape) * dtype.itemsize, info.file_size - header
        if needed != held:
            raise _Bad(f"member {name!r} declares shape {shape} of {dtype} ({needed} bytes) "
                       f"but holds {held} bytes")
        flat = np.empty(math.prod(shape), dtype=dtype)
        dest = flat.view(np.uint8)
        for start in range(0, needed, _CHUNK):
            chunk = fh.read(min(_CHUNK, needed - start))
            if len(chunk) != min(_CHUNK, needed - start):
                raise _Bad(f"member {name!r} is truncated")
            dest[start:start + len(chunk)] = np.frombuffer(chunk, dtype=np.uint8)
        fh.read(1)                                      # at the end: checks the CRC
    return flat.reshape(shape, order="F" if fortran else "C")


def _declared_members(f, size):
    """The member count the end-of-archive record states (zipfile does not check it); None
    where it defers to a zip64 record or there is no end record (zipfile then refuses)."""
    f.seek(max(0, size - (1 << 16) - 22))
    tail = f.read()
    f.seek(0)
    i = tail.rfind(b"PK\x05\x06")
    if i < 0 or i + 22 + int.from_bytes(tail[i + 20:i + 22], "little") != len(tail):
        return None                                     # not where the comment length says
    count = int.from_bytes(tail[i + 10:i + 12], "little")
    return None if count == 0xFFFF else count


def _read_archive(f, size):
    """The archive's arrays by name, after checking every member before reading it."""
    _sniff(f)
    declared = _declared_members(f, size)
    with zipfile.ZipFile(f) as zf:
        infos = zf.infolist()
        if declared is not None and declared != len(infos):
            raise _Bad(f"the archive declares {declared} members but its directory lists "
                       f"{len(infos)}")
        names = [info.filename for info in infos]
        if len(set(names)) != len(names):
            raise _Bad("a member name appears twice")
        for info in infos:
            name = info.filename
            if not name.endswith(".npy"):
                raise _Bad(f"member {name!r} is not a .npy array")
            if info.compress_type != zipfile.ZIP_STORED:
                raise _Bad(f"member {name!r} is compressed (method {info.compress_type}); "
                           "nn.save never compresses (re-save it with nn.save or "
                           "numpy.savez)")
            if info.flag_bits & 0x1:
                raise _Bad(f"member {name!r} is encrypted")
            if info.compress_size != info.file_size or info.file_size > size:
                raise _Bad(f"member {name!r} declares {info.file_size} bytes in a "
                           f"{size}-byte file")
        return {info.filename[:-4]: _read_member(zf, info) for info in infos}


def load(path):
    """Read what `save` wrote: a dict name → array for a Module (pass it to
    `model.load_state_dict`), or the saved structure. Never unpickles anything.

    A file that is not an intact archive written by `save` or `numpy.savez` (truncated,
    corrupted, crafted, compressed, a pickle, text) raises FileFormatError (a ValueError) saying
    what is wrong, after allocating no more than the file's size; a missing or unreadable path
    raises the OSError of `open`."""
    where = os.fspath(path)
    with open(where, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        try:
            arrays = _read_archive(f, size)
            meta = arrays.pop(_META, None)
            if meta is None:
                return arrays
            if meta.dtype != np.uint8 or meta.ndim != 1:
                raise _Bad("its description member has the wrong type")
            try:
                info = json.loads(meta.tobytes().decode("utf-8"))
                if not (isinstance(info, dict) and info.get("format") == _FORMAT
                        and "tree" in info):
                    found = info.get("format") if isinstance(info, dict) else info
                    raise _Bad(f"unknown format {found!r:.100}")
                return _decode(info["tree"], arrays)
            except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
                raise _Bad(f"its description member is not valid JSON ({e})") from None
        except _Bad as e:
            raise FileFormatError(f"nn.load: {where!r} is not a valid nn.save file: {e}") from None
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
                NotImplementedError, RuntimeError, struct.error) as e:
            raise FileFormatError(f"nn.load: {where!r} is truncated or corrupted and cannot be "
                                  f"read ({type(e).__name__}: {e})") from None


__all__ = ["FileFormatError", "save", "load"]
