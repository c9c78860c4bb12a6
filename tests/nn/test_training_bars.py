"""Training-accuracy bars of issue 5, seeded and full-batch so each runs in well under a
second or two: an nn MLP reaches >= 97% test accuracy on two moons (noise 0.1) and 100% on XOR
(tensor and scalar granularity), and a cross-entropy MLP >= 95% on three-class spirals."""

import numpy as np
import pytest

import autograd as ag
import nn
from nn import data, optim
from nn.train import accuracy


def held_out_accuracy(model, X, y):
    model.eval()
    with ag.no_grad():
        return accuracy(model(ag.Tensor(X)), y)


def full_batch(X, y):
    return data.DataLoader((X, y), batch_size=len(y), shuffle=True, seed=0)


@pytest.mark.parametrize("seed", [0, 1])
def test_two_moons_97_percent(seed):
    X, y = data.make_moons(600, noise=0.1, seed=seed)
    Xtr, Xte, ytr, yte = data.train_test_split(X, y, test_size=0.3, seed=seed)
    ag.manual_seed(seed)
    model = nn.MLP(2, [16, 16, 2], activation="tanh")
    hist = nn.fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.02),
                  full_batch(Xtr, ytr), epochs=200, progress=False, metrics=["accuracy"])
    assert hist["loss"][-1] < 0.25 * hist["loss"][0]
    assert held_out_accuracy(model, Xte, yte) >= 0.97


def test_xor_100_percent_tensor_mlp():
    X, y = data.logic_gate("xor")
    ag.manual_seed(0)
    model = nn.MLP(2, [8, 1], activation="tanh")
    nn.fit(model, nn.BCEWithLogitsLoss(), optim.Adam(model.parameters(), lr=0.05),
           data.DataLoader((X, y.astype(np.float64)[:, None]), batch_size=4), epochs=300,
           progress=False)
    assert held_out_accuracy(model, X, y) == 1.0


def test_xor_100_percent_scalar_mlp():
    """micrograd's setting: a ScalarMLP (one 0-d parameter per weight), targets ±1, MSE, SGD."""
    X, y = data.logic_gate("xor")
    ag.manual_seed(0)
    model = nn.ScalarMLP(2, [4, 4, 1], activation="tanh")
    hist = nn.fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                  data.DataLoader((X, 2.0 * y - 1), batch_size=4), epochs=200, progress=False)
    assert hist["loss"][-1] < 0.05
    assert held_out_accuracy(model, X, y) == 1.0


def test_noisy_xor_clusters():
    X, y = data.make_xor(400, noise=0.2, seed=0)
    Xtr, Xte, ytr, yte = data.train_test_split(X, y, test_size=0.25, seed=0)
    ag.manual_seed(0)
    model = nn.MLP(2, [8, 2], activation="relu")
    nn.fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05),
           full_batch(Xtr, ytr), epochs=150, progress=False)
    assert held_out_accuracy(model, Xte, yte) == 1.0


@pytest.mark.parametrize("seed", [0, 1])
def test_spirals_three_classes_95_percent(seed):
    X, y = data.make_spirals(600, n_classes=3, noise=0.2, seed=seed)
    Xtr, Xte, ytr, yte = data.train_test_split(X, y, test_size=0.3, seed=seed)
    ag.manual_seed(seed)
    model = nn.MLP(2, [32, 32, 3], activation="relu")
    hist = nn.fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.02),
                  full_batch(Xtr, ytr), epochs=300, progress=False, metrics=["accuracy"])
    assert hist["accuracy"][-1] >= 0.97
    assert held_out_accuracy(model, Xte, yte) >= 0.95
