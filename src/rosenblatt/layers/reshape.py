import numpy as np

from .base import Layer


class Flatten(Layer):
    """(n, c, h, w) -> (n, c·h·w), in C order (channel, row, column), as PyTorch flattens."""

    def compute_output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def forward(self, x):
        self._ensure_built(x)
        self.x_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        return dout.reshape(self.x_shape)
