"""Rosenblatt's perceptron learning rule, exactly as in the lecture.

net = w·x + b,  Y = 1 if net ≥ 0 else 0,
and after each sample:  w ← w + α(T − Y)x,  b ← b + α(T − Y).

An epoch visits every sample once; training stops after the first epoch without an error
(the data is then separated) or after ``max_epochs`` (the data may not be separable at all:
the perceptron convergence theorem promises an end only for separable data).
"""

from dataclasses import dataclass, field

import numpy as np


@dataclass
class PerceptronResult:
    """What one run of the rule did."""

    weights: np.ndarray
    bias: float
    converged: bool
    n_epochs: int
    n_updates: int
    errors_per_epoch: list = field(default_factory=list)
    #: (weights, bias) at the start and after each epoch, to draw the decision line moving.
    trajectory: list = field(default_factory=list)


def net_input(X, weights, bias):
    """w·x + b for every row of X."""
    return X @ weights + bias


def predict(X, weights, bias):
    """The step of the net input: 1 where w·x + b ≥ 0, else 0."""
    return (net_input(X, weights, bias) >= 0).astype(np.int64)


def train(
    X,
    t,
    learning_rate=1.0,
    max_epochs=100,
    rng=None,
    initial_weights=None,
    initial_bias=None,
    shuffle=False,
    init_scale=0.5,
    sample_weight=None,
    on_epoch=None,
):
    """Run the perceptron rule on X (n, d) with targets t in {0, 1}.

    The start is drawn from ``rng`` (a ``numpy.random.Generator``) uniformly in
    [−init_scale, init_scale], unless ``initial_weights``/``initial_bias`` are given (zeros
    reproduce the textbook's zero start). With ``shuffle`` the sample order of each epoch is
    drawn from ``rng``; otherwise samples are visited in the order given. ``sample_weight`` sᵢ
    scales a sample's update, w ← w + α sᵢ (T − Y)x; samples of weight 0 are left out.
    ``on_epoch(epoch, errors, updates)``, if given, is called after each epoch (from 1) with its
    errors and the updates made so far.
    """
    X = np.asarray(X)
    t = np.asarray(t).astype(np.int64).reshape(-1)
    rng = np.random.default_rng() if rng is None else rng
    n, d = X.shape
    dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else np.dtype(np.float64)
    if initial_weights is None:
        w = rng.uniform(-init_scale, init_scale, size=d).astype(dtype)
    else:
        w = np.array(initial_weights, dtype=dtype).reshape(d)
    b = dtype.type(rng.uniform(-init_scale, init_scale) if initial_bias is None else initial_bias)
    alpha = dtype.type(learning_rate)
    s = np.ones(n, dtype=dtype) if sample_weight is None else np.asarray(sample_weight, dtype=dtype).reshape(n)
    result = PerceptronResult(weights=w, bias=b, converged=False, n_epochs=0, n_updates=0)
    result.trajectory.append((w.copy(), b))
    for _ in range(max_epochs):
        errors = 0
        order = rng.permutation(n) if shuffle else range(n)
        for i in order:
            x = X[i]
            y = 1 if x @ w + b >= 0 else 0
            if y != t[i] and s[i] > 0:
                step = alpha * s[i] * dtype.type(t[i] - y)  # α sᵢ (T − Y), kept in the data's dtype
                w += step * x
                b += step
                errors += 1
        result.n_epochs += 1
        result.n_updates += errors
        result.errors_per_epoch.append(errors)
        result.trajectory.append((w.copy(), b))
        if on_epoch is not None:
            on_epoch(result.n_epochs, errors, result.n_updates)
        if errors == 0:
            result.converged = True
            break
    result.weights, result.bias = w, float(b)
    return result
