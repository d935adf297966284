"""Activation functions f and their derivatives f', each pair written side by side.

Each derivative takes the net input z (and, where that is cheaper, the activation a = f(z)).
The registries ``ACTIVATIONS`` and ``DERIVATIVES`` map a name to the plain function, as
scikit-learn's neural_network module does.
"""

import numpy as np

from . import functional as F


def step(z):
    """Rosenblatt's threshold unit: 1 if z ≥ 0, else 0."""
    z = np.asarray(z)
    return (z >= 0).astype(F._float_dtype(z))


def step_derivative(z, a=None):
    """0 everywhere (undefined at 0, taken as 0): why the step cannot be trained by backprop."""
    z = np.asarray(z)
    return np.zeros_like(z, dtype=F._float_dtype(z))


def sigmoid(z):
    return F.sigmoid(z)


def sigmoid_derivative(z, a=None):
    """σ'(z) = σ(z)(1 − σ(z)); its largest value is 0.25, at z = 0."""
    a = F.sigmoid(z) if a is None else a
    return a * (1 - a)


def tanh(z):
    return np.tanh(z)


def tanh_derivative(z, a=None):
    """tanh'(z) = 1 − tanh²(z); its largest value is 1, at z = 0."""
    a = np.tanh(z) if a is None else a
    return 1 - a * a


def relu(z):
    z = np.asarray(z)
    return np.maximum(z, 0).astype(F._float_dtype(z), copy=False)


def relu_derivative(z, a=None):
    """1 where z > 0, else 0. At exactly z = 0 the derivative is taken as 0, and at NaN as 1
    (PyTorch's backward pass lets the gradient through wherever z ≤ 0 is false)."""
    z = np.asarray(z)
    return np.logical_not(z <= 0).astype(F._float_dtype(z))


def identity(z):
    return np.asarray(z)


def identity_derivative(z, a=None):
    return np.ones_like(z, dtype=F._float_dtype(np.asarray(z)))


ACTIVATIONS = {
    "step": step,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "identity": identity,
}

DERIVATIVES = {
    "step": step_derivative,
    "sigmoid": sigmoid_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
    "identity": identity_derivative,
}
