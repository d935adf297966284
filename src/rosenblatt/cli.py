"""The ``rosenblatt`` command: ``train`` a network and ``predict`` with a saved one."""

import argparse
import os
import sys
import time

import numpy as np

MODELS = ("cnn", "mlp", "perceptron")
DEFAULT_DATA = "mnist-3-8"


def _number(kind, what, accept):
    """An argparse type: ``kind(text)`` that ``accept`` allows, else an error naming ``what``."""

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not accept(value):
            raise argparse.ArgumentTypeError(f"expected {what}, received {text!r}")
        return value

    return parse


_positive_int = _number(int, "a positive integer", lambda v: v >= 1)
_non_negative_int = _number(int, "a non-negative integer", lambda v: v >= 0)
_positive_float = _number(float, "a positive number", lambda v: v > 0 and np.isfinite(v))


def build_parser():
    from . import __version__
    from .datasets import names

    parser = argparse.ArgumentParser(
        prog="rosenblatt",
        description="Neural networks from first principles, in NumPy: train a perceptron, an MLP or a CNN "
        "and look inside it.",
    )
    parser.add_argument("--version", action="version", version=f"rosenblatt {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    train = sub.add_parser(
        "train",
        help="train a model and write it with its pictures",
        description="Train a model on a bundled dataset or an image folder, print a line per epoch and the "
        "test accuracy, and write model.npz, curves.png and (for a CNN) filters.png and "
        "feature_maps.png into the output folder. With no options: the default CNN on MNIST 3 vs 8.",
    )
    train.add_argument(
        "--data",
        default=DEFAULT_DATA,
        metavar="NAME|FOLDER",
        help=f"a bundled dataset ({', '.join(names())}) or a folder with one subfolder of "
        f"images per class (default: {DEFAULT_DATA})",
    )
    train.add_argument("--model", choices=MODELS, default="cnn", help="which model to train (default: cnn)")
    train.add_argument(
        "--epochs",
        type=_positive_int,
        default=None,
        help="training epochs; for the perceptron, the most epochs before it gives up "
        "(default: cnn 15, mlp 200, perceptron 100)",
    )
    train.add_argument("--batch-size", type=_positive_int, default=32, help="mini-batch size (default: 32)")
    train.add_argument(
        "--learning-rate",
        type=_positive_float,
        default=None,
        help="step size α (default: cnn 0.002, mlp 0.01 with Adam; perceptron 1.0)",
    )
    train.add_argument(
        "--seed", type=_non_negative_int, default=0, help="seed of the initial weights and batch order (default: 0)"
    )
    train.add_argument("--out", default=None, metavar="FOLDER", help="output folder (default: runs/DATA-MODEL)")
    train.add_argument(
        "--animate",
        action="store_true",
        help="also write animations: filters.gif (a CNN's filters after each epoch) or perceptron.gif "
        "(the perceptron's decision line after each epoch, on 2-D data)",
    )
    train.add_argument("--quiet", action="store_true", help="print no line per epoch and no progress bar")
    train.add_argument(
        "--image-size",
        type=_positive_int,
        default=None,
        metavar="N",
        help="image folders only: resize images to N×N pixels (default: 28)",
    )
    train.add_argument(
        "--color",
        choices=("grayscale", "rgb"),
        default=None,
        help="image folders only: colour mode (default: grayscale)",
    )
    train.set_defaults(func=cmd_train)

    predict = sub.add_parser(
        "predict",
        help="classify image files with a saved model",
        description="Print the predicted class and its probability for each image, using a model file written by "
        "'rosenblatt train'. Images are converted and resized as the training images were.",
    )
    predict.add_argument("model", metavar="MODEL", help="a model.npz written by 'rosenblatt train'")
    predict.add_argument("images", metavar="IMAGE", nargs="+", help="PNG or JPEG files")
    predict.set_defaults(func=cmd_predict)

    explain = sub.add_parser(
        "explain",
        help="trace one backpropagation step of a 2-2-1 network, in numbers",
        description="Run one forward and backward pass of a 2-2-1 network (Dense 2, activation, Dense 1 with a "
        "sigmoid output and binary cross-entropy) on one XOR sample, and print z, a, f'(z), δ, ∂L/∂W, ∂L/∂b and "
        "the gradient-descent update of every layer.",
    )
    explain.add_argument(
        "--sample",
        type=int,
        nargs=2,
        default=(1, 0),
        metavar=("X1", "X2"),
        help="the XOR input, two of 0/1 (default: 1 0, target 1)",
    )
    explain.add_argument(
        "--activation",
        choices=("sigmoid", "tanh", "relu"),
        default="sigmoid",
        help="the hidden layer's activation (default: sigmoid)",
    )
    explain.add_argument("--learning-rate", type=_positive_float, default=0.5, help="α (default: 0.5)")
    explain.add_argument("--seed", type=_non_negative_int, default=0, help="seed of the initial weights (default: 0)")
    explain.set_defaults(func=cmd_explain)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, OSError) as exc:
        print(f"rosenblatt {args.command}: error: {exc}", file=sys.stderr)
        return 2


def _load_data(args):
    from . import datasets, images

    if args.data in datasets.LOADERS:
        ignored = [opt for opt, value in (("--image-size", args.image_size), ("--color", args.color)) if value]
        if ignored:
            print(
                f"Note: {' and '.join(ignored)} {'applies' if len(ignored) == 1 else 'apply'} to image folders only; "
                f"the bundled dataset {args.data!r} is used as it is."
            )
        data = datasets.load(args.data)
        meta = {"source": "bundled", "color": "rgb" if data.is_image and data.X_train.shape[1] == 3 else "grayscale"}
    elif os.path.isdir(args.data):
        color = args.color or "grayscale"
        data = images.image_folder_dataset(args.data, size=args.image_size or 28, color=color)
        meta = {"source": "folder", "color": color}
    else:
        raise ValueError(
            f"--data must be a bundled dataset ({', '.join(datasets.names())}) or an image folder. "
            f"Received: {args.data!r}, which is neither."
        )
    if data.is_image:
        meta.update(input="image", image_shape=list(data.X_train.shape[1:]))
    else:
        meta.update(input="tabular", n_features=int(data.X_train.shape[1]))
    meta.update(dataset=data.name, class_names=list(data.class_names))
    return data, meta


def _check_out(out):
    """--out must be a folder, or a path where one can be made: checked before any work."""
    if not out:
        raise ValueError("--out must be a folder name. Received: --out=''")
    if os.path.exists(out):
        if not os.path.isdir(out):
            raise ValueError(f"--out must be a folder; {out!r} is a file")
        if not os.access(out, os.W_OK | os.X_OK):
            raise ValueError(f"--out must be a folder you can write to; {out!r} is not writable")
        return
    parent = os.path.dirname(os.path.abspath(out))
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise ValueError(f"--out cannot be created: {parent!r} is a file, not a folder. Received: --out={out!r}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"--out cannot be created: {parent!r} is not writable. Received: --out={out!r}")


def _fold_standardization(model, mean, scale):
    """Fold x -> (x − m)/s into the first Dense layer, so that the model takes raw features.

    z = W((x − m)/s) + b = W'x + b' with W' = W/s (column by column) and b' = b − W'm.
    """
    dense = model.model_.layers[0]
    weight = dense.params["weight"].astype(np.float64) / scale.astype(np.float64)
    bias = dense.params["bias"].astype(np.float64) - weight @ mean.astype(np.float64)
    dense.params["weight"][...] = weight  # in place: the parameters keep the model's dtype
    dense.params["bias"][...] = bias


def cmd_train(args):
    from . import estimators, io, report, viz  # noqa: F401  (imported before the clock starts)

    if args.out is not None:
        _check_out(args.out)
    data, meta = _load_data(args)
    out = args.out
    if out is None:
        out = os.path.join("runs", f"{data.name}-{args.model}")
        _check_out(out)
    names = np.array(data.class_names)
    y_train, y_test = names[data.y_train], names[data.y_test]
    X_train, X_test = data.X_train, data.X_test
    print(f"Data: {data.description} Train {len(X_train)}, test {len(X_test)}; classes {', '.join(names)}.")
    if args.model == "cnn" and not data.is_image:
        raise ValueError(
            f"--model cnn needs image data, but {data.name!r} is tabular "
            f"(shape {X_train.shape}). Use --model mlp or --model perceptron."
        )
    if args.model != "cnn" and data.is_image:
        X_train, X_test = X_train.reshape(len(X_train), -1), X_test.reshape(len(X_test), -1)
    X_fit = X_train
    standardize = not data.is_image and args.model == "mlp"
    if standardize:  # the MLP trains on standardized features; folded into its first layer afterwards
        mean, scale = X_train.mean(axis=0), X_train.std(axis=0)
        scale[scale == 0] = 1
        X_fit = (X_train - mean) / scale

    start = time.perf_counter()
    if args.model == "perceptron":
        model = _train_perceptron(args, X_train, y_train)
    else:
        model, snapshots = _train_network(args, X_fit, y_train)
    if standardize:
        _fold_standardization(model, mean, scale)
    seconds = time.perf_counter() - start

    accuracy = model.score(X_test, y_test)
    print(
        f"Test accuracy: {accuracy:.4f} ({int(round(accuracy * len(y_test)))}/{len(y_test)} correct), "
        f"trained in {seconds:.1f}s."
    )

    meta.update(model=args.model, test_accuracy=accuracy)
    written = [os.path.join(out, "model.npz")]
    io.save_model(model, written[0], metadata=meta)
    y_pred = model.predict(X_test)
    figures = {}  # file name -> (heading in the report, Figure)
    if args.model == "perceptron":
        figures["errors.png"] = ("Errors per epoch", _plot_errors(model))
    else:
        figures["curves.png"] = ("Loss and accuracy per epoch", viz.plot_history(model.history_))
    figures["confusion_matrix.png"] = ("Confusion matrix (test data)", viz.plot_confusion_matrix(y_test, y_pred, names))
    if args.model == "cnn":
        figures["filters.png"] = ("Learned filters", viz.plot_filters(model))
        figures["feature_maps.png"] = ("Feature maps of the first test image", viz.plot_feature_maps(model, X_test[0]))
    if data.is_image:
        figures["misclassified.png"] = (
            "Misclassified test images",
            viz.plot_misclassified(data.X_test, y_test, y_pred),
        )
    if X_train.ndim == 2 and X_train.shape[1] == 2:
        figures["decision_boundary.png"] = ("Decision boundary", viz.plot_decision_boundary(model, X_train, y_train))
    pictures = {}
    for name, (heading, fig) in figures.items():
        png = viz.png_bytes(fig)
        io.atomic_write_bytes(os.path.join(out, name), png)
        written.append(os.path.join(out, name))
        pictures[heading] = png
    if args.animate:
        if args.model == "cnn":
            written.append(os.path.join(out, "filters.gif"))
            viz.animate_filters(snapshots, written[-1])
        elif args.model == "perceptron" and X_train.ndim == 2 and X_train.shape[1] == 2 and len(names) == 2:
            written.append(os.path.join(out, "perceptron.gif"))
            viz.animate_perceptron(model, X_train, y_train, written[-1])
        else:
            print(
                "Note: --animate draws a CNN's filters or a two-class perceptron on 2-D data; nothing to animate here."
            )
    written.append(os.path.join(out, "report.html"))
    report.write(
        written[-1],
        f"rosenblatt: {args.model} on {data.name}",
        settings={"model": repr(model), **{k: v for k, v in vars(args).items() if k not in ("func", "command")}},
        data={
            "dataset": data.description,
            "training samples": len(X_train),
            "test samples": len(X_test),
            "classes": ", ".join(names),
            "input shape": str(data.X_train.shape[1:]),
        },
        metrics={
            "test accuracy": f"{accuracy:.4f}",
            "correct": f"{int((y_pred == y_test).sum())}/{len(y_test)}",
            "training time": f"{seconds:.1f} s",
        },
        pictures=pictures,
    )
    print("Wrote " + ", ".join(written))
    if args.model == "perceptron":  # the verdict comes last
        _report_perceptron(model, X_train, y_train)
    return 0


def _train_network(args, X_train, y_train):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from .estimators import CNNClassifier, MLPClassifier

    cls = CNNClassifier if args.model == "cnn" else MLPClassifier
    classes, counts = np.unique(y_train, return_counts=True)
    validate = len(X_train) >= 40 and counts.min() >= 10
    if len(X_train) < 40:
        print(f"No validation hold-out: {len(X_train)} training samples are too few (it takes 40).")
    elif not validate:
        print(
            f"No validation hold-out: class {str(classes[counts.argmin()])!r} has only {counts.min()} training "
            f"sample{'' if counts.min() == 1 else 's'} (it takes 10 of every class)."
        )
    kwargs = dict(batch_size=args.batch_size, random_state=args.seed, validation_fraction=0.1 if validate else 0.0)
    if args.epochs is not None:
        kwargs["epochs"] = args.epochs
    if args.learning_rate is not None:
        kwargs["learning_rate"] = args.learning_rate
    model = cls(**kwargs)
    if isinstance(model, MLPClassifier) and len(X_train) < 40:
        model.set_params(batch_size=min(args.batch_size, len(X_train)))
    print(f"Model: {model!r}")
    progress = [] if args.quiet else [EpochProgress(model.epochs)]
    snapshots = []
    if getattr(args, "animate", False) and args.model == "cnn":
        from . import viz

        progress.append(lambda epoch, logs, m: snapshots.append(viz.conv_weights(m)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X_train, y_train, callbacks=progress)
    print(model.model_.summary())
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            print(f"Note: {w.message}")
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    return model, snapshots


class EpochProgress:
    """A progress bar over each epoch's batches (tqdm, only on a terminal), then the epoch's line."""

    def __init__(self, epochs, stream=None):
        self.epochs, self.stream, self.bar = epochs, stream or sys.stderr, None

    def on_batch(self, epoch, batch, n_batches):
        if self.bar is None and self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(
                total=n_batches, desc=f"epoch {epoch + 1}/{self.epochs}", leave=False, file=self.stream, unit="batch"
            )
        if self.bar is not None:
            self.bar.update(1)

    def __call__(self, epoch, logs, model):
        from .estimators._base import format_epoch

        if self.bar is not None:
            self.bar.close()
            self.bar = None
        print(format_epoch(epoch, self.epochs, logs), flush=True)


def _train_perceptron(args, X_train, y_train):
    import warnings

    from .estimators import Perceptron

    kwargs = dict(random_state=args.seed)
    if args.epochs is not None:
        kwargs["max_epochs"] = args.epochs
    if args.learning_rate is not None:
        kwargs["learning_rate"] = args.learning_rate
    model = Perceptron(**kwargs)
    print(f"Model: {model!r}: net = w·x + b, Y = 1 if net >= 0; w <- w + α(T−Y)x, b <- b + α(T−Y)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the report below says it in full
        model.fit(X_train, y_train)
    errors = model.errors_per_epoch_
    if errors and isinstance(errors[0], list):
        errors = [sum(e) for e in zip(*[e + [0] * (model.n_iter_ - len(e)) for e in errors])]
    shown = " ".join(map(str, errors[:40])) + (" ..." if len(errors) > 40 else "")
    print(f"Errors per epoch: {shown}")
    return model


def _report_perceptron(model, X_train, y_train):
    from .estimators.perceptron import linearly_separable

    if model.converged_:
        print(
            f"Converged: an epoch without error after {model.n_iter_} epochs and {model.n_updates_} updates. "
            f"The training data is linearly separable."
        )
        return
    print(
        f"Did not converge: stopped at max_epochs={model.max_epochs} after {model.n_updates_} updates, "
        f"with errors left in every epoch."
    )
    if len(model.classes_) == 2:
        if linearly_separable(X_train, y_train):
            print(
                "The data is linearly separable (a linear program finds a separating hyperplane): "
                "more epochs would reach it."
            )
        else:
            print(
                "The data is not linearly separable: no line (hyperplane) w·x + b = 0 puts the two classes "
                "on different sides, so the perceptron can never stop making errors (checked by linear programming)."
            )


def _plot_errors(model, path=None):
    from matplotlib.figure import Figure

    from .viz import _save

    fig = Figure(figsize=(5, 3.2), layout="constrained")
    ax = fig.subplots()
    errors = model.errors_per_epoch_
    series = errors if errors and isinstance(errors[0], list) else [errors]
    for k, e in enumerate(series):
        ax.plot(
            np.arange(1, len(e) + 1),
            e,
            marker="o",
            ms=3,
            label=None if len(series) == 1 else f"{model.classes_[k]} vs rest",
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel("errors (= updates)")
    ax.set_title("Perceptron: errors per epoch")
    ax.grid(alpha=0.3)
    if len(series) > 1:
        ax.legend(fontsize=7)
    return _save(fig, path)


def _image_shape(model, path):
    """(channels, height, width) of the images a loaded model takes."""
    from .estimators import CNNClassifier

    meta = model.metadata_
    if isinstance(model, CNNClassifier):
        shape = model.image_shape_
    elif meta.get("input") == "tabular":
        raise ValueError(
            f"Model {path!r} was trained on tabular data ({meta.get('dataset')!r}); "
            f"'rosenblatt predict' classifies images."
        )
    else:
        shape = meta.get("image_shape")
        valid = (
            meta.get("input") == "image"
            and isinstance(shape, list)
            and len(shape) == 3
            and all(isinstance(s, int) and s > 0 for s in shape)
            and int(np.prod(shape)) == model.n_features_in_
        )
        if not valid:
            raise ValueError(
                f"Model {path!r} was not trained by 'rosenblatt train' on images, so the image size is unknown."
            )
    if shape[0] not in (1, 3):
        raise ValueError(
            f"Model {path!r} takes images with {shape[0]} channels; 'rosenblatt predict' reads grayscale (1 channel) "
            f"or RGB (3 channels) images."
        )
    return tuple(shape)


def cmd_predict(args):
    from . import images, io
    from .estimators import CNNClassifier, Perceptron

    model = io.load_model(args.model)
    c, h, w = _image_shape(model, args.model)
    X = images.load_images(args.images, size=(h, w), color="rgb" if c == 3 else "grayscale")
    if not isinstance(model, CNNClassifier):
        X = X.reshape(len(X), -1)
    width = max(len(p) for p in args.images)
    if isinstance(model, Perceptron):
        for path, label in zip(args.images, model.predict(X)):
            print(f"{path:<{width}}  {label}  -")
        print("Note: the perceptron gives no probability, only a decision, so the probability column shows '-'.")
        return 0
    for path, p in zip(args.images, model.predict_proba(X)):
        k = int(np.argmax(p))
        print(f"{path:<{width}}  {model.classes_[k]}  {p[k]:.4f}")
    return 0


def cmd_explain(args):
    from . import Sequential, trace
    from . import layers as L

    x = np.array(args.sample, dtype=np.float64)
    if not set(args.sample) <= {0, 1}:
        raise ValueError(f"--sample takes two of 0 and 1 (an XOR input). Received: {args.sample}")
    target = float(x[0] != x[1])
    model = Sequential(
        [L.Dense(2, weight_initializer="glorot_uniform"), L.Activation(args.activation), L.Dense(1)],
        seed=args.seed,
        dtype="float64",
    )
    print(
        f"A 2-2-1 network on the XOR sample x = ({args.sample[0]}, {args.sample[1]}), target {target:g}; "
        f"hidden activation {args.activation}, sigmoid output, binary cross-entropy, seed {args.seed}."
    )
    print()
    print(trace(model, x, [target], learning_rate=args.learning_rate))
    return 0


if __name__ == "__main__":
    sys.exit(main())
