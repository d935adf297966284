import numpy as np

from .. import functional as F
from .. import initializers
from .base import Layer


def _positive(value, name):
    v = F.pair(value, name)
    if min(v) < 1:
        raise ValueError(f"{name} must be positive. Received: {name}={value!r}")
    return v


class Conv2D(Layer):
    """2-D convolution (cross-correlation, as in PyTorch and Keras) with zero padding.

    Input shape: (n, in_channels, h, w). Output shape: (n, filters, ho, wo) with
    ho = ⌊(h + 2p − kh)/s⌋ + 1 and likewise wo. ``weight`` has shape (filters, in_channels,
    kh, kw), ``bias`` (filters,).

    z[n, f, y, x] = b_f + Σ_{c,i,j} w[f, c, i, j] · x_pad[n, c, s·y + i, s·x + j]

    The forward pass is one matrix product over the im2col rows; the backward pass gives
    ∂L/∂w = δᵀ·cols, ∂L/∂b = Σ δ, and ∂L/∂x by scattering δ·W back with col2im.
    """

    def __init__(
        self,
        filters,
        kernel_size,
        stride=1,
        padding=0,
        weight_initializer="he_uniform",
        bias_initializer="zeros",
        seed=None,
    ):
        super().__init__()
        if not isinstance(filters, (int, np.integer)) or isinstance(filters, bool) or filters < 1:
            raise ValueError(f"filters must be a positive integer. Received: filters={filters!r}")
        self.filters = int(filters)
        self.kernel_size = _positive(kernel_size, "kernel_size")
        self.stride = _positive(stride, "stride")
        self.padding = F.pair(padding, "padding")
        if min(self.padding) < 0:
            raise ValueError(f"padding must be non-negative. Received: padding={padding!r}")
        self.weight_initializer = weight_initializer
        self.bias_initializer = bias_initializer
        self.seed = seed

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(
                f"Conv2D expects inputs of shape (batch, channels, height, width); received "
                f"per-sample shape {tuple(input_shape)}."
            )
        c, h, w = input_shape
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        return (self.filters, F.conv_output_size(h, kh, sh, ph), F.conv_output_size(w, kw, sw, pw))

    def build(self, input_shape, rng=None, dtype=np.float32):
        out = super().build(input_shape, rng, dtype)
        rng = np.random.default_rng(self.seed) if rng is None else rng
        shape = (self.filters, self.input_shape[0]) + self.kernel_size
        self.params = {
            "weight": initializers.get(self.weight_initializer)(shape, rng, dtype),
            "bias": initializers.get(self.bias_initializer)((self.filters,), rng, dtype),
        }
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        return out

    def forward(self, x):
        self._ensure_built(x)
        n = x.shape[0]
        self.x_shape = x.shape
        self.cols, (ho, wo) = F.im2col(x, self.kernel_size, self.stride, self.padding)
        w = self.params["weight"].reshape(self.filters, -1)
        z = self.cols @ w.T + self.params["bias"]  # (n·ho·wo, filters)
        return z.reshape(n, ho, wo, self.filters).transpose(0, 3, 1, 2)

    def backward(self, dout):
        delta = dout.transpose(0, 2, 3, 1).reshape(-1, self.filters)  # (n·ho·wo, filters)
        self.grads["weight"][...] = (delta.T @ self.cols).reshape(self.grads["weight"].shape)
        np.sum(delta, axis=0, out=self.grads["bias"])
        dcols = delta @ self.params["weight"].reshape(self.filters, -1)
        return F.col2im(dcols, self.x_shape, self.kernel_size, self.stride, self.padding)

    def get_config(self):
        return {
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "stride": list(self.stride),
            "padding": list(self.padding),
        }
