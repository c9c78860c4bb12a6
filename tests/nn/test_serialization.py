"""nn.save / nn.load: bit-identical round trips of models, optimisers and nested state; files
that are pickles, hold object arrays, are truncated or corrupted are refused with clear errors
(and nothing in them is ever executed)."""

import os
import pickle
import zipfile

import numpy as np
import pytest

import autograd as ag
import nn


def make_model(seed=0, dtype=None):
    ag.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 5, dtype=dtype), nn.Tanh(), nn.Linear(5, 2, dtype=dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_model_round_trip_is_bit_identical(tmp_path, dtype):
    model, other = make_model(0, dtype), make_model(1, dtype)
    x = ag.Tensor(np.random.default_rng(0).normal(size=(4, 3)), dtype=dtype)
    assert not np.array_equal(model(x).numpy(), other(x).numpy())
    nn.save(model, tmp_path / "m.npz")
    sd = nn.load(tmp_path / "m.npz")
    assert list(sd) == list(model.state_dict())
    for k, v in model.state_dict().items():
        assert sd[k].dtype == v.dtype and sd[k].tobytes() == v.tobytes()
    other.load_state_dict(sd)
    assert other(x).numpy().tobytes() == model(x).numpy().tobytes()


def test_buffers_are_saved(tmp_path):
    bn = nn.BatchNorm1d(3)
    bn(ag.randn(8, 3))                              # training mode: updates running stats
    nn.save(bn.state_dict(), tmp_path / "bn.npz")
    fresh = nn.BatchNorm1d(3)
    fresh.load_state_dict(nn.load(tmp_path / "bn.npz"))
    for k, v in bn.state_dict().items():
        np.testing.assert_array_equal(fresh.state_dict()[k], v)


def test_plain_numpy_can_read_a_saved_model(tmp_path):
    model = make_model()
    nn.save(model, tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as f:
        np.testing.assert_array_equal(f["0.weight"], model.state_dict()["0.weight"])


def test_plain_savez_archive_loads_as_dict(tmp_path):
    np.savez(tmp_path / "plain.npz", a=np.arange(3), b=np.eye(2))
    sd = nn.load(tmp_path / "plain.npz")
    assert sorted(sd) == ["a", "b"]
    np.testing.assert_array_equal(sd["b"], np.eye(2))


def test_nested_structures_round_trip(tmp_path):
    obj = {"epoch": 7, "lr": 0.125, "name": "run-1", "flag": True, "none": None,
           "betas": (0.9, 0.999), "ids": [0, 1, 2], 3: {"w": np.arange(4.0), "s": np.float32(2)},
           "model": make_model().state_dict(), "inf": float("inf")}
    nn.save(obj, tmp_path / "ckpt.npz")
    back = nn.load(tmp_path / "ckpt.npz")
    assert back["epoch"] == 7 and back["lr"] == 0.125 and back["name"] == "run-1"
    assert back["flag"] is True and back["none"] is None and back["inf"] == float("inf")
    assert back["betas"] == (0.9, 0.999) and back["ids"] == [0, 1, 2]
    np.testing.assert_array_equal(back[3]["w"], np.arange(4.0))
    assert back[3]["s"].dtype == np.float32
    for k, v in obj["model"].items():
        assert back["model"][k].tobytes() == v.tobytes()


def test_save_overwrites_and_writes_exactly_the_path(tmp_path):
    path = tmp_path / "weights.bin"
    nn.save({"a": np.zeros(2)}, path)
    nn.save({"a": np.ones(2)}, path)
    np.testing.assert_array_equal(nn.load(str(path))["a"], np.ones(2))
    assert sorted(os.listdir(tmp_path)) == ["weights.bin"]          # no temp files left


def test_save_refuses_what_it_cannot_store(tmp_path):
    with pytest.raises(TypeError, match="cannot save a object"):
        nn.save({"f": object()}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="dtype"):
        nn.save({"s": np.array(["a", "b"])}, tmp_path / "x.npz")
    assert not os.path.exists(tmp_path / "x.npz")


class Boom:
    """Unpickling this would run code: it must never happen."""
    def __reduce__(self):
        return (os.system, ("touch PWNED",))


def test_pickle_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "evil.npz"
    path.write_bytes(pickle.dumps({"weight": Boom()}))
    with pytest.raises(ValueError, match="pickle"):
        nn.load(path)
    assert not (tmp_path / "PWNED").exists()


def test_object_array_member_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "evil.npz"
    np.savez(path, weight=np.array([Boom(), 1], dtype=object))      # savez pickles it
    with pytest.raises(ValueError, match="object arrays|pickle"):
        nn.load(path)
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.99])
def test_truncated_file_is_refused(tmp_path, keep):
    path = tmp_path / "m.npz"
    nn.save(make_model(), path)
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])
    with pytest.raises(ValueError, match="nn.load: .*(truncated|corrupted|not a valid)"):
        nn.load(path)


def test_corrupted_member_is_refused(tmp_path):
    path = tmp_path / "m.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("weight.npy", b"\x93NUMPY garbage that is not a header")
    with pytest.raises(ValueError, match="nn.load"):
        nn.load(path)


def test_crafted_structure_is_refused(tmp_path):
    path = tmp_path / "m.npz"
    meta = np.frombuffer(b'{"format": 1, "tree": {"__array__": "missing"}}', dtype=np.uint8)
    np.savez(path, __chainrule__=meta)
    with pytest.raises(ValueError, match="missing array"):
        nn.load(path)
    np.savez(path, __chainrule__=np.frombuffer(b"{not json", dtype=np.uint8))
    with pytest.raises(ValueError, match="not a valid nn.save file"):
        nn.load(path)
    np.savez(path, __chainrule__=np.frombuffer(b'{"format": 99, "tree": 1}', dtype=np.uint8))
    with pytest.raises(ValueError, match="format"):
        nn.load(path)


def test_other_files_are_refused(tmp_path):
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(ValueError, match="nn.load"):
        nn.load(tmp_path / "text.npz")
    np.save(tmp_path / "one.npy", np.arange(3))
    with pytest.raises(ValueError, match="single .npy array"):
        nn.load(tmp_path / "one.npy")
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "nope.npz")


def test_wrong_shapes_in_a_loaded_file_are_reported(tmp_path):
    nn.save(nn.Linear(3, 4), tmp_path / "m.npz")
    with pytest.raises(RuntimeError, match="shape"):
        nn.Linear(3, 5).load_state_dict(nn.load(tmp_path / "m.npz"))


@pytest.mark.parametrize("shape", [(10 ** 12,), (10 ** 6, 10 ** 6), (3,)])
def test_a_header_declaring_more_data_than_the_member_holds_is_refused(tmp_path, shape):
    # NumPy allocates the declared shape before reading: a crafted header must not reach it
    # (a MemoryError for terabytes, or gigabytes allocated for an 8-byte member)
    path = tmp_path / "m.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("weight.npy", _member(shape, b"\0" * 8))
    with pytest.raises(ValueError, match=r"nn.load: .*declares shape .* but holds 8 bytes"):
        nn.load(path)
    with zipfile.ZipFile(path, "w") as zf:                          # an honest header loads
        zf.writestr("weight.npy", _member((1,), b"\0" * 8))
    assert nn.load(path)["weight"].tolist() == [0.0]


def test_save_into_a_missing_folder_names_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="nn.save: .*folder .*nodir.* does not exist"):
        nn.save(nn.Linear(1, 1), tmp_path / "nodir" / "m.npz")


# ---- crafted and damaged files: one exception type, a message that says what is wrong -------

def _member(shape, payload, descr="<f8", version=(1, 0)):
    """A .npy member with any header version, written by hand (the header is what numpy's
    writer produces: a dict literal padded with spaces, ending in a newline)."""
    text = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    size = 2 if version == (1, 0) else 4
    text += b" " * (-(10 + size - 2 + len(text) + 1) % 64) + b"\n"
    return (b"\x93NUMPY" + bytes(version) + len(text).to_bytes(size, "little") + text + payload)


def _archive(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _write(path, data):
    path.write_bytes(data)
    return path


def _meta(text):
    return _member((len(text),), text.encode(), descr="|u1")


def _patched(path, pattern, offset, value):
    """path with `value` written `offset` bytes after the first occurrence of `pattern`."""
    data = bytearray(path.read_bytes())
    i = data.find(pattern)
    data[i + offset:i + offset + len(value)] = value
    path.write_bytes(bytes(data))
    return path


def _saved(tmp_path, name="m.npz"):
    nn.save({"w": np.arange(6.0).reshape(2, 3), "step": 3}, tmp_path / name)
    return tmp_path / name


CENTRAL = b"PK\x01\x02"             # a central-directory record: method at +10, sizes at +20


CRAFTED = {
    "npy 3.0 header declaring 8 TB": (
        lambda p: _archive(p, {"w.npy": _member((10 ** 12,), b"\0" * 8, version=(3, 0))}),
        r"member 'w.npy' declares shape \(1000000000000,\) of float64 \(8000000000000 bytes\) "
        r"but holds 8 bytes"),
    "npy 2.0 header declaring 8 TB": (
        lambda p: _archive(p, {"w.npy": _member((10 ** 6, 10 ** 6), b"\0" * 8, version=(2, 0))}),
        r"declares shape \(1000000, 1000000\)"),
    "npy 4.0": (lambda p: _archive(p, {"w.npy": _member((1,), b"\0" * 8, version=(4, 0))}),
                r"unknown \.npy format version \(4, 0\)"),
    "header longer than numpy allows": (
        lambda p: _archive(p, {"w.npy": b"\x93NUMPY\x02\x00" + (10 ** 6).to_bytes(4, "little")
                               + b" " * 64}),
        r"declares a 1000000-byte header"),
    "header that is not a dict": (
        lambda p: _archive(p, {"w.npy": b"\x93NUMPY\x01\x00\x04\x00[1]\n"}),
        r"malformed \.npy header"),
    "header with a negative dimension": (
        lambda p: _archive(p, {"w.npy": _member((-1,), b"")}), r"malformed \.npy header"),
    "header with an unknown dtype": (
        lambda p: _archive(p, {"w.npy": _member((1,), b"\0" * 8, descr="<x9")}),
        r"unknown dtype '<x9'"),
    "unparsable header": (
        lambda p: _archive(p, {"w.npy": b"\x93NUMPY\x01\x00\x06\x00{'a':\n"}),
        r"unreadable \.npy header"),
    "object array (a pickle inside)": (
        lambda p: np.savez(p, w=np.array([None, 1], dtype=object)) or p,
        r"object arrays .* could execute code"),
    "string array": (lambda p: np.savez(p, w=np.array(["a"])) or p, r"dtype <U1; only numeric"),
    "deflated member (4 kB expanding to 4 MB)": (
        lambda p: _archive(p, {"w.npy": _member((2 ** 19,), b"\0" * 2 ** 22)},
                           zipfile.ZIP_DEFLATED),
        r"member 'w.npy' is compressed \(method 8\); nn.save never compresses"),
    "savez_compressed archive": (
        lambda p: np.savez_compressed(p, w=np.zeros(3)) or p, r"is compressed \(method 8\)"),
    "flipped compression-method byte": (
        lambda p: _patched(_saved(p.parent, p.name), CENTRAL, 10, b"\x63"),
        r"is compressed \(method 99\)"),
    "member larger than the file": (
        lambda p: _patched(_saved(p.parent, p.name), CENTRAL, 20,
                           (2 ** 31).to_bytes(4, "little") * 2),
        r"member 'w.npy' declares 2147483648 bytes in a \d+-byte file"),
    "sizes that disagree": (
        lambda p: _patched(_saved(p.parent, p.name), CENTRAL, 20, b"\x01"),
        r"declares .* bytes"),
    "a member that is not .npy": (
        lambda p: _archive(p, {"notes.txt": b"hello"}), r"member 'notes.txt' is not a \.npy"),
    "a .npy member with no .npy magic": (
        lambda p: _archive(p, {"w.npy": b"hello"}), r"member 'w.npy' is not a \.npy array"),
    "a member name twice": (
        lambda p: _twice(_archive(p, {"w.npy": _member((1,), b"\0" * 8)})),
        r"a member name appears twice"),
    "metadata of the wrong dtype": (
        lambda p: np.savez(p, __chainrule__=np.zeros(3)) or p, r"description member has the wrong type"),
    "metadata naming an array with a list": (
        lambda p: _archive(p, {"__chainrule__.npy": _meta('{"format": 1, "tree": {"__array__": [1]}}')}),
        r"refers to a missing array \[1\]"),
    "metadata naming an array with a dict": (
        lambda p: _archive(p, {"__chainrule__.npy": _meta(
            '{"format": 1, "tree": {"__dict__": [["a", {"__array__": {"x": 1}}]]}}')}),
        r"missing array \{'x': 1\}"),
    "metadata with a list as dict key": (
        lambda p: _archive(p, {"__chainrule__.npy": _meta(
            '{"format": 1, "tree": {"__dict__": [[[1], 2]]}}')}),
        r"not a \[key, value\] pair"),
    "metadata that is a list": (
        lambda p: _archive(p, {"__chainrule__.npy": _meta('[1, 2]')}), r"unknown format \[1, 2\]"),
    "metadata nested too deep": (
        lambda p: _archive(p, {"__chainrule__.npy": _meta('{"format": 1, "tree": '
                                                          + "[" * 100000 + "]" * 100000 + "}")}),
        r"not valid JSON"),
    "metadata that is not UTF-8": (
        lambda p: _archive(p, {"__chainrule__.npy": _member((2,), b"\xff\xfe", descr="|u1")}),
        r"not valid JSON"),
    "plain text file": (lambda p: _write(p, b"weights: 1 2 3\n"),
                        r"not an \.npz archive \(it begins with b'weights:'\)"),
    "empty file": (lambda p: _write(p, b""), r"it is empty"),
    "pickle": (lambda p: _write(p, pickle.dumps({"w": [1.0]})),
               r"pickled data, which is refused"),
    "single .npy file": (lambda p: np.save(p.with_suffix(".npy"), np.zeros(2))
                         or p.with_suffix(".npy"), r"single \.npy array"),
    "zip magic then garbage": (lambda p: _write(p, b"PK\x03\x04" + b"\0" * 50),
                               r"BadZipFile: File is not a zip file"),
}


def _twice(path):
    """Rename the second member to the first's name (same length), keeping the archive valid."""
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("v.npy", _member((1,), b"\0" * 8))
    data = path.read_bytes().replace(b"v.npy", b"w.npy")
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_crafted_file_raises_file_format_error_saying_what_is_wrong(tmp_path, case):
    make, match = CRAFTED[case]
    path = make(tmp_path / "m.npz")
    with pytest.raises(nn.FileFormatError, match=r"^nn\.load: '.*' is (not a valid nn\.save "
                       r"file|truncated or corrupted).*" + match) as info:
        nn.load(path)
    assert isinstance(info.value, ValueError)
    if case == "plain text file":
        assert "pickle" not in str(info.value)


def test_the_crafted_cases_load_when_honest(tmp_path):                 # negative control
    path = _archive(tmp_path / "m.npz", {"w.npy": _member((1,), b"\0" * 8, version=(3, 0)),
                                         "__chainrule__.npy": _meta(
        '{"format": 1, "tree": {"__dict__": [["a", {"__array__": "w"}]]}}')})
    assert nn.load(path)["a"].tolist() == [0.0]
    assert nn.load(_saved(tmp_path))["step"] == 3


def test_every_truncation_and_byte_flip_raises_file_format_error_or_loads_exactly(tmp_path):
    good = _saved(tmp_path, "good.npz")
    data, expected = good.read_bytes(), nn.load(good)
    path = tmp_path / "bad.npz"
    outcomes = set()
    variants = [data[:n] for n in range(0, len(data), 3)]
    variants += [data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1:] for i in range(len(data))]
    for damaged in variants:
        path.write_bytes(damaged)
        try:
            back = nn.load(path)
        except nn.FileFormatError:
            outcomes.add("refused")
            continue
        # a flip in what no reader checks (a timestamp, a version field) may load: exactly
        np.testing.assert_array_equal(back["w"], expected["w"])
        assert back["step"] == 3
        outcomes.add("loaded")
    assert outcomes == {"refused", "loaded"}


@pytest.mark.parametrize("case", ["npy 3.0 header declaring 8 TB",
                                  "deflated member (4 kB expanding to 4 MB)",
                                  "member larger than the file"])
def test_loading_a_crafted_file_allocates_no_more_than_the_file_holds(tmp_path, case):
    import tracemalloc
    path = CRAFTED[case][0](tmp_path / "m.npz")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        with pytest.raises(nn.FileFormatError):
            nn.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * size + 2 ** 18, f"peak {peak} bytes for a {size}-byte file"


def test_loading_a_large_honest_file_allocates_about_its_size(tmp_path):
    import tracemalloc
    w = np.random.default_rng(0).normal(size=(512, 1024))                 # 4 MiB
    nn.save({"w": w}, tmp_path / "big.npz")
    size = (tmp_path / "big.npz").stat().st_size
    tracemalloc.start()
    try:
        back = nn.load(tmp_path / "big.npz")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(back["w"], w)
    assert back["w"].flags.writeable
    assert size < peak < 1.5 * size, f"peak {peak} bytes for a {size}-byte file"
