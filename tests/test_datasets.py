import numpy as np
import pytest

from rosenblatt import datasets


@pytest.mark.parametrize(
    "name, shape, n, classes",
    [
        ("mnist-3-8", (1, 28, 28), 1000, ["3", "8"]),
        ("textures", (1, 32, 32), 512, ["brick", "grass"]),
        ("faces", (1, 25, 25), 200, ["non-face", "face"]),
        ("digits", (1, 8, 8), 1797, [str(d) for d in range(10)]),
        ("breast-cancer", (30,), 569, ["malignant", "benign"]),
        ("iris", (4,), 100, ["setosa", "versicolor"]),
    ],
)
def test_bundled_datasets(name, shape, n, classes):
    d = datasets.load(name)
    assert d.X_train.shape[1:] == shape and len(d.X_train) + len(d.X_test) == n
    assert d.class_names == classes and all(type(c) is str for c in d.class_names)
    assert d.X_train.dtype == np.float32
    if d.is_image:
        assert 0 <= d.X.min() and d.X.max() <= 1 and d.X.max() > 0.5
    # stratified: the test set has each class in the same proportion as the whole
    whole = np.bincount(d.y) / len(d.y)
    test = np.bincount(d.y_test) / len(d.y_test)
    np.testing.assert_allclose(test, whole, atol=0.02)
    again = datasets.load(name)
    assert again.X_test.tobytes() == d.X_test.tobytes()


def test_mnist_balanced_real_scans():
    d = datasets.load("mnist-3-8")
    assert np.bincount(d.y).tolist() == [500, 500]
    # real scans: mostly black background, bright strokes, many distinct images
    assert (d.X == 0).mean() > 0.7
    assert len(np.unique(d.X.reshape(len(d.X), -1), axis=0)) == 1000


def test_truth_tables():
    for gate, y in {"and": [0, 0, 0, 1], "or": [0, 1, 1, 1], "xor": [0, 1, 1, 0]}.items():
        d = datasets.load(gate)
        np.testing.assert_array_equal(d.y_train, y)
        np.testing.assert_array_equal(d.X_train, [[0, 0], [0, 1], [1, 0], [1, 1]])


def test_unknown_name_lists_the_choices():
    with pytest.raises(ValueError, match=r"Unknown dataset. Expected one of \[.*'mnist-3-8'.*\]. Received: 'mnist'"):
        datasets.load("mnist")
