"""Image files in, arrays out: one subfolder per class, read with Pillow.

Like torchvision's ``ImageFolder`` and Keras's ``image_dataset_from_directory``: every
subfolder of ``root`` is a class (images in its nested subfolders count too), class order is
sorted by folder name, and each image is converted to grayscale or RGB and resized to ``size``,
giving arrays (n, channels, h, w) in [0, 1]. Transparent pixels are shown on white, as a viewer
shows them, and 16-bit images keep their full range.
"""

import itertools
import math
import numbers
import os

import numpy as np

EXTENSIONS = (".png", ".jpg", ".jpeg")
COLOR_MODES = {"grayscale": "L", "rgb": "RGB"}
SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")
ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


def _is_size(s):
    return isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0


def _check(size, color):
    if color not in COLOR_MODES:
        raise ValueError(f"color must be one of {sorted(COLOR_MODES)}. Received: color={color!r}")
    if _is_size(size):
        size = (size, size)
    if not (isinstance(size, (tuple, list)) and len(size) == 2 and all(_is_size(s) for s in size)):
        raise ValueError(f"size must be a positive int or a (height, width) pair. Received: size={size!r}")
    return int(size[0]), int(size[1])


def _on_white(img):
    """An image with transparency, composited onto a white background (as a viewer shows it)."""
    from PIL import Image

    rgba = img.convert("RGBA")
    return Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba).convert("RGB")


def _sixteen_bit(img, w, h, color):
    """A 16-bit (or 32-bit integer) grayscale image as float32 (channels, h, w) in [0, 1]."""
    from PIL import Image

    raw = np.asarray(img)
    top = 65535 if img.mode != "I" or raw.max(initial=0) <= 65535 else np.iinfo(np.int32).max
    arr = np.clip(raw.astype(np.float64) / top, 0, 1)
    if "transparency" in img.info:
        arr[raw == img.info["transparency"]] = 1.0
    arr = arr.astype(np.float32)
    if arr.shape != (h, w):
        arr = np.asarray(Image.fromarray(arr).resize((w, h), Image.Resampling.BILINEAR), dtype=np.float32)
        arr = np.clip(arr, 0, 1)
    return np.repeat(arr[None], 3 if color == "rgb" else 1, axis=0)


def load_image(path, size=(28, 28), color="grayscale"):
    """One image file as an array (channels, h, w), float32 in [0, 1]."""
    from PIL import Image, UnidentifiedImageError

    h, w = _check(size, color)
    try:
        with Image.open(path) as img:
            if img.mode in SIXTEEN_BIT_MODES:
                return _sixteen_bit(img, w, h, color)
            if img.mode in ALPHA_MODES or "transparency" in img.info:
                img = _on_white(img)
            img = img.convert(COLOR_MODES[color])
            if img.size != (w, h):
                img = img.resize((w, h), Image.Resampling.BILINEAR)
            arr = np.asarray(img, dtype=np.float32) / 255.0
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"Cannot read image {os.fspath(path)!r}: {exc}") from exc
    return arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)


def load_images(paths, size=(28, 28), color="grayscale"):
    """Several image files as one array (n, channels, h, w)."""
    if isinstance(paths, (str, bytes, os.PathLike)):
        raise ValueError(f"paths must be a list of image files, not one path. Received: paths={paths!r}")
    paths = list(paths)
    if not paths:
        raise ValueError("paths is empty: give at least one image file.")
    _check(size, color)
    return np.stack([load_image(p, size, color) for p in paths])


def _images_under(folder):
    """Every image file in ``folder`` and its subfolders, sorted; hidden files and folders skipped."""
    found = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [
            os.path.join(top, f)
            for f in files
            if not f.startswith(".") and f.lower().endswith(EXTENSIONS) and os.path.isfile(os.path.join(top, f))
        ]
    return sorted(found)


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
        files = _images_under(os.path.join(root, name))
        if not files:
            raise ValueError(f"Class folder {os.path.join(root, name)!r} has no images ({', '.join(EXTENSIONS)}).")
        paths += files
        labels += [label] * len(files)
    return paths, np.array(labels, dtype=np.int64), class_names


def load_image_folder(root, size=(28, 28), color="grayscale"):
    """Every image under ``root``: (X, y, class_names), X of shape (n, channels, h, w)."""
    paths, y, class_names = find_images(root)
    return load_images(paths, size, color), y, class_names


def _check_splittable(root, y, class_names, test_size):
    """The stratified split needs 2 images per class and one test and one training image per class."""
    counts = np.bincount(y, minlength=len(class_names))
    if counts.min() < 2:
        name = class_names[int(counts.argmin())]
        raise ValueError(
            f"Each class in {root!r} needs at least 2 images to be split into train and test; "
            f"class {name!r} has {counts.min()}."
        )
    k, n = len(class_names), len(y)
    n_test = math.ceil(test_size * n)
    if n_test < k or n - n_test < k:
        need = next(m for m in itertools.count(n) if k <= math.ceil(test_size * m) <= m - k)
        raise ValueError(
            f"Image folder {root!r} has {n} images in {k} classes: too few to hold out a test image of every "
            f"class ({test_size:.0%} of the images are for testing). It needs at least {need} images."
        )


def image_folder_dataset(root, size=(28, 28), color="grayscale", test_size=0.25):
    """An image folder as a ``rosenblatt.datasets.Dataset`` with a stratified split."""
    from .datasets import _split

    if not (isinstance(test_size, numbers.Real) and 0 < test_size < 1):
        raise ValueError(f"test_size must be a number between 0 and 1. Received: test_size={test_size!r}")
    paths, y, class_names = find_images(root)
    root = os.fspath(root)
    _check_splittable(root, y, class_names, test_size)
    X = load_images(paths, size, color)
    name = os.path.basename(os.path.normpath(root))
    return _split(name, X, y, class_names, f"Image folder {root}: {len(X)} images.", test_size)
