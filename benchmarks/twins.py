"""The benchmark networks, in rosenblatt and as PyTorch twins with the same initial weights."""

from rosenblatt import Sequential
from rosenblatt import layers as L

INPUT_SHAPES = {"small": (1, 28, 28), "default": (1, 28, 28), "large": (3, 64, 64)}


def rosenblatt_cnn(kind, seed=0):
    if kind in ("small", "default"):  # the small CNN is CNNClassifier's default
        stages = [8, 16]
        dense = 64
    elif kind == "large":
        stages = [16, 32, 64]
        dense = 128
    else:
        raise ValueError(f"kind must be 'small', 'default' or 'large'. Received: kind={kind!r}")
    layers = []
    for filters in stages:
        layers += [L.Conv2D(filters, 3, padding=1), L.ReLU(), L.MaxPool2D(2)]
    layers += [L.Flatten(), L.Dense(dense), L.ReLU(), L.Dense(1)]
    return Sequential(layers, seed=seed)


def torch_twin(model):
    """A torch.nn.Sequential computing the same function, starting from the same weights."""
    import torch

    modules = []
    for layer in model.layers:
        if isinstance(layer, L.Conv2D):
            f, c, kh, kw = layer.params["weight"].shape
            m = torch.nn.Conv2d(c, f, (kh, kw), stride=layer.stride, padding=layer.padding)
        elif isinstance(layer, L.Dense):
            m = torch.nn.Linear(layer.params["weight"].shape[1], layer.units)
        elif isinstance(layer, L.MaxPool2D):
            m = torch.nn.MaxPool2d(layer.pool_size, layer.stride)
        elif isinstance(layer, L.ReLU):
            m = torch.nn.ReLU()
        elif isinstance(layer, L.Flatten):
            m = torch.nn.Flatten()
        else:
            raise TypeError(f"No PyTorch twin for {layer!r}")
        if layer.params:
            with torch.no_grad():
                m.weight.copy_(torch.from_numpy(layer.params["weight"]))
                m.bias.copy_(torch.from_numpy(layer.params["bias"]))
        modules.append(m)
    return torch.nn.Sequential(*modules)


def training_flops(model, batch):
    """Multiply-adds ×2 of one training step: forward, the weight gradient and the input
    gradient (not for the first layer) of every convolution and dense layer."""
    total = 0
    for i, layer in enumerate(model.layers):
        if isinstance(layer, L.Conv2D):
            f, c, kh, kw = layer.params["weight"].shape
            _, ho, wo = layer.output_shape
            one = 2 * batch * ho * wo * f * c * kh * kw
        elif isinstance(layer, L.Dense):
            one = 2 * batch * layer.params["weight"].size
        else:
            continue
        total += one * (2 if i == 0 else 3)
    return total
