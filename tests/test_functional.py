"""Stable maths and activations: exact values, derivatives, extreme inputs."""

import warnings

import numpy as np
import pytest
from conftest import numerical_gradient

from rosenblatt import activations as A
from rosenblatt import functional as F
from rosenblatt import losses

EXTREMES = np.array([-1000.0, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 1000.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_no_overflow_or_nan_at_extreme_inputs(dtype):
    x = EXTREMES.astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            results = {
                "sigmoid": F.sigmoid(x),
                "log_sigmoid": F.log_sigmoid(x),
                "tanh": A.tanh(x),
                "relu": A.relu(x),
                "sigmoid'": A.sigmoid_derivative(x),
                "tanh'": A.tanh_derivative(x),
                "softmax": F.softmax(np.stack([x, -x, np.zeros_like(x)], axis=1), axis=1),
                "logsumexp": F.logsumexp(np.stack([x, x], axis=1), axis=1),
            }
    for name, value in results.items():
        assert np.all(np.isfinite(value)), name
        assert value.dtype == dtype, name
    s = results["sigmoid"]
    assert s[0] == 0.0 and s[-1] == 1.0 and s[4] == 0.5
    np.testing.assert_allclose(results["log_sigmoid"][[0, 1, -1]], [-1000, -100, 0], atol=1e-30)
    np.testing.assert_allclose(results["logsumexp"], x + np.log(2), rtol=1e-6)


def test_sigmoid_matches_textbook_formula_where_that_is_safe():
    x = np.linspace(-20, 20, 101)
    np.testing.assert_allclose(F.sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-14)
    np.testing.assert_allclose(F.log_sigmoid(x), np.log(1 / (1 + np.exp(-x))), rtol=1e-12, atol=1e-15)


def test_softmax_is_shift_invariant_and_sums_to_one(rng):
    z = rng.normal(size=(5, 4))
    np.testing.assert_allclose(F.softmax(z + 1000, axis=1), F.softmax(z, axis=1), rtol=1e-12)
    np.testing.assert_allclose(F.softmax(z, axis=1).sum(axis=1), 1)
    np.testing.assert_allclose(F.log_softmax(z, axis=1), np.log(F.softmax(z, axis=1)), rtol=1e-12)


def test_derivative_peaks():
    z = np.linspace(-6, 6, 1201)
    assert A.sigmoid_derivative(z).max() == pytest.approx(0.25, abs=1e-15)
    assert z[A.sigmoid_derivative(z).argmax()] == pytest.approx(0)
    assert A.tanh_derivative(z).max() == pytest.approx(1.0, abs=1e-15)
    assert z[A.tanh_derivative(z).argmax()] == pytest.approx(0)


def test_relu_and_step():
    z = np.array([-2.0, -1e-300, 0.0, 1e-300, 3.0])
    np.testing.assert_array_equal(A.relu(z), [0, 0, 0, 1e-300, 3])
    np.testing.assert_array_equal(A.relu_derivative(z), [0, 0, 0, 1, 1])  # 0 at exactly 0
    np.testing.assert_array_equal(A.step(z), [0, 0, 1, 1, 1])  # 1 if net >= 0
    np.testing.assert_array_equal(A.step_derivative(z), 0)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_derivatives_against_central_differences(name):
    z = np.array([-3.0, -0.7, -0.1, 0.2, 0.9, 2.5])
    f, df = A.ACTIVATIONS[name], A.DERIVATIVES[name]
    numeric = (f(z + 1e-6) - f(z - 1e-6)) / 2e-6
    np.testing.assert_allclose(df(z), numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_losses_stable_at_extreme_logits(dtype):
    z = np.array([[1000.0], [-1000.0], [1000.0], [-1000.0]], dtype=dtype)
    y = np.array([[1.0], [0.0], [0.0], [1.0]], dtype=dtype)
    bce = losses.BinaryCrossEntropy()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = bce.value(z, y)
        grad = bce.gradient(z, y)
        ce = losses.SoftmaxCrossEntropy().value(np.array([[1000.0, -1000.0], [-1000.0, 1000.0]], dtype=dtype), [0, 0])
    assert value == pytest.approx((0 + 0 + 1000 + 1000) / 4)
    np.testing.assert_array_equal(grad, np.array([[0], [0], [0.25], [-0.25]], dtype=dtype))
    assert ce == pytest.approx(1000.0)
    p = np.array([[0.0], [1.0]], dtype=dtype)  # probabilities at the clip limits
    clipped = losses.BinaryCrossEntropyFromProbabilities().value(p, [[1.0], [0.0]])
    upper = dtype(1) - dtype(1e-7)  # in float32 this rounds to 1 − 1.19e-7
    expected = (-np.log(dtype(1e-7)) - np.log(dtype(1) - upper)) / 2
    assert np.isfinite(clipped) and clipped == pytest.approx(expected, rel=1e-5)


def test_loss_gradients_against_central_differences(rng):
    cases = [
        (losses.BinaryCrossEntropy(), rng.normal(size=(5, 1)), rng.integers(0, 2, (5, 1)).astype(float)),
        (losses.MeanSquaredError(), rng.normal(size=(5, 3)), rng.normal(size=(5, 3))),
        (losses.SoftmaxCrossEntropy(), rng.normal(size=(5, 4)), rng.integers(0, 4, 5)),
    ]
    for loss, out, target in cases:
        numeric = numerical_gradient(lambda: loss.value(out, target), out)
        np.testing.assert_allclose(loss.gradient(out, target), numeric, rtol=1e-6, atol=1e-9, err_msg=loss.name)


def test_output_size_floor_rule_and_kernel_too_large():
    assert F.conv_output_size(7, 3, 2, 0) == 3  # ⌊(7 − 3)/2⌋ + 1
    assert F.conv_output_size(8, 3, 3, 1) == 3  # ⌊(8 + 2 − 3)/3⌋ + 1
    assert F.conv_output_size(2, 3, 1, 1) == 2
    with pytest.raises(
        ValueError, match="input is smaller than the kernel: input size 2 with padding 0 is 2, but the kernel size is 3"
    ):
        F.conv_output_size(2, 3, 1, 0)


def test_unknown_loss_names_the_choices():
    with pytest.raises(ValueError, match=r"Unknown loss\. Expected one of .*Received: loss='hinge'"):
        losses.get("hinge")


@pytest.mark.parametrize("shape", [(7,), (7, 1), (7, 3)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_value_and_gradient_equals_value_and_gradient(rng, shape, dtype):
    bce = losses.BinaryCrossEntropy()
    z = (rng.normal(size=shape) * 50).astype(dtype)
    t = rng.integers(0, 2, size=shape).astype(dtype)
    w = rng.uniform(0.5, 2, size=7)
    rtol = 1e-14 if dtype == np.float64 else 1e-6
    for weights in (None, w):
        value, grad = bce.value_and_gradient(z, t, weights)
        assert isinstance(value, float)
        assert value == pytest.approx(bce.value(z, t, weights), rel=rtol)
        assert grad.dtype == dtype and grad.shape == shape
        np.testing.assert_allclose(grad, bce.gradient(z, t, weights), rtol=rtol)


def test_losses_take_integer_outputs_as_float64():
    bce = losses.BinaryCrossEntropy()
    value, grad = bce.value_and_gradient([1, -2, 3], [1, 0, 1])
    assert value == bce.value([1.0, -2.0, 3.0], [1.0, 0.0, 1.0])
    assert grad.dtype == np.float64
    np.testing.assert_array_equal(grad, bce.gradient(np.array([1.0, -2.0, 3.0]), np.array([1.0, 0.0, 1.0])))
    # a soft target is not truncated to the integers' dtype
    assert losses.MeanSquaredError().value([1, 0], [0.5, 0.5]) == pytest.approx(0.25)


@pytest.mark.parametrize("name", ["binary_crossentropy", "mean_squared_error"])
def test_losses_refuse_a_target_that_does_not_pair_with_the_output(name):
    loss = losses.get(name)
    with pytest.raises(ValueError, match=r"output's shape \(2, 3\).*Received a target of shape \(3, 2\)"):
        loss.value(np.zeros((2, 3)), np.zeros((3, 2)))  # same size, but a reshape would mix up the samples
    with pytest.raises(ValueError, match=r"Received a target of shape \(3,\)"):
        loss.gradient(np.zeros((2, 3)), np.zeros(3))
    # one value per sample pairs with one output per sample, however it is shaped
    assert loss.value(np.zeros((4, 1)), np.ones(4)) == loss.value(np.zeros(4), np.ones((4, 1)))


def test_value_and_gradient_is_gradient_bit_for_bit(rng):
    """fit uses value_and_gradient; a loop written with gradient() must train the same weights."""
    bce = losses.BinaryCrossEntropy()
    for shape in [(5,), (5, 1), (5, 3), (5, 2, 2)]:
        z, t = rng.normal(size=shape), rng.integers(0, 2, size=shape).astype(float)
        np.testing.assert_array_equal(bce.value_and_gradient(z, t)[1], bce.gradient(z, t))


def test_window_order_and_windows_in_window_order(rng):
    """[s, i, j, y, x] of the views is pixel, or window, (a·y + i, b·x + j) of the image order."""
    x = rng.normal(size=(2, 7, 5, 3))
    ordered = F.window_order(x[:, :6, :4], (3, 2))
    plain = F.windows(x, (2, 2), (1, 1))
    windows = F.windows(x, (2, 2), (1, 1), order=(3, 2))
    assert ordered.shape == (2, 3, 2, 2, 2, 3) and windows.shape == (2, 3, 2, 2, 2, 2, 2, 3)
    for i in range(3):
        for j in range(2):
            np.testing.assert_array_equal(ordered[:, i, j], x[:, i:6:3, j:4:2])
            np.testing.assert_array_equal(windows[:, i, j], plain[:, i::3, j::2])
    cols = F.im2col(x, (2, 2), (1, 1), order=(3, 2))
    np.testing.assert_array_equal(cols, windows.reshape(2 * 6 * 4, 12))
    target = np.zeros((2, 6, 4, 3))
    F.window_order(target, (3, 2))[...] = ordered  # a view that can be written
    np.testing.assert_array_equal(target, x[:, :6, :4])


@pytest.mark.parametrize("order", [None, (2, 2)])
def test_im2col_with_a_column_of_ones(rng, order):
    """Each row is the receptive field, then a 1; written into ``out`` as given, or refused."""
    x = rng.normal(size=(2, 5, 5, 3)).astype(np.float32)
    plain = F.im2col(x, (2, 2), (1, 1), order=order)
    out = np.full((2 * 4 * 4, 13), np.nan, dtype=np.float32)
    cols = F.im2col(x, (2, 2), (1, 1), out=out, order=order, ones=True)
    assert cols is out
    np.testing.assert_array_equal(cols[:, :12], plain)
    np.testing.assert_array_equal(cols[:, 12], 1)
    with pytest.raises(ValueError, match=r"out must be a C-contiguous array of shape \(32, 13\)"):
        F.im2col(x, (2, 2), (1, 1), out=out[:, :12], order=order, ones=True)
    with pytest.raises(ValueError, match=r"shape \(32, 12\). Received: out of shape \(32, 13\)"):
        F.im2col(x, (2, 2), (1, 1), out=out, order=order)
