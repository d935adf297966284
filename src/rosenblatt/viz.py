"""Pictures with matplotlib: learned filters, feature maps, training curves, decision boundaries.

Every function returns a ``matplotlib.figure.Figure`` built without pyplot (no screen needed,
nothing global changed) and saves it only when ``path`` is given.
"""

import numpy as np


def _figure(width, height):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def png_bytes(fig):
    """The figure as PNG bytes."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def _save(fig, path):
    if path is not None:
        from .io import atomic_write_bytes

        atomic_write_bytes(path, png_bytes(fig))
    return fig


def _network(obj):
    from .model import Sequential

    if isinstance(obj, Sequential):
        return obj
    model = getattr(obj, "model_", None)
    if model is None:
        raise TypeError(f"Expected a Sequential model or a fitted MLPClassifier/CNNClassifier. Received: {obj!r}")
    return model


def scale_to_unit(a):
    """Scale an array to [0, 1] by its own minimum and maximum; a constant array becomes 0.5."""
    a = np.asarray(a, dtype=np.float64)
    lo, hi = a.min(), a.max()
    if hi - lo <= np.finfo(np.float64).eps * max(1.0, abs(hi)):
        return np.full_like(a, 0.5)
    return (a - lo) / (hi - lo)


def conv_weights(model):
    """[(layer index, weight copy)] of every Conv2D layer of a model or fitted CNNClassifier."""
    from .layers import Conv2D

    return [
        (i, layer.params["weight"].copy())
        for i, layer in enumerate(_network(model).layers)
        if isinstance(layer, Conv2D)
    ]


def plot_filters(model, path=None, title=None):
    """Every learned filter of every Conv2D layer, one grid per layer.

    Row f, column c shows weight[f, c] (filter f's kernel on input channel c), each scaled to
    its own range, dark = most negative, light = most positive. ``model`` may also be the list
    that ``conv_weights`` returns (a snapshot taken during training).
    """
    convs = model if isinstance(model, list) else conv_weights(model)
    if not convs:
        raise ValueError("The model has no Conv2D layer, so there are no filters to draw.")
    grids = [_filter_grid(w) for _, w in convs]
    cols = max(g[1] for g in grids)
    fig = _figure(max(3.5, 0.55 * cols + 1.0), sum(0.55 * g[0] + 0.5 for g in grids) + 0.3)
    if title:
        fig.suptitle(title, fontsize=10)
    subfigs = fig.subfigures(len(convs), 1, height_ratios=[g[0] + 1 for g in grids], squeeze=False)
    for sub, (index, w), (nrows, ncols, cells) in zip(subfigs[:, 0], convs, grids):
        f, c = w.shape[:2]
        sub.suptitle(
            f"Layer {index}: Conv2D, {f} filters x {c} input channel{'s' if c > 1 else ''} ({w.shape[2]}x{w.shape[3]})",
            fontsize=9,
        )
        axes = sub.subplots(nrows, cols, squeeze=False)
        for ax in axes.flat:
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_axis_off()
        for (r, k), (label, kernel) in cells.items():
            ax = axes[r, k]
            ax.set_axis_on()
            ax.imshow(scale_to_unit(kernel), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.set_title(label, fontsize=6, pad=2)
    return _save(fig, path)


def _filter_grid(w, wrap=8):
    """Where each kernel goes: one row per filter and one column per input channel, or, for a
    single input channel, the filters wrapped ``wrap`` to a row."""
    f, c = w.shape[:2]
    if c == 1:
        ncols = min(f, wrap)
        cells = {(i // ncols, i % ncols): (f"{i}", w[i, 0]) for i in range(f)}
        return -(-f // ncols), ncols, cells
    return f, c, {(i, k): (f"{i}.{k}", w[i, k]) for i in range(f) for k in range(c)}


def feature_maps(model, image):
    """The output of every layer for one image (c, h, w): a list of (layer, activation)."""
    net = _network(model)
    x = np.asarray(image, dtype=net.dtype)[None]
    out = []
    for layer in net.layers:
        x = layer.forward(x)
        out.append((layer, x[0]))
    return out


def plot_feature_maps(model, image, path=None, max_maps=16):
    """The input image and, for each Conv2D/pooling/activation stage, up to ``max_maps`` of its
    feature maps, each scaled to its own range."""
    maps = [(layer, a) for layer, a in feature_maps(model, image) if a.ndim == 3]
    image = np.asarray(image)
    cols = min(max_maps, max(a.shape[0] for _, a in maps)) if maps else 1
    fig = _figure(max(4.0, 0.9 * cols + 1.5), 1.0 * (len(maps) + 1) + 0.5)
    axes = fig.subplots(len(maps) + 1, cols, squeeze=False)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_axis_off()
    shown = image.transpose(1, 2, 0) if image.shape[0] == 3 else image[0]
    axes[0, 0].imshow(scale_to_unit(shown), cmap=None if image.shape[0] == 3 else "gray", vmin=0, vmax=1)
    axes[0, 0].set_title("input", fontsize=8)
    for row, (layer, a) in enumerate(maps, start=1):
        for k in range(min(cols, a.shape[0])):
            axes[row, k].imshow(scale_to_unit(a[k]), cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
        axes[row, 0].set_title(f"{type(layer).__name__} {a.shape[1]}x{a.shape[2]}", fontsize=7, loc="left")
    return _save(fig, path)


def plot_history(history, path=None):
    """Loss and accuracy per epoch, training and validation."""
    h = history if isinstance(history, dict) else history.to_dict()
    has_acc = "accuracy" in h
    fig = _figure(9 if has_acc else 5, 3.4)
    axes = fig.subplots(1, 2 if has_acc else 1, squeeze=False)[0]
    epochs = np.arange(1, len(h["loss"]) + 1)
    for ax, key in zip(axes, ("loss", "accuracy")):
        ax.plot(epochs, h[key], marker="o", ms=3, label=f"training {key}")
        if f"val_{key}" in h:
            ax.plot(epochs, h[f"val_{key}"], marker="o", ms=3, label=f"validation {key}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return _save(fig, path)


def _scatter_classes(ax, X, y, classes):
    """The 2-D points of each class, in its own colour, above whatever the axes already show."""
    for k, c in enumerate(classes):
        pts = X[y == c]
        colour = ["tab:blue", "tab:red", "tab:green", "tab:orange"][k % 4]
        ax.scatter(pts[:, 0], pts[:, 1], s=45, edgecolor="black", label=str(c), color=colour, zorder=3)


def plot_decision_boundary(estimator, X, y, path=None, resolution=300, ax=None):
    """The classes an estimator gives each point of the plane, with the data on top (2-D X)."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary needs 2-D points, X of shape (n, 2). Received: X.shape={X.shape}")
    pad = 0.15 * max(np.ptp(X[:, 0]), np.ptp(X[:, 1]), 1e-9) + 0.1
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, resolution)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, resolution)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.column_stack([gx.ravel(), gy.ravel()]).astype(X.dtype if X.dtype.kind == "f" else np.float64)
    pred = estimator.predict(grid)
    classes = list(getattr(estimator, "classes_", np.unique(y)))
    regions = (
        np.array([classes.index(p) for p in pred]).reshape(gx.shape)
        if pred.dtype == object
        else np.searchsorted(np.asarray(classes), pred).reshape(gx.shape)
    )
    fig = None
    if ax is None:
        fig = _figure(4.5, 4)
        ax = fig.subplots()
    ax.contourf(gx, gy, regions, levels=np.arange(len(classes) + 1) - 0.5, cmap="coolwarm", alpha=0.35)
    _scatter_classes(ax, X, y, classes)
    ax.legend(title="class", fontsize=8)
    ax.set_title(type(estimator).__name__, fontsize=9)
    return _save(fig, path) if fig is not None else ax.figure


def plot_confusion_matrix(y_true, y_pred, labels=None, path=None):
    """Counts of each (true class, predicted class) pair, drawn by scikit-learn's display."""
    from sklearn.metrics import ConfusionMatrixDisplay

    fig = _figure(4.2, 3.8)
    ConfusionMatrixDisplay.from_predictions(y_true, y_pred, labels=labels, ax=fig.subplots(), colorbar=False)
    return _save(fig, path)


def plot_misclassified(images, y_true, y_pred, path=None, limit=16):
    """Up to ``limit`` of the images (n, c, h, w) the model got wrong, titled "true → predicted"."""
    images, y_true, y_pred = np.asarray(images), np.asarray(y_true), np.asarray(y_pred)
    wrong = np.flatnonzero(y_true != y_pred)[:limit]
    cols = max(1, min(8, len(wrong)))
    rows = max(1, -(-len(wrong) // cols))
    fig = _figure(max(3.0, 1.2 * cols + 0.4), max(2.0, 1.35 * rows + 0.3))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    if not len(wrong):
        axes[0, 0].text(0.5, 0.5, "no test image was misclassified", ha="center", va="center")
    for ax, i in zip(axes.flat, wrong):
        img = images[i].transpose(1, 2, 0) if images[i].shape[0] == 3 else images[i][0]
        ax.imshow(scale_to_unit(img), cmap=None if images[i].shape[0] == 3 else "gray", vmin=0, vmax=1)
        ax.set_title(f"{y_true[i]} → {y_pred[i]}", fontsize=8)
    return _save(fig, path)


def save_gif(figures, path, seconds_per_frame=0.6):
    """Write figures as the frames of a looping GIF (Pillow), atomically; return the frame count."""
    import io

    from PIL import Image

    from .io import atomic_write_bytes

    frames = [Image.open(io.BytesIO(png_bytes(fig))).convert("RGB") for fig in figures]
    if not frames:
        raise ValueError("save_gif needs at least one figure.")
    size = frames[0].size
    frames = [f if f.size == size else f.resize(size) for f in frames]
    buffer = io.BytesIO()
    frames[0].save(
        buffer, format="GIF", save_all=True, append_images=frames[1:], duration=int(seconds_per_frame * 1000), loop=0
    )
    atomic_write_bytes(path, buffer.getvalue())
    return len(frames)


def animate_perceptron(perceptron, X, y, path):
    """The perceptron's decision line w·x + b = 0 after each epoch, as a GIF (2-D data)."""
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"animate_perceptron draws 2-D data, X of shape (n, 2). Received: X.shape={X.shape}")
    trajectory = perceptron.trajectory_
    if trajectory and isinstance(trajectory[0], list):
        raise ValueError("animate_perceptron draws a two-class perceptron.")
    pad = 0.5
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    errors = [None] + list(perceptron.errors_per_epoch_)
    figures = []
    for epoch, (w, b) in enumerate(trajectory):
        fig = _figure(4.2, 4)
        ax = fig.subplots()
        _scatter_classes(ax, X, y, perceptron.classes_)
        xs = np.array([lo[0], hi[0]])
        if abs(w[1]) > 1e-12:
            ax.plot(xs, -(w[0] * xs + b) / w[1], color="black")
        elif abs(w[0]) > 1e-12:
            ax.axvline(-b / w[0], color="black")
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.legend(fontsize=8, loc="upper left")
        label = "start" if epoch == 0 else f"after epoch {epoch}: {errors[epoch]} error(s)"
        ax.set_title(f"Perceptron, {label}", fontsize=9)
        figures.append(fig)
    return save_gif(figures, path)


def animate_filters(snapshots, path):
    """The filters of every Conv2D layer after each epoch, as a GIF; ``snapshots`` is a list of
    ``conv_weights`` results, one per epoch."""
    return save_gif([plot_filters(s, title=f"after epoch {k + 1}") for k, s in enumerate(snapshots)], path)
