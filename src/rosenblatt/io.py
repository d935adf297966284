"""Model files: the arrays plus a JSON description, in one ``.npz``; never pickle.

The file is an uncompressed NumPy ``.npz`` archive. ``model.json`` (stored as bytes) says
which estimator it is, its constructor parameters, its classes and the shapes of its
layers; every other entry is one parameter array, named ``<layer index>.<name>``. Loading
uses ``allow_pickle=False``, so a model file can never run code. Files are written to a
temporary file beside the target and moved into place, so a crash never leaves half a file.
"""

import io as _io
import json
import os
import tempfile

import numpy as np

FORMAT = "rosenblatt-model"
VERSION = 1


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"Cannot store {value!r} of type {type(value).__name__} in a model file.")


def atomic_write_bytes(path, data):
    """Write ``data`` to ``path`` through a temporary file and an atomic rename."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _classes_to_json(classes):
    return {"dtype": classes.dtype.str if classes.dtype != object else "object", "values": classes.tolist()}


def _classes_from_json(spec):
    return np.array(spec["values"], dtype=object if spec["dtype"] == "object" else np.dtype(spec["dtype"]))


def save_model(estimator, path, metadata=None):
    """Save a fitted ``Perceptron``, ``MLPClassifier`` or ``CNNClassifier`` to ``path``.

    ``metadata`` is any JSON-serialisable dict stored alongside (the CLI keeps the image
    size and colour mode there).
    """
    from sklearn.utils.validation import check_is_fitted

    from .estimators import CNNClassifier, MLPClassifier, Perceptron

    check_is_fitted(estimator)
    params = {k: v for k, v in estimator.get_params().items() if k != "random_state"}
    description = {
        "format": FORMAT,
        "version": VERSION,
        "estimator": type(estimator).__name__,
        "params": params,
        "classes": _classes_to_json(estimator.classes_),
        "n_features_in": int(estimator.n_features_in_),
        "metadata": metadata or {},
    }
    arrays = {}
    if isinstance(estimator, Perceptron):
        arrays = {"coef": estimator.coef_, "intercept": estimator.intercept_}
        description["fit"] = {
            "converged": bool(estimator.converged_),
            "n_iter": int(estimator.n_iter_),
            "n_updates": int(estimator.n_updates_),
        }
    elif isinstance(estimator, (MLPClassifier, CNNClassifier)):
        model = estimator.model_
        description["dtype"] = model.dtype.name
        description["input_shape"] = list(model.input_shape)
        description["layers"] = [
            {"class": type(layer).__name__, "config": layer.get_config()} for layer in model.layers
        ]
        for i, layer in enumerate(model.layers):
            for name, value in layer.params.items():
                arrays[f"{i}.{name}"] = value
    else:
        raise TypeError(f"save_model saves rosenblatt estimators. Received: {type(estimator).__name__}")
    blob = json.dumps(description, default=_json_default).encode("utf-8")
    buffer = _io.BytesIO()
    np.savez(buffer, **{"model.json": np.frombuffer(blob, dtype=np.uint8)}, **arrays)
    atomic_write_bytes(path, buffer.getvalue())


def read_description(path):
    """The JSON description of a model file, without building the model."""
    with np.load(path, allow_pickle=False) as archive:
        return _description(archive, path)


def _description(archive, path):
    if "model.json" not in archive.files:
        raise ValueError(f"{os.fspath(path)!r} is not a rosenblatt model file: it has no model.json entry.")
    description = json.loads(archive["model.json"].tobytes().decode("utf-8"))
    if description.get("format") != FORMAT:
        raise ValueError(f"{os.fspath(path)!r} is not a rosenblatt model file (format {description.get('format')!r}).")
    if description.get("version") != VERSION:
        raise ValueError(
            f"Model file version {description.get('version')!r} is not supported; "
            f"this rosenblatt reads version {VERSION}."
        )
    return description


def load_model(path):
    """Load a model saved by ``save_model``; it predicts bit-identically to the saved one.

    Returns the estimator; the stored metadata is at ``estimator.metadata_``.
    """
    from . import layers as L
    from .estimators import CNNClassifier, MLPClassifier, Perceptron
    from .model import Sequential

    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ValueError(f"Cannot read model file {os.fspath(path)!r}: {exc}") from exc
    with archive:
        d = _description(archive, path)
        classes = {"Perceptron": Perceptron, "MLPClassifier": MLPClassifier, "CNNClassifier": CNNClassifier}
        params = d["params"]
        if "layers" in params and isinstance(params["layers"], list):
            params["layers"] = tuple(params["layers"])
        if "hidden_layer_sizes" in params and isinstance(params["hidden_layer_sizes"], list):
            params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
        est = classes[d["estimator"]](**params)
        est.classes_ = _classes_from_json(d["classes"])
        est.n_features_in_ = d["n_features_in"]
        if isinstance(est, Perceptron):
            est.coef_, est.intercept_ = archive["coef"], archive["intercept"]
            est.converged_ = d["fit"]["converged"]
            est.n_iter_, est.n_updates_ = d["fit"]["n_iter"], d["fit"]["n_updates"]
        else:
            layers = [getattr(L, spec["class"])(**_config(spec["config"])) for spec in d["layers"]]
            model = Sequential(layers, dtype=d["dtype"])
            model.build(d["input_shape"])
            for i, layer in enumerate(model.layers):
                for name in layer.params:
                    stored = archive[f"{i}.{name}"]
                    if stored.shape != layer.params[name].shape:
                        raise ValueError(
                            f"Model file {os.fspath(path)!r} is inconsistent: {i}.{name} has shape "
                            f"{stored.shape}, the layer expects {layer.params[name].shape}."
                        )
                    layer.params[name][...] = stored
            est.model_ = model
            if isinstance(est, CNNClassifier):
                est.image_shape_ = tuple(d["input_shape"])
        est.metadata_ = d["metadata"]
    return est


def _config(config):
    return {k: tuple(v) if isinstance(v, list) else v for k, v in config.items()}
