"""A small, readable language for describing a network, one string per layer.

    "conv 8 3x3 pad 1"     Conv2D(8 filters, 3×3 kernel, padding 1); also "conv 8 5", "conv 16 3x5 stride 2"
    "maxpool 2"            MaxPool2D(2) (stride defaults to the pool size); "maxpool 3 stride 2"
    "avgpool 2"            AvgPool2D(2)
    "dense 64"             Dense(64); a Flatten is put in front of the first dense layer of an image model
    "relu", "sigmoid", "tanh", "step"
    "flatten"

``parse(["conv 8 3x3 pad 1", "relu", "maxpool 2", "dense 64", "relu"])`` returns the layers.
"""

import re

from . import layers as L

_ACTIVATIONS = {"relu": L.ReLU, "sigmoid": L.Sigmoid, "tanh": L.Tanh, "step": L.Step}


def _size(token, spec):
    m = re.fullmatch(r"(\d+)(?:x(\d+))?", token)
    if not m:
        raise ValueError(f"Expected a size such as 3 or 3x5 in layer {spec!r}. Received: {token!r}")
    return (int(m[1]), int(m[2] or m[1]))


def _options(tokens, spec, allowed):
    if len(tokens) % 2:
        raise ValueError(f"Options come in pairs such as 'stride 2' in layer {spec!r}. Received: {tokens}")
    options = {}
    for key, value in zip(tokens[::2], tokens[1::2]):
        if key not in allowed:
            raise ValueError(f"Unknown option {key!r} in layer {spec!r}. Expected one of {sorted(allowed)}.")
        options[allowed[key]] = _size(value, spec)
    return options


def parse_layer(spec):
    """One layer from its description, e.g. ``"conv 8 3x3 pad 1"``."""
    if not isinstance(spec, str):
        raise TypeError(f"Each layer must be described by a string such as 'dense 64'. Received: {spec!r}")
    tokens = spec.lower().split()
    if not tokens:
        raise ValueError("A layer description is empty.")
    kind, rest = tokens[0], tokens[1:]
    if kind in _ACTIVATIONS and not rest:
        return _ACTIVATIONS[kind]()
    if kind == "flatten" and not rest:
        return L.Flatten()
    if kind == "dense" and len(rest) == 1 and rest[0].isdigit():
        return L.Dense(int(rest[0]))
    if kind == "conv" and len(rest) >= 2 and rest[0].isdigit():
        opts = _options(rest[2:], spec, {"stride": "stride", "pad": "padding", "padding": "padding"})
        return L.Conv2D(int(rest[0]), _size(rest[1], spec), **opts)
    if kind in ("maxpool", "avgpool") and len(rest) >= 1:
        opts = _options(rest[1:], spec, {"stride": "stride"})
        cls = L.MaxPool2D if kind == "maxpool" else L.AvgPool2D
        return cls(_size(rest[0], spec), **opts)
    raise ValueError(
        f"Cannot read layer {spec!r}. Expected 'conv FILTERS KxK [stride S] [pad P]', 'maxpool K [stride S]', "
        f"'avgpool K [stride S]', 'dense UNITS', 'flatten' or one of {sorted(_ACTIVATIONS)}."
    )


def parse(specs, image_input=False):
    """The layers for a list of descriptions; a Flatten goes before the first dense layer of
    an image model unless the description already has one."""
    if isinstance(specs, str):
        raise TypeError(f"layers must be a list of strings, one per layer. Received the string {specs!r}")
    layers = []
    flat = not image_input
    for spec in specs:
        layer = parse_layer(spec)
        if isinstance(layer, L.Flatten):
            flat = True
        elif isinstance(layer, L.Dense) and not flat:
            layers.append(L.Flatten())
            flat = True
        elif isinstance(layer, (L.Conv2D, L.MaxPool2D, L.AvgPool2D)) and flat:
            raise ValueError(f"Layer {spec!r} needs image input, but it comes after the network was flattened.")
        layers.append(layer)
    if not flat:
        layers.append(L.Flatten())
    return layers
