"""A small Transformer encoder learns to reverse sequences: input 8 symbols out of 10, output
the same symbols in reverse order, one prediction per position (no decoder needed: output
position i must find input position L-1-i, which attention does by position).

Run:  python examples/reverse_transformer.py   (prints the held-out exact-sequence accuracy)
"""

import numpy as np

import autograd as ag
import nn
from nn import functional as F
from nn.optim import Adam

LENGTH, VOCAB = 8, 10


def reverse_batch(rng, n, length=LENGTH, vocab=VOCAB):
    """n random sequences (n, length) of ints in [0, vocab) and their reversals."""
    x = rng.integers(0, vocab, size=(n, length))
    return x, x[:, ::-1].copy()


class Reverser(nn.Module):
    """Embedding + sinusoidal positions -> TransformerEncoder -> a Linear classifier per
    position (batch_first: (N, L) ids in, (N, L, vocab) logits out)."""

    def __init__(self, vocab=VOCAB, d_model=32, nhead=4, num_layers=2, dim_feedforward=64,
                 max_len=64):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model)
        self.pos = nn.SinusoidalPositionalEncoding(d_model, max_len=max_len, batch_first=True)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout=0.0,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers)
        self.out = nn.Linear(d_model, vocab)

    def forward(self, ids):
        return self.out(self.encoder(self.pos(self.embed(ids))))


def loss_fn(model, x, y):
    logits = model(x)
    n, length, vocab = logits.shape
    return F.cross_entropy(ag.reshape(logits, shape=(n * length, vocab)), y.reshape(-1))


def exact_accuracy(model, x, y):
    """The fraction of sequences whose every symbol is predicted right."""
    with ag.no_grad():
        pred = np.argmax(model(x).data, axis=-1)
    return float(np.mean(np.all(pred == y, axis=1)))


def train(steps=600, batch=64, lr=3e-3, seed=0, log_every=0, **model_kw):
    """Train a Reverser on fresh random batches; returns (model, list of losses)."""
    ag.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = Reverser(**model_kw)
    opt = Adam(model.parameters(), lr=lr)
    losses = []
    for step in range(steps):
        x, y = reverse_batch(rng, batch)
        loss = loss_fn(model, x, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if log_every and step % log_every == 0:
            print(f"step {step:4d}  loss {loss.item():.4f}", flush=True)
    return model.eval(), losses


def held_out(seed=1234, n=2000):
    """Fresh sequences from a different seed (overlap with training batches is negligible:
    10^8 possible inputs)."""
    return reverse_batch(np.random.default_rng(seed), n)


if __name__ == "__main__":
    model, losses = train(log_every=100)
    x, y = held_out()
    print(f"held-out exact-sequence accuracy: {exact_accuracy(model, x, y):.4f}")
