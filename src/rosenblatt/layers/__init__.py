"""Layers: each keeps ``params`` and ``grads`` under the same names, forward beside backward."""

from .activation import Activation, ReLU, Sigmoid, Step, Tanh
from .base import Layer
from .conv import Conv2D
from .dense import Dense
from .pooling import AvgPool2D, MaxPool2D
from .reshape import Flatten

__all__ = [
    "Activation",
    "AvgPool2D",
    "Conv2D",
    "Dense",
    "Flatten",
    "Layer",
    "MaxPool2D",
    "ReLU",
    "Sigmoid",
    "Step",
    "Tanh",
]
