"""nn.export_onnx: every exported file passes onnx.checker, loads in onnxruntime and gives
chainrule's outputs (float32, 1e-5) at several batch sizes."""

import numpy as np
import pytest

import autograd as ag
import nn
from nn import onnx_export

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

BATCHES = (1, 3, 8)
MAX_DIFF = {}                               # case -> largest |onnxruntime - chainrule|


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [leaf for item in out for leaf in _flat(item)]
    return [] if out is None else [np.asarray(out.data)]


def _arrays(example):
    """The arrays of an example (nested tuples, a trailing dict of keywords) in the order of
    the graph's inputs."""
    if isinstance(example, dict):
        example = list(example.values())
    if isinstance(example, (tuple, list)):
        return [a for item in example for a in _arrays(item)]
    return [example] if isinstance(example, np.ndarray) else []


def _call(model, example):
    args = list(example)
    kwargs = args.pop() if isinstance(args[-1], dict) else {}
    with ag.no_grad():
        return _flat(model(*args, **kwargs))


def _random(shape, rng, kind):
    if kind == "ids":
        return rng.integers(0, 10, size=shape)
    return rng.standard_normal(shape).astype(np.float32)


def _inputs(shapes, rng, kind):
    """One random array per shape (shapes: one shape, or a list of them for several inputs)."""
    if isinstance(shapes, list):
        return tuple(_random(s, rng, kind) for s in shapes)
    return (_random(shapes, rng, kind),)


def round_trip(model, shape_for, tmp_path, kind="float", seed=0, sizes=((1,), (3,), (8,)),
               trace=(2,), make=None, feed=None, **export_kw):
    """Export model traced at shape_for(*trace) (or on the example make(rng, *trace), a tuple
    that may end with a dict of keyword arguments), then compare onnxruntime with chainrule at
    each size; returns the largest absolute difference. feed(example) changes what
    onnxruntime is fed (negative controls)."""
    rng = np.random.default_rng(seed)
    make = make or (lambda rng, *size: _inputs(shape_for(*size), rng, kind))
    model.float().eval()
    path = tmp_path / "model.onnx"
    onnx_export.export_onnx(model, make(rng, *trace), path, **export_kw)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    worst = 0.0
    for size in sizes:
        example = make(rng, *size)
        want = _call(model, example)
        got = session.run(None, dict(zip(names, _arrays((feed or (lambda e: e))(example)))))
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape == w.shape and g.dtype == np.float32
            worst = max(worst, float(np.max(np.abs(g - w))))
    return worst


def check(name, model, shape_for, tmp_path, **kw):
    MAX_DIFF[name] = round_trip(model, shape_for, tmp_path, **kw)
    assert MAX_DIFF[name] <= 1e-5, (name, MAX_DIFF[name])


ACTIVATIONS = {
    "ReLU": nn.ReLU(), "Tanh": nn.Tanh(), "Sigmoid": nn.Sigmoid(), "SiLU": nn.SiLU(),
    "GELU": nn.GELU(), "GELU-tanh": nn.GELU("tanh"), "Softmax": nn.Softmax(),
    "LogSoftmax": nn.LogSoftmax(), "LeakyReLU": nn.LeakyReLU(0.2), "ELU": nn.ELU(0.5),
    "Softplus": nn.Softplus(), "Softplus-beta2": nn.Softplus(2.0), "Identity": nn.Identity(),
    "Dropout": nn.Dropout(0.3),
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_after_linear(name, tmp_path):
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 6), ACTIVATIONS[name])
    check(name, model, lambda n: (n, 5), tmp_path)


@pytest.mark.parametrize("act, out", [("relu", None), ("tanh", "sigmoid"), ("gelu", None),
                                      ("elu", None), ("silu", None), ("softplus", None),
                                      ("leaky_relu", "tanh")])
def test_mlp(act, out, tmp_path):
    ag.manual_seed(1)
    check(f"MLP-{act}", nn.MLP(4, [16, 16, 3], activation=act, output_activation=out),
          lambda n: (n, 4), tmp_path)


def test_linear_on_extra_axes_keeps_them(tmp_path):
    ag.manual_seed(2)
    check("Linear-3d", nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2, bias=False)),
          lambda n: (n, 5, 4), tmp_path)


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("extra", [(), (7,)])
def test_batch_norm_uses_running_statistics(affine, extra, tmp_path):
    ag.manual_seed(3)
    bn = nn.BatchNorm1d(6, affine=affine)
    model = nn.Sequential(nn.Linear(6, 6), bn) if not extra else bn
    bn.train()
    for _ in range(3):                          # move the running statistics away from 0, 1
        bn(ag.randn(16, 6, *extra) * 3 + 1)
    check(f"BatchNorm1d-{len(extra) + 2}d", model, lambda n: (n, 6, *extra), tmp_path)


@pytest.mark.parametrize("shape", [8, (3, 4)])
def test_layer_norm(shape, tmp_path):
    ag.manual_seed(4)
    ln = nn.LayerNorm(shape)
    with ag.no_grad():
        ln.weight.data = np.random.default_rng(0).standard_normal(ln.weight.shape)
        ln.bias.data = np.random.default_rng(1).standard_normal(ln.bias.shape)
    dims = (shape,) if isinstance(shape, int) else shape
    check(f"LayerNorm-{len(dims)}", ln, lambda n: (n, 2, *dims), tmp_path)


def test_embedding_gathers_rows(tmp_path):
    ag.manual_seed(5)
    model = nn.Sequential(nn.Embedding(10, 4, padding_idx=0), nn.Linear(4, 2))
    check("Embedding", model, lambda n: (n, 5), tmp_path, kind="ids")


SPATIAL = {
    "Conv1d-pad": (lambda: nn.Conv1d(3, 4, 3, padding=1), (3, 9)),
    "Conv1d-groups": (lambda: nn.Conv1d(4, 6, 3, stride=2, groups=2, bias=False), (4, 10)),
    "Conv2d-same": (lambda: nn.Conv2d(3, 4, 3, padding="same", dilation=2), (3, 8, 7)),
    "Conv2d-reflect": (lambda: nn.Conv2d(3, 4, (3, 2), padding=(1, 2), padding_mode="reflect"),
                       (3, 6, 5)),
    "Conv2d-replicate": (lambda: nn.Conv2d(2, 2, 3, padding=1, padding_mode="replicate"),
                         (2, 5, 5)),
    "Conv3d": (lambda: nn.Conv3d(2, 3, 2, stride=(1, 2, 1)), (2, 4, 5, 3)),
    "MaxPool1d-ceil": (lambda: nn.MaxPool1d(3, 2, ceil_mode=True), (2, 10)),
    "MaxPool2d-pad-ceil": (lambda: nn.MaxPool2d(3, 2, padding=1, ceil_mode=True), (2, 8, 7)),
    "MaxPool2d-dilation": (lambda: nn.MaxPool2d(2, dilation=2), (2, 7, 7)),
    "AvgPool1d-pad": (lambda: nn.AvgPool1d(3, 2, padding=1), (2, 9)),
    "AvgPool2d-pad-ceil": (lambda: nn.AvgPool2d(3, 2, padding=1, ceil_mode=True), (2, 8, 7)),
    "AvgPool2d-exclude-pad": (lambda: nn.AvgPool2d(3, 2, padding=1, ceil_mode=True,
                                                   count_include_pad=False), (2, 8, 7)),
    "AvgPool2d-divisor": (lambda: nn.AvgPool2d(2, divisor_override=3), (2, 6, 6)),
    "AdaptiveAvgPool1d": (lambda: nn.AdaptiveAvgPool1d(4), (2, 10)),
    "AdaptiveAvgPool2d": (lambda: nn.AdaptiveAvgPool2d((3, None)), (2, 7, 5)),
    "AdaptiveAvgPool2d-global": (lambda: nn.AdaptiveAvgPool2d(1), (2, 7, 5)),
    "Flatten": (lambda: nn.Flatten(), (2, 3, 4)),
    "Flatten-middle": (lambda: nn.Flatten(1, 2), (2, 3, 4)),
    "Unflatten": (lambda: nn.Unflatten(1, (2, 3)), (6, 4)),
    "Dropout2d": (lambda: nn.Dropout2d(0.5), (2, 3, 3)),
}


@pytest.mark.parametrize("name", list(SPATIAL))
def test_convolution_pooling_reshaping(name, tmp_path):
    ag.manual_seed(7)
    make, shape = SPATIAL[name]
    check(name, make(), lambda n: (n, *shape), tmp_path)


def test_small_cnn(tmp_path):
    ag.manual_seed(8)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Conv2d(4, 8, 3), nn.GELU(),
                          nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(32, 10),
                          nn.LogSoftmax(axis=-1))
    model.train()
    with ag.no_grad():
        model(ag.randn(16, 1, 10, 10) * 2 + 1)          # running statistics away from 0, 1
    check("CNN", model, lambda n: (n, 1, 10, 10), tmp_path)


RECURRENT = {
    "RNN-tanh": lambda **kw: nn.RNN(3, 5, **kw),
    "RNN-relu": lambda **kw: nn.RNN(3, 5, nonlinearity="relu", **kw),
    "LSTM": lambda **kw: nn.LSTM(3, 5, **kw),
    "GRU": lambda **kw: nn.GRU(3, 5, **kw),
}


@pytest.mark.parametrize("kind", list(RECURRENT))
@pytest.mark.parametrize("options", [{}, {"num_layers": 2, "bidirectional": True},
                                     {"batch_first": True, "bias": False}])
def test_recurrent_outputs_and_final_states(kind, options, tmp_path):
    ag.manual_seed(6)
    model = RECURRENT[kind](**options)
    if options.get("batch_first"):
        check(f"{kind}-batch_first", model, lambda n: (n, 4, 3), tmp_path)
    else:
        check(f"{kind}-{len(options)}", model, lambda n: (4, n, 3), tmp_path, batch_axis=1)


@pytest.mark.parametrize("batch_first", [False, True])
def test_multihead_attention_self_and_cross(batch_first, tmp_path):
    ag.manual_seed(9)
    axis = 0 if batch_first else 1

    def shapes(n, length, features):
        return (n, length, features) if batch_first else (length, n, features)
    self_attn = nn.MultiheadAttention(8, 2, batch_first=batch_first)
    with ag.no_grad():                          # PyTorch starts the biases at zero
        self_attn.in_proj_bias.data = np.random.default_rng(2).standard_normal(24)
    check(f"MultiheadAttention-{batch_first}", self_attn,
          lambda n: [shapes(n, 5, 8)] * 3, tmp_path, batch_axis=axis)
    cross = nn.MultiheadAttention(8, 4, kdim=3, vdim=6, bias=False, batch_first=batch_first)
    check(f"MultiheadAttention-cross-{batch_first}", cross,
          lambda n: [shapes(n, 5, 8), shapes(n, 7, 3), shapes(n, 7, 6)], tmp_path,
          batch_axis=axis)


@pytest.mark.parametrize("norm_first, activation", [(False, "relu"), (True, "gelu")])
def test_transformer_encoder_and_decoder(norm_first, activation, tmp_path):
    ag.manual_seed(10)
    options = dict(dim_feedforward=16, norm_first=norm_first, activation=activation,
                   batch_first=True)
    encoder = nn.Sequential(nn.SinusoidalPositionalEncoding(8, max_len=20, batch_first=True),
                            nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, **options),
                                                  2, norm=nn.LayerNorm(8)))
    check(f"TransformerEncoder-{norm_first}", encoder, lambda n: (n, 6, 8), tmp_path)
    decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, **options), 2)
    check(f"TransformerDecoder-{norm_first}", decoder, lambda n: [(n, 4, 8), (n, 6, 8)],
          tmp_path)


@pytest.mark.parametrize("opset", [18, 20])
def test_newer_opsets(opset, tmp_path):
    """ReduceMean takes its axes as an input from opset 18."""
    ag.manual_seed(12)
    check(f"MultiheadAttention-opset{opset}", nn.MultiheadAttention(4, 2),
          lambda n: [(3, n, 4)] * 3, tmp_path, batch_axis=1, opset=opset)


def test_learned_positions_sequence_first(tmp_path):
    ag.manual_seed(11)
    check("LearnedPositionalEncoding", nn.LearnedPositionalEncoding(4, max_len=10),
          lambda n: (5, n, 4), tmp_path, batch_axis=1)


LENGTHS = dict(sizes=[(1, 3), (3, 7), (8, 5)], trace=(2, 4))


@pytest.mark.parametrize("kind", list(RECURRENT))
def test_recurrent_with_any_sequence_length(kind, tmp_path):
    ag.manual_seed(14)
    check(f"{kind}-dynamic-length", RECURRENT[kind](num_layers=2, bidirectional=True),
          lambda n, t: (t, n, 3), tmp_path, batch_axis=1, sequence_axis=0, **LENGTHS)


def test_transformer_with_any_sequence_length(tmp_path):
    ag.manual_seed(15)
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    model = nn.Sequential(nn.Linear(3, 8), nn.SinusoidalPositionalEncoding(8, batch_first=True),
                          nn.TransformerEncoder(layer, 2), nn.Linear(8, 2))
    check("Transformer-dynamic-length", model, lambda n, t: (n, t, 3), tmp_path,
          sequence_axis=1, **LENGTHS)
    proto = onnx.load(str(tmp_path / "model.onnx"))
    dims = [[d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
            for v in (proto.graph.input[0], proto.graph.output[0])]
    assert dims == [["batch", "sequence", 3], ["batch", "sequence", 2]]


def test_a_length_baked_into_the_graph_is_named(tmp_path):
    model = nn.Sequential(nn.Conv1d(2, 2, 3), nn.AdaptiveAvgPool1d(4))
    with pytest.raises(NotImplementedError, match="AdaptiveAvgPool1d's ONNX nodes depend on the "
                                                  "length of input axis 2"):
        nn.export_onnx(model, np.zeros((2, 2, 9)), tmp_path / "m.onnx", sequence_axis=2)
    nn.export_onnx(model, np.zeros((2, 2, 9)), tmp_path / "m.onnx")        # a fixed length
    with pytest.raises(ValueError, match="sequence_axis and batch_axis are both 0"):
        nn.export_onnx(model, np.zeros((2, 2, 9)), tmp_path / "m.onnx", sequence_axis=0)


def test_wrong_gate_order_is_caught(tmp_path, monkeypatch):
    """Negative control: PyTorch's LSTM gate order fed to ONNX unchanged gives other outputs."""
    monkeypatch.setitem(onnx_export._GATE_ORDER, "LSTM", [0, 1, 2, 3])
    ag.manual_seed(6)
    assert round_trip(nn.LSTM(3, 5), lambda n: (4, n, 3), tmp_path, batch_axis=1) > 1e-3


def test_batch_axis_is_dynamic_in_the_file(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2))
    proto = nn.export_onnx(model, np.zeros((2, 3)), tmp_path / "m.onnx")
    dims = [[d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
            for v in (proto.graph.input[0], proto.graph.output[0])]
    assert dims == [["batch", 3], ["batch", 2]]
    fixed = nn.export_onnx(model, np.zeros((2, 3)), tmp_path / "f.onnx", dynamic_batch=False)
    assert [d.dim_value for d in fixed.graph.input[0].type.tensor_type.shape.dim] == [2, 3]


def test_export_restores_every_training_mode(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2), nn.Dropout(0.5), nn.BatchNorm1d(2))
    model.train()
    model[2].eval()
    nn.export_onnx(model, np.zeros((2, 3)), tmp_path / "m.onnx")
    assert [m.training for m in model.modules()] == [True, True, True, False]


class Twice(nn.Module):
    def forward(self, x):
        return 2 * x


def test_unsupported_layer_is_named(tmp_path):
    with pytest.raises(NotImplementedError, match="no ONNX converter for Twice"):
        nn.export_onnx(nn.Sequential(nn.Linear(3, 3), Twice()), np.zeros((2, 3)),
                       tmp_path / "m.onnx")
    with pytest.raises(NotImplementedError, match="ScalarMLP exports a tensor input"):
        nn.export_onnx(nn.ScalarMLP(2, [3, 1]), ((ag.Tensor(1.0), ag.Tensor(2.0)),),
                       tmp_path / "m.onnx", dynamic_batch=False)
    with pytest.raises(NotImplementedError, match="MLP uses the activation 'square'"):
        nn.export_onnx(nn.MLP(3, [4, 1], activation=ag.square), np.zeros((2, 3)),
                       tmp_path / "m.onnx")
    with pytest.raises(NotImplementedError, match="padding_mode='circular'"):
        nn.export_onnx(nn.Conv1d(2, 2, 3, padding=1, padding_mode="circular"),
                       np.zeros((2, 2, 5)), tmp_path / "m.onnx")
    with pytest.raises(NotImplementedError, match=r"MaxPool2d exports batched input only"):
        nn.export_onnx(nn.MaxPool2d(2), np.zeros((2, 4, 4)), tmp_path / "m.onnx")
    with pytest.raises(NotImplementedError, match="track_running_stats=False"):
        nn.export_onnx(nn.BatchNorm1d(3, track_running_stats=False), np.zeros((2, 3)),
                       tmp_path / "m.onnx")


class Doubled(nn.Linear):
    def forward(self, x):
        return 2 * super().forward(x)


class Renamed(nn.Linear):
    """A subclass that keeps Linear's forward: exported as a Linear."""


def test_a_subclass_uses_its_base_converter_unless_it_overrides_forward(tmp_path):
    ag.manual_seed(13)
    check("Linear-subclass", Renamed(3, 2), lambda n: (n, 3), tmp_path)
    with pytest.raises(NotImplementedError, match="no ONNX converter for Doubled"):
        nn.export_onnx(Doubled(3, 2), np.zeros((2, 3)), tmp_path / "m.onnx")


def test_a_registered_converter_is_used(tmp_path, monkeypatch):
    monkeypatch.setitem(onnx_export.CONVERTERS, Twice,
                        lambda m, g, x: g.node("Mul", [x, g.const(2.0)]))
    assert round_trip(nn.Sequential(nn.Linear(3, 3), Twice()), lambda n: (n, 3),
                      tmp_path) <= 1e-5


def test_a_converter_that_fixes_the_batch_size_is_caught(tmp_path, monkeypatch):
    """Negative control for the dynamic axes: a Reshape to the traced shape cannot serve any
    batch size, and export says which layer wrote it."""
    monkeypatch.setitem(onnx_export.CONVERTERS, Twice, lambda m, g, x: g.node(
        "Reshape", [g.node("Mul", [x, g.const(2.0)]), g.ints(list(g.shape(x)))]))
    with pytest.raises(NotImplementedError, match=r"Twice's ONNX nodes depend on the length of "
                                                  r"input axis 0, .*\(batch\)"):
        nn.export_onnx(nn.Sequential(nn.Linear(3, 3), Twice()), np.zeros((2, 3)),
                       tmp_path / "m.onnx")
    nn.export_onnx(nn.Sequential(nn.Linear(3, 3), Twice()), np.zeros((2, 3)),
                   tmp_path / "m.onnx", dynamic_batch=False)


# ---- keyword inputs: initial states, lengths, masks; cells; unbatched inputs ----------------


def _states(kind, shape, rng):
    """hx for a recurrent layer or cell of this kind: h_0, or (h_0, c_0) for LSTMs."""
    h = rng.standard_normal(shape).astype(np.float32)
    return (h, rng.standard_normal(shape).astype(np.float32)) if "LSTM" in kind else h


def _lengths(rng, n, t):
    """n lengths in [0, t], the first t (the batch's longest) and, past one, a 0."""
    lengths = rng.integers(1, t + 1, size=n)
    lengths[0] = t
    lengths[1:2] = 0
    return lengths


@pytest.mark.parametrize("kind", list(RECURRENT))
@pytest.mark.parametrize("options", [{}, {"num_layers": 2, "bidirectional": True},
                                     {"batch_first": True, "bias": False}])
def test_recurrent_initial_states_and_lengths_are_inputs(kind, options, tmp_path):
    """hx and lengths are graph inputs (ONNX's initial_h, initial_c, sequence_lens): outputs
    past a sequence's end are 0 and final states stop at its last step, as chainrule's."""
    ag.manual_seed(16)
    model = RECURRENT[kind](**options)
    layers = options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)
    first = options.get("batch_first", False)

    def make(rng, n, t):
        x = _random((n, t, 3) if first else (t, n, 3), rng, "float")
        return x, {"hx": _states(kind, (layers, n, 5), rng), "lengths": _lengths(rng, n, t)}
    check(f"{kind}-hx-lengths-{len(options)}", model, None, tmp_path, make=make,
          batch_axis=int(not first), sequence_axis=int(first), **LENGTHS)


def test_recurrent_lengths_are_used(tmp_path):
    """Negative control: onnxruntime fed full lengths differs from chainrule's short ones."""
    ag.manual_seed(16)

    def full(example):
        return example[0], {**example[1], "lengths": np.full_like(example[1]["lengths"], 4)}
    assert round_trip(nn.GRU(3, 5), None, tmp_path, make=lambda rng, n: (
        _random((4, n, 3), rng, "float"), {"lengths": np.array([4, 1, 2][:n])}),
        sizes=[(3,)], batch_axis=1, feed=full) > 1e-3


def test_recurrent_input_names_and_dynamic_axes(tmp_path):
    ag.manual_seed(16)
    rng = np.random.default_rng(0)
    x, states = _random((5, 2, 3), rng, "float"), _states("LSTM", (2, 2, 5), rng)
    proto = nn.export_onnx(nn.LSTM(3, 5, num_layers=2), (x, {"hx": states,
                                                             "lengths": np.array([5, 3])}),
                           tmp_path / "m.onnx", batch_axis=1, sequence_axis=0)
    dims = {v.name: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
            for v in list(proto.graph.input) + list(proto.graph.output)}
    assert [v.name for v in nn.export_onnx(nn.GRU(3, 5), (x, {"lengths": [5, 3]}),
                                           tmp_path / "g.onnx", batch_axis=1).graph.input] == \
        ["input", "lengths"]                # a list of numbers is an array
    assert dims == {"input": ["sequence", "batch", 3], "hx_0": [2, "batch", 5],
                    "hx_1": [2, "batch", 5], "lengths": ["batch"],
                    "output_0": ["sequence", "batch", 5], "output_1": [2, "batch", 5],
                    "output_2": [2, "batch", 5]}


@pytest.mark.parametrize("kind", list(RECURRENT))
def test_recurrent_unbatched(kind, tmp_path):
    ag.manual_seed(17)
    model = RECURRENT[kind](num_layers=2, bidirectional=True)
    check(f"{kind}-unbatched", model, None, tmp_path, make=lambda rng, t: (
        _random((t, 3), rng, "float"), {"hx": _states(kind, (4, 5), rng)}),
        sizes=[(3,), (6,)], trace=(4,), dynamic_batch=False, sequence_axis=0)


def test_unbatched_input_needs_a_fixed_batch(tmp_path):
    for model, shape in [(nn.GRU(3, 5), (4, 3)), (nn.LSTMCell(3, 5), (3,)),
                         (nn.MultiheadAttention(4, 2), (3, 4))]:
        example = (np.zeros(shape),) * (3 if isinstance(model, nn.MultiheadAttention) else 1)
        with pytest.raises(ValueError, match=f"{type(model).__name__} got unbatched input of "
                                             r"shape .*dynamic_batch=False"):
            nn.export_onnx(model, example, tmp_path / "m.onnx")


CELLS = {"RNNCell": lambda: nn.RNNCell(3, 5),
         "RNNCell-relu": lambda: nn.RNNCell(3, 5, True, "relu"),
         "LSTMCell": lambda: nn.LSTMCell(3, 5), "GRUCell": lambda: nn.GRUCell(3, 5),
         "GRUCell-no-bias": lambda: nn.GRUCell(3, 5, bias=False)}


@pytest.mark.parametrize("kind", list(CELLS))
def test_cells_are_one_step_recurrent_nodes(kind, tmp_path):
    ag.manual_seed(18)
    check(f"{kind}-hx", CELLS[kind](), None, tmp_path, make=lambda rng, n: (
        _random((n, 3), rng, "float"), _states(kind, (n, 5), rng)))
    check(f"{kind}-hx-keyword", CELLS[kind](), None, tmp_path, make=lambda rng, n: (
        _random((n, 3), rng, "float"), {"hx": _states(kind, (n, 5), rng)}))
    check(kind, CELLS[kind](), lambda n: (n, 3), tmp_path)
    check(f"{kind}-unbatched", CELLS[kind](), None, tmp_path, make=lambda rng: (
        _random(3, rng, "float"), {"hx": _states(kind, 5, rng)}), sizes=[()], trace=(),
        dynamic_batch=False)


def _padding(rng, n, s, fill=None):
    """A key_padding_mask (n, s), True = padding, the first sequence all padding; or, with
    fill, the float mask with -inf there and fill elsewhere."""
    mask = rng.random((n, s)) < 0.3
    mask[0] = True
    return mask if fill is None else np.where(mask, -np.inf, fill).astype(np.float32)


def _causal(length):
    return nn.functional.generate_square_subsequent_mask(length, dtype=np.float32)


MASKS = {
    "bool": lambda rng, n, t: {"attn_mask": rng.random((t, t)) < 0.3},
    "additive-causal": lambda rng, n, t: {"attn_mask": _causal(t)},
    "additive-finite": lambda rng, n, t: {"attn_mask": _random((t, t), rng, "float")},
    "is_causal": lambda rng, n, t: {"is_causal": True},
    "key_padding": lambda rng, n, t: {"key_padding_mask": _padding(rng, n, t)},
    "key_padding-float": lambda rng, n, t: {"key_padding_mask": _padding(rng, n, t, 0.5)},
    "both": lambda rng, n, t: {"key_padding_mask": _padding(rng, n, t), "attn_mask": _causal(t)},
    "per-head-weights": lambda rng, n, t: {"key_padding_mask": _padding(rng, n, t),
                                           "average_attn_weights": False},
    "no-weights": lambda rng, n, t: {"is_causal": True, "need_weights": False},
}


@pytest.mark.parametrize("mask", list(MASKS))
@pytest.mark.parametrize("batch_first", [False, True])
def test_multihead_attention_masks(mask, batch_first, tmp_path):
    """Masks are graph inputs (any batch and length); is_causal builds its mask in the graph;
    a query whose keys are all masked gets zero weights, as chainrule."""
    ag.manual_seed(19)
    model = nn.MultiheadAttention(8, 2, batch_first=batch_first)
    with ag.no_grad():
        model.in_proj_bias.data = np.random.default_rng(2).standard_normal(24)

    def make(rng, n, t):
        x = _random((n, t, 8) if batch_first else (t, n, 8), rng, "float")
        return x, x, x, MASKS[mask](rng, n, t)
    check(f"MultiheadAttention-{mask}-{batch_first}", model, None, tmp_path, make=make,
          batch_axis=int(not batch_first), sequence_axis=int(batch_first), **LENGTHS)


def test_multihead_attention_per_head_mask_and_unbatched(tmp_path):
    ag.manual_seed(20)
    model = nn.MultiheadAttention(8, 2)
    check("MultiheadAttention-3d-mask", model, None, tmp_path, make=lambda rng, n: (
        *(_random((4, n, 8), rng, "float"),) * 3,
        {"attn_mask": rng.random((2 * n, 4, 4)) < 0.4}), sizes=[(3,)], trace=(3,),
        dynamic_batch=False)
    check("MultiheadAttention-unbatched", model, None, tmp_path, make=lambda rng, t: (
        *(_random((t, 8), rng, "float"),) * 3,
        {"key_padding_mask": rng.random(t) < 0.3, "attn_mask": _causal(t)}),
        sizes=[(3,), (6,)], trace=(4,), dynamic_batch=False, sequence_axis=0)
    with pytest.raises(ValueError, match="the batch axis cannot be dynamic.*attn_mask of shape"):
        nn.export_onnx(model, (*(np.zeros((4, 2, 8)),) * 3, {"attn_mask": np.zeros((4, 4, 4),
                                                                                   bool)}),
                       tmp_path / "m.onnx", batch_axis=1)


def test_causal_mask_is_used(tmp_path, monkeypatch):
    """Negative control: a graph whose causal mask lets every query see every key differs."""
    monkeypatch.setattr(onnx_export, "_causal", lambda g, q, k: g.node(
        "Not", [g.node("Greater", [g.const(0.0), g.const(1.0)])]))
    ag.manual_seed(19)
    assert round_trip(nn.MultiheadAttention(8, 2), None, tmp_path, make=lambda rng, n: (
        *(_random((4, n, 8), rng, "float"),) * 3, {"is_causal": True}), batch_axis=1) > 1e-3


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_masks(norm_first, tmp_path):
    ag.manual_seed(21)
    options = dict(dim_feedforward=16, norm_first=norm_first, batch_first=True)
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, **options), 2,
                                    norm=nn.LayerNorm(8))
    check(f"TransformerEncoder-masks-{norm_first}", encoder, None, tmp_path,
          make=lambda rng, n, t: (_random((n, t, 8), rng, "float"), {
              "mask": _causal(t), "src_key_padding_mask": _padding(rng, n, t)}),
          sequence_axis=1, **LENGTHS)
    check(f"TransformerEncoder-is_causal-{norm_first}", encoder, None, tmp_path,
          make=lambda rng, n, t: (_random((n, t, 8), rng, "float"), {"is_causal": True}),
          sequence_axis=1, **LENGTHS)
    decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, **options), 2)
    check(f"TransformerDecoder-masks-{norm_first}", decoder, None, tmp_path,
          make=lambda rng, n, t: (
              _random((n, t, 8), rng, "float"), _random((n, t + 2, 8), rng, "float"), {
                  "tgt_mask": _causal(t), "memory_mask": rng.random((t, t + 2)) < 0.3,
                  "tgt_key_padding_mask": _padding(rng, n, t),
                  "memory_key_padding_mask": _padding(rng, n, t + 2)}),
          sequence_axis=1, **LENGTHS)
    check(f"TransformerDecoder-is_causal-{norm_first}", decoder, None, tmp_path,
          make=lambda rng, n, t: (_random((n, t, 8), rng, "float"),
                                  _random((n, t + 2, 8), rng, "float"), {"tgt_is_causal": True}),
          sequence_axis=1, **LENGTHS)
    proto = onnx.load(str(tmp_path / "model.onnx"))
    dims = [[d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
            for v in list(proto.graph.input) + list(proto.graph.output)]
    assert dims == [["batch", "sequence", 8], ["batch", "sequence_1", 8],
                    ["batch", "sequence", 8]]


def test_transformer_layers_take_masks_positionally(tmp_path):
    """The layer converters share their layer's signature, so a positional mask lands where
    forward puts it."""
    ag.manual_seed(23)
    options = dict(dim_feedforward=16, batch_first=True)
    check("TransformerEncoderLayer-positional-mask", nn.TransformerEncoderLayer(8, 2, **options),
          None, tmp_path, make=lambda rng: (_random((3, 4, 8), rng, "float"), _causal(4)),
          sizes=[()], trace=(), dynamic_batch=False)
    check("TransformerDecoderLayer-positional-mask", nn.TransformerDecoderLayer(8, 2, **options),
          None, tmp_path, make=lambda rng: (_random((3, 4, 8), rng, "float"),
                                            _random((3, 5, 8), rng, "float"), _causal(4)),
          sizes=[()], trace=(), dynamic_batch=False)
    with pytest.raises(ValueError, match="pass masks, states and lengths as keyword arguments"):
        nn.export_onnx(nn.TransformerEncoderLayer(8, 2, **options),
                       (np.zeros((3, 4, 8)), _causal(4)), tmp_path / "m.onnx")


SCALAR_AND_OTHERS = {
    "Maxout": (lambda: nn.Sequential(nn.Linear(3, 8), nn.Maxout(2)), (3,)),
    "Maxout-axis1": (lambda: nn.Maxout(3, axis=1), (6, 2)),
    "Perceptron": (lambda: nn.Perceptron(3), (3,)),
    "Neuron": (lambda: nn.Neuron(3, "tanh"), (3,)),
    "Layer": (lambda: nn.Layer(3, 4, bias=False), (3,)),
    "ScalarMLP": (lambda: nn.ScalarMLP(3, [4, 4, 2]), (3,)),
    "ScalarMLP-one-output": (lambda: nn.ScalarMLP(3, [4, 1], activation="tanh"), (3,)),
}


@pytest.mark.parametrize("name", list(SCALAR_AND_OTHERS))
def test_maxout_perceptron_and_scalar_layers(name, tmp_path):
    """ScalarMLP's scalar weights become one matrix per layer, its list of outputs one output
    per neuron."""
    ag.manual_seed(22)
    make, shape = SCALAR_AND_OTHERS[name]
    model = make()
    if name == "Perceptron":                # its weights start at zero
        with ag.no_grad():
            model.weight.data = np.array([0.5, -1.0, 2.0])
            model.bias.data = np.array(0.25)
    check(name, model, lambda n: (n, *shape), tmp_path)
