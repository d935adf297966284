"""The contract every layer keeps.

A layer has ``params`` and ``grads``: two dicts with the same keys (``"weight"``, ``"bias"``),
holding arrays of the same shapes. ``forward(x)`` computes the output and keeps what the
backward pass needs; ``backward(dout)`` takes ∂L/∂output, fills ``grads`` with ∂L/∂param and
returns ∂L/∂input. Shapes are inferred on the first forward call (``build``), as Keras does.
"""

import math

import numpy as np


class Layer:
    """Base class: no parameters, shape unchanged.

    ``layout`` tells ``Sequential`` how the layer reads its input: ``"any"`` for element-wise
    layers, ``"flat"`` for (n, features) layers, ``"image"`` for layers that compute channels-last
    internally (``_forward``/``_backward`` on (n, h, w, c) arrays) behind their NCHW ``forward``.
    """

    layout = "any"

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
        # a call of the layer's own: what it keeps for backward is no longer a model's pass
        self.__dict__.pop("_pass", None)
        if not isinstance(x, np.ndarray):
            raise TypeError(f"{type(self).__name__} expects a NumPy array. Received: {type(x).__name__}")
        if not self.built:
            dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float32
            self.build(x.shape[1:], np.random.default_rng(getattr(self, "seed", None)), dtype)
        elif tuple(x.shape[1:]) != self.input_shape:
            raise ValueError(
                f"{type(self).__name__} was built for inputs of shape (batch, "
                f"{', '.join(map(str, self.input_shape))}), but received an input of shape {x.shape}."
            )

    def _require_forward(self, attribute):
        if not hasattr(self, attribute):
            raise RuntimeError(
                f"{type(self).__name__}.backward was called before forward: run forward on a batch first."
            )

    def forward(self, x):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def _buffer(self, name, shape, dtype, zero=False, shared=False):
        """A scratch array reused from call to call, so that the hot path allocates nothing.

        Storage grows to the largest size asked for and smaller requests (the last, partial
        batch) are views of it. Only ``Sequential``'s internal path uses these for outputs; the
        public ``forward``/``backward`` always hand back fresh arrays. With ``zero`` the array is
        zeroed whenever its shape changes (padding borders, which are never written, stay zero).
        (Only a change of the trailing dimensions counts: fewer rows are a prefix of the old
        layout.) ``shared`` buffers live in the workspace a ``Sequential`` model shares between its
        layers, for scratch that is dead once the call returns.
        """
        pool = self.__dict__.get("_workspace") if shared else None
        if pool is None:
            pool = self.__dict__.setdefault("_buffers", {})
        size = math.prod(shape)  # not np.prod: this runs ~90 times a step, and np.prod costs 4 µs
        key = (name, np.dtype(dtype).str)
        storage, last_shape, clean = pool.get(key, (None, None, 0))
        if storage is None or storage.size < size:
            storage = np.zeros(size, dtype=dtype) if zero else np.empty(size, dtype=dtype)
            clean = size
        elif zero and tuple(last_shape[1:]) != tuple(shape[1:]):
            storage[:size] = 0  # another layout: the old borders are not this one's
            clean = size
        elif zero and size > clean:
            # The same layout with more rows (samples) than it held yet. Fewer rows are a prefix
            # whose borders are still zero, so the part beyond the previous rows alone needs it.
            storage[clean:size] = 0
            clean = size
        pool[key] = (storage, shape, clean)
        return storage[:size].reshape(shape)

    #: What a forward pass leaves for the backward pass, and scratch memory: never pickled
    #: (a copy of a model is its parameters and configuration, not its last batch).
    _TRANSIENT = (
        "_buffers",
        "_workspace",
        "x",
        "z",
        "a",
        "cols",
        "x_padded",
        "x_shape",
        "channels_first",
        "argmax",
        "spent_input",
        "_pass",
    )

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k not in self._TRANSIENT}

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
