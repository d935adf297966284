import numpy as np

from .base import Layer


class Flatten(Layer):
    """(n, c, h, w) -> (n, c·h·w), in C order (channel, row, column), as PyTorch flattens.

    After channels-last layers in a ``Sequential`` model, ``_forward`` takes (n, h, w, c) and
    still flattens in (channel, row, column) order, so that the next Dense layer's weights
    mean the same as PyTorch's.
    """

    layout = "flatten"

    def compute_output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def forward(self, x):
        self._ensure_built(x)
        self.x_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        self._require_forward("x_shape")
        return dout.reshape(self.x_shape)

    def _forward(self, x):
        self.x_shape = n, h, w, c = x.shape
        flat = self._buffer("flat", (n, c, h, w), x.dtype)
        np.copyto(flat, x.transpose(0, 3, 1, 2))
        return flat.reshape(n, -1)

    def _backward(self, dout, input_gradient=True):
        n, h, w, c = self.x_shape
        dx = self._buffer("dx", self.x_shape, dout.dtype)
        np.copyto(dx, dout.reshape(n, c, h, w).transpose(0, 2, 3, 1))
        return dx
