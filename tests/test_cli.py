"""The command line, end to end."""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from rosenblatt import cli, datasets, io


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
    for name in ("model.npz", "filters.png", "feature_maps.png", "curves.png"):
        assert (out_dir / name).stat().st_size > 1000
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


def test_perceptron_on_xor_says_not_separable(tmp_path, capsys):
    code, out, _ = run(capsys, "train", "--model", "perceptron", "--data", "xor", "--out", str(tmp_path))
    assert code == 0
    assert "Did not converge: stopped at max_epochs=100" in out
    assert out.strip().splitlines()[-2].startswith("The data is not linearly separable")


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
