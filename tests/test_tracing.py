"""Backpropagation in numbers: the trace against a hand computation and the engine's gradients."""

import math

import numpy as np
import pytest

from rosenblatt import Sequential, cli, trace
from rosenblatt import layers as L
from rosenblatt.losses import BinaryCrossEntropy


def two_two_one():
    model = Sequential([L.Dense(2), L.Sigmoid(), L.Dense(1)], dtype="float64")
    model.build((2,))
    model.layers[0].params["weight"][...] = [[0.15, 0.20], [0.25, 0.30]]
    model.layers[0].params["bias"][...] = [0.35, 0.35]
    model.layers[2].params["weight"][...] = [[0.40, 0.45]]
    model.layers[2].params["bias"][...] = [0.60]
    return model


def sig(v):
    return 1 / (1 + math.exp(-v))


def test_hand_computed_two_two_one_on_an_xor_sample():
    x, t, alpha = (1.0, 0.0), 1.0, 0.5
    result = trace(two_two_one(), x, [t], learning_rate=alpha)
    hidden, out = result.layers
    # by hand, one number at a time
    z1 = [0.15 * 1 + 0.20 * 0 + 0.35, 0.25 * 1 + 0.30 * 0 + 0.35]
    a1 = [sig(z1[0]), sig(z1[1])]
    z2 = 0.40 * a1[0] + 0.45 * a1[1] + 0.60
    loss = -math.log(sig(z2))
    d2 = sig(z2) - t  # ∂L/∂z at a sigmoid output with cross-entropy
    back = [0.40 * d2, 0.45 * d2]  # Σₖ δₖ wₖⱼ
    d1 = [a1[0] * (1 - a1[0]) * back[0], a1[1] * (1 - a1[1]) * back[1]]  # δⱼ = f'(zⱼ)·Σₖ δₖ wₖⱼ
    np.testing.assert_allclose(hidden.z, z1, rtol=1e-14)
    np.testing.assert_allclose(hidden.a, a1, rtol=1e-14)
    np.testing.assert_allclose(out.z, [z2], rtol=1e-14)
    assert result.loss == pytest.approx(loss, rel=1e-13)
    np.testing.assert_allclose(out.delta, [d2], rtol=1e-13)
    np.testing.assert_allclose(out.grad_weight, [[d2 * a1[0], d2 * a1[1]]], rtol=1e-13)
    np.testing.assert_allclose(hidden.backpropagated, back, rtol=1e-13)
    np.testing.assert_allclose(hidden.derivative, [a1[0] * (1 - a1[0]), a1[1] * (1 - a1[1])], rtol=1e-14)
    np.testing.assert_allclose(hidden.delta, d1, rtol=1e-13)
    np.testing.assert_allclose(hidden.grad_weight, [[d1[0] * 1, 0.0], [d1[1] * 1, 0.0]], rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(hidden.grad_bias, d1, rtol=1e-13)
    np.testing.assert_allclose(hidden.update_weight, -alpha * hidden.grad_weight, rtol=1e-15)


def test_trace_numbers_are_the_engines_gradients(rng):
    model = Sequential([L.Dense(3), L.Tanh(), L.Dense(2), L.ReLU(), L.Dense(1)], seed=4, dtype="float64")
    x, t = rng.normal(size=4), [0.0]
    result = trace(model, x, t)
    out = model.forward(x[None])
    model.backward(BinaryCrossEntropy().gradient(out, np.array([t])))
    dense = [layer for layer in model.layers if isinstance(layer, L.Dense)]
    assert len(result.layers) == 3
    for row, layer in zip(result.layers, dense):
        np.testing.assert_array_equal(row.grad_weight, layer.grads["weight"])
        np.testing.assert_array_equal(row.grad_bias, layer.grads["bias"])
        np.testing.assert_allclose(row.grad_weight, np.outer(row.delta, row.inputs), rtol=1e-12)
        np.testing.assert_allclose(row.delta, row.derivative * row.backpropagated, rtol=1e-12)
    # Σₖ δₖ wₖⱼ of a hidden layer is the next layer's weights applied to its δ
    for lower, upper in zip(result.layers, result.layers[1:]):
        np.testing.assert_allclose(lower.backpropagated, upper.weight.T @ upper.delta, rtol=1e-12)


def test_trace_refuses_what_it_cannot_follow():
    with pytest.raises(ValueError, match="trace follows networks of Dense layers"):
        trace(Sequential([L.Conv2D(2, 3), L.Flatten(), L.Dense(1)]), np.zeros((1, 5, 5)), [1.0])


def test_explain_prints_the_full_trace(capsys):
    assert cli.main(["explain", "--seed", "0"]) == 0
    out = capsys.readouterr().out
    for text in (
        "XOR sample x = (1, 0), target 1",
        "Forward pass",
        "z = W a_in + b",
        "a = sigmoid(z)",
        "Backward pass (δⱼ = f'(zⱼ)·Σₖ δₖ wₖⱼ)",
        "Σₖ δₖ wₖⱼ",
        "f'(z)",
        "δ = f'(z)·Σ",
        "∂L/∂W = δ a_inᵀ",
        "∂L/∂b = δ",
        "update −α∂L/∂W (α = 0.5)",
    ):
        assert text in out
    # the printed numbers are the trace's
    model = Sequential(
        [L.Dense(2, weight_initializer="glorot_uniform"), L.Activation("sigmoid"), L.Dense(1)], seed=0, dtype="float64"
    )
    delta = trace(model, [1.0, 0.0], [1.0]).layers[0].delta
    assert f"δ = f'(z)·Σ = [{delta[0]:+.6f}, {delta[1]:+.6f}]" in out
    assert cli.main(["explain", "--sample", "2", "0"]) == 2
    assert "--sample takes two of 0 and 1" in capsys.readouterr().err
