"""nn.save / nn.load: bit-identical round trips of models, optimisers and nested state; files
that are pickles, hold object arrays, are truncated or corrupted are refused with clear errors
(and nothing in them is ever executed)."""

import io
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


def _npy_member(shape, payload, descr="<f8"):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False,
                                               "shape": shape})
    return buf.getvalue() + payload


@pytest.mark.parametrize("shape", [(10 ** 12,), (10 ** 6, 10 ** 6), (3,)])
def test_a_header_declaring_more_data_than_the_member_holds_is_refused(tmp_path, shape):
    # NumPy allocates the declared shape before reading: a crafted header must not reach it
    # (a MemoryError for terabytes, or gigabytes allocated for an 8-byte member)
    path = tmp_path / "m.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("weight.npy", _npy_member(shape, b"\0" * 8))
    with pytest.raises(ValueError, match=r"nn.load: .*declares shape .* but holds 8 bytes"):
        nn.load(path)
    with zipfile.ZipFile(path, "w") as zf:                          # an honest header loads
        zf.writestr("weight.npy", _npy_member((1,), b"\0" * 8))
    assert nn.load(path)["weight"].tolist() == [0.0]


def test_save_into_a_missing_folder_names_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="nn.save: .*folder .*nodir.* does not exist"):
        nn.save(nn.Linear(1, 1), tmp_path / "nodir" / "m.npz")
