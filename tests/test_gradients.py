"""Every layer's backward pass against central differences, in float64."""

import itertools

import numpy as np
import pytest
from conftest import numerical_gradient

from rosenblatt import layers as L
from rosenblatt.model import Sequential

TOL = dict(rtol=1e-6, atol=1e-8)


def check_layer(layer, x, rng):
    """Compare layer.backward with central differences of L = Σ R ⊙ layer(x), R random."""
    out = layer.forward(x)
    R = rng.normal(size=out.shape)

    def loss():
        return float(np.sum(layer.forward(x) * R))

    layer.forward(x)
    dx = layer.backward(R)
    grads = {k: g.copy() for k, g in layer.grads.items()}
    np.testing.assert_allclose(dx, numerical_gradient(loss, x), **TOL, err_msg="dL/dx")
    for name, param in layer.params.items():
        np.testing.assert_allclose(grads[name], numerical_gradient(loss, param), **TOL, err_msg=f"dL/d{name}")


def built(layer, x, rng):
    layer.build(x.shape[1:], rng, np.float64)
    return layer


def test_dense(rng):
    x = rng.normal(size=(5, 7))
    check_layer(built(L.Dense(4), x, rng), x, rng)


CONV_CASES = [
    # (in_channels, filters, kernel, stride, padding, (h, w))
    (1, 2, (3, 3), 1, 0, (5, 5)),
    (2, 3, (3, 3), 1, 1, (6, 5)),
    (3, 2, (2, 3), 2, 0, (7, 8)),  # non-square kernel, sizes the stride does not divide
    (2, 2, (3, 2), 3, 2, (8, 7)),
    (1, 3, (1, 1), 2, 1, (5, 6)),
    (2, 1, (4, 4), 3, 1, (9, 10)),
    (3, 2, (3, 1), (1, 2), (2, 0), (5, 7)),
]


@pytest.mark.parametrize("c, f, kernel, stride, padding, hw", CONV_CASES)
def test_conv2d(c, f, kernel, stride, padding, hw, rng):
    x = rng.normal(size=(2, c) + hw)
    layer = built(L.Conv2D(f, kernel, stride=stride, padding=padding), x, rng)
    layer.params["bias"][...] = rng.normal(size=f)
    check_layer(layer, x, rng)


@pytest.mark.parametrize("stride, padding", list(itertools.product([1, 2, 3], [0, 1, 2])))
def test_conv2d_every_stride_and_padding(stride, padding, rng):
    x = rng.normal(size=(2, 2, 7, 6))
    check_layer(built(L.Conv2D(2, (3, 2), stride=stride, padding=padding), x, rng), x, rng)


@pytest.mark.parametrize("cls", [L.MaxPool2D, L.AvgPool2D])
@pytest.mark.parametrize(
    "pool, stride, hw",
    [(2, None, (6, 6)), (2, None, (7, 5)), (3, 2, (7, 8)), ((2, 3), (1, 2), (6, 7)), (3, 3, (10, 11))],
)
def test_pooling(cls, pool, stride, hw, rng):
    # Distinct values, so that every window has a single maximum and max is differentiable.
    x = rng.permutation(np.prod((2, 3) + hw)).reshape((2, 3) + hw) / 7.0
    check_layer(built(cls(pool, stride), x, rng), x, rng)


@pytest.mark.parametrize("layer", [L.ReLU(), L.Sigmoid(), L.Tanh()], ids=repr)
def test_activations(layer, rng):
    x = rng.normal(size=(4, 6))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from ReLU's kink
    check_layer(built(layer, x, rng), x, rng)


def test_flatten(rng):
    x = rng.normal(size=(3, 2, 3, 4))
    check_layer(built(L.Flatten(), x, rng), x, rng)


def test_whole_network_backward(rng):
    """A small CNN end to end: Sequential.backward against central differences on every parameter."""
    model = Sequential(
        [
            L.Conv2D(2, 3, padding=1),
            L.Tanh(),
            L.MaxPool2D(2),
            L.Conv2D(3, (2, 3), stride=2),
            L.Sigmoid(),
            L.AvgPool2D(2, 1),
            L.Flatten(),
            L.Dense(4),
            L.Tanh(),
            L.Dense(1),
        ],
        seed=0,
        dtype="float64",
    )
    x = rng.normal(size=(2, 1, 9, 10))
    out = model.forward(x)
    R = rng.normal(size=out.shape)
    model.backward(R)
    analytic = [g.copy() for _, g in model.parameters()]

    def loss():
        return float(np.sum(model.forward(x) * R))

    for (param, _), grad in zip(model.parameters(), analytic):
        np.testing.assert_allclose(grad, numerical_gradient(loss, param), **TOL)
