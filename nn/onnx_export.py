"""Export a model to ONNX, one converter per layer class (CONVERTERS), so the file can be served
by onnxruntime or any other ONNX runtime. Needs the optional extra: pip install "chainrule[onnx]".

A converter is `convert(module, graph, *inputs)` with the inputs' ONNX value names; it adds
nodes with `graph.node(op, inputs, **attributes)` (weights as initializers: `graph.const`) and
returns the output's name, or a tuple of names for layers that return tuples (RNN, LSTM,
MultiheadAttention). `graph.convert(submodule, *names)` converts a child module;
`graph.shape(name)` is the shape the value had in the traced run (names made outside
graph.convert get one with `graph.traced(name, value)`).
"""

import itertools

import numpy as np

import autograd as ag

from . import functional as F
from . import spatial
from .layers import (ELU, GELU, GRU, LSTM, MLP, RNN, AdaptiveAvgPool1d, AdaptiveAvgPool2d,
                     AvgPool1d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv1d, Conv2d, Conv3d,
                     Dropout, Dropout2d, Embedding, Flatten, Identity, LayerNorm, LearnedPositionalEncoding,
                     LeakyReLU, Linear, LogSoftmax, MaxPool1d, MaxPool2d, MultiheadAttention,
                     ReLU, Sigmoid, SiLU, SinusoidalPositionalEncoding, Softmax, Softplus, Tanh,
                     TransformerDecoder, TransformerDecoderLayer, TransformerEncoder,
                     TransformerEncoderLayer, Unflatten)
from .layers.attention import _positions
from .module import Module, Sequential

__all__ = ["CONVERTERS", "DEFAULT_OPSET", "converter_for", "export_onnx"]

DEFAULT_OPSET = 17                      # LayerNormalization is an opset-17 operator


class _Graph:
    """The nodes and initializers being written, and the traced value of every named output."""

    def __init__(self, onnx, dtype, opset, dynamic):
        self.onnx, self.dtype, self.opset = onnx, np.dtype(dtype), opset
        self.dynamic = dynamic          # the names of the dynamic axes ("batch", "sequence")
        self.nodes, self.initializers, self.values = [], [], {}
        self.owners = []                # (node or initializer, the module that wrote it)
        self._converting = ["export_onnx"]
        self._count = 0

    def fresh(self, prefix):
        self._count += 1
        return f"{prefix}_{self._count}"

    def shape(self, name):
        return np.shape(self.values[name])

    def const(self, array, prefix="w"):
        """An initializer holding `array` (cast to the export dtype unless it is integer)."""
        array = np.asarray(getattr(array, "data", array))
        dtype = array.dtype if array.dtype.kind in "iub" else self.dtype
        name = self.fresh(prefix)
        self.initializers.append(self.onnx.numpy_helper.from_array(
            np.ascontiguousarray(array, dtype=dtype), name))
        self.owners.append((self.initializers[-1], self._converting[-1]))
        return name

    def ints(self, values):
        return self.const(np.asarray(values, dtype=np.int64), "shape")

    def node(self, op, inputs, n_out=1, **attrs):
        outputs = [self.fresh(op.lower()) for _ in range(n_out)]
        self.nodes.append(self.onnx.helper.make_node(op, list(inputs), outputs,
                                                     name=self.fresh(op), **attrs))
        self.owners.append((self.nodes[-1], self._converting[-1]))
        return outputs[0] if n_out == 1 else outputs

    def traced(self, name, value):
        """name, after recording the value it has in the traced run."""
        self.values[name] = value
        return name

    def add(self, a, b):
        return self.traced(self.node("Add", [a, b]), self.values[a] + self.values[b])

    def convert(self, module, *xs):
        """Convert one module applied to inputs xs, recording the traced values of its
        outputs."""
        converter = converter_for(module)
        value = module(*(self.values[x] for x in xs))
        self._converting.append(type(module).__name__)
        out = converter(module, self, *xs)
        self._converting.pop()
        for name, v in zip(_flat(out), _flat(value)):
            self.traced(name, v)
        return out


def _flat(out):
    """Nested tuples of outputs as one flat list, in order."""
    if isinstance(out, (tuple, list)):
        return [leaf for item in out for leaf in _flat(item)]
    return [out]


# ---- activations: an emitter per nn.functional function, shared by modules and MLP ---------


def _scaled(g, op, x, scale, **attrs):
    """op(scale·x)/scale, or op(x) when scale is 1."""
    if scale == 1:
        return g.node(op, [x], **attrs)
    y = g.node(op, [g.node("Mul", [x, g.const(scale)])], **attrs)
    return g.node("Div", [y, g.const(scale)])


def _gelu(g, x, approximate="none"):
    if approximate == "none":
        inner = g.node("Add", [g.node("Erf", [g.node("Mul", [x, g.const(1 / np.sqrt(2.0))])]),
                               g.const(1.0)])
    else:
        cube = g.node("Mul", [g.node("Mul", [x, x]), x])
        arg = g.node("Mul", [g.node("Add", [x, g.node("Mul", [cube, g.const(0.044715)])]),
                             g.const(np.sqrt(2 / np.pi))])
        inner = g.node("Add", [g.node("Tanh", [arg]), g.const(1.0)])
    return g.node("Mul", [g.node("Mul", [x, inner]), g.const(0.5)])


_ACTIVATIONS = {
    F.identity: lambda g, x: g.node("Identity", [x]),
    F.relu: lambda g, x: g.node("Relu", [x]),
    F.tanh: lambda g, x: g.node("Tanh", [x]),
    F.sigmoid: lambda g, x: g.node("Sigmoid", [x]),
    F.silu: lambda g, x: g.node("Mul", [x, g.node("Sigmoid", [x])]),
    F.leaky_relu: lambda g, x, slope=0.01: g.node("LeakyRelu", [x], alpha=float(slope)),
    F.elu: lambda g, x, alpha=1.0: g.node("Elu", [x], alpha=float(alpha)),
    F.softplus: lambda g, x, beta=1.0: _scaled(g, "Softplus", x, beta),
    F.gelu: _gelu,
}


def _activation(fn, owner):
    try:
        return _ACTIVATIONS[fn]
    except (KeyError, TypeError):
        raise NotImplementedError(f"export_onnx: {owner} uses the activation "
                                  f"{getattr(fn, '__name__', fn)!r}, which has no ONNX "
                                  "converter") from None


# ---- converters -----------------------------------------------------------------------------


def _sequential(m, g, x):
    for child in m:
        x = g.convert(child, x)
    return x


def _linear(m, g, x):
    y = g.node("MatMul", [x, g.const(np.transpose(m.weight.data), "weight")])
    return y if m.bias is None else g.node("Add", [y, g.const(m.bias, "bias")])


def _mlp(m, g, x):
    for i, layer in enumerate(m.layers):
        x = g.convert(layer, x)
        fn = m.activation if i < len(m.layers) - 1 else m.output_activation
        x = g.traced(_activation(fn, "MLP")(g, x), fn(g.values[x]))
    return x


def _batch_norm(m, g, x):
    if not m.track_running_stats:
        raise NotImplementedError(f"export_onnx: {type(m).__name__} with "
                                  "track_running_stats=False normalises with batch statistics "
                                  "at inference, which ONNX's BatchNormalization does not")
    n = m.num_features
    scale = m.weight if m.affine else np.ones(n)
    bias = m.bias if m.affine else np.zeros(n)
    return g.node("BatchNormalization", [x, g.const(scale), g.const(bias),
                                         g.const(m.running_mean), g.const(m.running_var)],
                  epsilon=float(m.eps))


def _layer_norm(m, g, x):
    shape = m.normalized_shape
    weight = m.weight if m.elementwise_affine else np.ones(shape)
    inputs = [x, g.const(weight)] + ([g.const(m.bias)] if m.elementwise_affine else [])
    return g.node("LayerNormalization", inputs, axis=-len(shape), epsilon=float(m.eps))


def _flatten(m, g, x):
    rank = len(g.shape(x))
    start, end = m.start_dim % rank, m.end_dim % rank
    if start == 1 and end == rank - 1:
        return g.node("Flatten", [x], axis=1)
    # copy the axes before start (0 keeps a dynamic batch), merge start..end (-1), keep the rest
    kept = list(g.shape(x)[end + 1:])
    return g.node("Reshape", [x, g.ints([0] * start + [-1] + kept)])


def _unflatten(m, g, x):
    shape = g.shape(x)
    dim = m.dim % len(shape)
    # axes before dim keep their size (0: copied, so a batch axis stays dynamic)
    return g.node("Reshape", [x, g.ints([0] * dim + list(m.unflattened_size)
                                        + list(shape[dim + 1:]))])


def _batched(m, g, x, d):
    if len(g.shape(x)) != d + 2:
        raise NotImplementedError(f"export_onnx: {type(m).__name__} exports batched input only "
                                  f"(N, C, {spatial.axes_names(d)}); got shape {g.shape(x)}")


def _pads(widths):
    """ONNX's pads attribute: every axis's start, then every axis's end."""
    return [int(a) for a, _ in widths] + [int(b) for _, b in widths]


_PAD_MODES = {"reflect": "reflect", "replicate": "edge"}


def _conv(m, g, x):
    d = m._d
    _batched(m, g, x, d)
    widths = spatial._conv_padding(m.padding, d, m.kernel_size, m.stride, m.dilation, m._call)
    if m.padding_mode != "zeros":
        if m.padding_mode not in _PAD_MODES:
            raise NotImplementedError(f"export_onnx: {m._call} with padding_mode="
                                      f"{m.padding_mode!r} has no ONNX converter")
        x = g.node("Pad", [x, g.ints(_pads(((0, 0), (0, 0)) + widths))],
                   mode=_PAD_MODES[m.padding_mode])
        widths = ((0, 0),) * d
    inputs = [x, g.const(m.weight, "weight")] + ([] if m.bias is None
                                                 else [g.const(m.bias, "bias")])
    return g.node("Conv", inputs, kernel_shape=list(m.kernel_size), strides=list(m.stride),
                  dilations=list(m.dilation), group=int(m.groups), pads=_pads(widths))


def _geometry(m, g, x, d, dilation=1):
    """kernel, stride and dilation as lists, and the (before, after) padding of each spatial
    axis, ceil_mode's extra included (as nn.spatial computes them)."""
    _batched(m, g, x, d)
    _, _, kernel, stride, dilation, widths = spatial._pool_geometry(
        g.values[x], d, m.kernel_size, m.stride, m.padding, dilation, m.ceil_mode,
        type(m).__name__)
    return list(kernel), list(stride), list(dilation), widths


def _max_pool(d):
    def convert(m, g, x):
        kernel, stride, dilation, widths = _geometry(m, g, x, d, m.dilation)
        return g.node("MaxPool", [x], kernel_shape=kernel, strides=stride, dilations=dilation,
                      pads=_pads(widths))
    return convert


def _avg_pool(d):
    def convert(m, g, x):
        kernel, stride, _, widths = _geometry(m, g, x, d)
        divisor = getattr(m, "divisor_override", None)
        if divisor is not None:             # every window's sum, over the given divisor
            y = g.node("AveragePool", [x], kernel_shape=kernel, strides=stride,
                       pads=_pads(widths), count_include_pad=1)
            return g.node("Mul", [y, g.const(np.prod(kernel) / divisor)])
        if m.count_include_pad:             # zeros for the padding, ceil_mode's extra uncounted
            x = g.node("Pad", [x, g.ints(_pads(((0, 0), (0, 0)) + tuple(
                (a, a) for a, _ in widths)))], mode="constant")
            widths = tuple((0, b - a) for a, b in widths)
        return g.node("AveragePool", [x], kernel_shape=kernel, strides=stride,
                      pads=_pads(widths), count_include_pad=0)
    return convert


def _adaptive_avg_pool(d):
    """One averaging matrix per spatial axis, as nn.spatial.adaptive_avg_pool."""
    def convert(m, g, x):
        _batched(m, g, x, d)
        shape, result = g.shape(x), np.shape(m(g.values[x]))
        for axis in range(2, d + 2):
            if shape[axis] != result[axis]:
                perm = list(range(d + 2))
                perm[axis], perm[-1] = perm[-1], perm[axis]
                y = g.node("MatMul", [g.node("Transpose", [x], perm=perm),
                                      g.const(spatial._bins(shape[axis], result[axis]).T)])
                x = g.node("Transpose", [y], perm=perm)
        return x
    return convert


def _embedding(m, g, x):
    return g.node("Gather", [g.const(m.weight, "embedding"), x], axis=0)


# PyTorch's gate blocks in ONNX's order: LSTM i,f,g,o -> i,o,f,c; GRU r,z,n -> z,r,h.
_GATE_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN_TANH": [0], "RNN_RELU": [0]}
_ONNX_OP = {"LSTM": "LSTM", "GRU": "GRU", "RNN_TANH": "RNN", "RNN_RELU": "RNN"}


def _recurrent(m, g, x):
    if len(g.shape(x)) != 3:
        raise NotImplementedError(f"export_onnx: {m._label()} exports batched input only "
                                  f"((T, N, I) or (N, T, I)); got shape {g.shape(x)}")
    order, H = _GATE_ORDER[m.mode], m.hidden_size

    def gates(a):
        a = np.asarray(a.data)
        return np.concatenate([a[k * H:(k + 1) * H] for k in order], axis=0)

    directions = ("", "_reverse")[:m.num_directions]
    attrs = {"hidden_size": H,
             "direction": "bidirectional" if m.bidirectional else "forward"}
    if m.mode == "GRU":
        attrs["linear_before_reset"] = 1
    if m.mode == "RNN_RELU":
        attrs["activations"] = ["Relu"] * m.num_directions
    if m.batch_first:
        x = g.node("Transpose", [x], perm=[1, 0, 2])
    finals = []
    for layer in range(m.num_layers):
        weights = [m._weights(layer, d) for d in directions]
        w = g.const(np.stack([gates(ws[0]) for ws in weights]), "W")
        r = g.const(np.stack([gates(ws[1]) for ws in weights]), "R")
        inputs = [x, w, r]
        if m.bias:
            inputs.append(g.const(np.stack([np.concatenate([gates(ws[2]), gates(ws[3])])
                                            for ws in weights]), "B"))
        outs = g.node(_ONNX_OP[m.mode], inputs, n_out=3 if m.mode == "LSTM" else 2, **attrs)
        # Y is (T, D, N, H); the next layer and the result want (T, N, D·H)
        x = g.node("Reshape", [g.node("Transpose", [outs[0]], perm=[0, 2, 1, 3]),
                               g.ints([0, 0, -1])])
        finals.append(outs[1:])
    output = g.node("Transpose", [x], perm=[1, 0, 2]) if m.batch_first else x
    h_n = tuple(g.node("Concat", [f[i] for f in finals], axis=0) if m.num_layers > 1
                else finals[0][i] for i in range(len(finals[0])))
    return (output, h_n) if m.mode == "LSTM" else (output, h_n[0])


def _attention(m, g, query, key, value):
    """MultiheadAttention without masks: (output, weights averaged over heads)."""
    if len(g.shape(query)) != 3:
        raise NotImplementedError(f"export_onnx: {m._label()} exports batched input only; got "
                                  f"query of shape {g.shape(query)}")
    E, H, d = m.embed_dim, m.num_heads, m.head_dim
    b = np.zeros(3 * E) if m.in_proj_bias is None else m.in_proj_bias.data
    w = [m.in_proj_weight.data[i * E:(i + 1) * E] for i in range(3)] if m._same_dims else \
        [m.q_proj_weight.data, m.k_proj_weight.data, m.v_proj_weight.data]

    def heads(x, i):            # (L, N, E) projection -> (N·H, L, d), as PyTorch's view
        if m.batch_first:
            x = g.node("Transpose", [x], perm=[1, 0, 2])
        x = g.node("Add", [g.node("MatMul", [x, g.const(w[i].T, "weight")]),
                           g.const(b[i * E:(i + 1) * E], "bias")])
        return g.node("Transpose", [g.node("Reshape", [x, g.ints([0, -1, d])])],
                      perm=[1, 0, 2])

    q = g.node("Mul", [heads(query, 0), g.const(1 / np.sqrt(d))])
    scores = g.node("MatMul", [q, g.node("Transpose", [heads(key, 1)], perm=[0, 2, 1])])
    weights = g.node("Softmax", [scores], axis=-1)
    out = g.node("MatMul", [weights, heads(value, 2)])                     # (N·H, L, d)
    out = g.node("Reshape", [g.node("Transpose", [out], perm=[1, 0, 2]), g.ints([0, -1, E])])
    out = _linear(m.out_proj, g, out)
    if m.batch_first:
        out = g.node("Transpose", [out], perm=[1, 0, 2])
    lengths = g.node("Slice", [g.node("Shape", [weights]), g.ints([1]), g.ints([3])])  # L, S
    per_head = g.node("Reshape", [weights, g.node("Concat", [g.ints([-1, H]), lengths],
                                                  axis=0)])
    if g.opset >= 18:
        mean = g.node("ReduceMean", [per_head, g.ints([1])], keepdims=0)
    else:
        mean = g.node("ReduceMean", [per_head], axes=[1], keepdims=0)
    return out, mean


def _transformer_layer(m, g, x, memory=None):
    """Post-norm x = norm(x + f(x)) or, with norm_first, x + f(norm(x)), for the self-attention,
    the attention over memory (decoder layers) and the feed-forward network; no masks."""
    act = _activation(m.activation, type(m).__name__)

    def feed_forward(y):
        h = g.convert(m.linear1, y)
        return g.convert(m.linear2, g.traced(act(g, h), m.activation(g.values[h])))

    blocks = [(m.norm1, lambda y: g.convert(m.self_attn, y, y, y)[0])]
    if memory is not None:
        blocks.append((m.norm2, lambda y: g.convert(m.multihead_attn, y, memory, memory)[0]))
    blocks.append((m.norm3 if memory is not None else m.norm2, feed_forward))
    for norm, block in blocks:
        x = g.add(x, block(g.convert(norm, x))) if m.norm_first else \
            g.convert(norm, g.add(x, block(x)))
    return x


def _transformer_stack(m, g, x, *memory):
    for layer in m.layers:
        x = g.convert(layer, x, *memory)
    return x if m.norm is None else g.convert(m.norm, x)


def _positional_encoding(table):
    """x + the table's first T rows, T read from x at run time (so T may vary)."""
    def convert(m, g, x):
        traced = _positions(m, g.values[x], getattr(m, table))         # checks x's shape
        kept = getattr(m, table)[:m.max_len if "sequence" in g.dynamic else len(traced)]
        axis = int(m.batch_first and len(g.shape(x)) == 3)
        T = g.node("Slice", [g.node("Shape", [x]), g.ints([axis]), g.ints([axis + 1])])
        rows = g.node("Slice", [g.const(kept, "positions"), g.ints([0]), T])
        if np.ndim(traced) == 3:
            rows = g.node("Unsqueeze", [rows, g.ints([1])])
        return g.node("Add", [x, rows])
    return convert


def _elementwise(fn, *params):
    """A converter for a module wrapping activation fn, called with the module's params."""
    def convert(m, g, x):
        return _ACTIVATIONS[fn](g, x, *(getattr(m, p) for p in params))
    return convert


CONVERTERS = {
    Sequential: _sequential,
    Linear: _linear,
    MLP: _mlp,
    Identity: _elementwise(F.identity),
    Dropout: _elementwise(F.identity),               # the identity at inference
    Dropout2d: _elementwise(F.identity),
    ReLU: _elementwise(F.relu),
    Tanh: _elementwise(F.tanh),
    Sigmoid: _elementwise(F.sigmoid),
    SiLU: _elementwise(F.silu),
    LeakyReLU: _elementwise(F.leaky_relu, "negative_slope"),
    ELU: _elementwise(F.elu, "alpha"),
    Softplus: _elementwise(F.softplus, "beta"),
    GELU: _elementwise(F.gelu, "approximate"),
    Softmax: lambda m, g, x: g.node("Softmax", [x], axis=m.axis),
    LogSoftmax: lambda m, g, x: g.node("LogSoftmax", [x], axis=m.axis),
    BatchNorm1d: _batch_norm,
    BatchNorm2d: _batch_norm,
    LayerNorm: _layer_norm,
    Embedding: _embedding,
    Flatten: _flatten,
    Unflatten: _unflatten,
    Conv1d: _conv,
    Conv2d: _conv,
    Conv3d: _conv,
    MaxPool1d: _max_pool(1),
    MaxPool2d: _max_pool(2),
    AvgPool1d: _avg_pool(1),
    AvgPool2d: _avg_pool(2),
    AdaptiveAvgPool1d: _adaptive_avg_pool(1),
    AdaptiveAvgPool2d: _adaptive_avg_pool(2),
    MultiheadAttention: _attention,
    TransformerEncoderLayer: _transformer_layer,
    TransformerDecoderLayer: _transformer_layer,
    TransformerEncoder: _transformer_stack,
    TransformerDecoder: _transformer_stack,
    SinusoidalPositionalEncoding: _positional_encoding("pe"),
    LearnedPositionalEncoding: _positional_encoding("weight"),
    RNN: _recurrent,
    LSTM: _recurrent,
    GRU: _recurrent,
}


def converter_for(module):
    """The converter of module's class, or of its nearest base class that has one when no
    class in between overrides forward."""
    for cls in type(module).__mro__:
        if cls in CONVERTERS:
            return CONVERTERS[cls]
        if "forward" in vars(cls):
            break
    raise NotImplementedError(
        f"export_onnx: no ONNX converter for {type(module).__name__}; supported layers: "
        f"{', '.join(sorted(c.__name__ for c in CONVERTERS))} (add one with "
        "nn.onnx_export.CONVERTERS[MyLayer] = convert)")


def _elem_type(onnx, dtype):
    return onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


def _value_info(onnx, name, value, dims):
    """A graph input's or output's type and shape, the axes in dims named (dynamic)."""
    shape = [dims.get(i, n) for i, n in enumerate(np.shape(value))]
    return onnx.helper.make_tensor_value_info(name, _elem_type(onnx, np.asarray(value).dtype),
                                              shape)


def _grown(x, axis):
    """x with one more entry along axis (its first repeated)."""
    return np.concatenate([x, np.take(x, [0], axis=axis)], axis=axis)


def _as_input(x, dtype):
    x = np.asarray(getattr(x, "data", x))
    return x.astype(dtype) if x.dtype.kind == "f" else x.astype(np.int64)


def _trace(onnx, model, inputs, dtype, opset, dynamic):
    """The graph of model converted in eval mode on inputs, its output names and values."""
    g = _Graph(onnx, dtype, opset, dynamic)
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with ag.no_grad():
            outputs = _flat(g.convert(model, *(g.traced(n, x) for n, x in inputs.items())))
    finally:
        for m, training in modes:
            m.training = training
    return g, outputs, [np.asarray(getattr(g.values[o], "data", g.values[o])) for o in outputs]


def _check_independent(g, other, axis, label):
    """Raise unless graphs g and other, traced at two lengths of input axis `axis`, are the
    same: a graph that depends on the length cannot take any length."""
    for mine, theirs in itertools.zip_longest(g.owners, other.owners, fillvalue=(None, None)):
        if mine[0] is None or theirs[0] is None or \
                mine[0].SerializeToString() != theirs[0].SerializeToString():
            raise NotImplementedError(
                f"export_onnx: {mine[1] or theirs[1]}'s ONNX nodes depend on the length of input "
                f"axis {axis}, so that axis cannot be dynamic ({label}); export with a fixed "
                "length")


def export_onnx(model, example_input, path, dynamic_batch=True, opset=DEFAULT_OPSET,
                batch_axis=0, sequence_axis=None, dtype=np.float32):
    """Write model (in eval mode) as an ONNX file at `path` traced on example_input (a tuple
    for several inputs: "input_0", ...; else "input"); floating inputs and weights are stored
    as `dtype`. The inputs' batch_axis (with dynamic_batch; 1 for sequence-first recurrent and
    attention layers) and sequence_axis (if given) take any size, and the output axes that
    follow them. Returns the onnx.ModelProto."""
    try:
        import onnx
        import onnx.numpy_helper  # noqa: F401
    except ImportError:
        raise ImportError("export_onnx needs the onnx package: pip install "
                          "\"chainrule[onnx]\"") from None
    if not isinstance(model, Module):
        raise TypeError(f"export_onnx: expected an nn.Module, got {type(model).__name__}")
    dynamic = ({batch_axis: "batch"} if dynamic_batch else {}) | \
        ({} if sequence_axis is None else {sequence_axis: "sequence"})
    if dynamic_batch and sequence_axis == batch_axis:
        raise ValueError(f"export_onnx: sequence_axis and batch_axis are both {batch_axis}")
    examples = list(example_input) if isinstance(example_input, (tuple, list)) \
        else [example_input]
    names = ["input"] if len(examples) == 1 else [f"input_{i}" for i in range(len(examples))]
    inputs = {n: _as_input(x, dtype) for n, x in zip(names, examples)}
    g, outputs, values = _trace(onnx, model, inputs, dtype, opset, set(dynamic.values()))
    out_dims = [{} for _ in outputs]
    for axis, label in dynamic.items():
        grown = {n: _grown(x, axis) for n, x in inputs.items()}
        other, _, other_values = _trace(onnx, model, grown, dtype, opset, set(dynamic.values()))
        _check_independent(g, other, axis, label)
        for dims, v, w in zip(out_dims, values, other_values):
            dims.update({i: label for i, (a, b) in enumerate(zip(v.shape, w.shape)) if a != b})
    out_names = ["output"] if len(outputs) == 1 else [f"output_{i}" for i in range(len(outputs))]
    g.nodes += [onnx.helper.make_node("Identity", [o], [n]) for o, n in zip(outputs, out_names)]
    graph = onnx.helper.make_graph(
        g.nodes, type(model).__name__,
        [_value_info(onnx, n, x, dynamic) for n, x in inputs.items()],
        [_value_info(onnx, n, v.astype(dtype) if v.dtype.kind == "f" else v, dims)
         for n, v, dims in zip(out_names, values, out_dims)],
        initializer=g.initializers)
    opset_id = onnx.helper.make_opsetid("", opset)
    proto = onnx.helper.make_model(graph, opset_imports=[opset_id], producer_name="chainrule")
    proto.ir_version = onnx.helper.find_min_ir_version_for([opset_id])
    onnx.checker.check_model(proto, full_check=True)
    onnx.save(proto, str(path))
    return proto
