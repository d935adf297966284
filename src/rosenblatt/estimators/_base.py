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


class NetworkClassifier(ClassifierMixin, BaseEstimator):
    """Base of ``MLPClassifier`` and ``CNNClassifier``: a ``Sequential`` network ending in one
    logit (sigmoid + binary cross-entropy) for two classes, or k logits (softmax + softmax
    cross-entropy) for k classes, trained by ``rosenblatt.training.fit``."""

    def _check_params(self):
        check_positive("epochs", self.epochs, integer=True)
        check_positive("batch_size", self.batch_size, integer=True)
        check_positive("learning_rate", self.learning_rate)
        check_choice("optimizer", self.optimizer, optimizers.OPTIMIZERS)
        v = self.validation_fraction
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not 0 <= v < 1:
            raise ValueError(f"validation_fraction must be a number in [0, 1). Received: validation_fraction={v!r}")

    def _validate_X(self, X, reset):
        raise NotImplementedError

    def _hidden_layers(self):
        raise NotImplementedError

    def fit(self, X, y, validation_data=None, callbacks=()):
        """Train from a fresh start on X and y; return self.

        ``validation_data=(X_val, y_val)`` is evaluated after every epoch; otherwise a
        ``validation_fraction`` of the training data is held out (stratified) for it.
        """
        self._check_params()
        X, y = self._validate_X(X, reset=True, y=y)
        t = encode_labels(self, y)
        rng = as_generator(self.random_state)
        if validation_data is None and self.validation_fraction > 0:
            from sklearn.model_selection import train_test_split

            _check_hold_out(self.validation_fraction, t, len(self.classes_))
            seed = int(rng.integers(np.iinfo(np.int32).max))
            X, X_val, t, t_val = train_test_split(
                X, t, test_size=self.validation_fraction, stratify=t, random_state=seed
            )
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
        n_classes = len(self.classes_)
        self.model_ = Sequential(self._hidden_layers() + [Dense(1 if n_classes == 2 else n_classes)], dtype=X.dtype)
        self.model_.build(X.shape[1:], rng)
        self._loss = losses.BinaryCrossEntropy() if n_classes == 2 else losses.SoftmaxCrossEntropy()
        target = t.astype(X.dtype) if n_classes == 2 else t
        if validation_data is not None and n_classes == 2:
            validation_data = (validation_data[0], validation_data[1].astype(X.dtype))
        optimizer = optimizers.get(self.optimizer, self.learning_rate)
        if callable(callbacks) or not all(callable(cb) for cb in callbacks):
            raise TypeError("callbacks must be a list of functions callback(epoch, logs, model).")
        callbacks = list(callbacks)
        if self.verbose:
            callbacks.append(_print_epoch(self.epochs))
        self.history_ = training.fit(
            self.model_,
            X,
            target,
            self._loss,
            optimizer,
            self.epochs,
            batch_size=self.batch_size,
            rng=rng,
            validation_data=validation_data,
            callbacks=callbacks,
        )
        self.loss_curve_ = list(self.history_["loss"])
        self.n_iter_ = len(self.loss_curve_)
        return self

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


def warn_not_converged(message):
    warnings.warn(message, ConvergenceWarning, stacklevel=3)


__all__ = ["NetworkClassifier", "as_generator", "check_is_fitted", "validate_data", "encode_labels"]
