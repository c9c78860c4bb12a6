"""Recurrent layers: RNNCell, LSTMCell, GRUCell and the multi-layer RNN, LSTM and GRU, each a
loop over time steps of the cell's equations (nn.functional_sequence).

Parameter names, shapes, gate order, initialisation U(±1/√hidden) and the (output, h_n) /
(output, (h_n, c_n)) results are PyTorch's, so a PyTorch state_dict loads. Variable-length
batches: `lengths` (one per sequence) gives what PyTorch's packed sequences give: outputs past
a sequence's end are 0 and its final state is the state after its last valid step (the
reverse direction starts at that step).
"""

import math

import numpy as np

import autograd as ag
from autograd import as_array

from .. import functional as F
from .. import init
from ..module import Module, Parameter

__all__ = ["RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _check_size(name, n, owner):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{owner}: {name} must be a positive int; got {n!r}")
    return int(n)


def _uniform_init(module):
    bound = 1 / math.sqrt(module.hidden_size)
    for p in module.parameters():
        init.uniform_(p, -bound, bound)


def _update(mode, gi, gh, state):
    """The new state tuple from projections gi, gh and the old state tuple."""
    if mode == "LSTM":
        return F.lstm_update(gi, gh, state[1])
    if mode == "GRU":
        return (F.gru_update(gi, gh, state[0]),)
    return (F.rnn_update(gi, gh, "tanh" if mode == "RNN_TANH" else "relu"),)


# ---- cells ----------------------------------------------------------------------------------


class _CellBase(Module):
    mode = "RNN_TANH"

    def __init__(self, input_size, hidden_size, bias=True, dtype=None):
        super().__init__()
        owner = type(self).__name__
        self.input_size = _check_size("input_size", input_size, owner)
        self.hidden_size = _check_size("hidden_size", hidden_size, owner)
        self.bias = bias
        g = _GATES[self.mode] * self.hidden_size
        self.weight_ih = Parameter(ag.zeros((g, self.input_size), dtype=dtype))
        self.weight_hh = Parameter(ag.zeros((g, self.hidden_size), dtype=dtype))
        self.register_parameter("bias_ih", Parameter(ag.zeros(g, dtype=dtype)) if bias else None)
        self.register_parameter("bias_hh", Parameter(ag.zeros(g, dtype=dtype)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        """U(-1/√hidden, 1/√hidden) for every weight and bias, as PyTorch."""
        _uniform_init(self)

    def _label(self):
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size})"

    def _check(self, x, states):
        shape = np.shape(x)
        if len(shape) not in (1, 2) or shape[-1] != self.input_size:
            raise ValueError(f"{self._label()}: expected input of shape (N, {self.input_size}) "
                             f"or ({self.input_size},), got {shape}")
        want = shape[:-1] + (self.hidden_size,)
        for name, s in states:
            if s is not None and np.shape(s) != want:
                raise ValueError(f"{self._label()}: {name} of shape {np.shape(s)} does not match "
                                 f"input of shape {shape} (expected {want})")
        return want

    def _zeros(self, x, shape):
        return ag.zeros(shape, dtype=F._dtype(x))

    def _weights(self):
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(_CellBase):
    """h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or relu with nonlinearity='relu')."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu'; got "
                             f"{nonlinearity!r}")
        self.mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(input_size, hidden_size, bias, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        shape = self._check(input, [("hx", hx)])
        h = self._zeros(input, shape) if hx is None else hx
        return F.rnn_cell(input, h, *self._weights(), nonlinearity=self.nonlinearity)


class LSTMCell(_CellBase):
    """(h', c') from (h, c): gates i, f, g, o as PyTorch (weights of shape (4·hidden, ·))."""
    mode = "LSTM"

    def forward(self, input, hx=None):
        h, c = (None, None) if hx is None else hx
        shape = self._check(input, [("h_0", h), ("c_0", c)])
        h = self._zeros(input, shape) if h is None else h
        c = self._zeros(input, shape) if c is None else c
        return F.lstm_cell(input, (h, c), *self._weights())


class GRUCell(_CellBase):
    """h' from h: gates r, z, n as PyTorch (weights of shape (3·hidden, ·))."""
    mode = "GRU"

    def forward(self, input, hx=None):
        shape = self._check(input, [("hx", hx)])
        h = self._zeros(input, shape) if hx is None else hx
        return F.gru_cell(input, h, *self._weights())


# ---- multi-layer, bidirectional layers ------------------------------------------------------


class _RNNBase(Module):
    mode = "RNN_TANH"

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, dtype=None):
        super().__init__()
        owner = type(self).__name__
        self.input_size = _check_size("input_size", input_size, owner)
        self.hidden_size = _check_size("hidden_size", hidden_size, owner)
        self.num_layers = _check_size("num_layers", num_layers, owner)
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError(f"{owner}: dropout must be a probability in [0, 1]; got {dropout!r}")
        self.bias, self.batch_first, self.dropout = bias, batch_first, dropout
        self.bidirectional = bool(bidirectional)
        self.num_directions = 2 if bidirectional else 1
        g = _GATES[self.mode] * self.hidden_size
        for layer in range(self.num_layers):
            n_in = self.input_size if layer == 0 else self.hidden_size * self.num_directions
            for suffix in ("", "_reverse")[:self.num_directions]:
                names = self._names(layer, suffix)
                setattr(self, names[0], Parameter(ag.zeros((g, n_in), dtype=dtype)))
                setattr(self, names[1], Parameter(ag.zeros((g, self.hidden_size), dtype=dtype)))
                if bias:
                    setattr(self, names[2], Parameter(ag.zeros(g, dtype=dtype)))
                    setattr(self, names[3], Parameter(ag.zeros(g, dtype=dtype)))
        self.reset_parameters()

    @staticmethod
    def _names(layer, suffix):
        return tuple(f"{kind}_l{layer}{suffix}"
                     for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

    def reset_parameters(self):
        """U(-1/√hidden, 1/√hidden) for every weight and bias, as PyTorch."""
        _uniform_init(self)

    def _label(self):
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size})"

    def _weights(self, layer, suffix):
        return [getattr(self, n) if self.bias or i < 2 else None
                for i, n in enumerate(self._names(layer, suffix))]

    # ---- inputs and states ----
    def _check_input(self, input):
        shape = np.shape(input)
        if len(shape) not in (2, 3) or shape[-1] != self.input_size:
            layout = "(N, T, I)" if self.batch_first else "(T, N, I)"
            raise ValueError(f"{self._label()}: expected input of shape {layout} or (T, I) with "
                             f"I = {self.input_size} features, got {shape}")

    def _check_state(self, name, s, batch, unbatched):
        want = (self.num_layers * self.num_directions,) + (() if unbatched else (batch,)) \
            + (self.hidden_size,)
        if np.shape(s) != want:
            what = ""
            if not unbatched and np.ndim(s) == 3 and np.shape(s)[1] != batch:
                what = f" (batch size {np.shape(s)[1]}, but the input's is {batch})"
            raise ValueError(f"{self._label()}: {name} of shape {np.shape(s)} does not match the "
                             f"expected {want} = (num_layers·num_directions, "
                             f"{'' if unbatched else 'batch, '}hidden_size){what}")

    def _initial_states(self, hx, x, batch, unbatched):
        """hx as a tuple of (L·D, N, H) tensors (zeros where not given)."""
        names = ("h_0", "c_0") if self.mode == "LSTM" else ("h_0",)
        if hx is None:
            shape = (self.num_layers * self.num_directions, batch, self.hidden_size)
            return tuple(ag.zeros(shape, dtype=F._dtype(x)) for _ in names)
        hx = tuple(hx) if self.mode == "LSTM" else (hx,)
        if len(hx) != len(names):
            raise ValueError(f"{self._label()}: expected hx = (h_0, c_0), got {len(hx)} tensors")
        for name, s in zip(names, hx):
            self._check_state(name, s, batch, unbatched)
        return tuple(ag.expand_dims(s, 1) if unbatched else s for s in hx)

    def _masks(self, lengths, T, batch):
        if lengths is None:
            return None
        lengths = np.asarray(as_array(lengths))
        if lengths.shape != (batch,) or lengths.dtype.kind not in "iu":
            raise ValueError(f"{self._label()}: lengths must be {batch} integers (one per "
                             f"sequence), got {lengths.dtype} array of shape {lengths.shape}")
        if lengths.min() < 0 or lengths.max() > T:
            raise ValueError(f"{self._label()}: lengths must lie in [0, {T}] for sequences of "
                             f"length {T}; got {lengths.min()}..{lengths.max()}")
        return [(t < lengths)[:, None] for t in range(T)]

    # ---- the loop ----
    def _direction(self, x, state, weights, masks, reverse):
        """Run one direction of one layer over x (T, N, I): the input projection of every step
        in one matrix product, then the recurrence step by step. Returns the outputs (T, N, H)
        and the final state tuple."""
        w_ih, w_hh, b_ih, b_hh = weights
        if self.mode != "GRU" and b_ih is not None:     # only GRU needs b_hh on its own
            b_ih, b_hh = b_ih + b_hh, None
        gis = F.linear(x, w_ih, b_ih)
        w_hhT = ag.transpose(w_hh)
        T = np.shape(x)[0]
        outs = [None] * T
        for t in (reversed(range(T)) if reverse else range(T)):
            gh = state[0] @ w_hhT
            new = _update(self.mode, gis[t], gh if b_hh is None else gh + b_hh, state)
            if masks is None:
                outs[t], state = new[0], new
            else:
                outs[t] = ag.where(masks[t], new[0], 0.0)
                state = tuple(ag.where(masks[t], n, s) for n, s in zip(new, state))
        return ag.stack(outs, axis=0), state

    def forward(self, input, hx=None, lengths=None):
        """input (T, N, I) ((N, T, I) if batch_first, or unbatched (T, I)); hx the initial
        state(s) of shape (num_layers·num_directions, N, H); lengths: each sequence's length."""
        self._check_input(input)
        unbatched = np.ndim(input) == 2
        x = ag.expand_dims(input, 1) if unbatched else \
            (ag.swapaxes(input, 0, 1) if self.batch_first else input)
        T, batch = np.shape(x)[:2]
        states = self._initial_states(hx, input, batch, unbatched)
        masks = self._masks(lengths, T, batch)
        finals = []
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout and self.training:
                x = F.dropout(x, self.dropout, True)
            per_dir = []
            for d, suffix in enumerate(("", "_reverse")[:self.num_directions]):
                k = layer * self.num_directions + d
                out, final = self._direction(x, tuple(s[k] for s in states),
                                             self._weights(layer, suffix), masks, d == 1)
                per_dir.append(out)
                finals.append(final)
            x = per_dir[0] if len(per_dir) == 1 else ag.concatenate(per_dir, axis=-1)
        output = x
        h_n = tuple(ag.stack([f[i] for f in finals], axis=0) for i in range(len(states)))
        if unbatched:
            output, h_n = output[:, 0], tuple(h[:, 0] for h in h_n)
        elif self.batch_first:
            output = ag.swapaxes(output, 0, 1)
        return output, (h_n if self.mode == "LSTM" else h_n[0])

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        for name, default in (("bias", True), ("batch_first", False), ("dropout", 0.0),
                              ("bidirectional", False)):
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)}"
        return s


class RNN(_RNNBase):
    """Elman RNN, h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh) per layer (or relu);
    returns (output, h_n)."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu'; got {nonlinearity!r}")
        self.mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, dtype)
        self.nonlinearity = nonlinearity


class LSTM(_RNNBase):
    """Long short-term memory (gates i, f, g, o); returns (output, (h_n, c_n))."""
    mode = "LSTM"


class GRU(_RNNBase):
    """Gated recurrent unit (gates r, z, n); returns (output, h_n)."""
    mode = "GRU"
