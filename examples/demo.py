"""chainrule in one run: the chain rule drawn, backprop step by step, and an MLP trained on
two moons. Run from anywhere:  python examples/demo.py  (needs chainrule[demo]).

Writes into ./out (created if missing):
    chain_rule.svg          f = (x + y) * z after backward, local derivatives on the edges
    backprop/step_NNN.svg   one picture per step of the backward pass, in the engine's order
    backprop.pdf            the same frames, one page each
    loss.png                training and validation loss per epoch
    decision_boundary.png   the trained network's decision regions over the test points
"""

import os
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import autograd as ag  # noqa: E402
import nn  # noqa: E402
from autograd.viz import backprop_steps, draw  # noqa: E402
from nn import data, optim  # noqa: E402
from nn.train import accuracy  # noqa: E402

OUT = "out"


def chain_rule():
    """f = (x + y) * z at x = -2, y = 5, z = -4, every tensor named, after backward."""
    x = ag.Tensor(-2.0, requires_grad=True, name="x")
    y = ag.Tensor(5.0, requires_grad=True, name="y")
    z = ag.Tensor(-4.0, requires_grad=True, name="z")
    q = x + y
    q.name = "q"
    f = q * z
    f.name = "f"
    f.backward()
    return f


def draw_chain_rule(out):
    """The graph picture and the backprop frames of f = (x + y) * z; returns the paths."""
    f = chain_rule()
    picture = draw(f, derivatives=True,
                   title="f = (x + y) * z: values, gradients, local derivatives")
    path = os.path.join(out, "chain_rule.svg")
    with open(path, "wb") as fh:
        fh.write(picture.pipe("svg"))
    frames = backprop_steps(f, derivatives=True)
    paths = frames.save(os.path.join(out, "backprop"))
    pdf = frames.save_pdf(os.path.join(out, "backprop.pdf"))
    return [path, *paths, pdf]


def train_moons(seed=0, epochs=300):
    """An MLP 2-16-16-2 (tanh) trained full-batch with Adam on 600 noisy two-moons points;
    returns the model, its History and the held-out (X, y)."""
    X, y = data.make_moons(600, noise=0.15, seed=seed)
    Xtr, Xte, ytr, yte = data.train_test_split(X, y, test_size=0.3, seed=seed)
    ag.manual_seed(seed)
    model = nn.MLP(2, [16, 16, 2], activation="tanh")
    history = nn.fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.02),
                     data.DataLoader((Xtr, ytr), batch_size=len(ytr), shuffle=True, seed=seed),
                     epochs=epochs, val_loader=data.DataLoader((Xte, yte), batch_size=len(yte)),
                     metrics=["accuracy"], progress=True)
    return model, history, (Xte, yte)


def plot_decision_boundary(model, X, y, ax, resolution=200):
    """Fill the plane by the model's predicted class and scatter the points (X, y) on top."""
    pad = 0.5
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, resolution)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, resolution)
    gx, gy = np.meshgrid(xs, ys)
    with ag.no_grad():
        scores = model(ag.Tensor(np.c_[gx.ravel(), gy.ravel()])).numpy()
    classes = scores.argmax(axis=1).reshape(gx.shape)
    ax.contourf(gx, gy, classes, levels=np.arange(scores.shape[1] + 1) - 0.5, cmap="RdBu",
                alpha=0.35)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu", edgecolors="k", s=18)
    ax.set_aspect("equal")


def main():
    started = time.perf_counter()
    os.makedirs(OUT, exist_ok=True)
    written = draw_chain_rule(OUT)

    model, history, (Xte, yte) = train_moons()
    model.eval()
    with ag.no_grad():
        acc = accuracy(model(ag.Tensor(Xte)), yte)
    print(f"test accuracy on two moons: {acc:.1%} ({len(yte)} held-out points)")

    fig = history.plot(["loss", "val_loss"])
    fig.axes[0].set_title("cross-entropy loss per epoch")
    fig.savefig(os.path.join(OUT, "loss.png"), dpi=100, bbox_inches="tight")
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(5, 4))
    plot_decision_boundary(model, Xte, yte, ax)
    ax.set_title(f"MLP 2-16-16-2 on two moons: test accuracy {acc:.1%}")
    fig.savefig(os.path.join(OUT, "decision_boundary.png"), dpi=100, bbox_inches="tight")
    plt.close(fig)
    written += [os.path.join(OUT, "loss.png"), os.path.join(OUT, "decision_boundary.png")]

    n_frames = sum(p.endswith(".svg") and "backprop" in p for p in written)
    print(f"wrote {len(written)} files to {os.path.abspath(OUT)}: chain_rule.svg, "
          f"backprop/step_*.svg ({n_frames} frames), backprop.pdf, loss.png, "
          f"decision_boundary.png ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
