import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure

from rosenblatt import CNNClassifier, MLPClassifier, datasets, viz


@pytest.fixture(scope="module")
def cnn():
    d = datasets.load("textures")
    return CNNClassifier(epochs=1, random_state=0, validation_fraction=0.2).fit(d.X_train, d.y_train), d


def image_axes(fig):
    return [ax for ax in fig.axes if ax.images]


def test_filters_show_every_filter(cnn, tmp_path):
    model, _ = cnn
    fig = viz.plot_filters(model)
    assert isinstance(fig, Figure)
    assert len(image_axes(fig)) == 8 * 1 + 16 * 8  # every (filter, input channel) kernel
    assert not list(tmp_path.iterdir())  # nothing saved unless asked
    viz.plot_filters(model, tmp_path / "filters.png")
    assert (tmp_path / "filters.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_constant_filter_does_not_divide_by_zero(cnn):
    model, _ = cnn
    w = model.model_.layers[0].params["weight"]
    saved = w.copy()
    w[0] = 0.3
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fig = viz.plot_filters(model)
        first = image_axes(fig)[0].images[0].get_array()
        np.testing.assert_array_equal(first, 0.5)
    finally:
        w[...] = saved


def test_scale_to_unit():
    np.testing.assert_array_equal(viz.scale_to_unit([[-2.0, 0.0], [2.0, 1.0]]), [[0, 0.5], [1, 0.75]])
    np.testing.assert_array_equal(viz.scale_to_unit(np.full((2, 2), 1e9)), 0.5)


def test_feature_maps_non_blank(cnn, tmp_path):
    model, d = cnn
    maps = viz.feature_maps(model, d.X_test[0])
    assert [a.shape for _, a in maps][:3] == [(8, 32, 32), (8, 32, 32), (8, 16, 16)]
    np.testing.assert_allclose(maps[-1][1], model.decision_function(d.X_test[:1]), rtol=1e-5)
    fig = viz.plot_feature_maps(model, d.X_test[0], tmp_path / "fm.png")
    assert len(image_axes(fig)) == 1 + 8 * 3 + 16 * 3
    assert any(np.ptp(ax.images[0].get_array()) > 0 for ax in image_axes(fig)[1:])


def test_curves(cnn):
    model, _ = cnn
    fig = viz.plot_history(model.history_)
    lines = [line for ax in fig.axes for line in ax.lines]
    assert len(lines) == 4  # loss, val_loss, accuracy, val_accuracy
    np.testing.assert_allclose(lines[0].get_ydata(), model.history_["loss"])


def test_decision_boundary_of_xor():
    d = datasets.load("xor")
    mlp = MLPClassifier(
        hidden_layer_sizes=(8,), activation="tanh", learning_rate=0.05, epochs=300, batch_size=4, random_state=0
    ).fit(d.X_train, d.y_train)
    fig = viz.plot_decision_boundary(mlp, d.X_train, d.y_train, resolution=50)
    assert isinstance(fig, Figure)
    with pytest.raises(ValueError, match=r"needs 2-D points.*Received: X.shape=\(4, 3\)"):
        viz.plot_decision_boundary(mlp, np.zeros((4, 3)), d.y_train)


def test_confusion_matrix_and_misclassified(cnn):
    model, d = cnn
    pred = model.predict(d.X_test)
    fig = viz.plot_confusion_matrix(d.y_test, pred)
    counts = [int(t.get_text()) for t in fig.axes[0].texts]
    assert sum(counts) == len(d.y_test) and counts[0] + counts[3] == int((pred == d.y_test).sum())
    wrong = int((pred != d.y_test).sum())
    fig = viz.plot_misclassified(d.X_test, d.y_test, pred)
    assert len(image_axes(fig)) == min(16, wrong)
    fig = viz.plot_misclassified(d.X_test, d.y_test, d.y_test)  # none wrong: says so
    assert "no test image was misclassified" in fig.axes[0].texts[0].get_text()


def test_animations(cnn, tmp_path):
    from PIL import Image

    d = datasets.load("and")
    from rosenblatt import Perceptron

    p = Perceptron(random_state=1).fit(d.X_train, d.y_train)
    assert viz.animate_perceptron(p, d.X_train, d.y_train, tmp_path / "p.gif") == p.n_iter_ + 1
    with Image.open(tmp_path / "p.gif") as gif:
        assert gif.n_frames == p.n_iter_ + 1
        first = np.asarray(gif.convert("RGB"))
        gif.seek(gif.n_frames - 1)
        assert not np.array_equal(first, np.asarray(gif.convert("RGB")))  # the line moved
    model, _ = cnn
    snapshots = [viz.conv_weights(model), [(i, w + 0.1 * np.sign(w)) for i, w in viz.conv_weights(model)]]
    assert viz.animate_filters(snapshots, tmp_path / "f.gif") == 2
    with pytest.raises(ValueError, match="animate_perceptron draws 2-D data"):
        viz.animate_perceptron(p, np.zeros((4, 3)), d.y_train, tmp_path / "x.gif")
