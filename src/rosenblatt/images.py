"""Image files in, arrays out: one subfolder per class, read with Pillow.

Like torchvision's ``ImageFolder`` and Keras's ``image_dataset_from_directory``: every
subfolder of ``root`` is a class, class order is sorted by folder name, and each image is
converted to grayscale or RGB and resized to ``size``, giving arrays (n, channels, h, w) in [0, 1].
"""

import os

import numpy as np

EXTENSIONS = (".png", ".jpg", ".jpeg")
COLOR_MODES = {"grayscale": "L", "rgb": "RGB"}


def _check(size, color):
    if color not in COLOR_MODES:
        raise ValueError(f"color must be one of {sorted(COLOR_MODES)}. Received: color={color!r}")
    if isinstance(size, int):
        size = (size, size)
    if not (isinstance(size, (tuple, list)) and len(size) == 2 and all(isinstance(s, int) and s > 0 for s in size)):
        raise ValueError(f"size must be a positive int or a (height, width) pair. Received: size={size!r}")
    return tuple(size)


def load_image(path, size=(28, 28), color="grayscale"):
    """One image file as an array (channels, h, w), float32 in [0, 1]."""
    from PIL import Image, UnidentifiedImageError

    h, w = _check(size, color)
    try:
        with Image.open(path) as img:
            img = img.convert(COLOR_MODES[color])
            if img.size != (w, h):
                img = img.resize((w, h), Image.Resampling.BILINEAR)
            arr = np.asarray(img, dtype=np.float32) / 255.0
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"Cannot read image {os.fspath(path)!r}: {exc}") from exc
    return arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)


def load_images(paths, size=(28, 28), color="grayscale"):
    """Several image files as one array (n, channels, h, w)."""
    return np.stack([load_image(p, size, color) for p in paths])


def find_images(root):
    """(paths, labels, class_names) for an image folder, classes sorted by name."""
    root = os.fspath(root)
    if not os.path.isdir(root):
        raise ValueError(f"Image folder {root!r} does not exist or is not a folder.")
    class_names = sorted(e.name for e in os.scandir(root) if e.is_dir() and not e.name.startswith("."))
    if len(class_names) < 2:
        raise ValueError(
            f"Image folder {root!r} must have one subfolder per class, at least 2; found {len(class_names)}: "
            f"{class_names}."
        )
    paths, labels = [], []
    for label, name in enumerate(class_names):
        files = sorted(
            e.path for e in os.scandir(os.path.join(root, name)) if e.is_file() and e.name.lower().endswith(EXTENSIONS)
        )
        if not files:
            raise ValueError(f"Class folder {os.path.join(root, name)!r} has no images ({', '.join(EXTENSIONS)}).")
        paths += files
        labels += [label] * len(files)
    return paths, np.array(labels, dtype=np.int64), class_names


def load_image_folder(root, size=(28, 28), color="grayscale"):
    """Every image under ``root``: (X, y, class_names), X of shape (n, channels, h, w)."""
    paths, y, class_names = find_images(root)
    return load_images(paths, size, color), y, class_names


def image_folder_dataset(root, size=(28, 28), color="grayscale", test_size=0.25):
    """An image folder as a ``rosenblatt.datasets.Dataset`` with a stratified split."""
    from .datasets import _split

    X, y, class_names = load_image_folder(root, size, color)
    if np.bincount(y).min() < 2:
        raise ValueError(f"Each class in {os.fspath(root)!r} needs at least 2 images to be split into train and test.")
    name = os.path.basename(os.path.normpath(os.fspath(root)))
    return _split(name, X, y, class_names, f"Image folder {os.fspath(root)}: {len(X)} images.", test_size)
