"""The training loop: epochs of shuffled mini-batches, forward, loss, backward, update."""

import time

import numpy as np

from . import losses as losses_
from . import parallel


class History:
    """Per-epoch records: ``loss``, ``accuracy`` and, with validation data, ``val_loss`` and
    ``val_accuracy``; ``time`` holds the seconds each epoch took. ``history["loss"]`` or
    ``history.loss`` both work."""

    def __init__(self):
        self.records = {}

    def append(self, **values):
        for k, v in values.items():
            self.records.setdefault(k, []).append(v)

    def __getitem__(self, key):
        return self.records[key]

    def __contains__(self, key):
        return key in self.records

    def __getattr__(self, key):
        try:
            return self.__dict__["records"][key]
        except KeyError:
            raise AttributeError(key) from None

    def __len__(self):
        return len(self.records.get("loss", []))

    def to_dict(self):
        return {k: list(v) for k, v in self.records.items()}

    def __repr__(self):
        return f"History(epochs={len(self)}, keys={sorted(self.records)})"


def accuracy(output, target, loss):
    """Share of correct predictions for a classification loss, or None for regression."""
    name = getattr(loss, "name", "")
    if name == "binary_crossentropy":
        pred = output.reshape(output.shape[0], -1)[:, 0] >= 0
    elif name == "binary_crossentropy_probabilities":
        pred = output.reshape(output.shape[0], -1)[:, 0] >= 0.5
    elif name == "softmax_crossentropy":
        pred = output.argmax(axis=1)
        target = np.asarray(target)
        # one-hot (or probability) targets, which the loss accepts too, name their class by their largest entry
        target = target.argmax(axis=1) if target.shape == output.shape else target.reshape(-1)
        return int(np.count_nonzero(pred == target)) / len(pred)
    else:
        return None
    # count_nonzero rather than mean: this runs every batch, and np.mean's Python layer costs more than the count
    return int(np.count_nonzero(pred == (np.asarray(target).reshape(-1) >= 0.5))) / len(pred)


def predict_in_batches(model, X, batch_size=256):
    """The model's output for all of X, computed ``batch_size`` samples at a time."""
    if len(X) == 0:
        raise ValueError("Found array with 0 sample(s) while a minimum of 1 is required.")
    return np.concatenate([model.forward(X[i : i + batch_size], training=False) for i in range(0, len(X), batch_size)])


def evaluate(model, X, y, loss, batch_size=256):
    """(loss, accuracy) of the model on (X, y)."""
    loss = losses_.get(loss)
    out = predict_in_batches(model, X, batch_size)
    return loss.value(out, y), accuracy(out, y, loss)


def _check_fit_arguments(X, y, epochs, batch_size, rng, sample_weight):
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer. Received: {name}={value!r}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)). Received: rng={rng!r}")
    if not (isinstance(X, np.ndarray) and isinstance(y, np.ndarray)):
        raise TypeError("X and y must be NumPy arrays.")
    if len(X) == 0:
        raise ValueError("Found array with 0 sample(s) while a minimum of 1 is required.")
    if len(X) != len(y) or (sample_weight is not None and len(sample_weight) != len(X)):
        lengths = [len(X), len(y)] + ([] if sample_weight is None else [len(sample_weight)])
        raise ValueError(f"Found input variables with inconsistent numbers of samples: {lengths}")


def fit(
    model,
    X,
    y,
    loss,
    optimizer,
    epochs,
    batch_size=32,
    rng=None,
    shuffle=True,
    sample_weight=None,
    validation_data=None,
    callbacks=(),
    epoch_offset=0,
):
    """Train ``model`` by mini-batch gradient descent and return a ``History``.

    Each epoch visits the samples in an order drawn from ``rng`` (a ``numpy.random.Generator``;
    the global RNG is never used). The last batch keeps the samples left over, smaller than
    the rest; its loss counts in the epoch's mean in proportion to its size. Each callback is
    called as ``callback(epoch, logs, model)`` after every epoch and stops training by
    returning True; a callback with an ``on_batch(epoch, batch, n_batches)`` method is also told
    of every batch (progress bars use it).
    """
    loss = losses_.get(loss)
    rng = np.random.default_rng() if rng is None else rng
    _check_fit_arguments(X, y, epochs, batch_size, rng, sample_weight)
    n = len(X)
    history = History()
    if not model.built:
        model.build(X.shape[1:])  # with the model's own seed, as forward would
    pairs = model.parameter_vector()
    x_batch = np.empty((min(batch_size, n),) + X.shape[1:], dtype=X.dtype)  # reused for every batch
    on_batch = [cb.on_batch for cb in callbacks if hasattr(cb, "on_batch")]
    n_batches = -(-n // batch_size)
    # A model of a few hundred microseconds a step trains faster with the BLAS on one thread.
    with parallel.one_blas_thread_if_small(model._flops_per_sample() * min(batch_size, n)):
        for epoch in range(epoch_offset, epoch_offset + epochs):
            start = time.perf_counter()
            order = rng.permutation(n) if shuffle else np.arange(n)
            total_loss = total_correct = 0.0
            for i in range(0, n, batch_size):
                idx = order[i : i + batch_size]
                xb = np.take(X, idx, axis=0, out=x_batch[: len(idx)])
                yb = y[idx]
                wb = None if sample_weight is None else sample_weight[idx]
                with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported below
                    out = model.forward(xb)
                    if hasattr(loss, "value_and_gradient"):
                        batch_loss, grad = loss.value_and_gradient(out, yb, wb)
                    else:
                        batch_loss, grad = loss.value(out, yb, wb), loss.gradient(out, yb, wb)
                    model.backward(grad, input_gradient=False)
                    optimizer.step(pairs)
                total_loss += batch_loss * len(idx)
                acc = accuracy(out, yb, loss)
                total_correct += (acc or 0.0) * len(idx)
                for hook in on_batch:
                    hook(epoch, i // batch_size + 1, n_batches)
            logs = {"loss": total_loss / n}
            if not np.isfinite(logs["loss"]):
                raise ValueError(
                    f"Training diverged: the loss became {logs['loss']} in epoch {epoch + 1}. Lower the learning rate "
                    f"or scale the inputs (for example to [0, 1] or to zero mean and unit variance)."
                )
            if accuracy(out, yb, loss) is not None:
                logs["accuracy"] = total_correct / n
            if validation_data is not None:
                val_loss, val_acc = evaluate(model, *validation_data, loss)
                logs["val_loss"] = val_loss
                if val_acc is not None:
                    logs["val_accuracy"] = val_acc
            logs["time"] = time.perf_counter() - start
            history.append(**logs)
            if any([bool(cb(epoch, logs, model)) for cb in callbacks]):
                break
    return history


def profile_step(model, X, y, loss, optimizer, repeats=5):
    """Seconds spent in each layer's forward and backward pass, and in the loss and update,
    over one training step on (X, y) (the median of ``repeats`` steps).

    Returns a list of (name, forward seconds, backward seconds) rows, one per layer, then
    ("loss", …) and ("update", …). The layers are timed in place, through the same code path
    as ``fit``, on one thread: a batch that ``fit`` would split across threads (see
    ``rosenblatt.parallel``) is profiled whole, so that the rows add up to the step.
    """
    loss = losses_.get(loss)
    n_layers = len(model.layers)
    samples, wrapped, depth = [], [], [0]
    for i, layer in enumerate(model.layers):
        for method in ("forward", "_forward", "backward", "_backward"):
            original = getattr(layer, method, None)
            if original is None:
                continue
            wrapped.append((layer, method))
            setattr(layer, method, _timed(original, i, method.strip("_"), samples, depth))
    serial = model.__dict__.get("_serial")
    model._serial = True
    try:
        rows = []
        for _ in range(repeats):
            samples.clear()
            start = time.perf_counter()
            out = model.forward(X)
            t_forward = time.perf_counter()
            grad = loss.gradient(out, y)
            t_loss = time.perf_counter()
            model.backward(grad, input_gradient=False)
            t_backward = time.perf_counter()
            optimizer.step(model.parameter_vector())
            t_update = time.perf_counter()
            per = np.zeros((n_layers, 2))
            for i, kind, seconds in samples:
                per[i, 0 if kind == "forward" else 1] += seconds
            rows.append((per, t_loss - t_forward, t_update - t_backward, t_update - start))
        per = np.median([r[0] for r in rows], axis=0)
        steps = model._steps[0]
        table = [
            (repr(layer) + (" (folded into the next layer)" if steps[i] == "folded" else ""), per[i, 0], per[i, 1])
            for i, layer in enumerate(model.layers)
        ]
        table.append(("loss gradient", float(np.median([r[1] for r in rows])), 0.0))
        table.append(("optimizer update", 0.0, float(np.median([r[2] for r in rows]))))
        return table
    finally:
        model._serial = serial
        for layer, method in wrapped:
            del layer.__dict__[method]


def _timed(fn, index, kind, samples, depth):
    def timed(*args, **kwargs):
        if depth[0]:  # a public method calling its own kernel: count the outer call only
            return fn(*args, **kwargs)
        depth[0] += 1
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            samples.append((index, kind, time.perf_counter() - start))
            depth[0] -= 1

    return timed
