"""Forward and backward against PyTorch (CPU, float64): the same weights give the same numbers."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from rosenblatt import activations as A
from rosenblatt import layers as L
from rosenblatt import losses
from rosenblatt.model import Sequential

TOL = dict(rtol=1e-10, atol=1e-12)


def t(a, grad=False):
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=grad)


@pytest.mark.parametrize(
    "c, f, kernel, stride, padding, hw",
    [
        (1, 4, 3, 1, 1, (28, 28)),
        (3, 5, (2, 3), 2, 0, (9, 8)),
        (2, 3, (3, 2), 3, 2, (10, 7)),
        (4, 2, 5, (2, 1), (1, 2), (11, 9)),
        (2, 2, 1, 1, 0, (4, 4)),
    ],
)
def test_conv2d(c, f, kernel, stride, padding, hw, rng):
    x = rng.normal(size=(3, c) + hw)
    layer = L.Conv2D(f, kernel, stride=stride, padding=padding)
    layer.build(x.shape[1:], rng, np.float64)
    layer.params["bias"][...] = rng.normal(size=f)
    out = layer.forward(x)
    dout = rng.normal(size=out.shape)
    dx = layer.backward(dout)

    tx, tw, tb = t(x, True), t(layer.params["weight"], True), t(layer.params["bias"], True)
    tout = TF.conv2d(tx, tw, tb, stride=layer.stride, padding=layer.padding)
    tout.backward(t(dout))
    np.testing.assert_allclose(out, tout.detach().numpy(), **TOL)
    np.testing.assert_allclose(dx, tx.grad.numpy(), **TOL)
    np.testing.assert_allclose(layer.grads["weight"], tw.grad.numpy(), **TOL)
    np.testing.assert_allclose(layer.grads["bias"], tb.grad.numpy(), **TOL)


def test_dense(rng):
    x = rng.normal(size=(6, 5))
    layer = L.Dense(3)
    layer.build((5,), rng, np.float64)
    layer.params["bias"][...] = rng.normal(size=3)
    out = layer.forward(x)
    dout = rng.normal(size=out.shape)
    dx = layer.backward(dout)
    tx, tw, tb = t(x, True), t(layer.params["weight"], True), t(layer.params["bias"], True)
    tout = TF.linear(tx, tw, tb)
    tout.backward(t(dout))
    np.testing.assert_allclose(out, tout.detach().numpy(), **TOL)
    np.testing.assert_allclose(dx, tx.grad.numpy(), **TOL)
    np.testing.assert_allclose(layer.grads["weight"], tw.grad.numpy(), **TOL)
    np.testing.assert_allclose(layer.grads["bias"], tb.grad.numpy(), **TOL)


@pytest.mark.parametrize("pool, stride, hw", [(2, 2, (8, 8)), (2, 2, (7, 9)), (3, 2, (9, 8)), ((2, 3), (1, 2), (6, 7))])
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pooling(kind, pool, stride, hw, rng):
    x = rng.normal(size=(2, 3) + hw)
    layer = (L.MaxPool2D if kind == "max" else L.AvgPool2D)(pool, stride)
    out = layer.forward(x)
    dout = rng.normal(size=out.shape)
    dx = layer.backward(dout)
    tx = t(x, True)
    fn = TF.max_pool2d if kind == "max" else TF.avg_pool2d
    tout = fn(tx, layer.pool_size, layer.stride)
    tout.backward(t(dout))
    np.testing.assert_allclose(out, tout.detach().numpy(), **TOL)
    np.testing.assert_allclose(dx, tx.grad.numpy(), **TOL)


def test_maxpool_ties_follow_the_documented_rule():
    """All-equal windows: the whole gradient goes to the first element in row-major order."""
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 2:, 2:] = [[1, 1], [1, 1]]
    layer = L.MaxPool2D(2)
    layer.forward(x)
    dx = layer.backward(np.ones((1, 1, 2, 2)))
    expected = np.zeros((4, 4))
    expected[0, 0] = expected[0, 2] = expected[2, 0] = expected[2, 2] = 1
    np.testing.assert_array_equal(dx[0, 0], expected)
    tx = t(x, True)
    TF.max_pool2d(tx, 2).backward(t(np.ones((1, 1, 2, 2))))
    np.testing.assert_array_equal(dx, tx.grad.numpy())


def _with_nans_and_ties(rng, shape):
    """Small integers (many ties), some NaNs, some infinities."""
    x = rng.integers(-2, 3, size=shape).astype(float)
    x[rng.random(shape) < 0.15] = np.nan
    x[rng.random(shape) < 0.05] = np.inf
    x[rng.random(shape) < 0.05] = -np.inf
    return x


@pytest.mark.parametrize("pool, stride", [(2, 2), (3, 2), ((2, 3), (1, 2))])
def test_maxpool_sends_the_gradient_to_the_last_nan_of_a_window_as_pytorch(pool, stride):
    """PyTorch keeps a new value when it is larger or NaN: the last NaN of a window takes the
    gradient, and the first maximum where there is none."""
    rng = np.random.default_rng(7)
    x = _with_nans_and_ties(rng, (3, 2, 8, 9))
    layer = L.MaxPool2D(pool, stride)
    out = layer.forward(x)
    dout = rng.normal(size=out.shape)
    dx = layer.backward(dout)
    tx = t(x, True)
    tout = TF.max_pool2d(tx, layer.pool_size, layer.stride)
    tout.backward(t(dout))
    assert np.isnan(out).any() and not np.isnan(out).all()
    np.testing.assert_array_equal(out, tout.detach().numpy())
    np.testing.assert_allclose(dx, tx.grad.numpy(), **TOL)  # overlapping windows add in another order


def test_a_model_routes_nans_through_relu_and_pooling_as_pytorch():
    """Convolution (the identity, 1×1), ReLU folded into a 2×2 max-pool in window order, as in
    the CNNs: the input gradient matches PyTorch's relu and max_pool2d, NaNs included."""
    rng = np.random.default_rng(8)
    model = Sequential([L.Conv2D(1, 1), L.ReLU(), L.MaxPool2D(2), L.Flatten()], dtype="float64")
    model.build((1, 6, 8))
    model.layers[0].params["weight"][...] = 1.0
    assert model._steps[0][1] == "folded" and model._orders == {0: (2, 2)}
    x = _with_nans_and_ties(rng, (4, 1, 6, 8))
    out = model.forward(x)
    dout = rng.normal(size=out.shape)
    with np.errstate(invalid="ignore"):  # the weight gradient is NaN, as PyTorch's
        dx = model.backward(dout)
    tx = t(x, True)
    tout = TF.max_pool2d(torch.relu(tx), 2).flatten(1)
    tout.backward(t(dout))
    np.testing.assert_array_equal(out, tout.detach().numpy())
    np.testing.assert_array_equal(dx, tx.grad.numpy())


def test_relu_passes_the_gradient_at_nan_as_pytorch():
    x = np.array([[-1.0, -0.0, 0.0, 1e-300, 2.0, np.nan, -np.inf, np.inf]])
    layer = L.ReLU()
    out = layer.forward(x)
    dx = layer.backward(np.full(x.shape, 3.0))
    tx = t(x, True)
    torch.relu(tx).backward(t(np.full(x.shape, 3.0)))
    np.testing.assert_array_equal(out, torch.relu(t(x)).numpy())
    np.testing.assert_array_equal(dx, tx.grad.numpy())
    np.testing.assert_array_equal(A.relu_derivative(x[0]) * 3.0, tx.grad.numpy()[0])


@pytest.mark.parametrize("name, fn", [("relu", torch.relu), ("sigmoid", torch.sigmoid), ("tanh", torch.tanh)])
def test_activations(name, fn, rng):
    x = rng.normal(size=(5, 7)) * 3
    x[0, 0] = 0.0  # ReLU's derivative at exactly 0 is 0 in both
    layer = L.Activation(name)
    out = layer.forward(x)
    dout = rng.normal(size=out.shape)
    dx = layer.backward(dout)
    tx = t(x, True)
    tout = fn(tx)
    tout.backward(t(dout))
    np.testing.assert_allclose(out, tout.detach().numpy(), **TOL)
    np.testing.assert_allclose(dx, tx.grad.numpy(), **TOL)


def test_losses(rng):
    z = rng.normal(size=(8, 1)) * 4
    y = rng.integers(0, 2, size=(8, 1)).astype(float)
    w = rng.uniform(0.5, 2, size=8)
    cases = [
        (losses.BinaryCrossEntropy(), lambda a, b: TF.binary_cross_entropy_with_logits(a, b), z, y),
        (
            losses.BinaryCrossEntropyFromProbabilities(),
            lambda a, b: TF.binary_cross_entropy(a, b),
            1 / (1 + np.exp(-z)),
            y,
        ),
        (losses.MeanSquaredError(), TF.mse_loss, z, y),
    ]
    for loss, tfn, out, target in cases:
        tz = t(out, True)
        tl = tfn(tz, t(target))
        tl.backward()
        np.testing.assert_allclose(loss.value(out, target), tl.item(), rtol=1e-12, err_msg=loss.name)
        np.testing.assert_allclose(
            loss.gradient(out, target), tz.grad.numpy(), rtol=1e-10, atol=1e-14, err_msg=loss.name
        )
    # weighted binary cross-entropy: Σ wᵢ Lᵢ / n (Keras's "sum over batch size")
    tz = t(z, True)
    per = TF.binary_cross_entropy_with_logits(tz, t(y), reduction="none")[:, 0]
    tl = (per * t(w)).sum() / len(w)
    tl.backward()
    bce = losses.BinaryCrossEntropy()
    np.testing.assert_allclose(bce.value(z, y, w), tl.item(), rtol=1e-12)
    np.testing.assert_allclose(bce.gradient(z, y, w), tz.grad.numpy(), rtol=1e-10)


def test_softmax_cross_entropy(rng):
    z = rng.normal(size=(6, 4)) * 3
    y = rng.integers(0, 4, size=6)
    loss = losses.SoftmaxCrossEntropy()
    tz = t(z, True)
    tl = TF.cross_entropy(tz, torch.tensor(y))
    tl.backward()
    np.testing.assert_allclose(loss.value(z, y), tl.item(), rtol=1e-12)
    np.testing.assert_allclose(loss.gradient(z, y), tz.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_small_cnn_end_to_end(rng):
    """The default CNN architecture, forward, loss and every gradient, against torch.nn."""
    model = Sequential(
        [
            L.Conv2D(4, 3, padding=1),
            L.ReLU(),
            L.MaxPool2D(2),
            L.Conv2D(6, 3, padding=1),
            L.ReLU(),
            L.MaxPool2D(2),
            L.Flatten(),
            L.Dense(10),
            L.ReLU(),
            L.Dense(1),
        ],
        seed=3,
        dtype="float64",
    )
    x = rng.normal(size=(5, 1, 12, 12))
    y = rng.integers(0, 2, size=5).astype(float)
    model.build(x.shape[1:])
    for layer in model.layers:  # biases that are not zero, so that the forward pass adds them
        if "bias" in layer.params:
            layer.params["bias"][...] = rng.normal(size=layer.params["bias"].shape)
    z = model.forward(x)
    loss = losses.BinaryCrossEntropy()
    model.backward(loss.gradient(z, y))

    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(4, 6, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(54, 10),
        torch.nn.ReLU(),
        torch.nn.Linear(10, 1),
    ).double()
    tparams = [p for p in net.parameters()]
    with torch.no_grad():
        for tp, (p, _) in zip(tparams, model.parameters()):
            tp.copy_(torch.tensor(p))
    tz = net(t(x))
    tl = TF.binary_cross_entropy_with_logits(tz[:, 0], t(y))
    tl.backward()
    np.testing.assert_allclose(z, tz.detach().numpy(), **TOL)
    assert loss.value(z, y) == pytest.approx(tl.item(), rel=1e-12)
    for tp, (_, g) in zip(tparams, model.parameters()):
        np.testing.assert_allclose(g, tp.grad.numpy(), rtol=1e-9, atol=1e-12)
