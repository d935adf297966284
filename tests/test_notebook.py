"""The notebook runs from top to bottom and draws every picture it promises."""

import pathlib

import nbformat
from nbclient import NotebookClient

NOTEBOOK = pathlib.Path(__file__).parents[1] / "notebooks" / "from_perceptron_to_cnn.ipynb"


def test_notebook_runs_and_draws_its_pictures(monkeypatch):
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel draws inline, as for a reader
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")  # committed without outputs
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr" and "Warning" in o.text]
    pictures = [o for o in outputs if "image/png" in o.get("data", {})]
    # AND's lines, activations, XOR's regions; MNIST: curves, confusion matrix, filters, feature maps,
    # misclassified, saliency; textures: filters, feature maps
    assert len(pictures) == 11
    text = "".join(o.get("text", "") for o in outputs)
    assert "converged: True" in text and "converged: False" in text  # AND learned, XOR not
    assert "predictions: [0 1 1 0] targets: [0 1 1 0]" in text  # the MLP solves XOR
