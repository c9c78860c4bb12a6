"""The adding problem (Hochreiter & Schmidhuber 1997): a sequence of T pairs (value, marker);
values are uniform in [0, 1], exactly two markers are 1 (one in each half). The target is the
sum of the two marked values, read out after the last step. Predicting the mean (1.0) scores
MSE = Var = 2/12 ≈ 0.167; solving it means carrying a value across ~T/2 steps.

Run:  python examples/adding_problem.py   (trains RNN, LSTM and GRU at T = 50)
"""

import numpy as np

import autograd as ag
import nn
from nn import functional as F
from nn.optim import Adam

BASELINE = 1 / 6            # MSE of always answering 1.0, the expected sum
THRESHOLD = 0.01            # "solved": held-out MSE below 6 % of the baseline


def adding_batch(rng, n, T):
    """Inputs (T, n, 2) and targets (n, 1)."""
    values = rng.random((T, n))
    markers = np.zeros((T, n))
    cols = np.arange(n)
    markers[rng.integers(0, T // 2, n), cols] = 1
    markers[rng.integers(T // 2, T, n), cols] = 1
    return np.stack([values, markers], axis=-1), (values * markers).sum(0)[:, None]


class Adder(nn.Module):
    """A recurrent layer (RNN, LSTM or GRU) read out by a Linear layer after the last step."""

    def __init__(self, kind="LSTM", hidden=32, dtype=np.float32):
        super().__init__()
        self.rnn = getattr(nn, kind)(2, hidden, dtype=dtype)
        self.head = nn.Linear(hidden, 1, dtype=dtype)
        self.dtype = dtype

    def forward(self, x):
        out, _ = self.rnn(ag.Tensor(x, dtype=self.dtype))
        return self.head(out[-1])


def mse(model, x, y):
    with ag.no_grad():
        return F.mse_loss(model(x), ag.Tensor(y, dtype=model.dtype)).item()


def train(kind="LSTM", T=50, steps=1000, hidden=32, batch=64, lr=0.01, seed=0, log_every=0):
    """Adam on fresh batches, gradients clipped at norm 1; returns (model, losses)."""
    ag.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = Adder(kind, hidden)
    params = list(model.parameters())
    opt = Adam(params, lr=lr)
    losses = []
    for step in range(steps):
        x, y = adding_batch(rng, batch, T)
        loss = F.mse_loss(model(x), ag.Tensor(y, dtype=model.dtype))
        opt.zero_grad()
        loss.backward()
        nn.clip_grad_norm_(params, 1.0)
        opt.step()
        losses.append(loss.item())
        if log_every and step % log_every == 0:
            print(f"{kind} step {step:4d}  loss {loss.item():.4f}", flush=True)
    return model, losses


def held_out(T=50, n=1000, seed=1234):
    return adding_batch(np.random.default_rng(seed), n, T)


if __name__ == "__main__":
    x, y = held_out()
    for kind in ("RNN", "LSTM", "GRU"):
        model, _ = train(kind, log_every=200)
        err = mse(model, x, y)
        print(f"{kind}: held-out MSE {err:.4f} (baseline {BASELINE:.3f}, solved below "
              f"{THRESHOLD}): {'solved' if err < THRESHOLD else 'not solved'}")
