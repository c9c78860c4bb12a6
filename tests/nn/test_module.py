"""nn.Module, Parameter, Sequential, ModuleList: registration, names, modes, state dicts."""

import numpy as np
import pytest

import autograd as ag
import nn


class Pair(nn.Module):
    """Two Linear layers sharing one, plus a buffer and a plain attribute."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 3)
        self.b = nn.Linear(3, 1)
        self.shared = self.a                      # the same module under a second name
        self.scale = nn.Parameter(2.0)
        self.register_buffer("count", ag.zeros(1))
        self.note = "not registered"

    def forward(self, x):
        return self.b(self.a(x)) * self.scale


def test_parameter_is_a_leaf_tensor_requiring_grad():
    p = nn.Parameter([1.0, 2.0])
    assert isinstance(p, ag.Tensor) and p.is_leaf and p.requires_grad
    assert "Parameter(" in repr(p)
    assert not nn.Parameter(1.0, requires_grad=False).requires_grad
    computed = ag.Tensor(3.0, requires_grad=True) * 2
    assert nn.Parameter(computed).is_leaf


def test_registration_order_sharing_and_dotted_names():
    m = Pair()
    names = [n for n, _ in m.named_parameters()]
    assert names == ["scale", "a.weight", "a.bias", "b.weight", "b.bias"]
    assert len(list(m.parameters())) == 5                      # shared 'a' counted once
    assert [n for n, _ in m.named_children()] == ["a", "b", "shared"]
    assert len(list(m.modules())) == 3                         # Pair, a, b (shared once)
    assert [n for n, _ in m.named_buffers()] == ["count"]
    assert m.num_parameters() == 1 + 9 + 4


def test_parameter_names_are_set_to_their_module_path():
    model = nn.Sequential(nn.MLP(2, [3, 1]), nn.Linear(1, 1))
    for name, p in model.named_parameters():
        assert p.name == name
    assert model[0].layers[1].weight.name == "0.layers.1.weight"


def test_user_given_names_are_kept_and_shared_parameter_keeps_first_path():
    lin = nn.Linear(2, 2)
    lin.weight.name = "mine"
    seq = nn.Sequential(lin, lin)
    assert lin.weight.name == "mine" and lin.bias.name == "0.bias"
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]


def test_forward_through_call_and_gradients_reach_every_parameter():
    m = Pair()
    out = m(ag.randn(4, 2)).sum()
    out.backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_train_eval_propagate():
    m = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5)))
    assert m.training and m[1][0].training
    assert m.eval() is m and not any(x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())
    with pytest.raises(TypeError, match="bool"):
        m.train("no")


def test_reassigning_and_deleting_attributes():
    m = Pair()
    m.scale = nn.Parameter(3.0)
    assert m.scale.item() == 3.0 and len(list(m.parameters())) == 5
    m.b = None
    assert "b.weight" not in dict(m.named_parameters())
    del m.a
    assert not hasattr(m, "a")
    with pytest.raises(TypeError, match="cannot assign"):
        m.scale = 5.0
    m.count = ag.ones(1)                                    # buffers can be replaced by tensors
    assert m.state_dict()["count"].tolist() == [1.0]


def test_missing_super_init_is_a_clear_error():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(1.0)

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Bad()


def test_sequential_and_modulelist():
    a, b = nn.Linear(2, 3), nn.ReLU()
    seq = nn.Sequential(a, b)
    x = ag.randn(5, 2)
    np.testing.assert_array_equal(seq(x).data, b(a(x)).data)
    assert len(seq) == 2 and seq[0] is a and seq[-1] is b and list(seq) == [a, b]
    assert isinstance(seq[:1], nn.Sequential) and len(seq[:1]) == 1
    seq.append(nn.Linear(3, 1))
    assert seq(x).shape == (5, 1)
    with pytest.raises(IndexError, match="Sequential"):
        seq[5]
    with pytest.raises(TypeError, match="not a Module"):
        nn.Sequential(a, "relu")
    ml = nn.ModuleList([nn.Linear(1, 1), nn.Linear(1, 1)])
    ml.append(nn.Linear(1, 2))
    assert len(ml) == 3 and [n for n, _ in ml.named_parameters()][-1] == "2.bias"
    ml[0] = nn.Linear(1, 5)
    assert ml[0].out_features == 5
    with pytest.raises(NotImplementedError):
        ml(x)


def test_state_dict_is_a_copy_of_parameters_and_buffers():
    m = Pair()
    sd = m.state_dict()
    assert list(sd) == ["scale", "a.weight", "a.bias", "b.weight", "b.bias", "count"]
    assert all(isinstance(v, np.ndarray) for v in sd.values())
    sd["a.weight"][...] = 99.0
    assert not np.any(m.a.weight.data == 99.0)


def test_state_dict_round_trip_gives_bit_identical_outputs():
    ag.manual_seed(0)
    src = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.BatchNorm1d(8), nn.Linear(8, 2))
    x = ag.randn(16, 3)
    src(x)                                                 # moves BatchNorm's running stats
    src.eval()
    dst = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.BatchNorm1d(8), nn.Linear(8, 2)).eval()
    before = dst[0].weight
    result = dst.load_state_dict(src.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert dst[0].weight is before                         # loaded in place
    assert np.array_equal(dst(x).data, src(x).data)


def test_load_state_dict_errors():
    m = nn.Linear(2, 3)
    sd = m.state_dict()
    with pytest.raises(RuntimeError, match="missing key.*'bias'"):
        m.load_state_dict({"weight": sd["weight"]})
    with pytest.raises(RuntimeError, match="unexpected key.*'extra'"):
        m.load_state_dict({**sd, "extra": np.zeros(1)})
    with pytest.raises(RuntimeError, match=r"'weight' has shape \(3, 3\).*\(3, 2\)"):
        m.load_state_dict({**sd, "weight": np.zeros((3, 3))})
    with pytest.raises(RuntimeError, match="non-numeric"):
        m.load_state_dict({**sd, "bias": np.array(["a", "b", "c"])})
    with pytest.raises(TypeError, match="mapping"):
        m.load_state_dict([1, 2])
    keys = m.load_state_dict({"weight": np.ones((3, 2)), "extra": 1.0}, strict=False)
    assert keys.missing_keys == ["bias"] and keys.unexpected_keys == ["extra"]
    assert np.all(m.weight.data == 1.0)
    with pytest.raises(RuntimeError, match="shape"):          # shapes are checked even then
        m.load_state_dict({"weight": np.ones((2, 2))}, strict=False)


def test_load_bumps_the_version_so_stale_graphs_refuse_backward():
    m = nn.Linear(2, 1)
    y = m(ag.randn(3, 2)).sum()
    m.load_state_dict({k: v + 1 for k, v in m.state_dict().items()})
    with pytest.raises(RuntimeError):
        y.backward()


def test_to_float32_and_back():
    m = nn.MLP(2, [4, 1]).float()
    assert all(p.dtype == np.float32 for p in m.parameters())
    assert m(ag.Tensor(np.ones((3, 2)), dtype=np.float32)).dtype == np.float32
    assert all(p.dtype == np.float64 for p in m.double().parameters())
    with pytest.raises(TypeError, match="floating"):
        m.to(np.int32)


def test_requires_grad_freezes():
    m = nn.Linear(2, 2).requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


def test_repr_shows_structure_and_parameter_counts():
    text = repr(nn.MLP(2, [16, 1]))
    assert "Linear(in_features=2, out_features=16, bias=True)  # 48 parameters" in text
    assert text.endswith("# 65 parameters") and "(layers): ModuleList(" in text
    assert repr(nn.ReLU()) == "ReLU()"


def test_apply_visits_every_module():
    seen = []
    nn.Sequential(nn.Linear(1, 1), nn.ReLU()).apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "ReLU", "Sequential"]


def test_module_without_forward():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)


def test_reassigning_a_parameter_keeps_its_place_in_the_order():
    # PyTorch overwrites the key in place: state_dict order (and the optimiser's
    # position-based state) must not change because a weight was replaced
    lin = nn.Linear(2, 2)
    lin.weight = nn.Parameter(np.eye(2))
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]
    assert list(lin.state_dict()) == ["weight", "bias"]
    np.testing.assert_array_equal(lin.weight.data, np.eye(2))


def test_a_parameter_set_to_none_stays_a_parameter_slot():
    # Linear(bias=False).bias = Tensor must not silently become an untrained plain attribute
    for lin in (nn.Linear(2, 3, bias=False), nn.Linear(2, 3)):
        lin.bias = None
        assert lin.bias is None and list(lin.state_dict()) == ["weight"]
        with pytest.raises(TypeError, match="Linear: cannot assign Tensor to 'bias'"):
            lin.bias = ag.zeros(3)
        lin.bias = nn.Parameter(ag.ones(3))
        assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]
        np.testing.assert_array_equal(lin(ag.zeros((1, 2))).data, [[1.0, 1.0, 1.0]])
    for norm in (nn.BatchNorm1d(3, affine=False), nn.LayerNorm(3, elementwise_affine=False)):
        with pytest.raises(TypeError, match="cannot assign Tensor to 'weight'"):
            norm.weight = ag.ones(3)
    m = Pair()
    m.b = None                                     # a module slot set to None stays a slot
    with pytest.raises(TypeError, match="cannot assign"):
        m.b = "oops"


def test_train_goes_through_each_childs_train_so_overrides_are_honoured():
    class FrozenNorm(nn.BatchNorm1d):              # a common PyTorch idiom: BN kept in eval
        def train(self, mode=True):
            return super().train(False)

    model = nn.Sequential(nn.Linear(3, 3), nn.Sequential(FrozenNorm(3)))
    model.train()
    assert [m.training for m in model.modules()] == [True, True, True, False]
    model.eval()
    assert not any(m.training for m in model.modules())


def test_register_buffer_refuses_to_be_shadowed_by_a_plain_attribute():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.stats = ag.zeros(2)                           # a plain attribute first
            self.register_buffer("stats", ag.ones(2))          # would save ones, read zeros

    with pytest.raises(KeyError, match="attribute 'stats' already exists"):
        M()


def test_modules_record_their_path_as_the_scope_of_what_they_compute():
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    y = model(ag.randn(4, 2))
    assert y.scope == ("Sequential", "2")
    assert y.inputs[0].scope[:2] == ("Sequential", "2")
    assert y.inputs[0].inputs[0].scope == ("Sequential", "1")      # the Tanh before it
    outer = nn.Sequential()
    outer.add_module("body", model)
    assert outer(ag.randn(4, 2)).scope == ("Sequential", "body", "body.2")
