"""The engine needs NumPy alone: importing it never pulls in the layers above."""

import subprocess
import sys

import pytest

from rosenblatt import architecture
from rosenblatt import layers as L

ENGINE = [
    "functional",
    "activations",
    "losses",
    "initializers",
    "layers",
    "model",
    "optimizers",
    "training",
    "perceptron",
    "parallel",
    "architecture",
    "tracing",
]


def test_engine_imports_numpy_only():
    code = (
        "import sys, rosenblatt; "
        + "; ".join(f"import rosenblatt.{m}" for m in ENGINE)
        + "; bad = [m for m in ('sklearn', 'scipy', 'matplotlib', 'PIL', 'skimage', 'mlxtend', 'torch') "
        "if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_architecture_strings():
    layers = architecture.parse(
        ["conv 8 3x5 stride 2 pad 1", "relu", "maxpool 3 stride 2", "avgpool 2", "dense 10", "tanh"], image_input=True
    )
    kinds = [type(layer).__name__ for layer in layers]
    assert kinds == ["Conv2D", "ReLU", "MaxPool2D", "AvgPool2D", "Flatten", "Dense", "Tanh"]
    conv = layers[0]
    assert (conv.filters, conv.kernel_size, conv.stride, conv.padding) == (8, (3, 5), (2, 2), (1, 1))
    assert layers[2].pool_size == (3, 3) and layers[2].stride == (2, 2)
    assert isinstance(architecture.parse(["relu"], image_input=True)[-1], L.Flatten)


@pytest.mark.parametrize(
    "spec, message",
    [
        (["conv 8 3 size 2"], "Unknown option 'size'"),
        (["dense 64", "conv 8 3"], "needs image input, but it comes after the network was flattened"),
        (["pool 2"], "Cannot read layer 'pool 2'"),
        ("conv 8 3", "must be a list of strings"),
    ],
)
def test_architecture_errors(spec, message):
    with pytest.raises((ValueError, TypeError), match=message):
        architecture.parse(spec, image_input=True)
