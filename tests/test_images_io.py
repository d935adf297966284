import os
import warnings

import numpy as np
import pytest
from PIL import Image

from rosenblatt import CNNClassifier, MLPClassifier, Perceptron, datasets, images, io


def make_folder(root, sizes=((30, 20), (28, 28))):
    for k, name in enumerate(["zebra", "apple"]):  # created out of order: classes must be sorted
        os.makedirs(root / name)
        for i in range(3):
            arr = np.full(sizes[i % 2] + (3,), 40 + 100 * k + i, dtype=np.uint8)
            Image.fromarray(arr).save(root / name / f"{i}.{'png' if i % 2 else 'jpg'}")
    (root / "apple" / "notes.txt").write_text("not an image")


def test_image_folder_sorted_resized_converted(tmp_path):
    make_folder(tmp_path)
    X, y, names = images.load_image_folder(tmp_path, size=(16, 12), color="grayscale")
    assert names == ["apple", "zebra"]
    assert X.shape == (6, 1, 16, 12) and X.dtype == np.float32
    assert y.tolist() == [0, 0, 0, 1, 1, 1]
    assert X[:3].mean() > X[3:].mean()  # apple images were the brighter ones
    Xrgb, _, _ = images.load_image_folder(tmp_path, size=8, color="rgb")
    assert Xrgb.shape == (6, 3, 8, 8) and 0 <= Xrgb.min() and Xrgb.max() <= 1


def test_image_folder_errors(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        images.load_image_folder(tmp_path / "missing")
    (tmp_path / "only").mkdir()
    with pytest.raises(ValueError, match="at least 2; found 1"):
        images.load_image_folder(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="has no images"):
        images.load_image_folder(tmp_path)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    with pytest.raises(ValueError, match="Cannot read image .*bad.png"):
        images.load_image(bad)
    with pytest.raises(ValueError, match="color must be one of .*Received: color='cmyk'"):
        images.load_image(bad, color="cmyk")


def fitted_models():
    d = datasets.load("textures")
    cnn = CNNClassifier(epochs=1, random_state=0).fit(d.X_train, np.array(d.class_names)[d.y_train])
    b = datasets.load("breast-cancer")
    X = (b.X_train - b.X_train.mean(0)) / b.X_train.std(0)
    mlp = MLPClassifier(epochs=2, random_state=0).fit(X, b.y_train == 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # breast cancer is not separated in 100 epochs; not what is tested here
        per = Perceptron().fit(X, b.y_train)
    return [(cnn, d.X_test), (mlp, X), (per, X)]


def test_save_load_round_trip_predicts_bit_identically(tmp_path):
    for model, X in fitted_models():
        path = tmp_path / f"{type(model).__name__}.npz"
        io.save_model(model, path, metadata={"note": "hi"})
        loaded = io.load_model(path)
        assert type(loaded) is type(model) and loaded.get_params() == model.get_params() | {
            "random_state": loaded.random_state
        }
        assert loaded.predict_proba(X).tobytes() == model.predict_proba(X).tobytes()
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
        assert loaded.classes_.dtype == model.classes_.dtype
        assert loaded.metadata_ == {"note": "hi"}


def test_model_file_never_needs_pickle(tmp_path):
    (cnn, _), *_ = fitted_models()
    path = tmp_path / "m.npz"
    io.save_model(cnn, path)
    with np.load(path, allow_pickle=False) as archive:  # would raise on any object array
        entries = {name: archive[name] for name in archive.files}
    assert all(a.dtype != object for a in entries.values())
    assert "model.json" in entries and "0.weight" in entries
    assert io.read_description(path)["layers"][0] == {
        "class": "Conv2D",
        "config": {"filters": 8, "kernel_size": [3, 3], "stride": [1, 1], "padding": [1, 1]},
    }


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    (cnn, _), *_ = fitted_models()
    path = tmp_path / "m.npz"
    io.save_model(cnn, path)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    cnn.model_.layers[0].params["weight"] += 1
    with pytest.raises(OSError, match="disk full"):
        io.save_model(cnn, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.npz"]  # no temporary file left behind


def test_not_a_model_file(tmp_path):
    np.savez(tmp_path / "x.npz", a=np.zeros(2))
    with pytest.raises(ValueError, match="is not a rosenblatt model file"):
        io.load_model(tmp_path / "x.npz")
    (tmp_path / "y.npz").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="Cannot read model file"):
        io.load_model(tmp_path / "y.npz")
