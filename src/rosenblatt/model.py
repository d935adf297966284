"""``Sequential``: layers applied in order, shapes inferred from the first input."""

import numpy as np

from .layers import Layer


class Sequential:
    """A stack of layers: forward runs them in order, backward in reverse.

    ``Sequential(layers, seed=0, dtype="float32")``. Parameters are created on the first
    ``forward`` (or ``build(input_shape)``), drawn from ``numpy.random.default_rng(seed)``
    layer after layer, so that the same seed gives the same weights, bit for bit.
    """

    def __init__(self, layers, seed=None, dtype="float32"):
        layers = list(layers)
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layers[{i}] must be a Layer. Received: {layer!r}")
        self.layers = layers
        self.seed = seed
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be 'float32' or 'float64'. Received: dtype={dtype!r}")
        self.input_shape = None

    @property
    def built(self):
        return self.input_shape is not None

    def build(self, input_shape, rng=None):
        """Create every layer's parameters for per-sample ``input_shape``; return the output shape."""
        rng = np.random.default_rng(self.seed) if rng is None else rng
        shape = tuple(int(s) for s in input_shape)
        self.input_shape = shape
        for layer in self.layers:
            shape = layer.build(shape, rng, self.dtype)
        return shape

    @property
    def output_shape(self):
        return self.layers[-1].output_shape if self.built else None

    def forward(self, x):
        x = np.asarray(x, dtype=self.dtype)
        if not self.built:
            self.build(x.shape[1:])
        elif tuple(x.shape[1:]) != self.input_shape:
            raise ValueError(
                f"The model was built for inputs of shape (batch, {', '.join(map(str, self.input_shape))}), "
                f"but received an input of shape {x.shape}."
            )
        for layer in self.layers:
            x = layer.forward(x)
        return x

    __call__ = forward

    def backward(self, dout):
        """Propagate ∂L/∂output back through every layer; return ∂L/∂input."""
        dout = np.asarray(dout, dtype=self.dtype)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def parameters(self):
        """(param, grad) pairs of every layer, in a fixed order (layer, then name)."""
        return [(layer.params[k], layer.grads[k]) for layer in self.layers for k in layer.params]

    def named_parameters(self):
        return [(f"{i}.{k}", layer.params[k]) for i, layer in enumerate(self.layers) for k in layer.params]

    def zero_grad(self):
        for layer in self.layers:
            layer.zero_grad()

    @property
    def n_params(self):
        return sum(layer.n_params for layer in self.layers)

    def summary(self):
        """A table of layers, output shapes and parameter counts."""
        rows = [("Layer", "Output shape", "Params")]
        if self.built:
            rows.append(("Input", str((None,) + self.input_shape), "0"))
        for layer in self.layers:
            shape = str((None,) + layer.output_shape) if layer.output_shape else "?"
            rows.append((repr(layer), shape, f"{layer.n_params:,}"))
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        line = "  ".join("-" * w for w in widths)
        fmt = lambda r: f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}"  # noqa: E731
        out = [fmt(rows[0]), line] + [fmt(r) for r in rows[1:]] + [line]
        total = f"{self.n_params:,}" if self.built else "? (not built)"
        out.append(f"Total params: {total}")
        return "\n".join(out)

    def __repr__(self):
        inner = "".join(f"\n  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential({inner}\n)"
