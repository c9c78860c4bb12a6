"""nn.fit: the loop trains, records a History (losses, metrics, learning rates), evaluates
validation data in eval mode without gradients, steps schedules, stops early and restores the
best weights, shows or hides its tqdm bar; History.plot draws with matplotlib (Agg)."""

import sys

import numpy as np
import pytest

import autograd as ag
import nn
from nn import data, optim
from nn.schedulers import ReduceLROnPlateau, StepLR
from nn.train import EarlyStopping, History, accuracy


def line_data(n=64, slope=2.0, seed=0):
    x = np.random.default_rng(seed).uniform(-1, 1, size=(n, 1))
    return x, slope * x + 1.0


def test_fit_learns_a_line_and_records_history():
    X, Y = line_data()
    ag.manual_seed(0)
    model = nn.Linear(1, 1)
    hist = nn.fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                  data.DataLoader((X, Y), batch_size=16, shuffle=True, seed=0), epochs=40,
                  val_loader=data.DataLoader(line_data(32, seed=1), batch_size=32),
                  progress=False)
    assert isinstance(hist, History) and len(hist) == 40 and hist.epoch == list(range(40))
    assert set(hist.history) == {"loss", "val_loss", "lr"}
    assert all(len(v) == 40 for v in hist.history.values())
    assert hist["loss"][-1] < 1e-6 and hist["val_loss"][-1] < 1e-6
    np.testing.assert_allclose(model.weight.numpy(), [[2.0]], atol=1e-3)
    np.testing.assert_allclose(model.bias.numpy(), [1.0], atol=1e-3)


def test_epoch_loss_is_the_sample_weighted_mean():
    """With lr = 0 nothing changes, so the epoch loss must equal the full-data loss even when
    the last batch is smaller."""
    X, Y = line_data(10)
    model = nn.Linear(1, 1)
    hist = nn.fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.0),
                  data.DataLoader((X, Y), batch_size=4), epochs=1, progress=False)
    with ag.no_grad():
        full = nn.MSELoss()(model(ag.Tensor(X)), ag.Tensor(Y)).item()
    assert hist["loss"][0] == pytest.approx(full, rel=1e-12)


def test_metrics_by_name_and_function():
    X, y = data.make_blobs(60, centers=[[-3, 0], [3, 0]], cluster_std=0.5, seed=0)
    model = nn.Linear(2, 2)

    def error_rate(out, target):
        return 1 - accuracy(out, target)
    hist = nn.fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.1),
                  data.DataLoader((X, y), batch_size=60), epochs=30,
                  val_loader=data.DataLoader((X, y), batch_size=60),
                  metrics=["accuracy", error_rate], progress=False)
    assert {"accuracy", "error_rate", "val_accuracy", "val_error_rate"} <= set(hist.history)
    assert hist["val_accuracy"][-1] == 1.0
    np.testing.assert_allclose(np.add(hist["accuracy"], hist["error_rate"]), 1.0)


def test_validation_runs_in_eval_mode_without_graph():
    seen = []

    class Probe(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(1, 1)

        def forward(self, x):
            seen.append((self.training, ag.is_grad_enabled()))
            return self.lin(x)
    X, Y = line_data(8)
    model = Probe()
    nn.fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.01),
           data.DataLoader((X, Y), batch_size=8), epochs=2,
           val_loader=data.DataLoader((X, Y), batch_size=8), progress=False)
    assert seen == [(True, True), (False, False)] * 2
    assert model.training


def test_scheduler_is_stepped_each_epoch():
    X, Y = line_data(8)
    model = nn.Linear(1, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    hist = nn.fit(model, nn.MSELoss(), opt, data.DataLoader((X, Y), batch_size=8), epochs=5,
                  scheduler=StepLR(opt, step_size=2, gamma=0.5), progress=False)
    assert hist["lr"] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])


def test_plateau_scheduler_gets_the_validation_loss():
    X, Y = line_data(8)
    model = nn.Linear(1, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    sched = ReduceLROnPlateau(opt, patience=0)
    # validation targets the model can never approach: the val loss stalls or rises
    nn.fit(model, nn.MSELoss(), opt, data.DataLoader((X, Y), batch_size=8), epochs=6,
           val_loader=data.DataLoader((X, -Y), batch_size=8), scheduler=sched, progress=False)
    assert sched.best < np.inf and opt.param_groups[0]["lr"] < 0.1


def test_early_stopping_restores_best_weights():
    """Train on y = 2x + 1, validate on y = -2x - 1: the validation loss gets worse every
    epoch, so the best epoch is the first and training stops `patience` epochs later."""
    X, Y = line_data(32)
    ag.manual_seed(0)
    model = nn.Linear(1, 1)
    with ag.no_grad():
        model.weight.fill_(0.0)
        model.bias.fill_(0.0)
    stop = EarlyStopping("val_loss", patience=3)
    snapshots = []

    def snapshot(out, target):
        snapshots.append(model.state_dict())
        return 0.0
    hist = nn.fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1),
                  data.DataLoader((X, Y), batch_size=32),
                  epochs=50, val_loader=data.DataLoader((X, -Y), batch_size=32),
                  early_stopping=stop, metrics={"snap": snapshot}, progress=False)
    assert all(b > a for a, b in zip(hist["val_loss"], hist["val_loss"][1:]))
    assert stop.best_epoch == 0 and hist.stopped_epoch == 3 and len(hist) == 4
    best = snapshots[1]                     # taken in epoch 0's validation pass
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, best[k])


def test_early_stopping_maximises_accuracy_and_tolerates_min_delta():
    es = EarlyStopping("val_accuracy", patience=2, min_delta=0.01, restore_best_weights=False)
    assert es.mode == "max"
    stops = [es.update(i, v) for i, v in enumerate([0.5, 0.6, 0.605, 0.609])]
    assert stops == [False, False, False, True]
    assert es.best == 0.6 and es.best_epoch == 1


def test_progress_bar_on_and_off(capsys):
    X, Y = line_data(8)
    model = nn.Linear(1, 1)
    loader = data.DataLoader((X, Y), batch_size=8)
    nn.fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.01), loader, epochs=3,
           progress=False)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    nn.fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.01), loader, epochs=3,
           progress=True)
    err = capsys.readouterr().err
    assert "3/3" in err and "loss=" in err


def test_history_plot_makes_a_figure():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    h = History()
    for e in range(5):
        h.append(e, loss=1 / (e + 1), val_loss=1.5 / (e + 1), accuracy=e / 5, lr=0.1)
    fig = h.plot()
    assert len(fig.axes) == 2
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels == ["loss", "val_loss"]
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(), h["loss"])
    assert [ln.get_label() for ln in fig.axes[1].get_lines()] == ["accuracy"]
    fig2, ax = plt.subplots()
    assert h.plot(["loss"], ax=ax) is fig2 and len(ax.get_lines()) == 1
    plt.close("all")
    with pytest.raises(KeyError, match="val_accuracy"):
        h.plot(["val_accuracy"])
    with pytest.raises(ValueError, match="nothing recorded"):
        History().plot()


def test_history_plot_without_matplotlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    h = History()
    h.append(0, loss=1.0)
    with pytest.raises(ImportError, match="pip install"):
        h.plot()


def test_accuracy():
    logits = ag.Tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]])
    assert accuracy(logits, np.array([0, 1, 1])) == pytest.approx(2 / 3)
    assert accuracy(np.array([[0.9, 0.1], [0.2, 0.8]]), np.array([[1, 0], [1, 0]])) == 0.5
    assert accuracy(np.array([2.0, -1.0, 0.5]), np.array([1, 0, 0])) == pytest.approx(2 / 3)
    assert accuracy(np.array([[2.0], [-1.0]]), np.array([[1.0], [-1.0]])) == 1.0
    with pytest.raises(ValueError, match="accuracy"):
        accuracy(np.zeros((3, 2)), np.zeros(4))


def test_errors_are_clear():
    X, Y = line_data(8)
    model = nn.Linear(1, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    loader = data.DataLoader((X, Y), batch_size=8)
    with pytest.raises(FloatingPointError, match="loss became nan"):
        nn.fit(model, lambda out, y: (out * np.nan).sum(), opt, loader, 1, progress=False)
    with pytest.raises(ValueError, match="one-element"):
        nn.fit(model, lambda out, y: out - y, opt, loader, 1, progress=False)
    with pytest.raises(ValueError, match="pair"):
        nn.fit(model, nn.MSELoss(), opt, data.DataLoader(X, batch_size=8), 1, progress=False)
    with pytest.raises(ValueError, match="unknown metric"):
        nn.fit(model, nn.MSELoss(), opt, loader, 1, metrics=["f1"], progress=False)
    with pytest.raises(ValueError, match="no val_loader"):
        nn.fit(model, nn.MSELoss(), opt, loader, 1, early_stopping=EarlyStopping(),
               progress=False)
    with pytest.raises(ValueError, match="epochs"):
        nn.fit(model, nn.MSELoss(), opt, loader, -1, progress=False)


def test_accuracy_threshold_for_probability_outputs():
    probs = np.array([0.2, 0.7, 0.9, 0.4])
    target = np.array([0, 1, 1, 1])
    assert nn.train.accuracy(probs, target, threshold=0.5) == 0.75
    assert nn.train.accuracy(probs - 0.5, target) == 0.75


# ---- training-accuracy bars: seeded, full-batch, each in a second or two ---------------------
# an MLP reaches >= 97% test accuracy on two moons (noise 0.1) and 100% on XOR (tensor and scalar
# granularity), and a cross-entropy MLP >= 95% on three-class spirals.


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


# ---- pictures of training: gradient norms per layer, weight and gradient histograms ------
def two_layer_fit(track):
    X = np.random.default_rng(0).normal(size=(24, 2))
    Y = X[:, :1] * 2 - X[:, 1:]
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
    hist = nn.fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.05),
                  data.DataLoader((X, Y), batch_size=8), epochs=3, progress=False,
                  track_gradients=track)
    return model, hist


def test_fit_records_every_parameters_gradient_norm_at_every_step():
    model, hist = two_layer_fit(True)
    names = [n for n, _ in model.named_parameters()]
    assert list(hist.gradients) == names == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert all(len(v) == 3 * 3 for v in hist.gradients.values())      # 3 epochs x 3 batches
    for name, p in model.named_parameters():        # the last step's gradient is still there
        assert hist.gradients[name][-1] == pytest.approx(np.linalg.norm(p.grad.numpy()))
    layers = hist.layer_gradients()
    assert list(layers) == ["0", "2"]
    np.testing.assert_allclose(layers["0"], np.hypot(hist.gradients["0.weight"],
                                                     hist.gradients["0.bias"]))
    _, plain = two_layer_fit(False)
    assert plain.gradients == {}                     # negative control: only when asked
    with pytest.raises(ValueError, match="track_gradients=True"):
        plain.plot_gradients()


def test_plot_gradients_draws_one_log_scale_line_per_layer():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    _, hist = two_layer_fit(True)
    fig = hist.plot_gradients()
    (ax,) = fig.axes
    assert [ln.get_label() for ln in ax.get_lines()] == ["0", "2"]
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "training step"
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), hist.layer_gradients()["2"])
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), np.arange(1, 10))
    plt.close("all")


def test_plot_histograms_shows_weights_and_gradients_per_layer():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from nn.train import plot_histograms
    model, _ = two_layer_fit(False)
    fig = plot_histograms(model, bins=5)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["0: weights", "0: gradients", "2: weights", "2: gradients"]
    counts = [sum(patch.get_height() for patch in ax.patches) for ax in fig.axes]
    assert counts == [12, 12, 5, 5]                   # 2x4 + 4 and 4x1 + 1 numbers each
    fresh = nn.Linear(3, 2)                           # no backward yet: said, not drawn
    fig = plot_histograms(fresh)
    assert [ax.get_title() for ax in fig.axes] == ["(top level): weights",
                                                   "(top level): gradients"]
    assert fig.axes[1].texts[0].get_text() == "no gradient yet" and not fig.axes[1].patches
    plt.close("all")
    with pytest.raises(ValueError, match="Tanh has no parameters"):
        plot_histograms(nn.Tanh())
