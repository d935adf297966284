"""The estimators inside scikit-learn's tools, compared with scikit-learn's own classifiers."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Perceptron as SkPerceptron
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier as SkMLP
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from rosenblatt import CNNClassifier, MLPClassifier, Perceptron, datasets

FOLDS = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)


def class_zero_first(X, y):
    first = np.flatnonzero(y == 0)[0]
    order = np.r_[first, np.delete(np.arange(len(y)), first)]
    return X[order], y[order]


def separable(name):
    if name == "blobs":  # random real coordinates: no net input is ever exactly 0 again
        from sklearn.datasets import make_blobs

        return make_blobs(n_samples=200, centers=[[-2, -2, 0], [2, 2, 1]], cluster_std=1.0, random_state=0)
    d = datasets.load(name)
    return d.X_train.astype(np.float64), d.y_train


@pytest.mark.parametrize("name", ["iris", "blobs"])
def test_perceptron_learns_exactly_scikit_learns_weights(name):
    """Same rule, same learning rate, no shuffling, zero start: the same weights, bit for bit.

    The first sample is of class 0, so the zero start's net input of exactly 0 is an error under
    both conventions (scikit-learn updates when y·net ≤ 0; Rosenblatt's unit fires at net ≥ 0)."""
    X, y = class_zero_first(*separable(name))
    ours = Perceptron(init="zeros", shuffle=False, learning_rate=1.0, max_epochs=50).fit(X, y)
    theirs = SkPerceptron(eta0=1.0, shuffle=False, tol=None, max_iter=50).fit(X, y)
    assert ours.converged_
    np.testing.assert_array_equal(ours.coef_, theirs.coef_)
    np.testing.assert_array_equal(ours.intercept_, theirs.intercept_)


def test_the_one_convention_that_differs_net_input_exactly_zero():
    """A class-1 sample first: at net = 0 Rosenblatt's unit already says 1 (no update), while
    scikit-learn counts y·net = 0 as a mistake and updates."""
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    y = np.array([1, 0])
    with pytest.warns(ConvergenceWarning):  # one epoch is not enough here, by design
        ours = Perceptron(init="zeros", shuffle=False, max_epochs=1).fit(X, y)
    theirs = SkPerceptron(eta0=1.0, shuffle=False, tol=None, max_iter=1).fit(X, y)
    assert ours.results_[0].errors_per_epoch[0] == 1  # only the class-0 sample was wrong
    np.testing.assert_array_equal(ours.coef_, [[0.0, -1.0]])
    np.testing.assert_array_equal(theirs.coef_, [[1.0, -1.0]])


def breast_cancer():
    d = datasets.load("breast-cancer")
    return d.X, d.y


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (Perceptron(random_state=0), SkPerceptron(random_state=0)),
        (
            MLPClassifier(hidden_layer_sizes=(16,), epochs=30, random_state=0),
            SkMLP(hidden_layer_sizes=(16,), max_iter=200, random_state=0),
        ),
    ],
    ids=["perceptron", "mlp"],
)
def test_cross_validated_in_a_pipeline_like_scikit_learns(ours, theirs):
    X, y = breast_cancer()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        our_scores = cross_val_score(make_pipeline(StandardScaler(), ours), X, y, cv=FOLDS)
        their_scores = cross_val_score(make_pipeline(StandardScaler(), theirs), X, y, cv=FOLDS)
    assert len(our_scores) == 3 and our_scores.min() > 0.9
    assert our_scores.mean() >= their_scores.mean() - 0.03


def test_grid_search_in_parallel():
    X, y = breast_cancer()
    search = GridSearchCV(
        make_pipeline(StandardScaler(), MLPClassifier(epochs=10, random_state=0)),
        {"mlpclassifier__learning_rate": [0.001, 0.01], "mlpclassifier__hidden_layer_sizes": [(4,), (16,)]},
        cv=FOLDS,
        n_jobs=2,
    )
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_score_ > 0.95
    assert search.best_estimator_.score(X, y) > 0.95


def test_cnn_in_a_pipeline_on_flattened_digits():
    d = datasets.load("digits")
    X, y = d.X.reshape(len(d.X), -1), d.y >= 5  # digits 0-4 vs 5-9
    cnn = CNNClassifier(
        layers=("conv 8 3x3 pad 1", "relu", "maxpool 2", "dense 32", "relu"),
        image_shape=(1, 8, 8),
        epochs=5,
        random_state=0,
    )
    scores = cross_val_score(make_pipeline(StandardScaler(), cnn), X, y, cv=FOLDS)
    assert scores.min() > 0.9
