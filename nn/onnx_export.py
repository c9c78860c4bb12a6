"""Export a model to ONNX, one converter per layer class (CONVERTERS), so the file can be served
by onnxruntime or any other ONNX runtime. Needs the optional extra: pip install "chainrule[onnx]".

A converter is `convert(module, graph, *inputs, **keywords)`, called like the module's forward
with ONNX value names in place of arrays (a tuple of names for a tuple of arrays, such as
LSTM's hx; flags such as is_causal as they are); it adds nodes with
`graph.node(op, inputs, **attributes)` (weights as initializers: `graph.const`) and returns the
output's name, or a tuple of names for layers that return tuples (RNN, LSTM,
MultiheadAttention; None for an output left out). `graph.convert(submodule, *names, **kw)`
converts a child module; `graph.shape(name)` is the shape the value had in the traced run
(names made outside graph.convert get one with `graph.traced(name, value)`).

Every layer of nn has a converter. Not exported, with a NotImplementedError naming the reason:
the losses (training only), BatchNorm with track_running_stats=False (batch statistics at
inference), Conv padding_mode='circular', activations outside nn.functional's, the scalar
layers (Neuron, Layer, ScalarMLP) fed a sequence of 0-d tensors instead of one tensor (a list
of numbers is one), and Perceptron.predict (forward, the score, is exported).
"""

import itertools

import numpy as np

import autograd as ag

from . import functional as F
from . import spatial
from .layers import (ELU, GELU, GRU, LSTM, MLP, RNN, AdaptiveAvgPool1d, AdaptiveAvgPool2d,
                     AvgPool1d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv1d, Conv2d, Conv3d,
                     Dropout, Dropout2d, Embedding, Flatten, GRUCell, Identity, Layer, LayerNorm,
                     LearnedPositionalEncoding, LeakyReLU, Linear, LogSoftmax, LSTMCell, Maxout,
                     MaxPool1d, MaxPool2d, MultiheadAttention, Neuron, Perceptron, ReLU, RNNCell,
                     ScalarMLP, Sigmoid, SiLU, SinusoidalPositionalEncoding, Softmax, Softplus,
                     Tanh, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder,
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

    def value(self, x):
        """The traced value of a name, of each name in a tuple; anything else is itself."""
        if isinstance(x, str):
            return self.values[x]
        return tuple(self.value(v) for v in x) if isinstance(x, tuple) else x

    def convert(self, module, *xs, **kw):
        """Convert one module applied to inputs xs and keyword arguments kw (names, tuples of
        names, or plain values such as flags), recording the traced values of its outputs."""
        converter = converter_for(module)
        value = module(*map(self.value, xs), **{k: self.value(v) for k, v in kw.items()})
        self._converting.append(type(module).__name__)
        out = converter(module, self, *xs, **kw)
        self._converting.pop()
        for name, v in zip(_flat(out), _flat(value)):
            self.traced(name, v)
        return out


def _flat(out):
    """Nested tuples of outputs as one flat list, in order, without the Nones (outputs a
    module leaves out, such as attention weights with need_weights=False)."""
    if isinstance(out, (tuple, list)):
        return [leaf for item in out for leaf in _flat(item)]
    return [] if out is None else [out]


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


def _reduce(g, op, x, axis):
    """op (ReduceMean, ReduceMax) over one axis, not kept; its axes are an input from opset 18."""
    if g.opset >= 18:
        return g.node(op, [x, g.ints([axis])], keepdims=0)
    return g.node(op, [x], axes=[axis], keepdims=0)


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


def _maxout(m, g, x):
    shape = g.shape(x)
    axis = m.axis % len(shape)
    grouped = g.node("Reshape", [x, g.ints([0] * axis + [-1, m.pieces]
                                           + list(shape[axis + 1:]))])
    return _reduce(g, "ReduceMax", grouped, axis + 1)


def _perceptron(m, g, x):
    """The score x·w + b (predict's sign is left to the caller)."""
    return g.node("Add", [g.node("MatMul", [x, g.const(m.weight, "weight")]),
                          g.const(m.bias, "bias")])


def _scalar(m, g, x):
    """Neuron, Layer, ScalarMLP on a tensor (..., nin): each layer's scalar weights gathered
    into one (nin, nout) matrix, and the result split into one output per neuron as
    chainrule's lists."""
    if not isinstance(x, str):
        raise NotImplementedError(f"export_onnx: {type(m).__name__} exports a tensor input "
                                  "(..., nin), not a sequence of scalar tensors")
    layers = [[m]] if isinstance(m, Neuron) else [m.neurons] if isinstance(m, Layer) else \
        [layer.neurons for layer in m.layers]
    for neurons in layers:
        w = np.array([[np.asarray(wi.data) for wi in n.weights] for n in neurons]).T
        x = g.node("MatMul", [x, g.const(w, "weight")])
        if neurons[0].b is not None:
            x = g.node("Add", [x, g.const([np.asarray(n.b.data) for n in neurons], "bias")])
        act = neurons[0].activation
        x = _activation(act, type(m).__name__)(g, x)
    outs = g.node("Split", [x, g.ints([1] * len(neurons))], n_out=len(neurons), axis=-1) \
        if len(neurons) > 1 else [x]
    outs = [g.node("Squeeze", [o, g.ints([-1])]) for o in outs]
    return outs[0] if len(outs) == 1 else outs


def _embedding(m, g, x):
    return g.node("Gather", [g.const(m.weight, "embedding"), x], axis=0)


# PyTorch's gate blocks in ONNX's order: LSTM i,f,g,o -> i,o,f,c; GRU r,z,n -> z,r,h.
_GATE_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN_TANH": [0], "RNN_RELU": [0]}
_ONNX_OP = {"LSTM": "LSTM", "GRU": "GRU", "RNN_TANH": "RNN", "RNN_RELU": "RNN"}


def _unbatched(m, g, x, rank):
    """Whether x is unbatched (of this rank); such a model has no batch axis to keep dynamic."""
    if len(g.shape(x)) != rank:
        return False
    if "batch" in g.dynamic:
        raise ValueError(f"export_onnx: {type(m).__name__} got unbatched input of shape "
                         f"{g.shape(x)}, which has no batch axis; export it with "
                         "dynamic_batch=False (sequence_axis=0 lets its length vary)")
    return True


def _rnn_node(m, g, x, weights, seq="", states=()):
    """One ONNX RNN/LSTM/GRU node over x (T, N, I) with m's hidden size and mode, weights
    [(w_ih, w_hh, b_ih, b_hh)] per direction, optional sequence lengths (int32) and initial
    states (D, N, H); returns its outputs Y (T, D, N, H), Y_h (and Y_c)."""
    order, H = _GATE_ORDER[m.mode], m.hidden_size

    def gates(a):
        a = np.asarray(a.data)
        return np.concatenate([a[k * H:(k + 1) * H] for k in order], axis=0)

    attrs = {"hidden_size": H, "direction": "bidirectional" if len(weights) == 2 else "forward"}
    if m.mode == "GRU":
        attrs["linear_before_reset"] = 1
    if m.mode == "RNN_RELU":
        attrs["activations"] = ["Relu"] * len(weights)
    inputs = [x, g.const(np.stack([gates(ws[0]) for ws in weights]), "W"),
              g.const(np.stack([gates(ws[1]) for ws in weights]), "R"),
              g.const(np.stack([np.concatenate([gates(ws[2]), gates(ws[3])]) for ws in weights]),
                      "B") if weights[0][2] is not None else "", seq, *states]
    while inputs[-1] == "":                 # optional inputs left out at the end
        inputs.pop()
    return g.node(_ONNX_OP[m.mode], inputs, n_out=3 if m.mode == "LSTM" else 2, **attrs)


def _states(m, hx):
    """The names of the initial state tensors passed as hx: (h_0, c_0) for LSTMs, (h_0,)
    else, () when none."""
    return () if hx is None else tuple(hx) if m.mode == "LSTM" else (hx,)


def _recurrent(m, g, x, hx=None, lengths=None):
    """RNN, LSTM, GRU: one ONNX node per layer; hx and lengths become initial_h (initial_c)
    and sequence_lens, which leave outputs past a sequence's end at 0 and its final state at
    its last valid step, as chainrule."""
    unbatched = _unbatched(m, g, x, 2)
    x = g.node("Unsqueeze", [x, g.ints([1])]) if unbatched else \
        g.node("Transpose", [x], perm=[1, 0, 2]) if m.batch_first else x
    states = [g.node("Unsqueeze", [s, g.ints([1])]) if unbatched else s for s in _states(m, hx)]
    seq = "" if lengths is None else g.node("Cast", [lengths], to=g.onnx.TensorProto.INT32)
    if seq and states:          # onnxruntime zeroes the final state of an empty sequence
        started = g.node("Reshape", [g.node("Greater", [lengths, g.ints(0)]),
                                     g.ints([1, -1, 1])])
    D = m.num_directions
    finals = []
    for layer in range(m.num_layers):
        initial = [g.node("Slice", [s, g.ints([layer * D]), g.ints([(layer + 1) * D]),
                                    g.ints([0])]) for s in states]
        weights = [m._weights(layer, d) for d in ("", "_reverse")[:D]]
        outs = _rnn_node(m, g, x, weights, seq, initial)
        if seq and states:      # chainrule keeps it at the initial state
            outs[1:] = [g.node("Where", [started, f, s]) for f, s in zip(outs[1:], initial)]
        # Y is (T, D, N, H); the next layer and the result want (T, N, D·H)
        x = g.node("Reshape", [g.node("Transpose", [outs[0]], perm=[0, 2, 1, 3]),
                               g.ints([0, 0, -1])])
        finals.append(outs[1:])
    h_n = [g.node("Concat", [f[i] for f in finals], axis=0) if m.num_layers > 1
           else finals[0][i] for i in range(len(finals[0]))]
    if unbatched:
        x, *h_n = (g.node("Squeeze", [v, g.ints([1])]) for v in [x, *h_n])
    elif m.batch_first:
        x = g.node("Transpose", [x], perm=[1, 0, 2])
    return (x, tuple(h_n)) if m.mode == "LSTM" else (x, h_n[0])


def _cell(m, g, x, hx=None):
    """RNNCell, LSTMCell, GRUCell: a one-step ONNX RNN, LSTM or GRU."""
    axes = g.ints([0, 1] if _unbatched(m, g, x, 1) else [0])   # (N, I) or (I,) -> (1, N, I)
    outs = _rnn_node(m, g, g.node("Unsqueeze", [x, axes]), [m._weights()], "",
                     [g.node("Unsqueeze", [s, axes]) for s in _states(m, hx)])
    finals = tuple(g.node("Squeeze", [f, axes]) for f in outs[1:])
    return finals if m.mode == "LSTM" else finals[0]


def _keep_and_add(g, mask):
    """A mask as ONNX values (keep, add) as nn.functional's _mask_parts: a boolean mask
    (True = may NOT attend, nn.MultiheadAttention's convention) gives keep = not mask, a float
    mask keep = (mask > -inf) and add = mask where kept, else 0."""
    if g.values[mask].dtype == np.bool_:
        return g.node("Not", [mask]), None
    keep = g.node("Not", [g.node("IsInf", [mask], detect_positive=0)])
    return keep, g.node("Where", [keep, mask, g.const(0.0)])


def _causal(g, q, k):
    """The (L, S) mask 'key j <= query i' of is_causal, L and S read from q and k (…, L, ·)."""
    def positions(x, axis):
        n = g.node("Squeeze", [g.node("Slice", [g.node("Shape", [x]), g.ints([axis]),
                                                g.ints([axis + 1])])])
        return g.node("Range", [g.ints(0), n, g.ints(1)])
    rows = g.node("Unsqueeze", [positions(q, -2), g.ints([1])])
    return g.node("Not", [g.node("Greater", [positions(k, -2), rows])])


def _attention(m, g, query, key, value, key_padding_mask=None, need_weights=True,
               attn_mask=None, average_attn_weights=True, is_causal=False):
    """MultiheadAttention: (output, weights averaged over heads or per head); masked weights
    are 0 and a query that may attend to no key gets zero weights, as chainrule."""
    batched = not _unbatched(m, g, query, 2)

    def sequence_first(x):                  # (L, N, ·) from any accepted layout
        if not batched:
            return g.node("Unsqueeze", [x, g.ints([1])])
        return g.node("Transpose", [x], perm=[1, 0, 2]) if m.batch_first else x

    E, H, d = m.embed_dim, m.num_heads, m.head_dim
    b = np.zeros(3 * E) if m.in_proj_bias is None else m.in_proj_bias.data
    w = [m.in_proj_weight.data[i * E:(i + 1) * E] for i in range(3)] if m._same_dims else \
        [m.q_proj_weight.data, m.k_proj_weight.data, m.v_proj_weight.data]

    def heads(x, i):            # (L, N, E) projection -> (N, H, L, d), as PyTorch's view
        x = g.node("Add", [g.node("MatMul", [sequence_first(x), g.const(w[i].T, "weight")]),
                           g.const(b[i * E:(i + 1) * E], "bias")])
        return g.node("Transpose", [g.node("Reshape", [x, g.ints([0, 0, H, d])])],
                      perm=[1, 2, 0, 3])

    q = g.node("Mul", [heads(query, 0), g.const(1 / np.sqrt(d))])
    k = heads(key, 1)
    scores = g.node("MatMul", [q, g.node("Transpose", [k], perm=[0, 1, 3, 2])])  # (N, H, L, S)
    masks = []
    if attn_mask is not None:
        parts = _keep_and_add(g, attn_mask)
        if len(g.shape(attn_mask)) == 3:    # (N·H, L, S) -> (N, H, L, S)
            shape = g.node("Shape", [scores])
            parts = tuple(v and g.node("Reshape", [v, shape]) for v in parts)
        masks.append(parts)
    elif is_causal:
        masks.append((_causal(g, q, k), None))
    if key_padding_mask is not None:        # (N, S) or (S,) -> (N, 1, 1, S)
        axes = g.ints([1, 2] if batched else [0, 1, 2])
        masks.append(tuple(v and g.node("Unsqueeze", [v, axes])
                           for v in _keep_and_add(g, key_padding_mask)))
    keeps = [keep for keep, _ in masks]
    for _, add in masks:
        if add is not None:
            scores = g.node("Add", [scores, add])
    if keeps:
        keep = keeps[0] if len(keeps) == 1 else g.node("And", keeps)
        scores = g.node("Where", [keep, scores, g.const(np.finfo(g.dtype).min)])
        weights = g.node("Mul", [g.node("Softmax", [scores], axis=-1),
                                 g.node("Cast", [keep], to=_elem_type(g.onnx, g.dtype))])
    else:
        weights = g.node("Softmax", [scores], axis=-1)
    out = g.node("MatMul", [weights, heads(value, 2)])                     # (N, H, L, d)
    out = g.node("Reshape", [g.node("Transpose", [out], perm=[2, 0, 1, 3]), g.ints([0, 0, E])])
    out = _linear(m.out_proj, g, out)                                       # (L, N, E)
    if not batched:
        out = g.node("Squeeze", [out, g.ints([1])])
    elif m.batch_first:
        out = g.node("Transpose", [out], perm=[1, 0, 2])
    if not need_weights:
        return out, None
    if average_attn_weights:
        weights = _reduce(g, "ReduceMean", weights, 1)
    return out, weights if batched else g.node("Squeeze", [weights, g.ints([0])])


def _transformer_blocks(m, g, x, attentions):
    """Post-norm x = norm(x + f(x)) or, with norm_first, x + f(norm(x)), for each attention
    (its norm, module, memory or None for self-attention, mask, padding mask, is_causal), then
    the feed-forward network with the last norm."""
    act = _activation(m.activation, type(m).__name__)

    def feed_forward(y):
        h = g.convert(m.linear1, y)
        return g.convert(m.linear2, g.traced(act(g, h), m.activation(g.values[h])))

    def attend(attn, kv, mask, padding, causal):
        return lambda y: g.convert(attn, y, kv or y, kv or y, key_padding_mask=padding,
                                   need_weights=False, attn_mask=mask, is_causal=causal)[0]

    norms = [m.norm1, m.norm2, getattr(m, "norm3", None)]
    blocks = [(norm, attend(*a)) for norm, a in zip(norms, attentions)]
    for norm, block in blocks + [(norms[len(blocks)], feed_forward)]:
        x = g.add(x, block(g.convert(norm, x))) if m.norm_first else \
            g.convert(norm, g.add(x, block(x)))
    return x


def _encoder_layer(m, g, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
    return _transformer_blocks(m, g, src, [(m.self_attn, None, src_mask, src_key_padding_mask,
                                            is_causal)])


def _decoder_layer(m, g, tgt, memory, tgt_mask=None, memory_mask=None,
                   tgt_key_padding_mask=None, memory_key_padding_mask=None, tgt_is_causal=False,
                   memory_is_causal=False):
    return _transformer_blocks(m, g, tgt, [
        (m.self_attn, None, tgt_mask, tgt_key_padding_mask, tgt_is_causal),
        (m.multihead_attn, memory, memory_mask, memory_key_padding_mask, memory_is_causal)])


def _transformer_stack(m, g, x, *args, **kw):
    """Each layer with the stack's other arguments, which its layers take in the same order
    (an encoder's `mask` is its layers' src_mask)."""
    if "mask" in kw:
        kw["src_mask"] = kw.pop("mask")
    for layer in m.layers:
        x = g.convert(layer, x, *args, **kw)
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
    TransformerEncoderLayer: _encoder_layer,
    TransformerDecoderLayer: _decoder_layer,
    TransformerEncoder: _transformer_stack,
    TransformerDecoder: _transformer_stack,
    SinusoidalPositionalEncoding: _positional_encoding("pe"),
    LearnedPositionalEncoding: _positional_encoding("weight"),
    RNN: _recurrent,
    LSTM: _recurrent,
    GRU: _recurrent,
    RNNCell: _cell,
    Maxout: _maxout,
    Perceptron: _perceptron,
    Neuron: _scalar,
    Layer: _scalar,
    ScalarMLP: _scalar,
    LSTMCell: _cell,
    GRUCell: _cell,
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


# The dynamic axes of a keyword input, counted from its last axis: key_padding_mask (N, S),
# attn_mask (L, S) (a 3-d (N·heads, L, S) mask keeps its first axis fixed), hx (..., N, H) of
# recurrent layers and cells, lengths (N,).
_KEYWORD_AXES = {
    **dict.fromkeys(["key_padding_mask", "src_key_padding_mask", "tgt_key_padding_mask",
                     "memory_key_padding_mask"], ("batch", "sequence")),
    **dict.fromkeys(["attn_mask", "mask", "src_mask", "tgt_mask", "memory_mask"],
                    ("sequence", "sequence")),
    "hx": ("batch", None), "lengths": ("batch",),
}


def _grown(x, axes):
    """x with one more entry along each of axes (its first repeated)."""
    for axis in axes:
        x = np.concatenate([x, np.take(x, [0], axis=axis)], axis=axis)
    return x


def _as_input(x, dtype):
    x = np.asarray(getattr(x, "data", x))
    return x.astype(dtype) if x.dtype.kind == "f" else x if x.dtype.kind == "b" \
        else x.astype(np.int64)


def _from_last(labels):
    """{axis: label} for an array whose last len(labels) axes are labelled (None: fixed)."""
    return lambda x: {x.ndim - len(labels) + i: label for i, label in enumerate(labels)
                      if label is not None and x.ndim - len(labels) + i >= 0}


def _named(x, name, axes_of, inputs, dtype):
    """x with every array in it (nested tuples allowed; a list of numbers is an array) replaced
    by its graph input's name, `name` or name_0, name_1, ...; inputs[name] = (the array, its
    dynamic axes axes_of(array))."""
    arrays = (np.ndarray, ag.Tensor, tuple, list)
    if isinstance(x, (tuple, list)) and any(isinstance(v, arrays) for v in x):
        return tuple(_named(v, f"{name}_{i}", axes_of, inputs, dtype) for i, v in enumerate(x))
    if not isinstance(x, arrays):
        return x                                # a flag, a number or None: fixed in the graph
    x = _as_input(x, dtype)
    inputs[name] = (x, axes_of(x))
    return name


def _trace(onnx, model, inputs, call, dtype, opset, dynamic):
    """The graph of model converted in eval mode on the arrays `inputs` (name -> array), called
    as call = (args, kwargs) with names in place of arrays; its output names and values."""
    g = _Graph(onnx, dtype, opset, dynamic)
    for n, x in inputs.items():
        g.traced(n, x)
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with ag.no_grad():
            outputs = _flat(g.convert(model, *call[0], **call[1]))
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
    """Write model (in eval mode) as an ONNX file at `path`, traced on example_input: one
    array ("input"), or a tuple of arguments ("input_0", ...) whose last entry may be a dict
    of keyword arguments (as torch.onnx.export): arrays in it are graph inputs named after
    their keyword (key_padding_mask, hx, lengths, ...; a tuple such as LSTM's hx=(h_0, c_0)
    gives hx_0, hx_1), other values (is_causal=True, need_weights=False) are fixed in the
    graph. Floating inputs and weights are stored as `dtype`. The positional inputs'
    batch_axis (with dynamic_batch; 1 for sequence-first recurrent and attention layers) and
    sequence_axis (if given) take any size, as do the matching axes of the keyword inputs
    (_KEYWORD_AXES) and of the outputs; axes traced at one length share a name in the file
    ("sequence", "sequence_1", ...), so trace sequences that may differ (a decoder's target
    and memory) at different lengths. Returns the onnx.ModelProto."""
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
    args = list(example_input) if isinstance(example_input, (tuple, list)) \
        else [example_input]
    kwargs = args.pop() if args and isinstance(args[-1], dict) else {}
    inputs = {}
    names = ["input"] if len(args) == 1 else [f"input_{i}" for i in range(len(args))]
    call = ([_named(x, n, lambda x: {a: lb for a, lb in dynamic.items() if a < x.ndim},
                    inputs, dtype) for n, x in zip(names, args)],
            {k: _named(v, k, _from_last([lb if lb in dynamic.values() else None
                                          for lb in _KEYWORD_AXES.get(k, ())]), inputs, dtype)
             for k, v in kwargs.items()})
    labels = {label for _, axes in inputs.values() for label in axes.values()}
    values_of = {n: x for n, (x, _) in inputs.items()}
    g, outputs, values = _trace(onnx, model, values_of, call, dtype, opset, labels)
    # axes of one label and one traced length share a name ("sequence"; "sequence_1" for a
    # second length, such as a decoder's memory); an output axis of no such length has none
    dim_names = {}
    for x, axes in inputs.values():
        for a, label in axes.items():
            k = len({n for lb, n in dim_names if lb == label})
            dim_names.setdefault((label, x.shape[a]), f"{label}_{k}" if k else label)
    out_dims = [{} for _ in outputs]
    for axis, label in dynamic.items():
        if label not in labels:
            continue
        grown = {n: _grown(x, [a for a, lb in axes.items() if lb == label])
                 for n, (x, axes) in inputs.items()}
        try:
            other, _, other_values = _trace(onnx, model, grown, call, dtype, opset, labels)
        except ValueError as e:
            raise ValueError(f"export_onnx: the {label} axis cannot be dynamic: traced again "
                             f"with every {label} axis one longer, the model raised: {e} (pass "
                             "masks, states and lengths as keyword arguments, whose dynamic "
                             "axes are known)") from e
        _check_independent(g, other, axis, label)
        for dims, v, w in zip(out_dims, values, other_values):
            dims.update({i: dim_names.get((label, a)) for i, (a, b) in
                         enumerate(zip(v.shape, w.shape)) if a != b})
    out_names = ["output"] if len(outputs) == 1 else [f"output_{i}" for i in range(len(outputs))]
    g.nodes += [onnx.helper.make_node("Identity", [o], [n]) for o, n in zip(outputs, out_names)]
    graph = onnx.helper.make_graph(
        g.nodes, type(model).__name__,
        [_value_info(onnx, n, x, {a: dim_names[lb, x.shape[a]] for a, lb in axes.items()})
         for n, (x, axes) in inputs.items()],
        [_value_info(onnx, n, v.astype(dtype) if v.dtype.kind == "f" else v, dims)
         for n, v, dims in zip(out_names, values, out_dims)],
        initializer=g.initializers)
    opset_id = onnx.helper.make_opsetid("", opset)
    proto = onnx.helper.make_model(graph, opset_imports=[opset_id], producer_name="chainrule")
    proto.ir_version = onnx.helper.find_min_ir_version_for([opset_id])
    onnx.checker.check_model(proto, full_check=True)
    onnx.save(proto, str(path))
    return proto
