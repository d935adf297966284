import numpy as np

from .. import functional as F
from .base import Layer


class _Pool2D(Layer):
    def __init__(self, pool_size=2, stride=None):
        super().__init__()
        self.pool_size = F.pair(pool_size, "pool_size")
        self.stride = self.pool_size if stride is None else F.pair(stride, "stride")
        if min(self.pool_size) < 1:
            raise ValueError(f"pool_size must be positive. Received: pool_size={pool_size!r}")
        if min(self.stride) < 1:
            raise ValueError(f"stride must be positive. Received: stride={stride!r}")

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(
                f"{type(self).__name__} expects inputs of shape (batch, channels, height, width); "
                f"received per-sample shape {tuple(input_shape)}."
            )
        c, h, w = input_shape
        (kh, kw), (sh, sw) = self.pool_size, self.stride
        return (c, F.conv_output_size(h, kh, sh, 0), F.conv_output_size(w, kw, sw, 0))

    def _offsets(self, ho, wo):
        """Yield, for each position (i, j) inside the window, the slice of the input it reads."""
        (kh, kw), (sh, sw) = self.pool_size, self.stride
        for i in range(kh):
            for j in range(kw):
                yield i * kw + j, (slice(None), slice(None), slice(i, i + sh * ho, sh), slice(j, j + sw * wo, sw))

    def get_config(self):
        return {"pool_size": list(self.pool_size), "stride": list(self.stride)}


class MaxPool2D(_Pool2D):
    """Max pooling: out = max over each kh×kw window, windows ``stride`` apart, no padding.

    Input shape: (n, c, h, w). Output shape: (n, c, ⌊(h − kh)/s⌋ + 1, ⌊(w − kw)/s⌋ + 1).
    The gradient flows only to the element that was the maximum. Ties: when several
    elements of a window share the maximum, the gradient goes to the first of them in
    row-major order (top row first, then left to right), the element PyTorch picks too.
    """

    def forward(self, x):
        self._ensure_built(x)
        windows = F.pool_windows(x, self.pool_size, self.stride)
        n, c, ho, wo, kh, kw = windows.shape
        flat = windows.reshape(n, c, ho, wo, kh * kw)
        self.argmax = flat.argmax(axis=-1)  # first maximum in row-major order
        self.x_shape = x.shape
        return np.take_along_axis(flat, self.argmax[..., None], axis=-1)[..., 0]

    def backward(self, dout):
        dx = np.zeros(self.x_shape, dtype=dout.dtype)
        ho, wo = dout.shape[2:]
        for k, where in self._offsets(ho, wo):
            dx[where] += np.where(self.argmax == k, dout, 0)
        return dx


class AvgPool2D(_Pool2D):
    """Average pooling: out = mean over each kh×kw window; each input gets dout / (kh·kw)."""

    def forward(self, x):
        self._ensure_built(x)
        self.x_shape = x.shape
        return F.pool_windows(x, self.pool_size, self.stride).mean(axis=(-2, -1))

    def backward(self, dout):
        dx = np.zeros(self.x_shape, dtype=dout.dtype)
        share = dout / (self.pool_size[0] * self.pool_size[1])
        for _, where in self._offsets(*dout.shape[2:]):
            dx[where] += share
        return dx
