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


def test_mnist_digits_are_checked():
    what = "digits must be a sequence of at least two different digits 0-9"
    with pytest.raises(ValueError, match=rf"^{what}. Received: digits=38$"):
        datasets.load_mnist(38)
    with pytest.raises(ValueError, match=rf"^{what}; 3 is given more than once. Received: digits=\(3, 3, 8\)$"):
        datasets.load_mnist((3, 3, 8))
    with pytest.raises(ValueError, match=rf"^{what}; 3.7 is not a digit 0-9. Received: digits=\(3.7, 8\)$"):
        datasets.load_mnist([3.7, 8])
    with pytest.raises(ValueError, match=rf"^{what}; 10 is not a digit 0-9"):
        datasets.load_mnist((10, 1))
    with pytest.raises(ValueError, match=rf"^{what}. Received: digits='38'$"):
        datasets.load_mnist("38")
    d = datasets.load_mnist(d for d in (np.int64(8), 3))  # any iterable of ints, in the order given
    assert d.class_names == ["8", "3"] and d.name == "mnist-8-3"
    assert (d.X_train[d.y_train == 0].mean() > 0) and len(d.y) == 1000


def test_load_needs_a_name():
    for name in (5, ["mnist-3-8"], None):
        with pytest.raises(ValueError, match=r"^name must be a dataset name, one of \[.*\]. Received: name="):
            datasets.load(name)


def test_textures_patch_is_checked():
    for patch in (3, 257, 4.5, True, "32"):
        with pytest.raises(ValueError, match=r"^patch must be an integer from 4 to 256 \(pixels\). Received: patch="):
            datasets.load_textures(patch)
    d = datasets.load_textures(np.int64(128))
    assert d.X_train.shape[1:] == (1, 128, 128) and len(d.y) == 32
