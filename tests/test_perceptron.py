"""Rosenblatt's rule: convergence on separable data, an honest stop on XOR."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from rosenblatt import Perceptron, datasets
from rosenblatt import perceptron as rule
from rosenblatt.estimators.perceptron import linearly_separable


@pytest.mark.parametrize("gate", ["and", "or"])
def test_converges_on_and_or(gate):
    d = datasets.load(gate)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        p = Perceptron(random_state=0).fit(d.X_train, d.y_train)
    assert p.converged_
    assert p.errors_per_epoch_[-1] == 0 and all(e > 0 for e in p.errors_per_epoch_[:-1])
    assert p.n_updates_ == sum(p.errors_per_epoch_) > 0
    assert p.n_iter_ == len(p.errors_per_epoch_) < p.max_epochs
    np.testing.assert_array_equal(p.predict(d.X_train), d.y_train)


def test_converges_on_separable_iris():
    d = datasets.load("iris")
    p = Perceptron(random_state=0).fit(d.X_train, d.y_train)
    assert p.converged_ and p.score(d.X_train, d.y_train) == 1.0
    assert p.score(d.X_test, d.y_test) == 1.0


@pytest.mark.parametrize("name", ["xor", "iris-versicolor-virginica"])
def test_stops_at_max_epochs_and_warns_on_non_separable_data(name):
    d = datasets.load(name)
    with pytest.warns(
        ConvergenceWarning,
        match=r"did not converge: after max_epochs=50 epochs .* not be "
        r"linearly separable",
    ):
        p = Perceptron(max_epochs=50, random_state=0).fit(d.X_train, d.y_train)
    assert not p.converged_
    assert p.n_iter_ == 50 and len(p.errors_per_epoch_) == 50
    assert min(p.errors_per_epoch_) > 0
    assert not linearly_separable(d.X_train, d.y_train)


def test_update_rule_by_hand():
    """One misclassified sample: w ← w + α(T − Y)x, b ← b + α(T − Y)."""
    X = np.array([[2.0, -1.0]])
    result = rule.train(X, [0], learning_rate=0.5, max_epochs=1, initial_weights=[1.0, 1.0], initial_bias=0.0)
    # net = 2 − 1 + 0 = 1 ≥ 0, so Y = 1 but T = 0: w = [1, 1] − 0.5·[2, −1], b = 0 − 0.5
    np.testing.assert_array_equal(result.weights, [0.0, 1.5])
    assert result.bias == -0.5
    assert result.n_updates == 1 and result.errors_per_epoch == [1] and not result.converged


def test_net_input_exactly_zero_fires_during_training_too():
    """With a zero start the first net input is exactly 0: Y = 1, so a target of 1 needs no update."""
    result = rule.train(np.array([[1.0, 1.0]]), [1], max_epochs=1, initial_weights=[0.0, 0.0], initial_bias=0.0)
    assert result.converged and result.n_updates == 0


def test_net_input_exactly_zero_fires():
    np.testing.assert_array_equal(rule.predict(np.array([[0.0, 0.0], [1.0, -1.0]]), np.array([1.0, 1.0]), 0.0), [1, 1])


def test_trajectory_records_every_epoch():
    d = datasets.load("and")
    p = Perceptron(random_state=3).fit(d.X_train, d.y_train)
    assert len(p.trajectory_) == p.n_iter_ + 1
    w, b = p.trajectory_[-1]
    np.testing.assert_array_equal(w, p.coef_[0])
    assert b == p.intercept_[0]


def test_seed_makes_runs_identical_and_start_random():
    d = datasets.load("iris")
    a = Perceptron(random_state=1).fit(d.X_train, d.y_train)
    b = Perceptron(random_state=1).fit(d.X_train, d.y_train)
    c = Perceptron(random_state=2).fit(d.X_train, d.y_train)
    assert a.coef_.tobytes() == b.coef_.tobytes()
    assert not np.array_equal(a.trajectory_[0][0], c.trajectory_[0][0])


def test_zero_start():
    d = datasets.load("and")
    p = Perceptron(init="zeros").fit(d.X_train, d.y_train)
    np.testing.assert_array_equal(p.trajectory_[0][0], [0, 0])
    assert p.converged_


def test_one_vs_rest_on_three_iris_species():
    from sklearn.datasets import load_iris
    from sklearn.linear_model import Perceptron as SkPerceptron
    from sklearn.preprocessing import StandardScaler

    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    with pytest.warns(ConvergenceWarning):  # versicolor vs rest is not separable
        p = Perceptron(max_epochs=200, random_state=0).fit(X, names)
    assert p.coef_.shape == (3, 4) and p.net_input(X).shape == (150, 3)
    np.testing.assert_array_equal(p.predict(X), p.classes_[p.net_input(X).argmax(axis=1)])
    assert p.results_[0].converged and not p.results_[1].converged  # setosa vs rest separable, versicolor not
    # about as good as scikit-learn's one-vs-rest perceptron on the same data
    assert p.score(X, names) >= SkPerceptron(random_state=0).fit(X, names).score(X, names) - 0.05


def test_linearly_separable_by_linear_programming():
    assert linearly_separable(datasets.load("and").X_train, datasets.load("and").y_train)
    assert not linearly_separable(datasets.load("xor").X_train, datasets.load("xor").y_train)


def test_sample_weight_scales_each_update_and_zero_leaves_a_sample_out():
    d = datasets.load("iris")
    X, y = d.X_train.astype(np.float64), d.y_train
    keep = np.arange(len(y)) % 4 != 0
    common = dict(init="zeros", shuffle=False, max_epochs=50)
    weighted = Perceptron(**common).fit(X, y, sample_weight=keep.astype(float))
    subset = Perceptron(**common).fit(X[keep], y[keep])
    # the weights are scaled to mean 1, so the kept samples step by α·n/n_kept: the same direction
    np.testing.assert_allclose(
        weighted.coef_ / np.linalg.norm(weighted.coef_), subset.coef_ / np.linalg.norm(subset.coef_)
    )
    assert weighted.n_updates_ == subset.n_updates_


def test_class_weight_and_warm_start():
    d = datasets.load("iris-versicolor-virginica")
    X, y = d.X_train, d.y_train
    with pytest.warns(ConvergenceWarning):
        favour_one = Perceptron(class_weight={0: 0.05, 1: 1.0}, max_epochs=30).fit(X, y)
    assert np.mean(favour_one.predict(X) == 1) > 0.5
    a = datasets.load("and")
    p = Perceptron(warm_start=True).fit(a.X_train, a.y_train)
    coef = p.coef_.copy()
    p.fit(a.X_train, a.y_train)  # already separated: one clean epoch, nothing changes
    assert p.converged_ and p.n_iter_ == 1 and p.n_updates_ == 0
    np.testing.assert_array_equal(p.coef_, coef)


def test_verbose_prints_each_epoch_and_the_convergence(capsys):
    d = datasets.load("and")
    clf = Perceptron(verbose=True).fit(d.X_train, d.y_train)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == clf.n_iter_ + 1
    width = len(str(clf.max_epochs))
    for epoch, (line, errors) in enumerate(zip(lines, clf.errors_per_epoch_), start=1):
        assert line.startswith(f"epoch {epoch:>{width}}/100  errors {errors}  updates ")
    assert lines[-2].endswith(f"errors 0  updates {clf.n_updates_}")
    assert lines[-1] == f"converged after {clf.n_iter_} epoch(s), {clf.n_updates_} update(s)"
    Perceptron().fit(d.X_train, d.y_train)
    assert capsys.readouterr().out == ""  # quiet by default


def test_verbose_names_the_class_one_vs_rest(capsys):
    X = np.array([[0.0, 0.0], [0.0, 3.0], [3.0, 0.0], [3.0, 3.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        Perceptron(verbose=True, max_epochs=2).fit(X, ["a", "b", "c", "c"])
    out = capsys.readouterr().out
    assert out.startswith("class 'a': epoch 1/2  errors ")
    assert "class 'b': epoch 1/2" in out and "class 'c': epoch 1/2" in out
