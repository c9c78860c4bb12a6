"""RNN, LSTM, GRU (cells and layers) against NumPy references with the gate equations spelled
out; PyTorch's parameter names/shapes; lengths; errors; gradients."""

import math

import numpy as np
import pytest

import autograd as ag
import nn
from autograd.testing import gradcheck, gradgradcheck

rng = np.random.default_rng(0)


def sig(x):
    return 1 / (1 + np.exp(-x))


# ---- NumPy references (PyTorch's equations) -------------------------------------------------

def np_rnn_step(x, h, w_ih, w_hh, b_ih, b_hh, act=np.tanh):
    return act(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh)


def np_lstm_step(x, h, c, w_ih, w_hh, b_ih, b_hh):
    H = h.shape[-1]
    z = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
    i = sig(z[:, 0:H])
    f = sig(z[:, H:2 * H])
    g = np.tanh(z[:, 2 * H:3 * H])
    o = sig(z[:, 3 * H:4 * H])
    c = f * c + i * g
    return o * np.tanh(c), c


def np_gru_step(x, h, w_ih, w_hh, b_ih, b_hh):
    H = h.shape[-1]
    gi, gh = x @ w_ih.T + b_ih, h @ w_hh.T + b_hh
    r = sig(gi[:, :H] + gh[:, :H])
    z = sig(gi[:, H:2 * H] + gh[:, H:2 * H])
    n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
    return (1 - z) * n + z * h


def np_layer(mode, model, x, h0=None, c0=None, lengths=None):
    """A NumPy run of the multi-layer (bi)directional model with the model's weights; x is
    (T, N, I). Returns output and final h (and c)."""
    T, N, _ = x.shape
    H, D, Lyr = model.hidden_size, model.num_directions, model.num_layers
    h0 = np.zeros((Lyr * D, N, H)) if h0 is None else h0
    c0 = np.zeros((Lyr * D, N, H)) if c0 is None else c0
    lengths = np.full(N, T) if lengths is None else np.asarray(lengths)
    inp, hs, cs = x, [], []
    for layer in range(Lyr):
        outs = []
        for d, suffix in enumerate(["", "_reverse"][:D]):
            w = [getattr(model, f"{k}_l{layer}{suffix}").data
                 for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            h, c = h0[layer * D + d].copy(), c0[layer * D + d].copy()
            out = np.zeros((T, N, H))
            for n in range(N):                  # one sequence at a time: no masking needed
                steps = range(lengths[n])
                hn, cn = h[n:n + 1], c[n:n + 1]
                for t in (reversed(steps) if d else steps):
                    xt = inp[t, n:n + 1]
                    if mode == "LSTM":
                        hn, cn = np_lstm_step(xt, hn, cn, *w)
                    elif mode == "GRU":
                        hn = np_gru_step(xt, hn, *w)
                    else:
                        hn = np_rnn_step(xt, hn, *w)
                    out[t, n] = hn[0]
                h[n], c[n] = hn[0], cn[0]
            outs.append(out)
            hs.append(h)
            cs.append(c)
        inp = np.concatenate(outs, axis=-1)
    return inp, np.stack(hs), np.stack(cs)


# ---- cells ----------------------------------------------------------------------------------

@pytest.mark.parametrize("cls,ref", [(nn.RNNCell, np_rnn_step), (nn.GRUCell, np_gru_step)])
def test_cells_match_numpy(cls, ref):
    cell = cls(3, 5)
    x, h = rng.normal(size=(4, 3)), rng.normal(size=(4, 5))
    w = [p.data for p in cell.parameters()]
    np.testing.assert_allclose(cell(ag.Tensor(x), ag.Tensor(h)).data, ref(x, h, *w), rtol=1e-12)
    np.testing.assert_allclose(cell(ag.Tensor(x)).data, ref(x, 0 * h, *w), rtol=1e-12)
    assert cell(ag.Tensor(x[0])).shape == (5,)                    # unbatched


def test_relu_rnn_cell_and_lstm_cell_match_numpy():
    cell = nn.RNNCell(3, 5, nonlinearity="relu")
    x, h, c = rng.normal(size=(4, 3)), rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    w = [p.data for p in cell.parameters()]
    relu = lambda v: np.maximum(v, 0)  # noqa: E731
    np.testing.assert_allclose(cell(ag.Tensor(x), ag.Tensor(h)).data,
                               np_rnn_step(x, h, *w, act=relu), rtol=1e-12)
    lstm = nn.LSTMCell(3, 5)
    w = [p.data for p in lstm.parameters()]
    h1, c1 = lstm(ag.Tensor(x), (ag.Tensor(h), ag.Tensor(c)))
    rh, rc = np_lstm_step(x, h, c, *w)
    np.testing.assert_allclose(h1.data, rh, rtol=1e-12)
    np.testing.assert_allclose(c1.data, rc, rtol=1e-12)


def test_lstm_gate_order_is_ifgo():
    # negative control for the reference itself: a forget gate pinned at 0 (bias -inf-ish)
    # and an input gate pinned at 1 make c' = g, whatever c was
    cell = nn.LSTMCell(2, 3)
    H = 3
    with ag.no_grad():
        cell.weight_hh.zero_()
        cell.weight_ih.zero_()
        b = np.zeros(4 * H)
        b[:H], b[H:2 * H], b[2 * H:3 * H], b[3 * H:] = 50, -50, 0.5, 50
        cell.bias_ih.copy_(b)
        cell.bias_hh.zero_()
    h, c = cell(ag.zeros(1, 2), (ag.zeros(1, 3), ag.full((1, 3), 7.0)))
    np.testing.assert_allclose(c.data, np.tanh(0.5), rtol=1e-12)
    np.testing.assert_allclose(h.data, np.tanh(np.tanh(0.5)), rtol=1e-12)


def test_cell_parameters_and_init_are_pytorchs():
    for cls, g in ((nn.RNNCell, 1), (nn.LSTMCell, 4), (nn.GRUCell, 3)):
        cell = cls(10, 20)
        assert [(n, p.shape) for n, p in cell.named_parameters()] == [
            ("weight_ih", (g * 20, 10)), ("weight_hh", (g * 20, 20)),
            ("bias_ih", (g * 20,)), ("bias_hh", (g * 20,))]
        bound = 1 / math.sqrt(20)
        assert all(np.abs(p.data).max() <= bound for p in cell.parameters())
        assert cell.weight_ih.data.std() > 0.8 * bound / math.sqrt(3)
    assert [n for n, _ in nn.GRUCell(2, 3, bias=False).named_parameters()] == \
        ["weight_ih", "weight_hh"]


def test_cell_gradients():
    F = nn.functional
    steps = {nn.RNNCell: lambda x, h, *w: F.rnn_cell(x, h, *w),
             nn.LSTMCell: lambda x, h, *w: F.lstm_cell(x, (h, h * 0.5), *w),
             nn.GRUCell: lambda x, h, *w: F.gru_cell(x, h, *w)}
    for cls, f in steps.items():
        cell = cls(2, 3)
        x = ag.Tensor(rng.normal(size=(2, 2)), requires_grad=True)
        h = ag.Tensor(rng.normal(size=(2, 3)), requires_grad=True)
        w = list(cell.parameters())
        assert gradcheck(f, [x, h] + w)
        assert gradgradcheck(f, [x, h] + w)


def test_cell_errors():
    with pytest.raises(ValueError, match=r"LSTMCell\(3, 4\): expected input of shape \(N, 3\)"
                                         r" or \(3,\), got \(2, 5\)"):
        nn.LSTMCell(3, 4)(ag.zeros(2, 5))
    with pytest.raises(ValueError, match=r"GRUCell\(3, 4\): hx of shape \(5, 4\) does not match "
                                         r"input of shape \(2, 3\)"):
        nn.GRUCell(3, 4)(ag.zeros(2, 3), ag.zeros(5, 4))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNNCell(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="hidden_size must be a positive int"):
        nn.LSTMCell(3, 0)


# ---- layers ---------------------------------------------------------------------------------

MODES = [(nn.RNN, "RNN"), (nn.LSTM, "LSTM"), (nn.GRU, "GRU")]


@pytest.mark.parametrize("cls,mode", MODES)
@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, True)])
def test_layers_match_numpy(cls, mode, layers, bidirectional):
    m = cls(3, 4, num_layers=layers, bidirectional=bidirectional)
    D = 2 if bidirectional else 1
    x = rng.normal(size=(6, 2, 3))
    h0 = rng.normal(size=(layers * D, 2, 4))
    c0 = rng.normal(size=(layers * D, 2, 4))
    hx = (ag.Tensor(h0), ag.Tensor(c0)) if mode == "LSTM" else ag.Tensor(h0)
    out, hn = m(ag.Tensor(x), hx)
    ref_out, ref_h, ref_c = np_layer(mode, m, x, h0, c0)
    assert out.shape == (6, 2, D * 4)
    np.testing.assert_allclose(out.data, ref_out, rtol=1e-10, atol=1e-12)
    if mode == "LSTM":
        np.testing.assert_allclose(hn[0].data, ref_h, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(hn[1].data, ref_c, rtol=1e-10, atol=1e-12)
    else:
        np.testing.assert_allclose(hn.data, ref_h, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cls,mode", MODES)
def test_lengths_give_packed_sequence_results(cls, mode):
    m = cls(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    x = rng.normal(size=(3, 5, 3))                      # batch_first: (N, T, I)
    lengths = [5, 2, 3]
    out, hn = m(ag.Tensor(x), lengths=np.array(lengths))
    ref_out, ref_h, ref_c = np_layer(mode, m, x.transpose(1, 0, 2), lengths=lengths)
    np.testing.assert_allclose(out.data, ref_out.transpose(1, 0, 2), rtol=1e-10, atol=1e-12)
    assert np.all(out.data[1, 2:] == 0) and np.all(out.data[2, 3:] == 0)
    np.testing.assert_allclose((hn[0] if mode == "LSTM" else hn).data, ref_h, rtol=1e-10,
                               atol=1e-12)
    # negative control: without lengths the padded steps change the final states
    _, hn_full = m(ag.Tensor(x))
    h_full = (hn_full[0] if mode == "LSTM" else hn_full).data
    assert not np.allclose(h_full[:, 1], ref_h[:, 1])
    # the padding gets no gradient
    xt = ag.Tensor(x, requires_grad=True)
    out, _ = m(xt, lengths=lengths)
    out.sum().backward()
    assert np.all(xt.grad.data[1, 2:] == 0) and np.any(xt.grad.data[1, :2] != 0)


def test_layer_shapes_batch_first_unbatched_and_state_dict_names():
    m = nn.LSTM(10, 20, num_layers=2, bidirectional=True, batch_first=True)
    out, (h, c) = m(ag.randn(3, 7, 10))
    assert out.shape == (3, 7, 40) and h.shape == c.shape == (4, 3, 20)
    out, (h, c) = m(ag.randn(7, 10))                            # unbatched
    assert out.shape == (7, 40) and h.shape == (4, 20)
    # torch.nn.LSTM(10, 20, num_layers=2, bidirectional=True).state_dict(), names and shapes
    torch_names = [
        ("weight_ih_l0", (80, 10)), ("weight_hh_l0", (80, 20)), ("bias_ih_l0", (80,)),
        ("bias_hh_l0", (80,)), ("weight_ih_l0_reverse", (80, 10)),
        ("weight_hh_l0_reverse", (80, 20)), ("bias_ih_l0_reverse", (80,)),
        ("bias_hh_l0_reverse", (80,)), ("weight_ih_l1", (80, 40)), ("weight_hh_l1", (80, 20)),
        ("bias_ih_l1", (80,)), ("bias_hh_l1", (80,)), ("weight_ih_l1_reverse", (80, 40)),
        ("weight_hh_l1_reverse", (80, 20)), ("bias_ih_l1_reverse", (80,)),
        ("bias_hh_l1_reverse", (80,))]
    assert [(k, v.shape) for k, v in m.state_dict().items()] == torch_names
    assert [k for k in nn.GRU(3, 4, bias=False).state_dict()] == ["weight_ih_l0", "weight_hh_l0"]
    assert nn.GRU(3, 4).weight_ih_l0.shape == (12, 3) and nn.RNN(3, 4).weight_hh_l0.shape == (4, 4)
    # a state dict round-trips into a fresh model and gives the same numbers
    m2 = nn.LSTM(10, 20, num_layers=2, bidirectional=True, batch_first=True)
    m2.load_state_dict(m.state_dict())
    x = ag.randn(2, 4, 10)
    np.testing.assert_array_equal(m(x)[0].data, m2(x)[0].data)


def test_dropout_between_layers_only_in_training():
    m = nn.GRU(3, 4, num_layers=2, dropout=0.5)
    x = ag.randn(5, 2, 3)
    m.eval()
    a, b = m(x)[0].data, m(x)[0].data
    np.testing.assert_array_equal(a, b)
    m.train()
    ag.manual_seed(0)
    assert not np.allclose(m(x)[0].data, a)
    # one layer: nothing between layers to drop
    m1 = nn.GRU(3, 4, dropout=0.5)
    np.testing.assert_array_equal(m1(x)[0].data, m1.eval()(x)[0].data)


def _functional(m):
    """m's forward as a function of its parameters (gradcheck perturbs copies of them)."""
    names = [n for n, _ in m.named_parameters()]

    def f(x, *w):
        saved = {n: getattr(m, n) for n in names}
        try:
            for n, p in zip(names, w):
                m._parameters[n] = p
            return m(x, lengths=[3, 2][:np.shape(x)[1]])[0]
        finally:
            m._parameters.update(saved)
    return f


def test_layer_gradients_small():
    for cls in (nn.RNN, nn.LSTM, nn.GRU):
        m = cls(2, 2, bidirectional=True)
        x = ag.Tensor(rng.normal(size=(3, 2, 2)), requires_grad=True)
        assert gradcheck(_functional(m), [x] + list(m.parameters()))
    m = nn.LSTM(2, 2)
    x = ag.Tensor(rng.normal(size=(3, 1, 2)), requires_grad=True)
    assert gradgradcheck(_functional(m), [x] + list(m.parameters()))


def test_layer_errors():
    with pytest.raises(ValueError, match=r"LSTM\(3, 4\): expected input of shape \(T, N, I\) "
                                         r"or \(T, I\) with I = 3 features, got \(5, 2, 7\)"):
        nn.LSTM(3, 4)(ag.zeros(5, 2, 7))
    with pytest.raises(ValueError, match=r"\(N, T, I\)"):
        nn.GRU(3, 4, batch_first=True)(ag.zeros(5, 2, 7))
    with pytest.raises(ValueError, match=r"GRU\(3, 4\): h_0 of shape \(1, 5, 4\) does not match "
                                         r"the expected \(1, 2, 4\).*batch size 5, but the "
                                         r"input's is 2"):
        nn.GRU(3, 4)(ag.zeros(6, 2, 3), ag.zeros(1, 5, 4))
    with pytest.raises(ValueError, match=r"LSTM\(3, 4\): c_0 of shape \(2, 2, 4\)"):
        nn.LSTM(3, 4)(ag.zeros(6, 2, 3), (ag.zeros(1, 2, 4), ag.zeros(2, 2, 4)))
    with pytest.raises(ValueError, match=r"RNN\(3, 4\): lengths must lie in \[0, 6\]"):
        nn.RNN(3, 4)(ag.zeros(6, 2, 3), lengths=[7, 2])
    with pytest.raises(ValueError, match=r"lengths must be 2 integers"):
        nn.RNN(3, 4)(ag.zeros(6, 2, 3), lengths=[6])
    with pytest.raises(ValueError, match="dropout must be a probability"):
        nn.LSTM(3, 4, dropout=1.5)
