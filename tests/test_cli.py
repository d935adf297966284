"""The command line, end to end."""

import io as stdio
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from rosenblatt import CNNClassifier, MLPClassifier, cli, datasets, images, io


def run(capsys, *argv):
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_default_train_then_predict(tmp_path, capsys):
    out_dir = tmp_path / "run"
    code, out, _ = run(capsys, "train", "--out", str(out_dir))
    assert code == 0
    assert "MNIST digits 3 vs 8" in out
    assert "epoch 15/15  loss" in out and "val_accuracy" in out
    accuracy = float(out.split("Test accuracy: ")[1].split()[0])
    assert accuracy >= 0.98
    for name in (
        "model.npz",
        "filters.png",
        "feature_maps.png",
        "curves.png",
        "confusion_matrix.png",
        "misclassified.png",
        "report.html",
    ):
        assert (out_dir / name).stat().st_size > 1000
    check_report(out_dir / "report.html", accuracy)
    model = io.load_model(out_dir / "model.npz")
    assert model.metadata_["test_accuracy"] == accuracy

    d = datasets.load("mnist-3-8")
    paths = []
    for i in range(6):
        path = tmp_path / f"digit{i}.png"
        Image.fromarray((d.X_test[i, 0] * 255).round().astype(np.uint8)).save(path)
        paths.append(str(path))
    code, out, _ = run(capsys, "predict", str(out_dir / "model.npz"), *paths)
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 6
    predicted = [line.split()[1] for line in lines]
    expected = [d.class_names[k] for k in d.y_test[:6]]
    assert sum(p == e for p, e in zip(predicted, expected)) >= 5
    assert all(0.5 <= float(line.split()[2]) <= 1 for line in lines)


def check_report(path, accuracy):
    """report.html is one self-contained page: every image is embedded and decodes as a PNG."""
    import base64
    import re
    from io import BytesIO

    page = path.read_text(encoding="utf-8")
    sources = re.findall(r'<img [^>]*src="([^"]+)"', page)
    assert len(sources) == 5  # curves, confusion matrix, filters, feature maps, misclassified
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        with Image.open(BytesIO(base64.b64decode(src.split(",", 1)[1]))) as img:
            img.verify()
    assert not re.search(r'(src|href)="(?!data:)', page)  # nothing to fetch: no server, no network
    for heading in (
        "Settings",
        "Data",
        "Loss and accuracy per epoch",
        "Confusion matrix (test data)",
        "Learned filters",
        "Feature maps of the first test image",
        "Misclassified test images",
    ):
        assert f"<h2>{heading}</h2>" in page
    assert f"{accuracy:.4f}</span> test accuracy" in page


def test_perceptron_on_xor_says_not_separable(tmp_path, capsys):
    code, out, _ = run(capsys, "train", "--model", "perceptron", "--data", "xor", "--out", str(tmp_path))
    assert code == 0
    assert "Did not converge: stopped at max_epochs=100" in out
    assert out.strip().splitlines()[-1].startswith("The data is not linearly separable")


def test_perceptron_on_and_reports_convergence(tmp_path, capsys):
    code, out, _ = run(capsys, "train", "--model", "perceptron", "--data", "and", "--out", str(tmp_path))
    assert code == 0
    model = io.load_model(tmp_path / "model.npz")
    assert f"Converged: an epoch without error after {model.n_iter_} epochs and {model.n_updates_} updates" in out
    assert (tmp_path / "decision_boundary.png").exists()


def test_mlp_on_image_folder(tmp_path, capsys):
    rng = np.random.default_rng(0)
    for name, level in (("dark", 40), ("light", 200)):
        (tmp_path / "data" / name).mkdir(parents=True)
        for i in range(12):
            arr = np.clip(level + rng.normal(0, 20, (10, 10)), 0, 255).astype(np.uint8)
            Image.fromarray(arr).save(tmp_path / "data" / name / f"{i}.png")
    code, out, _ = run(
        capsys,
        "train",
        "--data",
        str(tmp_path / "data"),
        "--model",
        "mlp",
        "--epochs",
        "30",
        "--batch-size",
        "4",
        "--image-size",
        "8",
        "--out",
        str(tmp_path / "out"),
    )
    assert code == 0 and "Test accuracy: 1.0000" in out
    code, out, _ = run(capsys, "predict", str(tmp_path / "out" / "model.npz"), str(tmp_path / "data/light/0.png"))
    assert code == 0 and out.split()[1] == "light"


def test_errors_are_clear(tmp_path, capsys):
    code, _, err = run(capsys, "train", "--data", "nowhere")
    assert code == 2 and "--data must be a bundled dataset" in err and "Received: 'nowhere'" in err
    code, _, err = run(capsys, "train", "--data", "iris", "--model", "cnn")
    assert code == 2 and "--model cnn needs image data" in err
    code, _, err = run(capsys, "predict", str(tmp_path / "none.npz"), "x.png")
    assert code == 2 and "does not exist" in err
    with pytest.raises(SystemExit):
        cli.main(["train", "--epochs", "0"])
    assert "expected a positive integer, received '0'" in capsys.readouterr().err


def test_help_explains_every_option():
    out = subprocess.run(
        [sys.executable, "-m", "rosenblatt", "train", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for option in ("--data", "--model", "--epochs", "--batch-size", "--learning-rate", "--seed", "--out"):
        assert option in out
    out = subprocess.run([sys.executable, "-m", "rosenblatt", "--help"], capture_output=True, text=True).stdout
    assert "train" in out and "predict" in out


def image_folder(root, counts, size=8, seed=0):
    """A folder of class subfolders: dark and light noise images, counts[name] of each."""
    rng = np.random.default_rng(seed)
    for k, (name, n) in enumerate(counts.items()):
        (root / name).mkdir(parents=True)
        for i in range(n):
            arr = np.clip(40 + 160 * k + rng.normal(0, 20, (size, size)), 0, 255).astype(np.uint8)
            Image.fromarray(arr).save(root / name / f"{i}.png")
    return root


def test_mlp_on_tabular_data_saves_a_model_that_takes_raw_features(tmp_path, capsys):
    code, out, _ = run(
        capsys, "train", "--data", "breast-cancer", "--model", "mlp", "--epochs", "5", "--out", str(tmp_path)
    )
    assert code == 0
    printed = out.split("Test accuracy: ")[1].split()[0]
    model = io.load_model(tmp_path / "model.npz")
    d = datasets.load("breast-cancer")
    accuracy = model.score(d.X_test, np.array(d.class_names)[d.y_test])  # raw, unscaled features
    assert f"{accuracy:.4f}" == printed and accuracy == model.metadata_["test_accuracy"] and accuracy > 0.9
    assert "standardize" not in model.metadata_
    assert model.model_.layers[0].params["weight"].dtype == np.float32


def test_out_is_checked_before_any_work(tmp_path, capsys, monkeypatch):
    def no_loading(name):
        raise AssertionError("the data was loaded")

    monkeypatch.setattr(datasets, "load", no_loading)
    (tmp_path / "afile").write_text("")
    code, out, err = run(capsys, "train", "--out", str(tmp_path / "afile"))
    assert code == 2 and out == ""
    assert err == f"rosenblatt train: error: --out must be a folder; {str(tmp_path / 'afile')!r} is a file\n"
    code, out, err = run(capsys, "train", "--out", str(tmp_path / "afile" / "run"))
    assert code == 2 and out == "" and "--out cannot be created: " in err and "is a file, not a folder" in err
    code, out, err = run(capsys, "train", "--out", "")
    assert (
        code == 2 and out == "" and err == "rosenblatt train: error: --out must be a folder name. Received: --out=''\n"
    )


def test_seed_must_be_a_non_negative_integer(capsys):
    for seed in ("-1", "1.5"):
        with pytest.raises(SystemExit):
            cli.main(["train", "--seed", seed])
        assert f"expected a non-negative integer, received {seed!r}" in capsys.readouterr().err


def test_image_options_with_a_bundled_dataset_are_noted(tmp_path, capsys):
    code, out, _ = run(
        capsys, "train", "--data", "and", "--model", "perceptron", "--image-size", "8", "--out", str(tmp_path)
    )
    assert code == 0
    assert (
        out.splitlines()[0]
        == "Note: --image-size applies to image folders only; the bundled dataset 'and' is used as it is."
    )
    code, out, _ = run(
        capsys,
        "train",
        "--data",
        "and",
        "--model",
        "perceptron",
        "--color",
        "rgb",
        "--image-size",
        "8",
        "--out",
        str(tmp_path),
    )
    assert out.splitlines()[0].startswith("Note: --image-size and --color apply to image folders only")
    code, out, _ = run(capsys, "train", "--data", "and", "--model", "perceptron", "--out", str(tmp_path))
    assert "Note:" not in out


def test_predict_with_library_models(tmp_path, capsys):
    data = image_folder(tmp_path / "data", {"dark": 8, "light": 8})
    X, y, names = images.load_image_folder(data, size=8)
    labels = np.array(names)[y]
    cnn = CNNClassifier(layers=("conv 2 3x3", "relu", "flatten"), epochs=20, random_state=0).fit(X, labels)
    io.save_model(cnn, tmp_path / "cnn.npz")  # no metadata: the image shape comes from the model
    light = str(data / "light" / "0.png")
    code, out, _ = run(capsys, "predict", str(tmp_path / "cnn.npz"), light)
    assert code == 0 and out.split()[:2] == [light, "light"]

    io.save_model(MLPClassifier(epochs=2).fit(X.reshape(len(X), -1), labels), tmp_path / "mlp.npz")
    code, _, err = run(capsys, "predict", str(tmp_path / "mlp.npz"), light)
    assert code == 2 and err == (
        f"rosenblatt predict: error: Model {str(tmp_path / 'mlp.npz')!r} was not trained by 'rosenblatt train' "
        "on images, so the image size is unknown.\n"
    )
    code, _, err = run(capsys, "predict", str(tmp_path), light)
    assert code == 2 and err == f"rosenblatt predict: error: {str(tmp_path)!r} is a folder, not a model file.\n"


def test_perceptron_predict_prints_no_probability(tmp_path, capsys):
    data = image_folder(tmp_path / "data", {"dark": 8, "light": 8})
    code, _, _ = run(
        capsys,
        "train",
        "--data",
        str(data),
        "--model",
        "perceptron",
        "--image-size",
        "8",
        "--out",
        str(tmp_path / "out"),
    )
    assert code == 0
    paths = [str(data / "dark" / "0.png"), str(data / "light" / "0.png")]
    code, out, _ = run(capsys, "predict", str(tmp_path / "out" / "model.npz"), *paths)
    lines = out.strip().splitlines()
    assert code == 0 and [line.split() for line in lines[:2]] == [[paths[0], "dark", "-"], [paths[1], "light", "-"]]
    assert (
        lines[2] == "Note: the perceptron gives no probability, only a decision, so the probability column shows '-'."
    )


def test_validation_hold_out_only_with_10_per_class(tmp_path, capsys):
    data = image_folder(tmp_path / "data", {"many": 60, "few": 2})
    code, out, _ = run(
        capsys,
        "train",
        "--data",
        str(data),
        "--model",
        "mlp",
        "--epochs",
        "2",
        "--image-size",
        "8",
        "--out",
        str(tmp_path / "out"),
    )
    assert code == 0
    assert "No validation hold-out: class 'few' has only 1 training sample (it takes 10 of every class)." in out
    assert "val_accuracy" not in out


def test_too_few_images_to_split(tmp_path, capsys):
    data = image_folder(tmp_path / "two", {"a": 2, "b": 2})
    code, _, err = run(capsys, "train", "--data", str(data), "--out", str(tmp_path / "out"))
    assert code == 2 and err == (
        f"rosenblatt train: error: Image folder {str(data)!r} has 4 images in 2 classes: too few to hold out a test "
        "image of every class (25% of the images are for testing). It needs at least 5 images.\n"
    )
    data = image_folder(tmp_path / "one", {"a": 1, "b": 5})
    code, _, err = run(capsys, "train", "--data", str(data), "--out", str(tmp_path / "out"))
    assert code == 2 and "needs at least 2 images to be split into train and test; class 'a' has 1." in err


class FakeTerminal(stdio.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal(capsys):
    logs = {"loss": 0.5, "accuracy": 0.75, "time": 0.1}
    shown, hidden = FakeTerminal(), stdio.StringIO()
    for stream in (shown, hidden):
        progress = cli.EpochProgress(3, stream=stream)
        for batch in range(1, 5):
            progress.on_batch(0, batch, 4)
        progress(0, logs, None)
    drawn = shown.getvalue()
    assert "epoch 1/3:" in drawn and "/4 [" in drawn and "batch/s" in drawn  # tqdm drew its bar, then cleared it
    assert hidden.getvalue() == ""  # not a terminal: no bar
    assert capsys.readouterr().out.count("epoch 1/3  loss 0.5000  accuracy 0.7500") == 2


def test_quiet_prints_no_epoch_lines(tmp_path, capsys):
    code, out, _ = run(capsys, "train", "--data", "textures", "--epochs", "2", "--quiet", "--out", str(tmp_path))
    assert code == 0 and "epoch 1/2" not in out and "Test accuracy:" in out


def test_animate_writes_gifs(tmp_path, capsys):
    from PIL import Image

    code, out, _ = run(
        capsys, "train", "--data", "textures", "--epochs", "2", "--animate", "--quiet", "--out", str(tmp_path / "cnn")
    )
    assert code == 0
    with Image.open(tmp_path / "cnn" / "filters.gif") as gif:
        assert gif.n_frames == 2  # one per epoch
    code, out, _ = run(
        capsys, "train", "--model", "perceptron", "--data", "and", "--animate", "--out", str(tmp_path / "p")
    )
    assert code == 0 and (tmp_path / "p" / "perceptron.gif").exists()
    code, out, _ = run(
        capsys, "train", "--model", "mlp", "--data", "xor", "--epochs", "5", "--animate", "--out", str(tmp_path / "m")
    )
    assert code == 0 and "nothing to animate here" in out
