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
        self.z = z
        self.a = self._f(z)
        return self.a

    def backward(self, dout):
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
