import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import perceptron as rule
from ._base import (
    FLOAT_DTYPES,
    as_generator,
    check_choice,
    check_positive,
    encode_labels,
    sample_weights,
    warn_not_converged,
)


class Perceptron(ClassifierMixin, BaseEstimator):
    """Rosenblatt's perceptron: net = w·x + b, Y = 1 if net ≥ 0, and after every sample
    w ← w + α(T − Y)x, b ← b + α(T − Y), epoch after epoch until an epoch has no error.

    More than two classes are learned one-vs-rest (one perceptron per class, the class with the
    largest net input wins), as scikit-learn's Perceptron does.

    Parameters
    ----------
    learning_rate : float, default 1.0
        α in the update rule.
    max_epochs : int, default 100
        Training stops here when the data has not been separated; a ``ConvergenceWarning``
        says so.
    init : {"random", "zeros"}, default "random"
        Start from small random weights drawn from ``random_state`` (uniform in ±0.5), or from zero.
    shuffle : bool, default True
        Visit the samples in a new random order each epoch, drawn from ``random_state``, as
        scikit-learn does; with False, in the order given (on data sorted by class, the last
        class seen then dominates the final weights of a run that does not converge).
    random_state : int, RandomState, Generator or None, default 0
    verbose : bool, default False
        Print one line per epoch (its errors and the updates made so far) and, at the end,
        whether the rule converged.

    Attributes
    ----------
    classes_, n_features_in_, coef_ (shape (1, d) for two classes, (k, d) for k), intercept_,
    converged_ (bool), n_iter_ (epochs run), n_updates_ (weight updates made),
    errors_per_epoch_ (list; per class for k classes), trajectory_ ((w, b) after each epoch).
    """

    def __init__(
        self,
        learning_rate=1.0,
        max_epochs=100,
        init="random",
        shuffle=True,
        class_weight=None,
        warm_start=False,
        random_state=0,
        verbose=False,
    ):
        self.learning_rate = learning_rate
        self.max_epochs = max_epochs
        self.init = init
        self.shuffle = shuffle
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X, y, sample_weight=None):
        """Run the rule on X and y; return self. ``sample_weight`` and ``class_weight`` scale each
        sample's update; with ``warm_start`` the run starts from the current weights."""
        check_positive("learning_rate", self.learning_rate)
        check_positive("max_epochs", self.max_epochs, integer=True)
        check_choice("init", self.init, {"random", "zeros"})
        cw = self.class_weight
        if not (cw is None or cw == "balanced" or isinstance(cw, dict)):
            raise ValueError(
                f"class_weight must be None, 'balanced' or a dict {{class: weight}}. Received: class_weight={cw!r}"
            )
        warm = self.warm_start and hasattr(self, "coef_")
        previous = (self.classes_, self.coef_, self.intercept_) if warm else None
        X, y = validate_data(self, X, y, dtype=FLOAT_DTYPES, reset=not warm)
        t = encode_labels(self, y)
        if warm and not np.array_equal(previous[0], self.classes_):
            raise ValueError(
                f"warm_start needs the same classes as before, {previous[0].tolist()}; y has {self.classes_.tolist()}."
            )
        weights = sample_weights(self, sample_weight, X, t)
        rng = as_generator(self.random_state)
        binary = len(self.classes_) == 2
        targets = [t] if binary else [(t == k).astype(np.int64) for k in range(len(self.classes_))]
        zero = self.init == "zeros"
        starts = [
            (previous[1][k], previous[2][k]) if warm else (np.zeros(X.shape[1]), 0.0) if zero else (None, None)
            for k in range(len(targets))
        ]
        self.results_ = [
            rule.train(
                X,
                tk,
                self.learning_rate,
                self.max_epochs,
                rng,
                initial_weights=w0,
                initial_bias=b0,
                shuffle=self.shuffle,
                sample_weight=weights,
                on_epoch=self._epoch_printer(None if binary else self.classes_[k]) if self.verbose else None,
            )
            for k, (tk, (w0, b0)) in enumerate(zip(targets, starts))
        ]
        self.coef_ = np.stack([r.weights for r in self.results_])
        self.intercept_ = np.array([r.bias for r in self.results_], dtype=X.dtype)
        self.converged_ = all(r.converged for r in self.results_)
        self.n_iter_ = max(r.n_epochs for r in self.results_)
        self.n_updates_ = sum(r.n_updates for r in self.results_)
        self.errors_per_epoch_ = (
            self.results_[0].errors_per_epoch if binary else [r.errors_per_epoch for r in self.results_]
        )
        self.trajectory_ = self.results_[0].trajectory if binary else [r.trajectory for r in self.results_]
        if self.verbose and self.converged_:
            print(f"converged after {self.n_iter_} epoch(s), {self.n_updates_} update(s)", flush=True)
        if not self.converged_:
            last = (
                self.results_[0].errors_per_epoch[-1] if binary else sum(r.errors_per_epoch[-1] for r in self.results_)
            )
            warn_not_converged(
                f"The perceptron did not converge: after max_epochs={self.max_epochs} epochs "
                f"({self.n_updates_} updates) its last epoch still had {last} error(s). The data may not be "
                f"linearly separable (as XOR is not); if it is, increase max_epochs."
            )
        return self

    def _epoch_printer(self, label):
        width = len(str(self.max_epochs))
        label = label.item() if isinstance(label, np.generic) else label  # 'a', not np.str_('a')
        prefix = "" if label is None else f"class {label!r}: "

        def show(epoch, errors, updates):
            print(f"{prefix}epoch {epoch:>{width}}/{self.max_epochs}  errors {errors}  updates {updates}", flush=True)

        return show

    def net_input(self, X):
        """w·x + b: shape (n,) for two classes, (n, k) one-vs-rest."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=FLOAT_DTYPES)
        net = X @ self.coef_.T + self.intercept_
        return net[:, 0] if net.shape[1] == 1 else net

    decision_function = net_input

    def predict(self, X):
        """Step of the net input (class 1 when w·x + b ≥ 0); the largest net input one-vs-rest."""
        net = self.net_input(X)
        idx = (net >= 0).astype(np.intp) if net.ndim == 1 else net.argmax(axis=1)
        return self.classes_[idx]

    def predict_proba(self, X):
        """The perceptron's hard decision as probabilities: 1.0 for the predicted class.

        Rosenblatt's unit has no notion of confidence, so each row is one-hot; use
        ``net_input`` for the margin.
        """
        pred = self.predict(X)
        return (pred[:, None] == self.classes_[None, :]).astype(np.float64)


def linearly_separable(X, y):
    """Whether a hyperplane w·x + b = 0 separates the two classes of y, decided exactly by
    a linear program (SciPy's HiGHS): find w, b with sᵢ(w·xᵢ + b) ≥ 1 for sᵢ = ±1."""
    from scipy.optimize import linprog

    X = np.asarray(X, dtype=np.float64)
    classes, t = np.unique(y, return_inverse=True)
    if len(classes) != 2:
        raise ValueError(f"linearly_separable needs exactly 2 classes. Received {len(classes)}.")
    s = np.where(t == 1, 1.0, -1.0)
    A = -s[:, None] * np.column_stack([X, np.ones(len(X))])
    res = linprog(np.zeros(X.shape[1] + 1), A_ub=A, b_ub=-np.ones(len(X)), bounds=(None, None), method="highs")
    return res.status == 0
