"""What the gradient-trained estimators share: validation, labels, the training call."""

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import losses, optimizers, training
from ..layers import Dense
from ..model import Sequential


def as_generator(random_state):
    """A ``numpy.random.Generator`` from an int, None, a ``RandomState`` or a ``Generator``."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    if random_state is None or (isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)):
        if random_state is not None and random_state < 0:
            raise ValueError(f"random_state must be a non-negative integer. Received: random_state={random_state!r}")
        return np.random.default_rng(random_state)
    raise ValueError(
        f"random_state must be None, an int, a numpy RandomState or Generator. Received: random_state={random_state!r}"
    )


def check_positive(name, value, integer=False):
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind) or not (value > 0 and np.isfinite(value)):
        what = "a positive integer" if integer else "a positive number"
        raise ValueError(f"{name} must be {what}. Received: {name}={value!r}")


def check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}. Received: {name}={value!r}")


def encode_labels(estimator, y):
    """Store ``classes_`` (in the caller's label type) and return y as indices 0..k−1."""
    check_classification_targets(y)
    classes, encoded = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(
            f"The classifier needs samples of at least 2 classes in the data, but the data contains "
            f"only one class: {classes[0].item()!r}"
        )
    estimator.classes_ = classes
    return encoded.reshape(-1)


#: For scikit-learn's validators: float32 and float64 input keep their type; anything else
#: (integers, float16, lists) becomes float32, the fast default.
FLOAT_DTYPES = [np.float32, np.float64]


#: The parameters both networks share, for their docstrings.
TRAINING_PARAMETERS_DOC = """    early_stopping : bool, default False
        Stop when the validation accuracy has not risen by ``tol`` for ``n_iter_no_change``
        epochs, and restore the best weights (the validation set: ``validation_data``, or
        ``validation_fraction`` of the data, 0.1 if that is 0).
    tol : float, default 1e-4
    n_iter_no_change : int, default 10
        Without early stopping, training stops when the training loss has not fallen by ``tol``
        for this many epochs; reaching ``epochs`` first gives a ``ConvergenceWarning``.
    class_weight : None, "balanced" or dict {class: weight}
        Weights of each class's samples in the loss and its gradient.
    warm_start : bool, default False
        ``fit`` continues from the current weights instead of starting afresh.
"""


class NetworkClassifier(ClassifierMixin, BaseEstimator):
    """Base of ``MLPClassifier`` and ``CNNClassifier``: a ``Sequential`` network ending in one
    logit (sigmoid + binary cross-entropy) for two classes, or k logits (softmax + softmax
    cross-entropy) for k classes, trained by ``rosenblatt.training.fit``.

    Training stops before ``epochs`` when it stops improving, as in scikit-learn: when the
    training loss has not fallen by ``tol`` for ``n_iter_no_change`` epochs in a row, or, with
    ``early_stopping``, when the accuracy on the held-out validation set has not risen by ``tol``
    for that long (the best weights seen are then restored). Reaching ``epochs`` while still
    improving gives a ``ConvergenceWarning``.
    """

    def _check_params(self):
        check_positive("epochs", self.epochs, integer=True)
        check_positive("batch_size", self.batch_size, integer=True)
        check_positive("learning_rate", self.learning_rate)
        check_positive("n_iter_no_change", self.n_iter_no_change, integer=True)
        check_choice("optimizer", self.optimizer, optimizers.OPTIMIZERS)
        v = self.validation_fraction
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not 0 <= v < 1:
            raise ValueError(f"validation_fraction must be a number in [0, 1). Received: validation_fraction={v!r}")
        if isinstance(self.tol, bool) or not isinstance(self.tol, numbers.Real) or not self.tol >= 0:
            raise ValueError(f"tol must be a non-negative number. Received: tol={self.tol!r}")
        cw = self.class_weight
        if not (cw is None or cw == "balanced" or isinstance(cw, dict)):
            raise ValueError(
                f"class_weight must be None, 'balanced' or a dict {{class: weight}}. Received: class_weight={cw!r}"
            )

    def _validate_X(self, X, reset):
        raise NotImplementedError

    def _hidden_layers(self):
        raise NotImplementedError

    def fit(self, X, y, sample_weight=None, validation_data=None, callbacks=()):
        """Train on X and y and return self: from a fresh start, or from the current weights
        with ``warm_start=True``.

        ``sample_weight`` (and ``class_weight``) weight each sample's loss and so its gradient.
        ``validation_data=(X_val, y_val)`` is evaluated after every epoch; otherwise a
        ``validation_fraction`` of the training data is held out (stratified) for it (0.1 when
        ``early_stopping`` is on and no fraction is set). Each callback is called as
        ``callback(epoch, logs, model)`` after every epoch and stops training by returning True.
        """
        return self._fit(X, y, sample_weight, validation_data, callbacks, incremental=False)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over X and y, continuing from the current weights and optimizer state.

        The first call must list every class in ``classes`` (later batches may lack some)."""
        return self._fit(X, y, sample_weight, None, (), incremental=True, classes=classes)

    def _fit(self, X, y, sample_weight, validation_data, callbacks, incremental, classes=None):
        self._check_params()
        fresh = not hasattr(self, "model_") or not (incremental or self.warm_start)
        X, y = self._validate_X(X, reset=fresh, y=y)
        if fresh and incremental:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            encode_labels(self, np.asarray(classes))
            t = self._encode_known(y)
        elif fresh:
            t = encode_labels(self, y)
        else:
            t = self._encode_known(y)
        weights = self._sample_weights(sample_weight, X, t)
        if fresh or not hasattr(self, "_rng"):  # (a model from load_model continues with a new stream)
            self._rng = as_generator(self.random_state)
        rng = self._rng
        if callable(callbacks) or not all(callable(cb) for cb in callbacks):
            raise TypeError("callbacks must be a list of functions callback(epoch, logs, model).")
        fraction = self.validation_fraction or (0.1 if self.early_stopping else 0.0)
        if incremental:
            validation_data = None
        elif validation_data is None and fraction > 0:
            from sklearn.model_selection import train_test_split

            _check_hold_out(fraction, t, len(self.classes_))
            seed = int(rng.integers(np.iinfo(np.int32).max))
            parts = [X, t] + ([] if weights is None else [weights])
            split = train_test_split(*parts, test_size=fraction, stratify=t, random_state=seed)
            X, X_val, t, t_val = split[:4]
            weights = None if weights is None else split[4]
            validation_data = (X_val, t_val)
        elif validation_data is not None:
            if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
                raise ValueError(
                    "validation_data must be a pair (X_val, y_val). "
                    f"Received: {type(validation_data).__name__} of length {len(validation_data)}"
                )
            X_val, y_val = validation_data
            if len(X_val) != len(y_val):
                raise ValueError(f"validation_data has {len(X_val)} samples in X_val but {len(y_val)} in y_val.")
            X_val, _ = self._validate_X(X_val, reset=False)
            validation_data = (X_val, self._encode_known(y_val))
        if self.early_stopping and validation_data is None and not incremental:
            raise ValueError("early_stopping needs validation data: set validation_fraction or pass validation_data.")
        n_classes = len(self.classes_)
        if fresh:
            self.model_ = Sequential(self._hidden_layers() + [Dense(1 if n_classes == 2 else n_classes)], dtype=X.dtype)
            self.model_.build(X.shape[1:], rng)
            self.n_iter_, self.loss_curve_ = 0, []
            self.__dict__.pop("history_", None)
        self._loss = losses.BinaryCrossEntropy() if n_classes == 2 else losses.SoftmaxCrossEntropy()
        self.n_iter_ = getattr(self, "n_iter_", 0)
        if fresh or not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = optimizers.get(self.optimizer, self.learning_rate)
        X = X.astype(self.model_.dtype, copy=False)
        target = t.astype(X.dtype) if n_classes == 2 else t
        if validation_data is not None:
            X_val, t_val = validation_data
            validation_data = (X_val.astype(X.dtype, copy=False), t_val.astype(X.dtype) if n_classes == 2 else t_val)
        callbacks = list(callbacks)
        stopper = None if incremental else _Stopper(self.tol, self.n_iter_no_change, self.early_stopping, self.model_)
        if stopper is not None:
            callbacks.insert(0, stopper)
        if self.verbose:
            callbacks.append(_print_epoch(self.n_iter_ + (1 if incremental else self.epochs)))
        history = training.fit(
            self.model_,
            X,
            target,
            self._loss,
            self._optimizer,
            1 if incremental else self.epochs,
            batch_size=self.batch_size,
            rng=rng,
            sample_weight=weights,
            validation_data=validation_data,
            callbacks=callbacks,
            epoch_offset=self.n_iter_,
        )
        if fresh or not hasattr(self, "history_"):
            self.history_ = history
        else:
            for key, values in history.records.items():
                self.history_.records.setdefault(key, []).extend(values)
        self.loss_curve_ = list(self.history_["loss"])
        self.n_iter_ = len(self.loss_curve_)
        if stopper is not None:
            stopper.finish(self)
            if not stopper.stopped and not any(getattr(cb, "stopped", False) for cb in callbacks[1:]):
                warn_not_converged(
                    f"{type(self).__name__} reached epochs={self.epochs} while still improving: its best "
                    f"{'validation accuracy' if self.early_stopping else 'training loss'} improved by more than "
                    f"tol={self.tol} within the last n_iter_no_change={self.n_iter_no_change} epochs. Increase epochs "
                    f"to train longer, or raise tol to accept this.",
                    stacklevel=4,  # warn_not_converged ← _fit ← fit or partial_fit ← the caller
                )
        return self

    def _sample_weights(self, sample_weight, X, t):
        return sample_weights(self, sample_weight, X, t)

    def _encode_known(self, y):
        y = np.asarray(y).reshape(-1)
        idx = np.searchsorted(self.classes_, y)
        idx = np.clip(idx, 0, len(self.classes_) - 1)
        unknown = self.classes_[idx] != y
        if np.any(unknown):
            raise ValueError(f"y contains labels not seen in training: {sorted(set(y[unknown].tolist()))}")
        return idx

    def decision_function(self, X):
        """The network's logits: shape (n,) for two classes, (n, k) for k classes."""
        check_is_fitted(self)
        X, _ = self._validate_X(X, reset=False)
        out = training.predict_in_batches(self.model_, X)
        return out[:, 0] if out.shape[1] == 1 else out

    def predict_proba(self, X):
        """Class probabilities, shape (n, k), columns in the order of ``classes_``."""
        from ..functional import sigmoid, softmax

        z = self.decision_function(X)
        if z.ndim == 1:
            p = sigmoid(z)
            return np.column_stack([1 - p, p])
        return softmax(z, axis=1)

    def predict(self, X):
        """The most probable class of each sample, in the type of the training labels."""
        z = self.decision_function(X)
        idx = (z >= 0).astype(np.intp) if z.ndim == 1 else z.argmax(axis=1)
        return self.classes_[idx]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags


def sample_weights(estimator, sample_weight, X, t):
    """Per-sample weights from ``sample_weight`` times ``class_weight`` (None if neither)."""
    from sklearn.utils.class_weight import compute_sample_weight
    from sklearn.utils.validation import _check_sample_weight

    if sample_weight is None and estimator.class_weight is None:
        return None
    weights = _check_sample_weight(sample_weight, X, dtype=np.float64)
    if estimator.class_weight is not None:
        if isinstance(estimator.class_weight, dict):
            unknown = set(estimator.class_weight) - set(estimator.classes_.tolist())
            if unknown:
                raise ValueError(f"class_weight has labels not in the data: {sorted(unknown, key=str)}")
            by_index = {int(np.searchsorted(estimator.classes_, k)): v for k, v in estimator.class_weight.items()}
            weights = weights * compute_sample_weight(by_index, t)
        else:
            weights = weights * compute_sample_weight("balanced", t)
    if np.any(weights < 0) or not np.all(np.isfinite(weights)) or weights.sum() <= 0:
        raise ValueError("sample_weight must be finite, non-negative and not all zero.")
    return weights / weights.mean()  # only the ratios matter


class _Stopper:
    """Stops training when it no longer improves, scikit-learn's way, and keeps the best weights
    for early stopping (a copy of the model's flat parameter vector)."""

    def __init__(self, tol, patience, early_stopping, model):
        self.tol, self.patience, self.early_stopping, self.model = tol, patience, early_stopping, model
        self.best, self.bad, self.stopped, self.best_params = None, 0, False, None

    def __call__(self, epoch, logs, model):
        value = logs["val_accuracy"] if self.early_stopping else -logs["loss"]  # higher is better
        if self.best is not None and value <= self.best + self.tol:
            self.bad += 1
        else:
            self.bad = 0
        if self.best is None or value > self.best:
            self.best = value
            if self.early_stopping:
                self.best_params = model.parameter_vector()[0][0].copy()
        self.stopped = self.bad >= self.patience
        return self.stopped

    def finish(self, estimator):
        if self.early_stopping and self.best_params is not None:
            self.model.parameter_vector()[0][0][...] = self.best_params
            estimator.best_validation_score_ = self.best
        elif not self.early_stopping and self.best is not None:
            estimator.best_loss_ = -self.best


def _check_hold_out(fraction, t, n_classes):
    """The stratified hold-out needs at least one sample of each class on both sides."""
    n = len(t)
    n_val = int(np.ceil(fraction * n))
    smallest = int(np.bincount(t).min())
    if n_val < n_classes or n - n_val < n_classes or smallest < 2:
        raise ValueError(
            f"validation_fraction={fraction!r} cannot hold out a stratified validation set from {n} samples of "
            f"{n_classes} classes (it would hold out {n_val}; the smallest class has {smallest}). Use a larger "
            f"fraction, more data, or validation_fraction=0."
        )


def _print_epoch(epochs):
    def callback(epoch, logs, model):
        print(format_epoch(epoch, epochs, logs), flush=True)

    return callback


def format_epoch(epoch, epochs, logs):
    parts = [f"epoch {epoch + 1:>{len(str(epochs))}}/{epochs}", f"loss {logs['loss']:.4f}"]
    for key in ("accuracy", "val_loss", "val_accuracy"):
        if key in logs:
            parts.append(f"{key} {logs[key]:.4f}")
    parts.append(f"{logs['time']:.1f}s")
    return "  ".join(parts)


def warn_not_converged(message, stacklevel=3):
    """A ConvergenceWarning pointing at the caller's line (``stacklevel`` frames up)."""
    warnings.warn(message, ConvergenceWarning, stacklevel=stacklevel)


__all__ = ["NetworkClassifier", "as_generator", "check_is_fitted", "validate_data", "encode_labels"]
