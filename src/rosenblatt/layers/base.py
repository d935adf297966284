"""The contract every layer keeps.

A layer has ``params`` and ``grads``: two dicts with the same keys (``"weight"``, ``"bias"``),
holding arrays of the same shapes. ``forward(x)`` computes the output and keeps what the
backward pass needs; ``backward(dout)`` takes ∂L/∂output, fills ``grads`` with ∂L/∂param and
returns ∂L/∂input. Shapes are inferred on the first forward call (``build``), as Keras does.
"""

import numpy as np


class Layer:
    """Base class: no parameters, shape unchanged."""

    def __init__(self):
        self.params = {}
        self.grads = {}
        self.input_shape = None  # per-sample shape, without the batch axis
        self.output_shape = None
        self.built = False
        self.training = True

    def build(self, input_shape, rng=None, dtype=np.float32):
        """Create the parameters for per-sample ``input_shape``; return the output shape."""
        self.input_shape = tuple(int(s) for s in input_shape)
        self.output_shape = self.compute_output_shape(self.input_shape)
        self.dtype = np.dtype(dtype)
        self.built = True
        return self.output_shape

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def __call__(self, x):
        return self.forward(x)

    def _ensure_built(self, x):
        if not self.built:
            dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float32
            self.build(x.shape[1:], np.random.default_rng(getattr(self, "seed", None)), dtype)
        elif tuple(x.shape[1:]) != self.input_shape:
            raise ValueError(
                f"{type(self).__name__} was built for inputs of shape (batch, "
                f"{', '.join(map(str, self.input_shape))}), but received an input of shape {x.shape}."
            )

    def forward(self, x):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def zero_grad(self):
        for g in self.grads.values():
            g[...] = 0

    @property
    def n_params(self):
        return int(sum(p.size for p in self.params.values()))

    def get_config(self):
        """The constructor arguments, as plain JSON values (used by model files)."""
        return {}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
