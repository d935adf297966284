import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from rosenblatt import CNNClassifier, MLPClassifier, Perceptron, datasets


def xor():
    d = datasets.load("xor")
    return d.X_train, d.y_train


def test_mlp_learns_xor():
    X, y = xor()
    mlp = MLPClassifier(
        hidden_layer_sizes=(8,), activation="tanh", learning_rate=0.05, epochs=300, batch_size=4, random_state=0
    ).fit(X, y)
    np.testing.assert_array_equal(mlp.predict(X), y)
    assert mlp.loss_curve_[-1] < 0.05 < mlp.loss_curve_[0]
    # it stopped once the loss had not fallen by tol for n_iter_no_change epochs, as scikit-learn's does
    assert mlp.n_iter_ == len(mlp.loss_curve_) < 300
    assert mlp.best_loss_ == min(mlp.loss_curve_)
    losses_ = mlp.loss_curve_
    for k in range(len(losses_) - mlp.n_iter_no_change, len(losses_)):
        assert losses_[k] > min(losses_[:k]) - mlp.tol  # no epoch beat the best so far by tol
    assert [c.shape for c in mlp.coefs_] == [(2, 8), (8, 1)]


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_mlp_activations_learn_xor(activation):
    X, y = xor()
    mlp = MLPClassifier(
        hidden_layer_sizes=(8,), activation=activation, learning_rate=0.05, epochs=500, batch_size=4, random_state=1
    ).fit(X, y)
    assert mlp.score(X, y) == 1.0


@pytest.mark.parametrize("labels", [np.array(["cat", "dog"]), np.array([False, True]), np.array([-3, 7])])
def test_labels_come_back_in_the_callers_type(labels):
    X, y = xor()
    y = labels[(X[:, 0] > 0.5).astype(int)]
    for est in (MLPClassifier(epochs=100, random_state=0, batch_size=4), Perceptron()):
        pred = est.fit(X, y).predict(X)
        assert pred.dtype == labels.dtype
        np.testing.assert_array_equal(pred, y)
        proba = est.predict_proba(X)
        assert proba.shape == (4, 2)
        np.testing.assert_allclose(proba.sum(axis=1), 1)
        np.testing.assert_array_equal(est.classes_[proba.argmax(axis=1)], pred)


def test_same_seed_is_bit_identical_and_a_new_seed_differs():
    d = datasets.load("breast-cancer")
    X = (d.X_train - d.X_train.mean(0)) / d.X_train.std(0)
    fits = [MLPClassifier(epochs=5, random_state=s).fit(X, d.y_train) for s in (3, 3, 4)]
    p = [f.predict_proba(X) for f in fits]
    assert p[0].tobytes() == p[1].tobytes()
    assert p[0].tobytes() != p[2].tobytes()


def test_multiclass_uses_softmax():
    d = datasets.load("digits")
    cnn = CNNClassifier(
        layers=("conv 8 3x3 pad 1", "relu", "maxpool 2", "dense 32", "relu"), epochs=4, random_state=0
    ).fit(d.X_train, d.y_train)
    assert cnn.model_.layers[-1].units == 10
    proba = cnn.predict_proba(d.X_test)
    assert proba.shape == (len(d.X_test), 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert cnn.score(d.X_test, d.y_test) > 0.9


def test_dtype_follows_the_input():
    X, y = xor()
    assert MLPClassifier(epochs=2, batch_size=4).fit(X, y).model_.dtype == np.float32
    assert MLPClassifier(epochs=2, batch_size=4).fit(X.astype(np.float64), y).model_.dtype == np.float64


def test_estimator_conventions():
    est = CNNClassifier(epochs=3, learning_rate=0.01)
    assert est.get_params()["epochs"] == 3
    c = clone(est)
    assert c.get_params() == est.get_params() and c is not est
    assert est.set_params(epochs=4).epochs == 4
    assert "learning_rate=0.01" in repr(est)


@pytest.mark.parametrize("est", [Perceptron(), MLPClassifier(), CNNClassifier()], ids=lambda e: type(e).__name__)
def test_predict_before_fit(est):
    X = np.zeros((2, 1, 8, 8)) if isinstance(est, CNNClassifier) else np.zeros((2, 2))
    with pytest.raises(NotFittedError, match="is not fitted yet"):
        est.predict(X)


def test_bad_input_errors():
    X, y = xor()
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array instead"):
        MLPClassifier().fit(X[:, 0], y)
    mlp = MLPClassifier(epochs=2, batch_size=4).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but MLPClassifier is expecting 2 features as input"):
        mlp.predict(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        MLPClassifier().fit(X, [0.1, 0.2, 0.3, 0.4])
    with pytest.raises(ValueError, match="only one class: 1"):
        MLPClassifier().fit(X, [1, 1, 1, 1])
    with pytest.raises(ValueError, match="activation must be one of .*Received: activation='softplus'"):
        MLPClassifier(activation="softplus").fit(X, y)
    with pytest.raises(ValueError, match="learning_rate must be a positive number. Received: learning_rate=-1"):
        MLPClassifier(learning_rate=-1).fit(X, y)
    with pytest.raises(ValueError, match=r"expects images of shape .*got an array of shape \(4, 2, 1\) instead"):
        CNNClassifier().fit(X[:, :, None], y)
    with pytest.raises(ValueError, match=r"image_shape=\(1, 2, 2\) holds 4 pixels, but X has 2 features per row"):
        CNNClassifier(image_shape=(1, 2, 2)).fit(X, y)
    with pytest.raises(
        ValueError,
        match=r"image_shape must be None or \(channels, height, width\), 3 positive "
        r"integers. Received: image_shape=\(2, 1\)",
    ):
        CNNClassifier(image_shape=(2, 1)).fit(X, y)
    cnn = CNNClassifier(epochs=1, layers=("conv 2 3", "relu", "dense 4")).fit(np.zeros((4, 1, 6, 6)), y)
    with pytest.raises(
        ValueError,
        match=r"X has images of shape \(3, 6, 6\), but CNNClassifier is expecting "
        r"images of shape \(1, 6, 6\)",
    ):
        cnn.predict(np.zeros((1, 3, 6, 6)))
    with pytest.raises(ValueError, match="Cannot read layer 'conv big'"):
        CNNClassifier(layers=("conv big",)).fit(np.zeros((4, 1, 6, 6)), y)
    with pytest.raises(ValueError, match="max_epochs must be a positive integer. Received: max_epochs=0"):
        Perceptron(max_epochs=0).fit(X, y)


def test_integer_and_float16_input_train_in_float32():
    X, y = xor()
    for dtype in (np.int64, np.float16, np.uint8):
        assert MLPClassifier(epochs=1, batch_size=4).fit(X.astype(dtype), y).model_.dtype == np.float32


def test_divergence_is_an_error_not_a_nan_model():
    X, y = xor()
    with pytest.raises(
        ValueError, match=r"Training diverged: the loss became nan in epoch \d+\. Lower the learning rate"
    ):
        MLPClassifier(learning_rate=1e30, epochs=3, batch_size=4, random_state=0).fit(X * 1e20, y)
    with pytest.raises(ValueError, match="learning_rate must be a positive number. Received: learning_rate=inf"):
        MLPClassifier(learning_rate=float("inf")).fit(X, y)


def test_hold_out_too_small_names_validation_fraction():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), np.arange(40) % 2
    with pytest.raises(
        ValueError,
        match=r"validation_fraction=0.01 cannot hold out a stratified validation set "
        r"from 40 samples of 2 classes \(it would hold out 1",
    ):
        MLPClassifier(validation_fraction=0.01).fit(X, y)
    with pytest.raises(
        ValueError, match="validation_fraction must be a number in \\[0, 1\\). Received: validation_fraction='0.1'"
    ):
        MLPClassifier(validation_fraction="0.1").fit(X, y)


def test_more_parameter_errors():
    X, y = xor()
    with pytest.raises(ValueError, match="random_state must be a non-negative integer. Received: random_state=-1"):
        MLPClassifier(random_state=-1).fit(X, y)
    with pytest.raises(
        ValueError, match="hidden_layer_sizes must be positive integers. Received: hidden_layer_sizes=None"
    ):
        MLPClassifier(hidden_layer_sizes=None).fit(X, y)
    with pytest.raises(ValueError, match=r"(?s)Expected 2D array, got 1D array instead.*Reshape your data"):
        CNNClassifier().fit(X[:, 0], y)
    with pytest.raises(TypeError, match="callbacks must be a list of functions"):
        MLPClassifier(epochs=1).fit(X, y, callbacks=print)


def test_images_too_small_for_the_network_name_the_layer():
    y = np.arange(8) % 2
    with pytest.raises(
        ValueError,
        match=r"Layer 5, MaxPool2D\(pool_size=\[2, 2\], stride=\[2, 2\]\), cannot take "
        r"per-sample inputs of shape \(16, 1, 1\) \(the model's input shape is "
        r"\(1, 3, 3\), channels first\): The input is smaller than the kernel",
    ):
        CNNClassifier(epochs=1).fit(np.zeros((8, 1, 3, 3)), y)


def test_cnn_takes_flattened_images_with_image_shape():
    d = datasets.load("digits")
    flat_train, flat_test = d.X_train.reshape(len(d.X_train), -1), d.X_test.reshape(len(d.X_test), -1)
    layers = ("conv 8 3x3 pad 1", "relu", "maxpool 2", "dense 32", "relu")
    images = CNNClassifier(layers=layers, epochs=2, random_state=0).fit(d.X_train, d.y_train)
    flat = CNNClassifier(layers=layers, image_shape=(1, 8, 8), epochs=2, random_state=0).fit(flat_train, d.y_train)
    assert flat.image_shape_ == images.image_shape_ == (1, 8, 8) and flat.n_features_in_ == 64
    # the same network on the same pixels: bit-identical, whichever way the images arrive
    assert flat.predict_proba(flat_test).tobytes() == images.predict_proba(d.X_test).tobytes()
    np.testing.assert_array_equal(images.predict(flat_test), images.predict(d.X_test))
    with pytest.raises(ValueError, match="X has 63 features, but CNNClassifier is expecting 64 features as input"):
        images.predict(flat_test[:, :63])


def test_flattened_cnn_round_trips_through_a_model_file(tmp_path):
    from rosenblatt import io

    d = datasets.load("digits")
    flat = d.X_train.reshape(len(d.X_train), -1)
    cnn = CNNClassifier(
        layers=("conv 4 3x3 pad 1", "relu", "dense 8", "relu"), image_shape=(1, 8, 8), epochs=1, random_state=0
    ).fit(flat, d.y_train)
    io.save_model(cnn, tmp_path / "cnn.npz")
    loaded = io.load_model(tmp_path / "cnn.npz")
    assert loaded.get_params()["image_shape"] == (1, 8, 8)
    assert loaded.predict_proba(flat).tobytes() == cnn.predict_proba(flat).tobytes()
    assert loaded.predict_proba(d.X_train).tobytes() == cnn.predict_proba(d.X_train).tobytes()


def blobs(n=120, weights=None):
    from sklearn.datasets import make_classification

    return make_classification(
        n_samples=n, n_features=5, n_informative=3, weights=weights and list(weights), random_state=0
    )


def test_zero_sample_weight_is_leaving_the_sample_out():
    """One full batch of plain gradient descent: weights scale each sample's loss and gradient."""
    X, y = blobs()
    keep = np.arange(len(y)) % 3 != 0
    common = dict(optimizer="sgd", learning_rate=0.1, epochs=5, batch_size=len(y), random_state=0, tol=0)
    weighted = MLPClassifier(**common).fit(X, y, sample_weight=keep.astype(float))
    subset = MLPClassifier(**common).fit(X[keep], y[keep])
    for a, b in zip(weighted.coefs_, subset.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    doubled = MLPClassifier(**common).fit(X, y, sample_weight=np.full(len(y), 2.0))  # only ratios matter
    np.testing.assert_allclose(doubled.predict_proba(X), MLPClassifier(**common).fit(X, y).predict_proba(X), rtol=1e-5)


def test_class_weight_balanced_helps_the_rare_class():
    from sklearn.metrics import recall_score

    X, y = blobs(n=300, weights=(0.9, 0.1))
    plain = MLPClassifier(epochs=30, random_state=0).fit(X, y)
    balanced = MLPClassifier(epochs=30, random_state=0, class_weight="balanced").fit(X, y)
    assert recall_score(y, balanced.predict(X)) > recall_score(y, plain.predict(X))
    with pytest.raises(ValueError, match=r"class_weight has labels not in the data: \[7\]"):
        MLPClassifier(class_weight={7: 2.0}).fit(X, y)
    with pytest.raises(ValueError, match="class_weight must be None, 'balanced' or a dict"):
        MLPClassifier(class_weight="auto").fit(X, y)


def test_stopping_at_the_limit_warns_and_says_what_to_change():
    from sklearn.exceptions import ConvergenceWarning

    X, y = blobs()
    with pytest.warns(
        ConvergenceWarning,
        match=r"MLPClassifier reached epochs=2 while still improving: its best training loss improved by more "
        r"than tol=0.0001 within the last n_iter_no_change=10 epochs. Increase epochs to train longer, or raise tol",
    ):
        MLPClassifier(epochs=2, random_state=0).fit(X, y)
    with pytest.warns(ConvergenceWarning, match=r"while still improving: its best validation accuracy improved"):
        MLPClassifier(epochs=2, early_stopping=True, random_state=0).fit(X, y)


def test_early_stopping_restores_the_best_weights():
    X, y = blobs(n=400)
    mlp = MLPClassifier(epochs=200, early_stopping=True, n_iter_no_change=5, learning_rate=0.05, random_state=0).fit(
        X, y
    )
    scores = mlp.history_["val_accuracy"]
    assert mlp.n_iter_ < 200 and mlp.best_validation_score_ == max(scores)
    # the weights kept are those of the best epoch: re-scoring the hold-out gives its accuracy
    from sklearn.model_selection import train_test_split

    rng = np.random.default_rng(0)
    seed = int(rng.integers(np.iinfo(np.int32).max))
    _, X_val, _, y_val = train_test_split(X, y, test_size=0.1, stratify=y, random_state=seed)
    assert mlp.score(X_val, y_val) == pytest.approx(max(scores))


def test_partial_fit_and_warm_start_continue_training():
    X, y = blobs()
    with pytest.raises(ValueError, match="classes must be passed on the first call to partial_fit"):
        MLPClassifier().partial_fit(X, y)
    mlp = MLPClassifier(random_state=0)
    for _ in range(5):
        mlp.partial_fit(X, y, classes=[0, 1])
    assert mlp.n_iter_ == 5 and len(mlp.loss_curve_) == 5 and mlp.loss_curve_[-1] < mlp.loss_curve_[0]
    with pytest.raises(ValueError, match="y contains labels not seen in training: \\[5\\]"):
        mlp.partial_fit(X[:2], [5, 5])
    warm = MLPClassifier(epochs=3, random_state=0, warm_start=True, tol=0).fit(X, y)
    first = warm.loss_curve_[-1]
    warm.fit(X, y)
    assert warm.n_iter_ == 6 and warm.loss_curve_[3] < first + 0.05  # went on from where it was
    cold = MLPClassifier(epochs=3, random_state=0, tol=0).fit(X, y).fit(X, y)
    assert cold.n_iter_ == 3  # without warm_start a refit starts afresh


def test_random_state_as_int_random_state_or_generator():
    X, y = blobs()
    for make in (lambda: 3, lambda: np.random.RandomState(3), lambda: np.random.default_rng(3)):
        a = MLPClassifier(epochs=3, random_state=make()).fit(X, y).predict_proba(X)
        b = MLPClassifier(epochs=3, random_state=make()).fit(X, y).predict_proba(X)
        assert a.tobytes() == b.tobytes()


def test_nan_and_infinity_are_refused_before_training():
    X, y = blobs()
    X_nan, X_inf = X.copy(), X.copy()
    X_nan[3, 1], X_inf[5, 0] = np.nan, np.inf
    for est in (Perceptron(), MLPClassifier(), CNNClassifier()):
        with pytest.raises(ValueError, match="Input X contains NaN"):
            est.fit(X_nan, y)
        with pytest.raises(ValueError, match="Input X contains infinity"):
            est.fit(X_inf, y)
        with pytest.raises(ValueError, match="Input y contains NaN"):
            est.fit(X, np.where(np.arange(len(y)) == 0, np.nan, y))
