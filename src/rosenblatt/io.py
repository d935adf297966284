"""Model files: the arrays plus a JSON description, in one ``.npz``; never pickle.

The file is an uncompressed NumPy ``.npz`` archive. ``model.json`` (stored as bytes) says
which estimator it is, its constructor parameters, its classes and the shapes of its
layers; every other entry is one parameter array, named ``<layer index>.<name>``. Loading
uses ``allow_pickle=False``, so a model file can never run code, and checks that every part
of the file fits every other before it returns a model. Files are written to a temporary
file beside the target and moved into place, so a crash never leaves half a file.
"""

import inspect
import io as _io
import json
import os
import tempfile
import zipfile
import zlib

import numpy as np

FORMAT = "rosenblatt-model"
VERSION = 1
_COMMON_KEYS = {"format", "version", "estimator", "params", "classes", "n_features_in", "metadata"}
_KEYS = {
    "Perceptron": _COMMON_KEYS | {"fit"},
    "MLPClassifier": _COMMON_KEYS | {"dtype", "input_shape", "layers"},
    "CNNClassifier": _COMMON_KEYS | {"dtype", "input_shape", "layers"},
}
_OPTIONAL_KEYS = {"feature_names_in"}


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"Cannot store {value!r} of type {type(value).__name__} in a model file.")


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path, data):
    """Write ``data`` to ``path`` through a temporary file and an atomic rename.

    An error names ``path`` (never the temporary file) and leaves no temporary file behind.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"Cannot write {path!r}: it is a folder; give a file name.")
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise type(exc)(f"Cannot write {path!r}: cannot make its folder {folder!r} ({exc.strerror or exc})") from None
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes the file private; give it the usual mode
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise type(exc)(f"Cannot write {path!r}: {exc.strerror or exc}") from None
        raise


def _classes_to_json(classes):
    return {"dtype": classes.dtype.str if classes.dtype != object else "object", "values": classes.tolist()}


def save_model(estimator, path, metadata=None):
    """Save a fitted ``Perceptron``, ``MLPClassifier`` or ``CNNClassifier`` to ``path``.

    ``metadata`` is any JSON-serialisable dict stored alongside (the CLI keeps the image
    size and colour mode there).
    """
    from sklearn.utils.validation import check_is_fitted

    from .estimators import CNNClassifier, MLPClassifier, Perceptron

    if os.path.isdir(os.fspath(path)):
        raise IsADirectoryError(f"{os.fspath(path)!r} is a folder; give the model a file name such as 'model.npz'.")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise ValueError(f"metadata must be a dict. Received: metadata={metadata!r}")
    check_is_fitted(estimator)
    params = {k: v for k, v in estimator.get_params().items() if k != "random_state"}
    description = {
        "format": FORMAT,
        "version": VERSION,
        "estimator": type(estimator).__name__,
        "params": params,
        "classes": _classes_to_json(estimator.classes_),
        "n_features_in": int(estimator.n_features_in_),
        "metadata": metadata,
    }
    if hasattr(estimator, "feature_names_in_"):
        description["feature_names_in"] = [str(name) for name in estimator.feature_names_in_]
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
    """The JSON description of a model file, checked, without building the model."""
    return _read(path, build=False)[0]


def load_model(path):
    """Load a model saved by ``save_model``; it predicts bit-identically to the saved one.

    Returns the estimator; the stored metadata is at ``estimator.metadata_``. A file that is
    not a complete, consistent model file raises ``ValueError`` saying what is wrong with it.
    """
    return _read(path, build=True)[1]


class _Invalid(Exception):
    """Why a file is not a valid model file; ``_read`` turns it into the ValueError users see."""


def _check(condition, reason):
    if not condition:
        raise _Invalid(reason)


def _read(path, build):
    name = os.fspath(path)
    if os.path.isdir(name):
        raise IsADirectoryError(f"{name!r} is a folder, not a model file.")
    if not os.path.exists(name):
        raise FileNotFoundError(f"Model file {name!r} does not exist.")
    try:
        try:
            archive = np.load(name, allow_pickle=False)
        except EOFError:
            raise _Invalid("the file is empty") from None
        except zipfile.BadZipFile:
            raise _Invalid("it is a damaged or truncated zip archive") from None
        except ValueError:  # numpy would read it as a pickle, which is never done
            raise _Invalid("it is not a NumPy .npz archive") from None
        except OSError as exc:
            raise _Invalid(f"it cannot be read ({exc.strerror or exc})") from None
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise _Invalid("it holds a single NumPy array (.npy), not an .npz archive")
        with archive:
            description = _description(archive)
            estimator = _estimator(archive, description) if build else None
    except _Invalid as exc:
        raise ValueError(f"{name!r} is not a valid rosenblatt model file: {exc}") from None
    except MemoryError:
        raise ValueError(f"{name!r} is not a valid rosenblatt model file: its layers are too large") from None
    return description, estimator


def _array(archive, key):
    _check(key in archive.files, f"the array {key!r} is missing")
    try:
        return archive[key]
    except ValueError as exc:
        if "pickle" in str(exc):
            raise _Invalid(f"the entry {key!r} holds Python objects, which are never loaded") from None
        raise _Invalid(f"the entry {key!r} cannot be read ({exc})") from None
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise _Invalid(f"the entry {key!r} is damaged ({exc})") from None


def _float_array(archive, key):
    value = _array(archive, key)
    _check(value.dtype.kind == "f", f"the array {key!r} has dtype {value.dtype}, not a real floating point type")
    return value


def _is_int(value, minimum):
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _description(archive):
    _check("model.json" in archive.files, "it has no model.json entry")
    raw = _array(archive, "model.json")
    _check(raw.dtype == np.uint8 and raw.ndim == 1, "model.json is not stored as bytes")
    try:
        d = json.loads(raw.tobytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise _Invalid("model.json is not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise _Invalid(f"model.json is not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise _Invalid("model.json is nested too deeply") from None
    _check(isinstance(d, dict), f"model.json holds a JSON {type(d).__name__}, not an object")
    _check(d.get("format") == FORMAT, f"its format is {d.get('format')!r}, not {FORMAT!r}")
    version = d.get("version")
    _check(
        _is_int(version, 0) and version == VERSION,
        f"it is version {version!r}; this rosenblatt reads version {VERSION}",
    )
    _check(
        isinstance(d.get("estimator"), str) and d["estimator"] in _KEYS,
        f"unknown estimator {d.get('estimator')!r}; expected one of {sorted(_KEYS)}",
    )
    missing, unknown = _KEYS[d["estimator"]] - set(d), set(d) - _KEYS[d["estimator"]] - _OPTIONAL_KEYS
    _check(not missing, f"model.json lacks {sorted(missing)}")
    _check(not unknown, f"model.json has unknown keys {sorted(unknown)}")
    _check(isinstance(d["params"], dict), "params is not a JSON object")
    _check(_is_int(d["n_features_in"], 1), f"n_features_in must be a positive integer, not {d['n_features_in']!r}")
    _check(isinstance(d["metadata"], dict), "metadata is not a JSON object")
    if "feature_names_in" in d:
        names = d["feature_names_in"]
        _check(
            isinstance(names, list) and all(isinstance(n, str) for n in names) and len(names) == d["n_features_in"],
            f"feature_names_in must be {d['n_features_in']} names (n_features_in)",
        )
    _classes(d["classes"])
    if d["estimator"] == "Perceptron":
        fit = d["fit"]
        _check(
            isinstance(fit, dict)
            and set(fit) == {"converged", "n_iter", "n_updates"}
            and isinstance(fit["converged"], bool)
            and _is_int(fit["n_iter"], 0)
            and _is_int(fit["n_updates"], 0),
            "fit must be an object with converged (bool), n_iter and n_updates (integers)",
        )
    else:
        _check(d["dtype"] in ("float32", "float64"), f"dtype must be 'float32' or 'float64', not {d['dtype']!r}")
        shape = d["input_shape"]
        _check(
            isinstance(shape, list) and shape and all(_is_int(s, 1) for s in shape),
            f"input_shape must be a list of positive integers, not {shape!r}",
        )
        _check(isinstance(d["layers"], list) and d["layers"], "layers must be a non-empty list")
        for i, spec in enumerate(d["layers"]):
            _layer_class(i, spec)
    return d


def _classes(spec):
    """The ``classes_`` array from its JSON form, checked: at least 2, unique, sorted, of a plain dtype."""
    _check(isinstance(spec, dict) and set(spec) == {"dtype", "values"}, "classes must be an object {dtype, values}")
    values = spec["values"]
    _check(
        isinstance(values, list) and all(isinstance(v, (str, int, float, bool)) for v in values),
        "classes values must be a list of strings or numbers",
    )
    try:
        dtype = np.dtype(object if spec["dtype"] == "object" else spec["dtype"])
    except TypeError:
        raise _Invalid(f"classes has an unknown dtype {spec['dtype']!r}") from None
    _check(dtype.kind in "biufUO", f"classes cannot have dtype {spec['dtype']!r}")
    try:
        classes = np.array(values, dtype=dtype)
        fits = classes.ndim == 1 and classes.tolist() == values
        in_order = len(classes) >= 2 and np.array_equal(np.unique(classes), classes)
    except (ValueError, TypeError, OverflowError):
        fits = False
    _check(fits, f"the classes {values!r} do not fit their dtype {spec['dtype']!r}")
    _check(in_order, f"the classes must be at least 2 different values, sorted. Received: {values!r}")
    return classes


def _layer_class(i, spec):
    from . import layers as L

    _check(
        isinstance(spec, dict) and set(spec) == {"class", "config"}, f"layer {i} must be an object {{class, config}}"
    )
    allowed = sorted(set(L.__all__) - {"Layer"})
    _check(spec["class"] in allowed, f"layer {i} has unknown class {spec['class']!r}; expected one of {allowed}")
    cls = getattr(L, spec["class"])
    config = spec["config"]
    _check(isinstance(config, dict), f"layer {i} ({spec['class']}) config is not a JSON object")
    unknown = set(config) - set(inspect.signature(cls).parameters)
    _check(not unknown, f"layer {i} ({spec['class']}) has unknown config keys {sorted(unknown)}")
    return cls


def _estimator(archive, d):
    from .estimators import CNNClassifier, MLPClassifier, Perceptron
    from .estimators._base import check_choice, check_positive

    cls = {"Perceptron": Perceptron, "MLPClassifier": MLPClassifier, "CNNClassifier": CNNClassifier}[d["estimator"]]
    known = set(cls().get_params()) - {"random_state"}
    unknown = set(d["params"]) - known
    _check(not unknown, f"params has unknown keys {sorted(unknown)} for {d['estimator']}")
    params = {k: tuple(v) if isinstance(v, list) else v for k, v in d["params"].items()}
    est = cls(**params)
    try:
        if cls is Perceptron:
            check_positive("learning_rate", est.learning_rate)
            check_positive("max_epochs", est.max_epochs, integer=True)
            check_choice("init", est.init, {"random", "zeros"})
        else:
            est._check_params()
    except (ValueError, TypeError) as exc:
        raise _Invalid(f"bad params: {exc}") from None
    est.classes_ = _classes(d["classes"])
    est.n_features_in_ = n = d["n_features_in"]
    if "feature_names_in" in d:
        est.feature_names_in_ = np.array(d["feature_names_in"], dtype=object)
    k = len(est.classes_)
    outputs = 1 if k == 2 else k
    expected = {"model.json"}
    if cls is Perceptron:
        expected |= {"coef", "intercept"}
        coef, intercept = _float_array(archive, "coef"), _float_array(archive, "intercept")
        _check(
            coef.shape == (outputs, n),
            f"coef has shape {coef.shape}; {k} classes and {n} features need shape {(outputs, n)}",
        )
        _check(intercept.shape == (outputs,), f"intercept has shape {intercept.shape}; {k} classes need {(outputs,)}")
        est.coef_, est.intercept_ = coef, intercept
        est.converged_ = d["fit"]["converged"]
        est.n_iter_, est.n_updates_ = d["fit"]["n_iter"], d["fit"]["n_updates"]
    else:
        est.model_ = model = _network(d, outputs, k)
        for i, layer in enumerate(model.layers):
            for name in layer.params:
                key = f"{i}.{name}"
                expected.add(key)
                stored = _float_array(archive, key)
                want = layer.params[name].shape
                _check(stored.shape == want, f"{key} has shape {stored.shape}, the layer expects {want}")
                layer.params[name][...] = stored
        if cls is CNNClassifier:
            est.image_shape_ = tuple(d["input_shape"])
    extra = set(archive.files) - expected
    _check(not extra, f"it has unexpected arrays {sorted(extra)}")
    est.metadata_ = d["metadata"]
    return est


def _network(d, outputs, k):
    """The ``Sequential`` network a description specifies, built, and checked against the classes."""
    from .layers import Dense
    from .model import Sequential

    layers = []
    for i, spec in enumerate(d["layers"]):
        cls = _layer_class(i, spec)
        try:
            layers.append(cls(**{key: tuple(v) if isinstance(v, list) else v for key, v in spec["config"].items()}))
        except (ValueError, TypeError) as exc:
            raise _Invalid(f"layer {i} ({spec['class']}): {exc}") from None
    shape, n = d["input_shape"], d["n_features_in"]
    if d["estimator"] == "MLPClassifier":
        _check(shape == [n], f"input_shape {shape} does not match n_features_in={n}")
    else:
        _check(len(shape) == 3 and int(np.prod(shape)) == n, f"input_shape {shape} is not an image of {n} values")
    model = Sequential(layers, dtype=d["dtype"])
    try:
        model.build(shape)
    except (ValueError, TypeError) as exc:
        raise _Invalid(str(exc)) from None
    _check(
        isinstance(layers[-1], Dense) and tuple(model.output_shape) == (outputs,),
        f"{k} classes need an output Dense layer of {outputs} unit{'s' * (outputs > 1)}; "
        f"the network ends in {layers[-1]!r} with output shape {tuple(model.output_shape)}",
    )
    return model
