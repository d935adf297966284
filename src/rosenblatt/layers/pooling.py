import numpy as np

from .. import functional as F
from .base import Layer


class _Pool2D(Layer):
    layout = "image"

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

    # The public, NCHW face of the layer: fresh arrays in and out.
    def forward(self, x):
        self._ensure_built(x)
        out = self._forward(np.ascontiguousarray(x.transpose(0, 2, 3, 1)))
        return out.transpose(0, 3, 1, 2).copy()  # a fresh array even when it is one channel

    def backward(self, dout):
        self._require_forward("x_shape")
        dx = self._backward(np.ascontiguousarray(dout.transpose(0, 2, 3, 1)))
        if self.ordered:  # the last forward pass was a model's, on its input in window order
            n, a, b, ho, wo, c = dx.shape
            image = np.empty((n, a * ho, b * wo, c), dtype=dx.dtype)
            np.copyto(F.window_order(image, (a, b)), dx)
            dx = image
        return dx.transpose(0, 3, 1, 2).copy()

    def _take_input(self, x, training, reuse_input, ordered):
        """Record what the backward pass needs of x and return (n, c, ho, wo).

        ``ordered``: x is (n, kh, kw, ho, wo, c), a convolution's output in the order of these
        windows (see ``functional.window_order``), which needs stride = pool_size and no pixel
        left over. Each window position is then one contiguous block per sample."""
        if ordered:
            n, kh, kw, ho, wo, c = x.shape
            if (kh, kw) != self.pool_size or self.stride != self.pool_size:
                raise ValueError(
                    f"An input in window order must be in the order of this pooling's windows, {self.pool_size} "
                    f"with stride {self.stride}. Received: an input of shape {x.shape}."
                )
        else:
            n, h, w, c = x.shape
            _, ho, wo = self.compute_output_shape((c, h, w))
        self.x_shape, self.ordered = x.shape, ordered
        self.spent_input = x if reuse_input and training else None
        return n, c, ho, wo

    def _dx_buffer(self, ho, wo, dtype):
        """The input gradient's buffer, zeroed unless every pixel gets written exactly once:
        the forward pass's input itself when the model said nothing reads it again (the output
        of a convolution, which its backward pass does not need), else a buffer of our own."""
        (kh, kw), (sh, sw) = self.pool_size, self.stride
        spent = self.__dict__.get("spent_input")
        if spent is not None and spent.shape == self.x_shape and spent.dtype == dtype:
            dx = spent
        else:
            dx = self._buffer("dx", self.x_shape, dtype)
        exact = self.ordered or ((sh, sw) == (kh, kw) and sh * ho == self.x_shape[1] and sw * wo == self.x_shape[2])
        if not exact:
            dx[...] = 0
        return dx, exact

    def _offsets(self, ho, wo):
        """For each position k = i·kw + j inside the window, the slice of the (channels-last)
        input that position reads in every window: a strided view, one pass per position (for
        an input in window order, one block per sample)."""
        (kh, kw), (sh, sw) = self.pool_size, self.stride
        for i in range(kh):
            for j in range(kw):
                if self.ordered:
                    yield i * kw + j, (slice(None), i, j)
                    continue
                yield (
                    i * kw + j,
                    (slice(None), slice(i, i + sh * (ho - 1) + 1, sh), slice(j, j + sw * (wo - 1) + 1, sw)),
                )

    def get_config(self):
        return {"pool_size": list(self.pool_size), "stride": list(self.stride)}


class MaxPool2D(_Pool2D):
    """Max pooling: out = max over each kh×kw window, windows ``stride`` apart, no padding.

    Input shape: (n, c, h, w). Output shape: (n, c, ⌊(h − kh)/s⌋ + 1, ⌊(w − kw)/s⌋ + 1).
    The gradient flows only to the element that was the maximum. Ties: when several
    elements of a window share the maximum, the gradient goes to the first of them in
    row-major order (top row first, then left to right), the element PyTorch picks too.
    A NaN in a window makes the output NaN and takes the gradient, the last NaN in row-major
    order where there are several, as in PyTorch (the fast passes below route by comparisons,
    which a NaN fails; a batch whose output holds a NaN gets a second, slower pass for its NaNs).

    The window is scanned position by position over the whole batch at once (kh·kw passes),
    keeping the running maximum and the position it came from. In a ``Sequential`` model a
    ReLU right before the pooling is folded into it: max(relu(x)) = relu(max(x)), so the ReLU
    runs on the pooled output, a quarter of the size for 2×2 pools, and its derivative (0
    where the maximum is not positive) is recorded as a position that no pixel has, so that
    the backward pass routes nothing from those windows.
    """

    def _index_dtype(self):
        """The smallest unsigned type that holds every window position and the "none" mark."""
        return np.uint8 if self.pool_size[0] * self.pool_size[1] < 255 else np.uint16

    def _forward(self, x, relu=False, training=True, reuse_input=False, ordered=False, out=None):
        """``reuse_input``: x is scratch that nothing reads after this call (Sequential says so
        for a convolution's output), so the backward pass may write the input gradient over it.
        ``ordered``: x is in the order of the windows (see ``_take_input``). ``out``: where to
        write the output (n, ho, wo, c), such as the interior of the next convolution's padded
        input; by default a buffer of the layer's."""
        n, c, ho, wo = self._take_input(x, training, reuse_input, ordered)
        (_, first), *rest = self._offsets(ho, wo)
        out = self._buffer("out", (n, ho, wo, c), x.dtype) if out is None else out
        if not training:  # prediction: the maximum alone, no record of where it was
            self.argmax = None
            if rest:
                np.maximum(x[first], x[rest[0][1]], out=out)
            else:
                np.copyto(out, x[first])
            for _, where in rest[1:]:
                np.maximum(out, x[where], out=out)
            if relu:
                np.maximum(out, 0, out=out)
            return out
        index = self._index_dtype()
        none = index(np.iinfo(index).max)
        argmax = self.argmax = self._buffer("argmax", out.shape, index)
        # scratch, dead once the call returns: in the workspace the model's layers share
        better = self._buffer("mask", out.shape, bool, shared=True).view(np.uint8)  # 0 or 1, as a number
        step = self._buffer("step", out.shape, index, shared=True)
        if self.pool_size == (2, 2):
            self._two_by_two([x[first]] + [x[where] for _, where in rest], out, argmax, better, step)
        else:
            self._scan(x, first, rest, out, argmax, better, step)
        if out.size and np.isnan(out.max()):  # np.max is NaN exactly where some element is
            self._route_nans(x, first, rest, argmax)
        if relu:  # windows whose maximum is not positive pass no gradient: mark them "none"
            np.less_equal(out, 0, out=better.view(bool))
            np.multiply(better, none, out=step)
            np.maximum(argmax, step, out=argmax)
            np.maximum(out, 0, out=out)
        return out

    def _route_nans(self, x, first, rest, argmax):
        """Where a window holds a NaN, its position k in argmax: the last NaN, as PyTorch's scan
        keeps a new value when it is larger or NaN. The folded ReLU passes its gradient on, as
        PyTorch's does at NaN (its derivative is 0 only where z ≤ 0)."""
        for k, where in [(0, first)] + rest:  # in increasing k: a later NaN overwrites an earlier one
            argmax[np.isnan(x[where])] = k

    def _scan(self, x, first, rest, out, argmax, better, step):
        """Any window: one position after the other, keeping the running maximum and where it was."""
        index = argmax.dtype.type
        np.copyto(out, x[first])
        argmax[...] = 0
        for k, where in rest:
            view = x[where]
            np.greater(view, out, out=better.view(bool))  # strictly: the first maximum is kept on ties
            np.maximum(out, view, out=out)
            # argmax ← k where better. Positions come in increasing order, so k exceeds every
            # value argmax holds yet, and the update is max(argmax, k·better): branch-free
            # (masked copies are slow on random masks) and in the index type throughout.
            np.multiply(better, index(k), out=step)
            np.maximum(argmax, step, out=argmax)

    def _two_by_two(self, views, out, argmax, right, step):
        """2×2 windows, the usual pooling, as a tournament: the maximum of each row's pair
        (a, b) and (c, d), then of the two winners. The strided reads of the input, whose
        contiguous runs are only ``channels`` long, are 4 passes instead of 7; the rest runs
        on contiguous arrays a quarter of the input's size. Ties go to the earlier position
        at every round (strict comparisons), which is the first maximum in row-major order."""
        a, b, c, d = views  # positions 0, 1 (upper row), 2, 3 (lower row)
        lower = self._buffer("lower_max", out.shape, out.dtype, shared=True)
        lower_right = self._buffer("lower_right", out.shape, np.uint8, shared=True)
        np.greater(b, a, out=right.view(bool))  # position 1 beats position 0
        np.maximum(a, b, out=out)
        np.greater(d, c, out=lower_right.view(bool))  # position 3 beats position 2
        np.maximum(c, d, out=lower)
        # argmax = right + down·(2 + lower_right − right), in uint8 (the wrap-around cancels)
        np.subtract(lower_right, right, out=step)
        step += 2
        down = np.greater(lower, out, out=lower_right.view(bool)).view(np.uint8)  # the lower row wins
        step *= down
        np.add(right, step, out=argmax)
        np.maximum(out, lower, out=out)

    def _backward(self, dout, input_gradient=True):
        if self.argmax is None:
            raise RuntimeError("MaxPool2D.backward needs a forward pass with training=True first.")
        ho, wo = dout.shape[1:3]
        mask = self._buffer("mask", dout.shape, bool, shared=True)
        dx, exact = self._dx_buffer(ho, wo, dout.dtype)
        routed = None if exact else self._buffer("routed", dout.shape, dout.dtype, shared=True)
        for k, where in self._offsets(ho, wo):
            np.equal(self.argmax, k, out=mask)
            if exact:  # each pixel belongs to one window: write, don't add
                np.multiply(dout, mask, out=dx[where])
            else:
                dx[where] += np.multiply(dout, mask, out=routed)
        return dx


class AvgPool2D(_Pool2D):
    """Average pooling: out = mean over each kh×kw window; each input gets dout / (kh·kw)."""

    def _forward(self, x, relu=False, training=True, reuse_input=False, ordered=False, out=None):
        n, c, ho, wo = self._take_input(x, training, reuse_input, ordered)
        offsets = list(self._offsets(ho, wo))
        out = self._buffer("out", (n, ho, wo, c), x.dtype) if out is None else out
        np.copyto(out, x[offsets[0][1]])
        for _, where in offsets[1:]:
            out += x[where]
        out *= 1.0 / len(offsets)
        return out

    def _backward(self, dout, input_gradient=True):
        ho, wo = dout.shape[1:3]
        dx, exact = self._dx_buffer(ho, wo, dout.dtype)
        share = np.multiply(
            dout, 1.0 / (self.pool_size[0] * self.pool_size[1]), out=self._buffer("share", dout.shape, dout.dtype)
        )
        for _, where in self._offsets(ho, wo):
            if exact:
                dx[where] = share
            else:
                dx[where] += share
        return dx
