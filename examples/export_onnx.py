"""Train here, export to ONNX, serve with onnxruntime. Run from anywhere:
    python examples/export_onnx.py [path.onnx]      (needs chainrule[onnx]; default out/moons.onnx)

A classifier for two moons (Linear, BatchNorm1d, ReLU, Dropout, Linear) is trained with Adam,
written as an ONNX file with a dynamic batch axis, and served by an onnxruntime session that
knows nothing of chainrule: both give the same class scores (to float32 rounding).
"""

import os
import sys

import numpy as np

import autograd as ag
import nn
from nn import data, optim
from nn.train import accuracy


def train(seed=0, epochs=150):
    """The model trained full-batch on 600 noisy two-moons points; returns it and the test set."""
    X, y = data.make_moons(600, noise=0.15, seed=seed)
    Xtr, Xte, ytr, yte = data.train_test_split(X, y, test_size=0.3, seed=seed)
    ag.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.1),
                          nn.Linear(32, 2))
    nn.fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.02),
           data.DataLoader((Xtr, ytr), batch_size=len(ytr), shuffle=True, seed=seed),
           epochs=epochs, progress=False)
    return model.eval(), (Xte.astype(np.float32), yte)


def serve(path, X):
    """Class scores for X from the ONNX file alone."""
    import onnxruntime
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    return session.run(None, {"input": X})[0]


def main(path=os.path.join("out", "moons.onnx"), epochs=150):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    model, (X, y) = train(epochs=epochs)
    nn.export_onnx(model, X[:2], path)          # any batch size works: the batch axis is dynamic
    scores = serve(path, X)
    with ag.no_grad():
        ours = model.float()(X).numpy()
    print(f"wrote {path}")
    print(f"test accuracy: chainrule {accuracy(ours, y):.1%}, "
          f"onnxruntime {accuracy(scores, y):.1%} ({len(y)} points)")
    print(f"largest score difference: {np.max(np.abs(scores - ours)):.1e}")
    return scores, ours, y


if __name__ == "__main__":
    main(*sys.argv[1:2])
