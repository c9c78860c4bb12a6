"""A training loop: `fit` runs epochs of zero_grad → forward → loss → backward → step, keeps
a `History` of per-epoch losses and metrics, steps a learning-rate schedule, shows a tqdm
progress bar (terminal or notebook) and can stop early on a validation metric.

    hist = nn.fit(model, nn.CrossEntropyLoss(), opt, train_loader, epochs=50,
                  val_loader=val_loader, metrics=["accuracy"],
                  early_stopping=nn.EarlyStopping("val_loss", patience=5))
    hist.plot()

With fit(..., track_gradients=True) the History also keeps every parameter's gradient norm at
every training step: `hist.plot_gradients()` draws them per layer (vanishing or exploding at a
glance), and `plot_histograms(model)` shows each layer's weights and gradients.
"""

import math

import numpy as np

from autograd import Tensor, no_grad
from autograd import as_array


def accuracy(output, target, threshold=0.0):
    """Fraction of correct predictions. Output (n, k) with k > 1: the class is the argmax
    (target: class indices, or one-hot/probabilities). Output (n,) or (n, 1): a score above
    `threshold` predicts the positive class; 0 suits logits and tanh outputs, use 0.5 for
    probabilities (sigmoid outputs). Target in {0, 1} or {-1, +1}."""
    out, tgt = as_array(output), as_array(target)
    if out.ndim == 2 and out.shape[1] > 1:
        pred = out.argmax(axis=1)
        if tgt.ndim == 2:
            tgt = tgt.argmax(axis=1)
    else:
        pred = out.reshape(len(out)) > threshold
        tgt = tgt.reshape(len(tgt)) > 0
    if pred.shape != tgt.shape:
        raise ValueError(f"accuracy: {len(pred)} predictions (output shape {out.shape}) for "
                         f"targets of shape {tgt.shape}")
    return float(np.mean(pred == tgt))


METRICS = {"accuracy": accuracy}


class History:
    """Per-epoch records: `history['loss']`, `['val_loss']`, `['accuracy']`, `['lr']`, ..."""

    def __init__(self):
        self.history = {}
        self.epoch = []
        self.stopped_epoch = None     # set when early stopping ended the run
        self.gradients = {}           # parameter path -> its gradient's L2 norm at each step

    def record_gradients(self, model):
        """Append the L2 norm of each parameter's gradient (NaN where it has none)."""
        for name, p in model.named_parameters():
            norm = np.nan if p.grad is None else float(np.linalg.norm(as_array(p.grad)))
            self.gradients.setdefault(name, []).append(norm)

    def layer_gradients(self):
        """{layer path: array of the gradient norm of all its parameters together, per step};
        a parameter 'layers.0.weight' belongs to layer 'layers.0'."""
        squares = {}
        for name, norms in self.gradients.items():
            layer = _layer(name)
            sq = np.square(np.asarray(norms, dtype=np.float64))
            squares[layer] = squares[layer] + sq if layer in squares else sq
        return {layer: np.sqrt(sq) for layer, sq in squares.items()}

    def append(self, epoch, **values):
        """Record one epoch's values."""
        self.epoch.append(epoch)
        for k, v in values.items():
            self.history.setdefault(k, []).append(v)

    def __getitem__(self, key):
        try:
            return self.history[key]
        except KeyError:
            raise KeyError(f"History: no record {key!r}; have {sorted(self.history)}") from None

    def __contains__(self, key):
        return key in self.history

    def __len__(self):
        return len(self.epoch)

    def __repr__(self):
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.history.items() if v)
        return f"History({len(self)} epochs{': ' + last if last else ''})"

    def plot(self, keys=None, ax=None):
        """Draw the loss curves (train and validation) and any metric on a second panel with
        matplotlib; returns the figure."""
        plt = _pyplot("History.plot")
        if not self.epoch:
            raise ValueError("History.plot: nothing recorded yet")
        keys = list(keys) if keys is not None else [k for k in self.history if k != "lr"]
        missing = [k for k in keys if k not in self.history]
        if missing:
            raise KeyError(f"History.plot: no records {missing}; have {sorted(self.history)}")
        losses = [k for k in keys if k.endswith("loss")]
        others = [k for k in keys if k not in losses]
        if ax is not None:
            axes, fig = [ax] * 2, ax.figure
        elif losses and others:
            fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        else:
            fig, one = plt.subplots(figsize=(6, 4))
            axes = [one, one]
        for group, a, label in ((losses, axes[0], "loss"), (others, axes[1], "metric")):
            for k in group:
                a.plot(self.epoch, self.history[k], label=k, marker="." if len(self) < 30 else None)
            if group:
                a.set_xlabel("epoch")
                a.set_ylabel(label)
                a.legend()
                a.grid(alpha=0.3)
        return fig

    def plot_gradients(self, ax=None):
        """One line per layer: the norm of its gradient at each training step, on a log
        scale, so that vanishing (falling towards 0) and exploding gradients show at a glance."""
        plt = _pyplot("History.plot_gradients")
        if not self.gradients:
            raise ValueError("History.plot_gradients: no gradients recorded; train with "
                             "fit(..., track_gradients=True)")
        fig, ax = plt.subplots(figsize=(7, 4)) if ax is None else (ax.figure, ax)
        for layer, norms in self.layer_gradients().items():
            ax.plot(np.arange(1, len(norms) + 1), norms, label=layer)
        ax.set_yscale("log")
        ax.set_xlabel("training step")
        ax.set_ylabel("gradient norm (L2)")
        ax.set_title("gradient norm per layer")
        ax.legend(fontsize="small")
        ax.grid(alpha=0.3, which="both")
        return fig


def _layer(name):
    """The module path of a parameter ('layers.0.weight' -> 'layers.0'); a model's own
    parameters (no dot) form the layer '(top level)'."""
    return name.rpartition(".")[0] or "(top level)"


def _pyplot(caller):
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(f"{caller} needs matplotlib: pip install 'chainrule[train]' "
                          "(or pip install matplotlib)") from None
    return plt


def plot_histograms(model, bins=30):
    """A histogram of each layer's weights (left) and of their gradients (right), one row
    per layer (parameters grouped by module path, as History.layer_gradients)."""
    plt = _pyplot("plot_histograms")
    layers = {}
    for name, p in model.named_parameters():
        layers.setdefault(_layer(name), []).append(p)
    if not layers:
        raise ValueError(f"plot_histograms: {type(model).__name__} has no parameters")
    fig, axes = plt.subplots(len(layers), 2, figsize=(9, 2.2 * len(layers)), squeeze=False)
    for (layer, params), (left, right) in zip(layers.items(), axes):
        left.hist(np.concatenate([as_array(p).ravel() for p in params]), bins=bins)
        left.set_title(f"{layer}: weights")
        grads = [as_array(p.grad).ravel() for p in params if p.grad is not None]
        if grads:
            right.hist(np.concatenate(grads), bins=bins, color="tab:orange")
        else:
            right.text(0.5, 0.5, "no gradient yet", ha="center", va="center",
                       transform=right.transAxes)
        right.set_title(f"{layer}: gradients")
    fig.tight_layout()
    return fig


class EarlyStopping:
    """Stop `fit` when `monitor` has not improved by more than min_delta for `patience`
    epochs; with restore_best_weights the model gets its best state back (needs
    Module.state_dict). mode 'auto' minimises names containing 'loss' and maximises others."""

    def __init__(self, monitor="val_loss", *, patience=5, min_delta=0.0, mode="auto",
                 restore_best_weights=True):
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}")
        if not isinstance(patience, int) or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be an integer >= 0, got {patience!r}")
        self.monitor, self.patience, self.min_delta = monitor, patience, abs(min_delta)
        self.mode = ("min" if "loss" in monitor else "max") if mode == "auto" else mode
        self.restore_best_weights = restore_best_weights
        self.reset()

    def reset(self):
        """Forget the best value seen (fit calls this at the start)."""
        self.best, self.best_epoch, self.wait, self.best_state = None, None, 0, None

    def update(self, epoch, value, model=None):
        """Record this epoch's value; True when training should stop."""
        better = (self.best is None or
                  (value < self.best - self.min_delta if self.mode == "min"
                   else value > self.best + self.min_delta))
        if better:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights and model is not None:
                self.best_state = model.state_dict()
            return False
        self.wait += 1
        return self.wait >= self.patience


def _batches(loader):
    for batch in loader:
        if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
            raise ValueError("fit: each batch must be a pair (inputs, targets); wrap arrays as "
                             "DataLoader((X, y), ...)")
        yield batch


def _run_epoch(model, loss_fn, optimizer, loader, metrics, train, after_backward=None):
    """Mean loss and metrics over one pass, weighting each batch by its size;
    `after_backward()` runs after each backward pass, before the optimiser's step."""
    total, n = 0.0, 0
    sums = dict.fromkeys(metrics, 0.0)
    for b, (x, y) in enumerate(_batches(loader)):
        if train:
            optimizer.zero_grad()
            out = model(x)
            loss = loss_fn(out, y)
            if not isinstance(loss, Tensor) or loss.size != 1:
                raise ValueError(f"fit: loss_fn must return a one-element Tensor, got "
                                 f"{type(loss).__name__} of shape {np.shape(loss)}")
            loss.backward()
            if after_backward is not None:
                after_backward()
            optimizer.step()
        else:
            with no_grad():
                out = model(x)
                loss = loss_fn(out, y)
        value = float(loss.item())
        if not math.isfinite(value):
            raise FloatingPointError(f"fit: the loss became {value} at batch {b} (lower the "
                                     "learning rate, or check the inputs for NaN/inf)")
        k = len(x)
        total, n = total + value * k, n + k
        for name, fn in metrics.items():
            sums[name] += fn(out, y) * k
    if n == 0:
        raise ValueError("fit: the data loader yielded no batches")
    return total / n, {name: s / n for name, s in sums.items()}


def _metric_fns(metrics):
    if metrics is None:
        return {}
    if callable(metrics) or isinstance(metrics, str):
        metrics = [metrics]
    if isinstance(metrics, dict):
        return dict(metrics)
    fns = {}
    for m in metrics:
        if isinstance(m, str):
            if m not in METRICS:
                raise ValueError(f"fit: unknown metric {m!r}; known: {sorted(METRICS)} (or pass "
                                 "a function (output, target) -> float)")
            fns[m] = METRICS[m]
        else:
            fns[getattr(m, "__name__", "metric")] = m
    return fns


def _set_mode(model, train):
    if hasattr(model, "train"):
        model.train(train)


def fit(model, loss_fn, optimizer, train_loader, epochs, val_loader=None, scheduler=None,
        progress=True, metrics=None, early_stopping=None, track_gradients=False):
    """Train `model` for `epochs` passes over train_loader and return a History.

    Each batch: optimizer.zero_grad(); loss_fn(model(x), y).backward(); optimizer.step().
    After each epoch: evaluate val_loader under no_grad with model.eval(); step the scheduler
    (ReduceLROnPlateau gets val_loss, or loss without validation); stop early when
    `early_stopping` (an EarlyStopping) says so. `metrics`: names ('accuracy') or functions
    (output, target) -> float, recorded as 'name' and 'val_name'. `progress`: a tqdm bar over
    the epochs showing the latest values (tqdm.auto picks terminal or notebook).
    `track_gradients`: record every parameter's gradient norm at every step (before the
    optimiser's step) in History.gradients, for History.plot_gradients().
    """
    if not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be an integer >= 0, got {epochs!r}")
    fns = _metric_fns(metrics)
    from .schedulers import ReduceLROnPlateau
    history = History()
    if early_stopping is not None:
        early_stopping.reset()
        if val_loader is None and early_stopping.monitor.startswith("val_"):
            raise ValueError(f"fit: early stopping monitors {early_stopping.monitor!r} but no "
                             "val_loader was given")
    bar = range(epochs)
    if progress:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            raise ImportError("fit(progress=True) needs tqdm: pip install tqdm, or pass "
                              "progress=False") from None
        bar = tqdm(bar, desc="fit", unit="epoch")
    try:
        for epoch in bar:
            record = {"lr": optimizer.param_groups[0]["lr"]}
            _set_mode(model, True)
            record["loss"], train_metrics = _run_epoch(
                model, loss_fn, optimizer, train_loader, fns, train=True,
                after_backward=(lambda: history.record_gradients(model)) if track_gradients
                else None)
            record.update(train_metrics)
            if val_loader is not None:
                _set_mode(model, False)
                val_loss, val_metrics = _run_epoch(model, loss_fn, optimizer, val_loader, fns,
                                                   train=False)
                _set_mode(model, True)
                record["val_loss"] = val_loss
                record.update({f"val_{k}": v for k, v in val_metrics.items()})
            history.append(epoch, **record)
            if progress:
                bar.set_postfix({k: f"{v:.4g}" for k, v in record.items() if k != "lr"},
                                refresh=False)
            if isinstance(scheduler, ReduceLROnPlateau):
                scheduler.step(record.get("val_loss", record["loss"]))
            elif scheduler is not None:
                scheduler.step()
            if early_stopping is not None:
                if early_stopping.monitor not in record:
                    raise KeyError(f"fit: early stopping monitors {early_stopping.monitor!r}, "
                                   f"which is not recorded; have {sorted(record)}")
                if early_stopping.update(epoch, record[early_stopping.monitor], model):
                    history.stopped_epoch = epoch
                    break
    finally:
        if progress:
            bar.close()
    if early_stopping is not None and early_stopping.best_state is not None:
        model.load_state_dict(early_stopping.best_state)
    return history


__all__ = ["fit", "History", "EarlyStopping", "accuracy", "plot_histograms"]
