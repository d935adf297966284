import numpy as np

from .. import initializers
from .base import Layer


class Dense(Layer):
    """Fully connected layer: z = x Wᵀ + b.

    Input shape: (n, in). Output shape: (n, units). ``weight`` has PyTorch's shape
    (units, in), so that weight[j, i] = wⱼᵢ connects input i to unit j.

    Backward, for δ = ∂L/∂z of shape (n, units):
    ∂L/∂wⱼᵢ = Σₙ δⱼ aᵢ (δᵀ x), ∂L/∂bⱼ = Σₙ δⱼ, and ∂L/∂xᵢ = Σⱼ δⱼ wⱼᵢ (δ W), which is the
    sum in the next layer's δ equation δᵢ = f'(zᵢ)·Σⱼ δⱼ wⱼᵢ.
    """

    layout = "flat"

    def __init__(self, units, weight_initializer="he_uniform", bias_initializer="zeros", seed=None):
        super().__init__()
        if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units < 1:
            raise ValueError(f"units must be a positive integer. Received: units={units!r}")
        self.units = int(units)
        self.weight_initializer = weight_initializer
        self.bias_initializer = bias_initializer
        self.seed = seed

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 1:
            raise ValueError(
                f"Dense expects inputs of shape (batch, features); received per-sample shape "
                f"{tuple(input_shape)}. Put a Flatten layer before it."
            )
        return (self.units,)

    def build(self, input_shape, rng=None, dtype=np.float32):
        out = super().build(input_shape, rng, dtype)
        rng = np.random.default_rng(self.seed) if rng is None else rng
        shape = (self.units, self.input_shape[0])
        # weight has PyTorch's shape (units, in) but is stored in Fortran order, so that its
        # transpose, the (in, units) matrix the forward pass multiplies by, is contiguous:
        # the layout BLAS is fastest with for these small products.
        weight = np.asfortranarray(initializers.get(self.weight_initializer)(shape, rng, dtype))
        self.params = {
            "weight": weight,
            "bias": initializers.get(self.bias_initializer)((self.units,), rng, dtype),
        }
        self.grads = {"weight": np.zeros(shape, dtype=dtype, order="F"), "bias": np.zeros(self.units, dtype=dtype)}
        return out

    def forward(self, x):
        self._ensure_built(x)
        self.x = x
        z = x @ self.params["weight"].T
        z += self.params["bias"]
        return z

    def backward(self, dout):
        self._require_forward("x")
        return self._backward(dout)

    def _backward(self, dout, input_gradient=True):
        np.matmul(self.x.T, dout, out=self.grads["weight"].T)  # ∂L/∂wⱼᵢ = Σₙ aᵢ δⱼ
        np.add.reduce(dout, axis=0, out=self.grads["bias"])  # np.sum without its Python layer
        return dout @ self.params["weight"] if input_gradient else None

    def get_config(self):
        return {"units": self.units}
