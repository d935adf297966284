import copy

import numpy as np
import pytest
import torch

from rosenblatt import layers as L
from rosenblatt import losses, optimizers, training
from rosenblatt.layers import reference as R
from rosenblatt.model import Sequential


def small_cnn(seed=0, dtype="float32"):
    return Sequential(
        [
            L.Conv2D(8, 3, padding=1),
            L.ReLU(),
            L.MaxPool2D(2),
            L.Conv2D(16, 3, padding=1),
            L.ReLU(),
            L.MaxPool2D(2),
            L.Flatten(),
            L.Dense(64),
            L.ReLU(),
            L.Dense(1),
        ],
        seed=seed,
        dtype=dtype,
    )


def test_shapes_inferred_from_first_input_and_summary_counts_parameters():
    model = small_cnn()
    assert not model.built
    out = model.forward(np.zeros((2, 1, 28, 28)))
    assert out.shape == (2, 1) and out.dtype == np.float32
    assert [layer.output_shape for layer in model.layers][:3] == [(8, 28, 28), (8, 28, 28), (8, 14, 14)]
    expected = (8 * 9 + 8) + (16 * 8 * 9 + 16) + (784 * 64 + 64) + (64 + 1)
    assert model.n_params == expected
    summary = model.summary()
    assert f"Total params: {expected:,}" in summary
    assert "Conv2D(filters=8, kernel_size=[3, 3], stride=[1, 1], padding=[1, 1])" in summary
    assert "(None, 16, 7, 7)" in summary and "50,240" in summary
    assert "(0): Conv2D" in repr(model)


def test_weight_shapes_follow_pytorch():
    model = small_cnn()
    model.build((1, 28, 28))
    assert model.layers[0].params["weight"].shape == (8, 1, 3, 3)
    assert model.layers[3].params["weight"].shape == (16, 8, 3, 3)
    assert model.layers[7].params["weight"].shape == (64, 784)


def test_same_seed_same_weights_bit_for_bit():
    a, b, c = small_cnn(seed=5), small_cnn(seed=5), small_cnn(seed=6)
    for m in (a, b, c):
        m.build((1, 28, 28))
    for (pa, _), (pb, _), (pc, _) in zip(a.parameters(), b.parameters(), c.parameters()):
        assert pa.tobytes() == pb.tobytes()
        assert pa.tobytes() != pc.tobytes() or not pa.any()


def test_wrong_input_shape_after_build():
    model = small_cnn()
    model.forward(np.zeros((1, 1, 28, 28)))
    with pytest.raises(
        ValueError,
        match=r"built for inputs of shape \(batch, 1, 28, 28\), but received an input "
        r"of shape \(1, 1, 27, 28\)",
    ):
        model.forward(np.zeros((1, 1, 27, 28)))


def test_dense_needs_flat_input():
    with pytest.raises(ValueError, match="Put a Flatten layer before it"):
        Sequential([L.Conv2D(2, 3), L.Dense(3)]).build((1, 8, 8))


def test_sgd_is_the_lecture_rule():
    w = np.array([1.0, -2.0])
    g = np.array([0.5, 0.25])
    optimizers.SGD(learning_rate=0.1).step([(w, g)])
    np.testing.assert_array_equal(w, [1.0 - 0.1 * 0.5, -2.0 - 0.1 * 0.25])


@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_optimizers_follow_torch(name, rng):
    w0 = rng.normal(size=(3, 4))
    w = w0.copy()
    tw = torch.tensor(w0, requires_grad=True)
    if name == "momentum":
        ours, theirs = optimizers.Momentum(0.05, 0.9), torch.optim.SGD([tw], lr=0.05, momentum=0.9)
    else:
        ours, theirs = optimizers.Adam(0.01), torch.optim.Adam([tw], lr=0.01)
    for step in range(5):
        g = rng.normal(size=w.shape)
        ours.step([(w, g)])
        tw.grad = torch.tensor(g)
        theirs.step()
        np.testing.assert_allclose(w, tw.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_adam_zeroes_moments_about_to_turn_subnormal_and_still_follows_torch():
    """One gradient, then zeros: the first moment shrinks by β₁ a step and falls below the
    smallest normal float32 after some 830 steps. PyTorch keeps the subnormal values (slow to
    compute with); ours become zero, and the weights agree all the same."""
    w = np.array([1.0, -2.0, 0.5, 3.0], dtype=np.float32)
    g = np.array([1.0, 1e-3, 0.0, -0.2], dtype=np.float32)
    tw = torch.tensor(w.copy(), requires_grad=True)
    ours, theirs = optimizers.Adam(0.01), torch.optim.Adam([tw], lr=0.01)
    zero = np.zeros_like(g)
    for step in range(900):
        grad = g if step == 0 else zero
        ours.step([(w, grad)])
        tw.grad = torch.tensor(grad)
        theirs.step()
    tiny = np.finfo(np.float32).smallest_normal
    exp_avg = theirs.state[tw]["exp_avg"].numpy()
    assert np.count_nonzero((exp_avg != 0) & (np.abs(exp_avg) < tiny)) == 3  # PyTorch's are subnormal
    m, v, _ = ours.state[0]
    np.testing.assert_array_equal(m, 0)
    assert np.all(v[[0, 1, 3]] > 0)  # the second moment decays far more slowly: untouched
    np.testing.assert_allclose(w, tw.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("epsilon", [0.0, 1e-30])
def test_adam_with_a_tiny_epsilon_keeps_its_tiny_moments(epsilon):
    """Gradients of 1e-20 have subnormal squares in float32; with ε = 0 the update is a ratio
    of two tiny moments and must not be flushed into a division by zero. The oracle is the
    textbook update in float64 (where 1e-40 is a normal number); float32's subnormals carry
    only a few digits, hence the tolerance."""
    gradients = [np.array([1e-20, -3e-20], dtype=np.float32)] * 10 + [np.zeros(2, dtype=np.float32)] * 10
    w = np.zeros(2, dtype=np.float32)
    ours = optimizers.Adam(1e-3, epsilon=epsilon)
    p, m, v = np.zeros(2), np.zeros(2), np.zeros(2)
    for t, g in enumerate(gradients, 1):
        ours.step([(w, g)])
        g = g.astype(np.float64)
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        p -= 1e-3 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + epsilon)
    assert np.isfinite(w).all()
    np.testing.assert_allclose(w, p, rtol=1e-2)
    assert p[0] < -0.015 and p[1] > 0.015  # about α a step while the gradient lasts, then less


class Recorder(optimizers.SGD):
    """An optimizer that records each batch and updates nothing."""

    def __init__(self):
        super().__init__(1.0)
        self.steps = 0

    def step(self, pairs):
        self.steps += 1


def test_last_partial_batch_is_kept_and_weighted_by_size(rng):
    model = Sequential([L.Dense(1)], seed=0, dtype="float64")
    X = rng.normal(size=(10, 3))
    y = rng.integers(0, 2, 10).astype(float)
    opt = Recorder()
    hist = training.fit(
        model, X, y, losses.BinaryCrossEntropy(), opt, epochs=2, batch_size=4, rng=np.random.default_rng(0)
    )
    assert opt.steps == 2 * 3  # batches of 4, 4 and 2
    # Nothing changed the weights, so the size-weighted mean of batch losses is the full-data loss.
    full = losses.BinaryCrossEntropy().value(model.forward(X), y)
    assert hist["loss"] == pytest.approx([full, full], rel=1e-12)
    full_accuracy = training.accuracy(model.forward(X), y, losses.BinaryCrossEntropy())
    assert hist["accuracy"] == pytest.approx([full_accuracy, full_accuracy], rel=1e-12)


def test_shuffling_uses_the_given_generator_never_the_global_rng(rng):
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(float)

    def run(global_seed):
        np.random.seed(global_seed)
        model = Sequential([L.Dense(4), L.Tanh(), L.Dense(1)], seed=1, dtype="float64")
        training.fit(
            model,
            X,
            y,
            "binary_crossentropy",
            optimizers.SGD(0.1),
            epochs=3,
            batch_size=8,
            rng=np.random.default_rng(7),
        )
        return model.layers[0].params["weight"].copy()

    np.testing.assert_array_equal(run(0), run(99))


def test_history_records_validation(rng):
    X = rng.normal(size=(30, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(float)
    model = Sequential([L.Dense(1)], seed=0)
    hist = training.fit(
        model,
        X,
        y,
        "binary_crossentropy",
        optimizers.SGD(0.5),
        epochs=4,
        batch_size=10,
        rng=np.random.default_rng(0),
        validation_data=(X, y),
    )
    assert len(hist) == 4 and set(hist.records) == {"loss", "accuracy", "val_loss", "val_accuracy", "time"}
    assert hist.val_loss[-1] < hist.val_loss[0]


def test_backward_before_forward_is_a_clear_error():
    with pytest.raises(RuntimeError, match=r"Sequential.backward was called before forward"):
        small_cnn().backward(np.zeros((1, 1)))
    with pytest.raises(RuntimeError, match=r"Conv2D.backward was called before forward"):
        L.Conv2D(2, 3).backward(np.zeros((1, 2, 3, 3)))
    with pytest.raises(RuntimeError, match=r"Dense.backward was called before forward"):
        L.Dense(2).backward(np.zeros((1, 2)))


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(epochs=0), ValueError, "epochs must be a positive integer. Received: epochs=0"),
        (dict(batch_size=2.5), ValueError, "batch_size must be a positive integer. Received: batch_size=2.5"),
        (dict(rng=0), TypeError, "rng must be a numpy.random.Generator"),
        (dict(y=np.zeros(3)), ValueError, r"inconsistent numbers of samples: \[4, 3\]"),
    ],
)
def test_fit_argument_errors(kwargs, error, message):
    args = dict(X=np.zeros((4, 2)), y=np.zeros(4), epochs=1, batch_size=2, rng=np.random.default_rng(0))
    args.update(kwargs)
    model = Sequential([L.Dense(1)])
    with pytest.raises(error, match=message):
        training.fit(model, args.pop("X"), args.pop("y"), "binary_crossentropy", optimizers.SGD(0.1), **args)


def test_profile_step_times_every_layer(rng):
    model = small_cnn()
    X = rng.random((8, 1, 28, 28), dtype=np.float32)
    y = (np.arange(8) % 2).astype(np.float32)
    before = model.forward(X).copy()
    table = training.profile_step(model, X, y, losses.BinaryCrossEntropy(), optimizers.SGD(0.0001), repeats=2)
    names = [row[0] for row in table[:-2]]
    assert [name.split(" (")[0] for name in names] == [repr(layer) for layer in model.layers]
    folded = [i for i, name in enumerate(names) if name.endswith("(folded into the next layer)")]
    assert folded == [1, 4]  # each ReLU before a MaxPool2D
    for i, (_, f, b) in enumerate(table[:-2]):
        assert (f > 0 and b > 0) if i not in folded else (f == 0 and b == 0)
    assert table[-1][0] == "optimizer update" and table[-1][2] > 0
    assert "forward" not in model.layers[0].__dict__  # the timing wrappers are gone again
    assert not np.array_equal(model.forward(X), before)  # it ran real training steps


def test_reused_buffers_never_leak_into_results(rng):
    """Layers reuse scratch memory between calls; what a caller holds must never change."""
    model = small_cnn(dtype="float64")
    X = rng.random((40, 1, 28, 28))
    first = model.forward(X[:32])
    kept = first.copy()
    partial = model.forward(X[32:])  # a smaller batch reuses views of the same storage
    again = model.forward(X[:32])
    np.testing.assert_array_equal(first, kept)
    np.testing.assert_array_equal(again, kept)
    np.testing.assert_allclose(partial, small_cnn(dtype="float64").forward(X[32:]), rtol=1e-12)
    np.testing.assert_allclose(training.predict_in_batches(model, X, batch_size=7), model.forward(X), rtol=1e-12)
    # the public layer API hands back fresh arrays too
    conv, relu, pool = model.layers[:3]
    a = conv.forward(X[:2])
    b = relu.forward(a)
    c = pool.forward(b)
    conv.forward(X[2:4]), relu.forward(a[::-1]), pool.forward(b[::-1])
    np.testing.assert_array_equal(c, L.MaxPool2D(2).forward(np.maximum(a, 0)))


def test_relu_folded_into_maxpool_gives_the_same_gradients(rng):
    """Sequential folds ReLU into the following MaxPool2D; layer by layer must agree."""
    model = small_cnn(dtype="float64")
    X = rng.normal(size=(3, 1, 28, 28))
    out = model.forward(X)
    dout = rng.normal(size=out.shape)
    dx = model.backward(dout)
    grads = [g.copy() for _, g in model.parameters()]
    assert model._steps[0][1] == "folded"
    # the same network, one public layer call at a time (no folding)
    x = X
    for layer in model.layers:
        x = layer.forward(x)
    np.testing.assert_allclose(x, out, rtol=1e-12)
    d = dout
    for layer in reversed(model.layers):
        d = layer.backward(d)
    np.testing.assert_allclose(d, dx, rtol=1e-10, atol=1e-14)
    for (_, g), g_folded in zip(model.parameters(), grads):
        np.testing.assert_allclose(g, g_folded, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("pool, stride", [(2, 2), (3, 2), (16, 16)])
def test_relu_folded_into_maxpool_with_ties_and_non_positive_windows(pool, stride, rng):
    """Values in {-1, 0, 1}: windows hold their maximum several times, or only zeros and
    negatives (where the folded ReLU passes no gradient). A 16×16 pool has 256 positions,
    more than one byte can index."""
    channels = 3
    conv = L.Conv2D(channels, 1)
    model = Sequential([conv, L.ReLU(), L.MaxPool2D(pool, stride)], dtype="float64")
    model.build((channels, 32, 32))
    conv.params["weight"][...] = np.eye(channels)[:, :, None, None]  # the identity: z = x
    assert model._steps[0][1] == "folded"
    X = rng.integers(-1, 2, size=(4, channels, 32, 32)).astype(np.float64)
    X[0] = -1.0  # every window of this sample is negative
    out = model.forward(X)
    dout = rng.normal(size=out.shape)
    dx = model.backward(dout)
    relu = np.maximum(X, 0)
    expected = R.maxpool2d_forward(relu, model.layers[2].pool_size, model.layers[2].stride)
    np.testing.assert_array_equal(out, expected)
    routed = R.maxpool2d_backward(dout, relu, model.layers[2].pool_size, model.layers[2].stride)
    np.testing.assert_allclose(dx, routed * (X > 0), rtol=1e-12, atol=1e-15)  # overlapping windows add up
    assert not dx[0].any()


def test_pooling_writes_its_input_gradient_over_the_convolutions_spent_output(rng):
    """A convolution's output is dead once the pooling after it has run, so the pooling's
    input gradient reuses that memory; the gradients are the same, bit for bit."""
    X = rng.normal(size=(3, 1, 28, 28))
    models = [small_cnn(dtype="float64"), small_cnn(dtype="float64")]
    for model in models:
        model.build(X.shape[1:])
    models[1]._reused = set()  # no reuse
    assert models[0]._reused == {2, 5}
    grads = []
    for model in models:
        out = model.forward(X)
        model.backward(np.ones_like(out), input_gradient=False)
        grads.append(model.parameter_vector()[0][1].copy())
    conv, pool = models[0].layers[0], models[0].layers[2]
    z = conv._buffers[("z", np.dtype("float64").str)][0]
    assert np.shares_memory(pool._dx_buffer(14, 14, np.float64)[0], z)
    np.testing.assert_array_equal(grads[0], grads[1])


@pytest.mark.parametrize(
    "layers, shape, orders",
    [
        # the benchmark networks' case: a first convolution on channels-first images, ReLU folded
        (
            [L.Conv2D(3, 3, padding=1), L.ReLU(), L.MaxPool2D(2), L.Conv2D(4, 3, padding=1), L.ReLU(), L.MaxPool2D(2)],
            (2, 8, 12),
            {0: (2, 2), 3: (2, 2)},
        ),
        # a strided first convolution (its phases step by 2) before 3×2 average pools
        ([L.Conv2D(3, 3, stride=2, padding=1), L.AvgPool2D((3, 2))], (2, 12, 8), {0: (3, 2)}),
        # first convolutions padded by nothing, and by more than the image is wide
        ([L.Conv2D(3, 3), L.MaxPool2D(2)], (2, 8, 6), {0: (2, 2)}),
        ([L.Conv2D(3, 5, padding=3), L.ReLU(), L.MaxPool2D(2)], (1, 2, 2), {0: (2, 2)}),
        # inner convolutions: strided (δ goes back to image order for col2im), 1×1 (no padding
        # of δ) and padded by 2 (δ padded on no side)
        (
            [L.Conv2D(3, 3, padding=1), L.Conv2D(4, 3, stride=2, padding=1), L.ReLU(), L.MaxPool2D(2)],
            (1, 8, 8),
            {1: (2, 2)},
        ),
        ([L.Conv2D(3, 3, padding=1), L.Conv2D(4, 1), L.MaxPool2D(2)], (1, 6, 6), {1: (2, 2)}),
        ([L.Conv2D(3, 3, padding=1), L.Conv2D(4, 3, padding=2), L.MaxPool2D(2)], (1, 6, 6), {1: (2, 2)}),
        # poolings that do not tile their input: image order
        (
            [L.Conv2D(3, 3, padding=1), L.MaxPool2D(2), L.Conv2D(4, 3, padding=1), L.MaxPool2D(2)],
            (1, 6, 6),
            {0: (2, 2)},
        ),
        ([L.Conv2D(3, 3, padding=1), L.MaxPool2D(3, 2)], (1, 7, 7), {}),
    ],
)
def test_convolutions_in_the_poolings_window_order_compute_what_image_order_does(layers, shape, orders, rng):
    """A convolution before a pooling that tiles its output writes it in the order of the
    pooling windows, and a pooling before a padded convolution writes into its padded input;
    the outputs and every gradient are those of the plain image order, with copies."""
    models = [Sequential(copy.deepcopy(layers) + [L.Flatten(), L.Dense(2)], seed=0, dtype="float64") for _ in range(2)]
    for model in models:
        model.build(shape)
    for mine, plain in zip(*(model.layers for model in models)):
        if "bias" in mine.params:  # biases not zero
            mine.params["bias"][...] = plain.params["bias"][...] = rng.normal(size=mine.params["bias"].shape)
    assert models[0]._orders == orders
    models[1]._orders, models[1]._into_next = {}, set()  # image order, and every pooling output copied
    X = rng.integers(-2, 3, size=(3,) + shape).astype(np.float64)  # ties in the max-pools
    X[1] = rng.normal(size=shape)
    dout = rng.normal(size=(3, 2))
    results = []
    for model in models:
        out = model.forward(X)
        results.append((out, model.backward(dout), model.parameter_vector()[0][1].copy()))
    for mine, plain in zip(*results):
        np.testing.assert_allclose(mine, plain, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(results[0][0], models[0].forward(X, training=False), rtol=1e-12, atol=1e-13)


def test_a_layer_called_on_its_own_between_the_models_forward_and_backward_is_refused(rng):
    """The layer's own call replaces what the model's backward pass needs (its input, and the
    order its output came in): the model refuses rather than mixing the two passes."""
    conv, pool = L.Conv2D(3, 3, stride=2, padding=1), L.MaxPool2D(2)
    model = Sequential([conv, pool, L.Flatten(), L.Dense(1)], dtype="float64")
    X = rng.normal(size=(2, 2, 8, 8))
    out = model.forward(X)
    conv.forward(X)  # the same batch, in image order
    with pytest.raises(RuntimeError, match=r"layer 0, Conv2D\(.*\), was called on its own \(layer\.forward\)"):
        model.backward(np.ones_like(out))
    np.testing.assert_array_equal(model.forward(X), out)  # a new pass is fine again
    assert model.backward(np.ones_like(out)).shape == X.shape


def test_ties_made_by_adding_the_bias_go_to_the_first_maximum(rng):
    """z = x + 1 rounds 0 and 1e-17 to the same 1.0: the tie goes to the first position, as in
    PyTorch, though x alone had its maximum at the second."""
    conv = L.Conv2D(1, 1)
    model = Sequential([conv, L.MaxPool2D(2)], dtype="float64")
    model.build((1, 2, 2))
    conv.params["weight"][...] = 1.0
    conv.params["bias"][...] = 1.0
    assert model._orders == {0: (2, 2)}
    model.forward(np.array([[[[0.0, 1e-17], [0.0, 0.0]]]]))
    np.testing.assert_array_equal(model.backward(np.ones((1, 1, 1, 1))), [[[[1.0, 0.0], [0.0, 0.0]]]])


def test_public_layer_calls_after_a_model_pass_in_window_order(rng):
    """A layer's own forward and backward speak (n, c, h, w) even right after a model has run
    it in a pooling's window order."""
    conv, pool = L.Conv2D(3, 3, padding=1), L.MaxPool2D(2)
    model = Sequential([conv, pool], dtype="float64")
    X = rng.normal(size=(2, 2, 6, 4))
    model.forward(X)
    assert model._orders == {0: (2, 2)} and pool.ordered
    z = R.conv2d_forward(X, conv.params["weight"], conv.params["bias"], conv.stride, conv.padding)
    dout = rng.normal(size=(2, 3, 3, 2))
    dz = pool.backward(dout)
    np.testing.assert_allclose(dz, R.maxpool2d_backward(dout, z, pool.pool_size, pool.stride), rtol=1e-12)
    dx, dw, db = R.conv2d_backward(dz, X, conv.params["weight"], conv.stride, conv.padding)
    np.testing.assert_allclose(conv.backward(dz), dx, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(conv.grads["weight"], dw, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(conv.grads["bias"], db, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("layer", [L.MaxPool2D(2), L.AvgPool2D(2), L.Conv2D(1, 3)])
def test_public_layer_calls_hand_back_fresh_arrays_even_with_one_channel(layer, rng):
    """With one channel the NCHW transpose of a reused buffer is already contiguous; what the
    public face returns must still be the caller's own."""
    out = layer.forward(rng.normal(size=(2, 1, 6, 6)))
    dx = layer.backward(np.ones_like(out))
    kept_out, kept_dx = out.copy(), dx.copy()
    layer.backward(np.full_like(out, 3.0))
    layer.forward(rng.normal(size=(2, 1, 6, 6)))
    np.testing.assert_array_equal(out, kept_out)
    np.testing.assert_array_equal(dx, kept_dx)


def test_the_same_layer_object_twice_is_refused():
    pool = L.MaxPool2D(2)
    with pytest.raises(
        ValueError, match=r"layers\[3\] is the same object as layers\[1\], MaxPool2D\(.*create another MaxPool2D"
    ):
        Sequential([L.Conv2D(2, 3, padding=1), pool, L.Conv2D(2, 3, padding=1), pool, L.Flatten(), L.Dense(1)])


def test_backward_checks_the_shape_of_dout(rng):
    model = Sequential([L.Conv2D(2, 3), L.AvgPool2D(2)], dtype="float64")
    out = model.forward(rng.normal(size=(4, 1, 6, 6)))
    with pytest.raises(
        ValueError,
        match=r"dout must have the shape of the last forward pass's output, \(4, 2, 2, 2\)\. "
        r"Received: dout of shape \(1, 2, 2, 2\)\.",
    ):
        model.backward(np.ones((1,) + out.shape[1:]))


def test_a_shallow_copy_is_a_deep_copy_and_leaves_the_original_training(rng):
    model = small_cnn()
    model.build((1, 28, 28))
    twin = copy.copy(model)
    assert twin.layers[0] is not model.layers[0]
    for m in (model, twin):
        ((flat, _),) = m.parameter_vector()
        assert np.shares_memory(flat, m.layers[0].params["weight"])
    before = model.layers[0].params["weight"].copy()
    X, y = rng.random((8, 1, 28, 28), dtype=np.float32), np.array([0, 1] * 4, dtype=np.float32)
    training.fit(model, X, y, losses.BinaryCrossEntropy(), optimizers.SGD(0.1), epochs=1, batch_size=8, rng=rng)
    assert not np.array_equal(model.layers[0].params["weight"], before)
    np.testing.assert_array_equal(twin.layers[0].params["weight"], before)


def test_prediction_forward_matches_training_forward_and_refuses_backward(rng):
    model = small_cnn()
    X = rng.random((5, 1, 28, 28), dtype=np.float32)
    np.testing.assert_array_equal(model.forward(X, training=False), model.forward(X))
    model.forward(X, training=False)
    with pytest.raises(RuntimeError, match=r"run forward\(x\) \(with training=True\)"):
        model.backward(np.ones((5, 1)))


def test_parameter_vector_is_the_same_memory_as_the_parameters():
    model = small_cnn()
    model.build((1, 28, 28))
    ((flat, flat_grad),) = model.parameter_vector()
    assert flat.size == model.n_params == flat_grad.size
    dense = model.layers[7]
    assert dense.params["weight"].shape == (64, 784)  # PyTorch's (out, in), whatever the memory order
    flat[...] = 0.5
    assert all(np.all(p == 0.5) for p, _ in model.parameters())
    model.forward(np.ones((2, 1, 28, 28)))
    model.backward(np.ones((2, 1)))
    assert np.shares_memory(flat_grad, dense.grads["weight"]) and np.any(flat_grad != 0)


def test_pickled_model_keeps_training_and_predicting(rng):
    """Pickles (as joblib and scikit-learn use) carry no scratch memory, work when loaded
    read-only, and come back with parameters that the optimizer still reaches."""
    import pickle

    model = small_cnn()
    X = rng.random((6, 1, 28, 28), dtype=np.float32)
    y = (np.arange(6) % 2).astype(np.float32)
    training.fit(
        model, X, y, "binary_crossentropy", optimizers.SGD(0.1), epochs=1, batch_size=3, rng=np.random.default_rng(0)
    )
    blob = pickle.dumps(model)
    assert len(blob) < 4 * model.n_params * 4 + 100_000  # parameters (+ grads), not buffers
    copy = pickle.loads(blob)
    np.testing.assert_array_equal(copy.forward(X, training=False), model.forward(X, training=False))
    for p, _ in copy.parameters():  # as if memory-mapped read-only
        p.flags.writeable = False
    np.testing.assert_array_equal(copy.forward(X, training=False), model.forward(X, training=False))
    copy = pickle.loads(blob)
    before = copy.layers[0].params["weight"].copy()
    training.fit(
        copy, X, y, "binary_crossentropy", optimizers.SGD(0.1), epochs=1, batch_size=3, rng=np.random.default_rng(0)
    )
    assert not np.array_equal(copy.layers[0].params["weight"], before)
    ((flat, _),) = copy.parameter_vector()
    assert np.shares_memory(flat, copy.layers[0].params["weight"])


def test_zeroed_buffers_keep_their_borders_zero_across_layouts_and_batch_sizes():
    layer = L.Layer()
    a = layer._buffer("padded", (4, 3, 3), np.float64, zero=True)
    a[...] = 7  # a layout of another shape, written everywhere
    b = layer._buffer("padded", (2, 5), np.float64, zero=True)
    assert not b.any()  # another layout: zeroed
    b[:, 1:4] = 1  # interiors only, as pad_into writes them
    c = layer._buffer("padded", (4, 5), np.float64, zero=True)  # the same layout, more rows
    assert np.shares_memory(b, c) and not c[:, [0, 4]].any() and not c[2:].any()
    c[:, 1:4] = 2
    d = layer._buffer("padded", (1, 5), np.float64, zero=True)  # fewer rows: a prefix, left as it is
    np.testing.assert_array_equal(d, [[0, 2, 2, 2, 0]])


def test_accuracy_counts_each_kind_of_target():
    bce, softmax = losses.BinaryCrossEntropy(), losses.SoftmaxCrossEntropy()
    value = training.accuracy(np.array([[1.0], [-1.0], [0.0]]), np.array([1, 1, 1]), bce)
    assert value == pytest.approx(2 / 3) and type(value) is float
    logits = np.array([[5.0, 0.1, 0.2], [0.0, 3.0, 1.0]])
    assert training.accuracy(logits, np.array([0, 2]), softmax) == 0.5
    # one-hot targets, which the softmax loss accepts, name the class by their largest entry
    assert training.accuracy(logits, np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]]), softmax) == 0.5
    assert training.accuracy(logits[:1], np.array([[0.0, 1.0, 0.0]]), softmax) == 0.0
