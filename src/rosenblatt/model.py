"""``Sequential``: layers applied in order, shapes inferred from the first input."""

import copy

import numpy as np

from . import parallel
from .layers import Activation, Conv2D, Dense, Layer, MaxPool2D
from .layers.pooling import _Pool2D


class Sequential:
    """A stack of layers: forward runs them in order, backward in reverse.

    ``Sequential(layers, seed=0, dtype="float32")``. Parameters are created on the first
    ``forward`` (or ``build(input_shape)``), drawn from ``numpy.random.default_rng(seed)``
    layer after layer, so that the same seed gives the same weights, bit for bit.

    A batch with enough work (see ``rosenblatt.parallel``) is split across
    ``rosenblatt.get_num_threads()`` threads, each part running through a replica of the model
    that shares its parameters; ``backward`` adds the replicas' gradients up in a fixed order.
    """

    def __init__(self, layers, seed=None, dtype="float32"):
        if isinstance(layers, Layer) or not hasattr(layers, "__iter__"):
            raise TypeError(f"layers must be a list of Layer objects. Received: {layers!r}")
        layers = list(layers)
        first_seen = {}
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layers[{i}] must be a Layer. Received: {layer!r}")
            j = first_seen.setdefault(id(layer), i)
            if j != i:
                raise ValueError(
                    f"layers[{i}] is the same object as layers[{j}], {layer!r}. A layer holds its own parameters "
                    f"and what its forward pass leaves for the backward pass, so each position needs its own: "
                    f"create another {type(layer).__name__}."
                )
        self.layers = layers
        self.seed = seed
        if str(dtype) not in ("float32", "float64"):
            raise ValueError(f"dtype must be 'float32' or 'float64'. Received: dtype={dtype!r}")
        self.dtype = np.dtype(dtype)
        self.input_shape = None

    @property
    def built(self):
        return self.input_shape is not None

    def build(self, input_shape, rng=None):
        """Create every layer's parameters for per-sample ``input_shape``; return the output shape."""
        rng = np.random.default_rng(self.seed) if rng is None else rng
        shape = tuple(int(s) for s in input_shape)
        self.input_shape = shape
        for i, layer in enumerate(self.layers):
            try:
                shape = layer.build(shape, rng, self.dtype)
            except ValueError as exc:
                raise ValueError(
                    f"Layer {i}, {layer!r}, cannot take per-sample inputs of shape {shape} (the model's input "
                    f"shape is {self.input_shape}, channels first): {exc}"
                ) from None
        self._steps = self._plan()
        self._flops = self._count_flops()
        self._prepare()
        return shape

    def _prepare(self):
        """What a built model keeps besides its configuration and parameters (made again after
        unpickling): the parameters as views of one flat vector, the pooling layers that may
        write over their input, the layers' shared scratch, and no replicas yet."""
        self._flatten_parameters()
        self._reused = self._reusable_inputs()
        self._orders = self._window_orders()
        self._into_next = self._outputs_into_next()
        workspace = {}  # scratch shared by all layers: dead once each layer's call returns
        for layer in self.layers:
            layer._workspace = workspace
        self._replicas = []

    def _flops_per_sample(self):
        """Floating-point operations of one sample's forward pass in the convolutions and
        dense layers (2 per multiply-add), the work that decides whether to split a batch."""
        if "_flops" not in self.__dict__:
            self._flops = self._count_flops()
        return self._flops

    def _count_flops(self):
        total = 0
        for layer in self.layers:
            if isinstance(layer, Conv2D):
                _, ho, wo = layer.output_shape
                total += 2 * ho * wo * layer.params["weight"].size
            elif isinstance(layer, Dense):
                total += 2 * layer.params["weight"].size
        return total

    def _replica(self):
        """A model that computes like this one on its own part of a batch: the same layers and
        the same parameter memory, with buffers and gradients of its own."""
        replica = copy.deepcopy(self)  # configuration and parameters, none of the scratch
        replica._serial = True
        replica._flat = (self._flat[0], replica._flat[1])  # its layers' parameters: see _replicas_for
        return replica

    def _replicas_for(self, k):
        replicas = self.__dict__.get("_replicas") or []
        if replicas and replicas[0]._flat[0] is not self._flat[0]:  # parameters made anew (unpickled)
            replicas = []
        while len(replicas) < k:
            replicas.append(self._replica())
        self._replicas = replicas
        # the model's own parameter arrays, also where the user has put one in place of another
        for replica in replicas[:k]:
            for mine, theirs in zip(self.layers, replica.layers):
                for name, value in mine.params.items():
                    if theirs.params[name] is not value:
                        theirs.params[name] = value
        return replicas[:k]

    def _split(self, n):
        """The parts of a batch of n that run on separate threads, or None for one thread."""
        if self.__dict__.get("_serial"):
            return None
        k = parallel.parts(n, self._flops_per_sample())
        return parallel.bounds(n, k) if k > 1 else None

    @property
    def output_shape(self):
        return self.layers[-1].output_shape if self.built else None

    def _plan(self):
        """How each layer runs: "nhwc" (channels-last kernels), "nchw" or "any" (element-wise),
        and before which layers the data is transposed.

        Image layers (convolution, pooling), the element-wise layers after them and the Flatten
        that ends them compute on (n, h, w, c) arrays: the input is transposed once on the way
        in, and Flatten (or the end of the network) turns the result back.
        """
        steps, to_nhwc, to_nchw = [], set(), set()
        channels_last = False
        for i, layer in enumerate(self.layers):
            if layer.layout == "image" and not channels_last:
                to_nhwc.add(i)
                channels_last = True
            elif layer.layout == "flat" and channels_last:
                to_nchw.add(i)
                channels_last = False
            steps.append("any" if layer.layout == "any" else "nhwc" if channels_last else "nchw")
            if layer.layout == "flatten":
                channels_last = False
        # A ReLU right before a max-pool is folded into the pool (see MaxPool2D).
        for i in range(len(self.layers) - 1):
            relu = isinstance(self.layers[i], Activation) and self.layers[i].activation == "relu"
            if relu and isinstance(self.layers[i + 1], MaxPool2D) and steps[i + 1] == "nhwc" and i + 1 not in to_nhwc:
                steps[i], steps[i + 1] = "folded", "nhwc+relu"
        if channels_last:
            to_nchw.add(len(self.layers))
        return steps, to_nhwc, to_nchw

    def _pooled_convolutions(self):
        """{pooling index: convolution index} for each pooling whose input is a convolution's
        output, directly or through a folded ReLU."""
        steps = self._steps[0]
        sources = {}
        for j, layer in enumerate(self.layers):
            if isinstance(layer, _Pool2D) and steps[j] in ("nhwc", "nhwc+relu"):
                source = j - 2 if j >= 2 and steps[j - 1] == "folded" else j - 1
                if source >= 0 and isinstance(self.layers[source], Conv2D) and steps[source] == "nhwc":
                    sources[j] = source
        return sources

    def _reusable_inputs(self):
        """Pooling layers whose input is a convolution's output: nothing reads it after the
        pooling's forward pass (a convolution's backward pass needs its input, not its output),
        so the pooling writes its input gradient over it."""
        return set(self._pooled_convolutions())

    def _window_orders(self):
        """{convolution index: (a, b)} for each convolution whose output a pooling of a×b
        windows, a×b apart, tiles exactly: the convolution writes its output in the order of
        those windows (see ``functional.window_order``), and the pooling reads each window
        position as one contiguous block per sample instead of strided runs of a pixel's
        channels (about twice as fast, measured on the benchmark networks' pools)."""
        orders = {}
        for j, i in self._pooled_convolutions().items():
            pool, (_, ho, wo) = self.layers[j], self.layers[i].output_shape
            (a, b) = pool.pool_size
            if pool.stride == pool.pool_size and ho % a == 0 and wo % b == 0:
                orders[i] = (a, b)
        return orders

    def _outputs_into_next(self):
        """Pooling layers followed by a padded convolution: the pooling writes its output into
        the interior of the convolution's zero-bordered input buffer, which spares a copy."""
        steps = self._steps[0]
        return {
            j
            for j, layer in enumerate(self.layers[:-1])
            if isinstance(layer, _Pool2D)
            and steps[j] in ("nhwc", "nhwc+relu")
            and isinstance(self.layers[j + 1], Conv2D)
            and steps[j + 1] == "nhwc"
            and any(self.layers[j + 1].padding)
        }

    def forward(self, x, training=True):
        """The network's output for a batch x. With ``training=False`` (prediction) layers skip
        what only the backward pass needs, such as max-pooling's record of where each maximum was.

        What the backward pass needs is kept, as PyTorch's autograd saves tensors: for a first
        Dense layer, or a first convolution without padding, that is x itself (when it already
        has the model's dtype), so x must not be changed in place before ``backward``."""
        self._forwarded = False  # until this pass has succeeded: backward must not use an older one
        x = np.asarray(x, dtype=self.dtype)
        if not self.built:
            self.build(x.shape[1:])
        elif tuple(x.shape[1:]) != self.input_shape:
            raise ValueError(
                f"The model was built for inputs of shape (batch, {', '.join(map(str, self.input_shape))}), "
                f"but received an input of shape {x.shape}."
            )
        parts = self._split(len(x))
        if parts is not None:
            replicas = self._replicas_for(len(parts))
            outs = parallel.run(lambda i: replicas[i].forward(x[parts[i]], training=training), len(parts))
            out = np.concatenate(outs)
            self._forwarded, self._output_shape, self._parts = training, out.shape, parts
            return out
        self._parts = None
        steps, to_nhwc, to_nchw = self._steps
        for i, (layer, step) in enumerate(zip(self.layers, steps)):
            if i in to_nhwc and isinstance(layer, Conv2D):  # it reads channels-first images itself
                x = layer._forward(
                    np.ascontiguousarray(x), training=training, channels_first=True, order=self._orders.get(i)
                )
                continue
            if i in to_nhwc:
                x = np.ascontiguousarray(x.transpose(0, 2, 3, 1))
            elif i in to_nchw:
                x = x.transpose(0, 3, 1, 2)
            if step == "nchw":
                x = layer.forward(x)
            elif step in ("nhwc", "nhwc+relu") and isinstance(layer, _Pool2D):
                out = None
                if i in self._into_next:
                    c, ho, wo = layer.output_shape
                    out = self.layers[i + 1]._padded_input((len(x), ho, wo, c), self.dtype)[1]
                x = layer._forward(
                    x,
                    relu=step == "nhwc+relu",
                    training=training,
                    reuse_input=i in self._reused,
                    ordered=x.ndim == 6,
                    out=out,
                )
            elif step == "nhwc" and isinstance(layer, Conv2D):
                x = layer._forward(x, training=training, order=self._orders.get(i))
            elif step == "nhwc" and layer.layout == "image":
                x = layer._forward(x, training=training)
            elif step != "folded":
                x = layer._forward(x)
        if len(self.layers) in to_nchw:
            x = x.transpose(0, 3, 1, 2)
        # Each layer keeps what this pass's backward needs; a later call of a layer on its own
        # (layer.forward) replaces it, and backward then refuses rather than mixing the two.
        token = self._pass = object()
        for layer in self.layers:
            layer._pass = token
        self._forwarded, self._output_shape = training, x.shape
        # Inner layers reuse their buffers from call to call; what the caller gets is its own.
        return x if self.layers[-1].layout == "flat" else x.copy()

    __call__ = forward

    def backward(self, dout, input_gradient=True):
        """Propagate ∂L/∂output back through every layer; return ∂L/∂input.

        With ``input_gradient=False`` (as in training, where nothing needs it) the first layer
        skips the gradient with respect to the model's input where that saves work, and None
        is returned."""
        if not self.built or not getattr(self, "_forwarded", False):
            raise RuntimeError(
                "Sequential.backward was called before forward (or after a forward pass with training=False, which "
                "keeps nothing for it, or one that failed): run forward(x) (with training=True) on a batch first."
            )
        dout = np.asarray(dout, dtype=self.dtype)
        if dout.shape != self._output_shape:
            raise ValueError(
                f"dout must have the shape of the last forward pass's output, {self._output_shape}. Received: dout "
                f"of shape {dout.shape}."
            )
        parts = self._parts
        if parts is not None:
            replicas = self._replicas_for(len(parts))
            dxs = parallel.run(lambda i: replicas[i].backward(dout[parts[i]], input_gradient), len(parts))
            grads = self._flat[1]
            np.add(replicas[0]._flat[1], replicas[1]._flat[1], out=grads)
            for replica in replicas[2:]:
                grads += replica._flat[1]
            return np.concatenate(dxs) if input_gradient else None
        steps, to_nhwc, to_nchw = self._steps
        for i, layer in enumerate(self.layers):
            if layer.__dict__.get("_pass") is not self._pass:
                raise RuntimeError(
                    f"Sequential.backward: layer {i}, {layer!r}, was called on its own (layer.forward) after the "
                    "model's forward pass, which replaced what this backward pass needs: run the model's forward pass "
                    "again first."
                )
        if len(self.layers) in to_nchw:
            dout = np.ascontiguousarray(dout.transpose(0, 2, 3, 1))
        for i in reversed(range(len(self.layers))):
            layer = self.layers[i]
            if steps[i] == "nchw" and layer.layout != "flat":
                dout = layer.backward(dout)
            elif steps[i] != "folded":
                dout = layer._backward(dout, input_gradient=input_gradient or i > 0)
            if dout is None:
                return None
            if i in to_nhwc:
                dout = dout.transpose(0, 3, 1, 2)
            elif i in to_nchw:
                dout = np.ascontiguousarray(dout.transpose(0, 2, 3, 1))
        return np.array(dout) if input_gradient else None

    def __getstate__(self):
        transient = ("_flat", "_forwarded", "_output_shape", "_parts", "_replicas", "_serial", "_pass")
        return {k: v for k, v in self.__dict__.items() if k not in transient}

    def __copy__(self):
        """A copy of a model is a deep copy, as a pickled one is: a shallow one would share
        its layers, and with them the parameters, gradients and scratch of the original."""
        return copy.deepcopy(self)

    def __setstate__(self, state):
        # Pickling copies each parameter on its own; make them views of one flat vector again.
        self.__dict__.update(state)
        if self.built:
            self._prepare()

    def _flatten_parameters(self):
        """Make every parameter and gradient a view into one flat vector each, so that an
        optimizer step is a few passes over one array rather than over many small ones."""
        entries = [(layer, name) for layer in self.layers for name in layer.params]
        total = sum(layer.params[name].size for layer, name in entries)
        flat_params, flat_grads = np.empty(total, dtype=self.dtype), np.zeros(total, dtype=self.dtype)
        offset = 0
        for layer, name in entries:
            value = layer.params[name]
            size = value.size
            transposed = value.ndim > 1 and value.flags.f_contiguous and not value.flags.c_contiguous

            def view(flat, value=value, transposed=transposed, offset=offset, size=size):
                part = flat[offset : offset + size]
                return part.reshape(value.shape[::-1]).T if transposed else part.reshape(value.shape)

            layer.params[name] = view(flat_params)
            layer.params[name][...] = value
            layer.grads[name] = view(flat_grads)
            offset += size
        self._flat = (flat_params, flat_grads)

    def parameter_vector(self):
        """All parameters and all gradients as one (param, grad) pair of flat vectors, whose
        entries are the same memory as ``parameters()``: what ``training.fit`` hands the optimizer."""
        return [self._flat]

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
