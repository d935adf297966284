import numpy as np

from .. import functional as F
from .. import initializers
from .base import Layer

#: Bytes of im2col rows per chunk of the batch: small enough to stay in cache.
CHUNK_BYTES = 4 << 20


def _positive(value, name):
    v = F.pair(value, name)
    if min(v) < 1:
        raise ValueError(f"{name} must be positive. Received: {name}={value!r}")
    return v


def _same_view(a, b):
    """Whether a and b are the same view of the same memory."""
    return a.shape == b.shape and a.strides == b.strides and a.dtype == b.dtype and a.ctypes.data == b.ctypes.data


class Conv2D(Layer):
    """2-D convolution (cross-correlation, as in PyTorch and Keras) with zero padding.

    Input shape: (n, in_channels, h, w). Output shape: (n, filters, ho, wo) with
    ho = ⌊(h + 2p − kh)/s⌋ + 1 and likewise wo. ``weight`` has shape (filters, in_channels,
    kh, kw), ``bias`` (filters,).

    z[n, f, y, x] = b_f + Σ_{c,i,j} w[f, c, i, j] · x_pad[n, c, s·y + i, s·x + j]

    Inside a ``Sequential`` model the layer computes channels-last, (n, h, w, c), where every
    receptive field is one contiguous run of memory:

    - forward: one strided copy lays the fields out as rows (im2col), each ending with a 1,
      then one matrix product with the weights stacked over the bias gives the output, bias
      added, already channels-last;
    - backward: colsᵀ·δ gives ∂L/∂w and, from the column of ones, ∂L/∂b = Σ δ in its last
      row; ∂L/∂x, for stride 1, is the full convolution
      of δ with the kernels flipped in space (another im2col and matrix product), and for larger
      strides the rows δ·W scattered back with col2im. The first layer of a model skips ∂L/∂x.
    """

    layout = "image"

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

    # The public, NCHW face of the layer: fresh arrays in and out.
    def forward(self, x):
        self._ensure_built(x)
        # .copy(), not ascontiguousarray: with one channel the transpose is already contiguous
        # and would hand back the layer's reused buffer
        return self._forward(np.ascontiguousarray(x.transpose(0, 2, 3, 1))).transpose(0, 3, 1, 2).copy()

    def backward(self, dout):
        self._require_forward("x_padded")
        delta = np.ascontiguousarray(dout.transpose(0, 2, 3, 1))
        if self.order is not None:  # the last forward pass was a model's, in its pooling's order
            delta = np.ascontiguousarray(F.window_order(delta, self.order))
        dx = self._backward(delta)
        return dx.transpose(0, 3, 1, 2).copy()

    # Channels-last kernels, writing into reused buffers.
    def _weight_matrix(self):
        """weight (f, c, kh, kw) as the (kh·kw·c, f) matrix that multiplies im2col rows."""
        return self.params["weight"].transpose(2, 3, 1, 0).reshape(-1, self.filters)

    def _weight_and_bias(self, matrix):
        """The (k + 1, f) matrix that multiplies im2col rows ending with a 1: ``matrix`` (k, f),
        the weights in the rows' order, over the bias."""
        stacked = self._buffer("weight_and_bias", (len(matrix) + 1, self.filters), matrix.dtype)
        stacked[:-1] = matrix
        stacked[-1] = self.params["bias"]
        return stacked

    def _chunks(self, n, rows_per_sample, row_bytes):
        """Slices of the batch small enough that one chunk's im2col rows (about CHUNK_BYTES)
        stay in cache while the matrix product reads them."""
        per_sample = max(1, rows_per_sample * row_bytes)
        size = max(1, min(n, CHUNK_BYTES // per_sample))
        return [slice(i, min(n, i + size)) for i in range(0, n, size)]

    def _forward(self, x, training=True, channels_first=False, order=None):
        """x channels-last (n, h, w, c), or with ``channels_first`` the images as they come,
        (n, c, h, w) (the first layer of a model); the output is channels-last either way.

        ``order`` = (a, b): a pooling of a×b windows, a×b apart, comes next (``Sequential``
        says so), and the output is (n, a, b, ho/a, wo/b, f), its pixels in the order of the
        pooling windows (see ``functional.window_order``). Only the order of the im2col rows
        changes; ``_backward`` then takes δ in the same order."""
        self.order = order
        if channels_first:
            return self._forward_channels_first(x)
        n, h, w, c = x.shape
        ph, pw = self.padding
        if ph or pw:
            padded, interior = self._padded_input(x.shape, x.dtype)
            if not _same_view(x, interior):  # else the layer before wrote its output in place
                np.copyto(interior, x)
            x = padded
        _, ho, wo = self.compute_output_shape((c, h, w))
        self.x_padded, self.x_shape, self.channels_first = x, (n, h, w, c), False
        weight = self._weight_and_bias(self._weight_matrix())
        z = self._buffer("z", (n, ho * wo, self.filters), x.dtype)
        for part, cols in self._cols(x, ho, wo):
            np.matmul(cols, weight, out=z[part].reshape(-1, self.filters))
        return self._output(z, ho, wo)

    def _cols(self, x, ho, wo):
        """For each chunk of the batch, its slice and its im2col rows, each ending with a 1,
        from a padded channels-last x, in ``self.order``."""
        k = self.params["weight"][0].size + 1
        for part in self._chunks(len(x), ho * wo, k * x.itemsize):
            rows = (part.stop - part.start) * ho * wo
            out = self._buffer("cols", (rows, k), x.dtype, shared=True)
            yield part, F.im2col(x[part], self.kernel_size, self.stride, out=out, order=self.order, ones=True)

    def _padded_input(self, shape, dtype):
        """The zero-bordered buffer that the forward pass reads a channels-last x of ``shape``
        from, and the view of its interior that x is copied to. ``Sequential`` hands that view
        to the layer before as its output buffer, which spares the copy."""
        n, h, w, c = shape
        ph, pw = self.padding
        padded = self._buffer("padded", (n, h + 2 * ph, w + 2 * pw, c), dtype, zero=True)
        return padded, padded[:, ph : ph + h, pw : pw + w]

    def _output(self, z, ho, wo):
        """z (n, ho·wo, f) as the image it is: (n, ho, wo, f), or in the pooling's order."""
        if self.order is None:
            return z.reshape(len(z), ho, wo, self.filters)
        a, b = self.order
        return z.reshape(len(z), a, b, ho // a, wo // b, self.filters)

    def _forward_channels_first(self, x):
        """The first layer's forward pass, on images (n, c, h, w) as they come.

        A first layer has few channels (1 for grey, 3 for colour), and channels-last im2col
        rows would then be copied in runs of kw·c numbers. Channels-first, the transposed rows
        colsᵀ[(c, i, j), (n, y, x)] = x_pad[n, c, s·y + i, s·x + j] are copied in runs of a
        whole output row, and z = (colsᵀ)ᵀ·W comes out channels-last, as the next layers want.

        In a pooling's window order those runs would be strided (every b-th column): the input
        is then first copied into its column phases (``_phases``), from which the rows are runs
        of a pooled output row.
        """
        n, c, h, w = x.shape
        (ph, pw) = self.padding
        _, ho, wo = self.compute_output_shape((c, h, w))
        if self.order is not None:
            x = self._phases(x, ho, wo)
        elif ph or pw:
            padded = self._buffer("padded_nchw", (n, c, h + 2 * ph, w + 2 * pw), x.dtype, zero=True)
            padded[:, :, ph : ph + h, pw : pw + w] = x
            x = padded
        self.x_padded, self.x_shape, self.channels_first = x, (n, h, w, c), True
        weight = self._weight_and_bias(self.params["weight"].reshape(self.filters, -1).T)  # rows in (c, i, j) order
        z = self._buffer("z", (n, ho * wo, self.filters), x.dtype)
        for part, cols_t in self._transposed_cols(x, ho, wo):
            np.matmul(cols_t.T, weight, out=z[part].reshape(-1, self.filters))
        return self._output(z, ho, wo)

    def _phases(self, x, ho, wo):
        """The column phases of the padded images x_pad, for output in (a, b) window order:
        P[n, c, r, v, x] = x_pad[n, c, r, b·sw·x + v], for the (b − 1)·sw + kw columns v that
        the windows' positions and the kernel reach.

        Output pixel (a·y + i, b·x + j) reads x_pad[n, c, sh·(a·y + i) + ki, sw·(b·x + j) + kj]
        = P[n, c, sh·(a·y + i) + ki, sw·j + kj, x]: its im2col rows are runs of wo/b numbers, as
        long as a row of a pooled output, where straight from x_pad they would step by b. P is
        copied from the unpadded images x (n, c, h, w), one strided copy per phase v; the zero
        padding is the part of P's zeroed buffer that no copy writes. It is kept for the
        backward pass (twice the padded images for a 3×3 kernel and 2×2 pools)."""
        kw, sw, b = self.kernel_size[1], self.stride[1], self.order[1]
        n, c, h, w = x.shape
        ph, pw = self.padding
        phases = self._buffer("phases", (n, c, h + 2 * ph, (b - 1) * sw + kw, wo // b), x.dtype, zero=True)
        step = b * sw
        for v in range(phases.shape[3]):
            # the phase's columns x that fall inside the image: 0 ≤ step·x + v − pw < w
            first, last = max(0, -((v - pw) // step)), min(wo // b - 1, (w - 1 + pw - v) // step)
            if first <= last:
                start = step * first + v - pw
                phases[:, :, ph : ph + h, v, first : last + 1] = x[
                    :, :, :, start : start + step * (last - first) + 1 : step
                ]
        return phases

    def _transposed_cols(self, x, ho, wo):
        """For each chunk of the batch, its slice and colsᵀ, of shape (c·kh·kw + 1, rows), from a
        padded channels-first x, or in ``self.order`` from its phases (see ``_phases``); the
        last row is ones (the bias's)."""
        n, c = x.shape[:2]
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        k = c * kh * kw
        if self.order is None:
            s0, s1, s2, s3 = x.strides
            positions, steps = (ho, wo), (s2 * sh, s3 * sw)
        else:
            a, b = self.order
            s0, s1, s2, s3, s4 = x.strides
            positions, steps = (a, b, ho // a, wo // b), (s2 * sh, s3 * sw, s2 * sh * a, s4)
        for part in self._chunks(n, ho * wo, (k + 1) * x.itemsize):
            m = part.stop - part.start
            window = np.lib.stride_tricks.as_strided(
                x[part], shape=(c, kh, kw, m) + positions, strides=(s1, s2, s3, s0) + steps, writeable=False
            )
            cols_t = self._buffer("cols_t", (k + 1, m * ho * wo), x.dtype, shared=True)
            np.copyto(cols_t[:k].reshape(window.shape), window)
            cols_t[k] = 1
            yield part, cols_t

    def _backward(self, dout, input_gradient=True):
        """∂L/∂w and ∂L/∂b = Σ over chunks of colsᵀ·δ, with each chunk's im2col rows recomputed
        from the kept input instead of stored (that memory would be the largest in the network)."""
        n, f, (ho, wo) = len(dout), self.filters, self.output_shape[1:]
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        x = self.x_padded
        k = self.params["weight"][0].size
        delta = dout.reshape(n, ho * wo, f)
        dw = np.zeros((k + 1, f), dtype=dout.dtype)  # the weights' rows, then the bias's
        part_dw = self._buffer("part_dw", (k + 1, f), dout.dtype)
        if self.channels_first:
            for part, cols_t in self._transposed_cols(x, ho, wo):
                dw += np.matmul(cols_t, delta[part].reshape(-1, f), out=part_dw)
            self.grads["weight"][...] = dw[:k].T.reshape(self.params["weight"].shape)
        else:
            for part, cols in self._cols(x, ho, wo):
                dw += np.matmul(cols.T, delta[part].reshape(-1, f), out=part_dw)
            self.grads["weight"][...] = dw[:k].reshape(self.kernel_size + (-1, f)).transpose(3, 2, 0, 1)
        self.grads["bias"][...] = dw[k]
        if not input_gradient:
            return None
        if self.stride == (1, 1) and ph < kh and pw < kw:
            return self._input_gradient_full_convolution(dout)
        if self.order is not None:  # col2im adds rows in image order
            spatial = np.empty((n, ho, wo, f), dtype=dout.dtype)
            np.copyto(F.window_order(spatial, self.order), dout)
            delta = spatial.reshape(n, ho * wo, f)
        dcols = delta.reshape(-1, f) @ self._weight_matrix().T
        _, h, w, c = self.x_shape
        dxp = F.col2im(dcols, (n, h + 2 * ph, w + 2 * pw, c), self.kernel_size, self.stride)
        return dxp[:, ph : ph + h, pw : pw + w]

    def _input_gradient_full_convolution(self, dout):
        """∂L/∂x for stride 1: δ padded by k − 1 − p and convolved with the kernels flipped in
        space and transposed in channels, computed chunk by chunk of the batch.

        Full im2col rows of δ would be kh·kw·f long. Instead the rows are laid out along the
        width only, R[(s, y, x), (j, f)] = δ_pad[s, y, x + j, f] for every padded row y of
        every sample s, one sample after the other, and one matrix product gives every kernel
        row's share at once: P = R·[W_flip,0 … W_flip,kh−1], kh·c columns (a product with kh
        times more columns runs faster than kh narrow ones, about 1.5× for c = 16). Kernel row
        i's share for output row y is P's block i in the row i·w further on, so that
        dx[s, y] = Σᵢ P[(s, y + i), block i]: kh strided views of P, added. The rows of P past
        the last valid output row of a sample are never read.
        """
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        n, f, (ho, wo) = len(dout), self.filters, self.output_shape[1:]
        qh, qw = kh - 1 - ph, kw - 1 - pw
        _, h, w, c = self.x_shape
        hp = ho + 2 * qh  # padded rows per sample; h = hp − kh + 1
        # W_flip[(j, f), (i, c)] = w[f, c, kh − 1 − i, kw − 1 − j]
        w_flip = self.params["weight"][:, :, ::-1, ::-1].transpose(3, 0, 2, 1).reshape(kw * f, kh * c)
        dx = self._buffer("dx", (n, h, w, c), dout.dtype)
        for part in self._chunks(n, hp * w, kw * f * dout.itemsize):
            m = part.stop - part.start
            d = dout[part]
            if qh or qw or self.order is not None:
                shape = (m, hp, wo + 2 * qw, f)
                # One shared buffer per padded layout: its border is zeroed once and never
                # written, and layers of other shapes or paddings would each zero it again.
                name = "padded_delta_" + "_".join(map(str, shape[1:] + (qh, qw)))
                padded = self._buffer(name, shape, dout.dtype, zero=True, shared=True)
                if self.order is None:
                    d = F.pad_into(d, (qh, qw), padded)
                else:  # δ in the pooling's order, back in image order as it is copied
                    np.copyto(F.window_order(padded[:, qh : qh + ho, qw : qw + wo], self.order), d)
                    d = padded
            rows = self._buffer("dcols", (m * hp * w, kw * f), dout.dtype, shared=True)
            F.im2col(d, (1, kw), (1, 1), out=rows)  # width-only im2col: (m, hp, w) rows
            shares = np.matmul(
                rows, w_flip, out=self._buffer("dx_shares", (m * hp * w, kh * c), dout.dtype, shared=True)
            )
            size = shares.itemsize
            strides = (hp * w * kh * c * size, w * kh * c * size, kh * c * size, size)

            def block(i):  # (s, y, x, ch) ↦ shares[row (s, y + i, x), column i·c + ch]
                return np.ndarray((m, h, w, c), shares.dtype, shares, (i * w * kh + i) * c * size, strides)

            out = dx[part]
            if kh == 1:
                np.copyto(out, block(0))
            else:
                np.add(block(0), block(1), out=out)
                for i in range(2, kh):
                    out += block(i)
        return dx

    def get_config(self):
        return {
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "stride": list(self.stride),
            "padding": list(self.padding),
        }
