import numpy as np

from .. import activations
from .base import Layer


class Activation(Layer):
    """a = f(z), element by element; backward: ∂L/∂z = ∂L/∂a · f'(z)."""

    def __init__(self, activation):
        super().__init__()
        if activation not in activations.ACTIVATIONS:
            raise ValueError(
                f"Unknown activation. Expected one of {sorted(activations.ACTIVATIONS)}. "
                f"Received: activation={activation!r}"
            )
        self.activation = activation
        self._f = activations.ACTIVATIONS[activation]
        self._df = activations.DERIVATIVES[activation]

    def forward(self, z):
        self._ensure_built(z)
        return self._forward(z).copy()

    def backward(self, dout):
        self._require_forward("z")
        return self._backward(dout).copy()

    # Element-wise, so the same in any layout. ReLU, the one in every hot path, writes into
    # reused buffers; the others allocate.
    def _forward(self, z):
        self.z = z
        if self.activation == "relu":
            self.a = np.maximum(z, 0, out=self._buffer("a", z.shape, z.dtype))
        else:
            self.a = self._f(z)
        return self.a

    def _backward(self, dout, input_gradient=True):
        if self.activation == "relu":  # ∂L/∂z = ∂L/∂a where z > 0, else 0 (also at z = 0)
            # a = max(z, 0) is not 0 where z > 0 and where z is NaN, whose gradient PyTorch
            # passes on too (its derivative is 0 only where z ≤ 0)
            mask = np.not_equal(self.a, 0, out=self._buffer("mask", self.z.shape, bool))
            return np.multiply(dout, mask, out=self._buffer("dz", dout.shape, dout.dtype))
        return dout * self._df(self.z, self.a)

    def get_config(self):
        # The named subclasses (ReLU, ...) take no arguments.
        return {"activation": self.activation} if type(self) is Activation else {}


class ReLU(Activation):
    def __init__(self):
        super().__init__("relu")


class Sigmoid(Activation):
    def __init__(self):
        super().__init__("sigmoid")


class Tanh(Activation):
    def __init__(self):
        super().__init__("tanh")


class Step(Activation):
    def __init__(self):
        super().__init__("step")
