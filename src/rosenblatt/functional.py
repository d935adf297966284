"""Numerically stable maths shared by the engine.

Every function here works for any finite input, in float32 and float64, without overflow
warnings and without NaN: exponentials only ever see non-positive arguments.
"""

import math

import numpy as np


def sigmoid(x):
    """σ(x) = 1 / (1 + e^(−x)), computed by sign so that e^(·) never overflows."""
    x = np.asarray(x)
    e = np.exp(-np.abs(x))  # in (0, 1]
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(_float_dtype(x), copy=False)


def log_sigmoid(x):
    """log σ(x) = −log(1 + e^(−x)) = −logaddexp(0, −x)."""
    x = np.asarray(x)
    return -np.logaddexp(np.zeros((), dtype=_float_dtype(x)), -x)


def logsumexp(x, axis=-1, keepdims=False):
    """log Σ e^(x), shifted by the maximum so that the largest exponent is e^0."""
    x = np.asarray(x)
    m = np.max(x, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def softmax(x, axis=-1):
    """e^(x − max x) / Σ e^(x − max x): the same value as the naive formula, never overflowing."""
    x = np.asarray(x)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    """x − logsumexp(x)."""
    return np.asarray(x) - logsumexp(x, axis=axis, keepdims=True)


def conv_output_size(size, kernel, stride, padding):
    """The floor rule ⌊(n + 2p − k)/s⌋ + 1; a ValueError when the kernel does not fit."""
    padded = size + 2 * padding
    if padded < kernel:
        raise ValueError(
            f"The input is smaller than the kernel: input size {size} with padding {padding} "
            f"is {padded}, but the kernel size is {kernel}."
        )
    return (padded - kernel) // stride + 1


def _float_dtype(x):
    return x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64


def pair(value, name):
    """Turn an int or a pair of ints into a pair, naming the argument when it is neither."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
    ):
        return int(value[0]), int(value[1])
    raise ValueError(f"{name} must be an int or a tuple of 2 ints. Received: {name}={value!r}")


def windows(x, kernel, stride, order=None):
    """Every kh×kw window of a channels-last array x (n, h, w, c), ``stride`` apart, as a
    strided view of shape (n, ho, wo, kh, kw, c): no data is copied.

    With ``order`` = (a, b), the output positions come in the order of the a×b pooling windows
    that tile them: the view has shape (n, a, b, ho/a, wo/b, kh, kw, c), and [s, i, j, y, x]
    is the window of output position (a·y + i, b·x + j) (see ``window_order``).
    """
    (kh, kw), (sh, sw) = kernel, stride
    n, h, w, c = x.shape
    ho, wo = conv_output_size(h, kh, sh, 0), conv_output_size(w, kw, sw, 0)
    s0, s1, s2, s3 = x.strides
    if order is None:
        shape, strides = (n, ho, wo), (s0, s1 * sh, s2 * sw)
    else:
        a, b = order
        shape, strides = (n, a, b, ho // a, wo // b), (s0, s1 * sh, s2 * sw, s1 * sh * a, s2 * sw * b)
    return np.lib.stride_tricks.as_strided(
        x, shape=shape + (kh, kw, c), strides=strides + (s1, s2, s3), writeable=False
    )


def window_order(x, order):
    """A view of a channels-last x (n, h, w, c) with its pixels in the order of the a×b windows
    that tile it, (n, a, b, h/a, w/b, c): [s, i, j, y, x] is pixel (a·y + i, b·x + j).

    A convolution followed by a pooling of a×b windows, a×b apart, writes its output in this
    order, so that each position of the window is one contiguous block per sample: the
    pooling then reads and writes whole blocks instead of runs of c numbers.
    """
    a, b = order
    n, h, w, c = x.shape
    s0, s1, s2, s3 = x.strides
    return np.lib.stride_tricks.as_strided(
        x, shape=(n, a, b, h // a, w // b, c), strides=(s0, s1, s2, s1 * a, s2 * b, s3)
    )


def im2col(x, kernel, stride, out=None, order=None, ones=False):
    """Lay every receptive field of a channels-last x (n, h, w, c) out as one row, so that a
    convolution is one matrix product.

    Returns ``cols`` of shape (n·ho·wo, kh·kw·c): rows in (n, ho, wo) order, or with ``order``
    in the order of ``windows``, columns in (kh, kw, c) order. The windows are a strided view;
    filling ``cols`` is the one copy. With ``ones`` each row ends with one more number, a 1:
    the product with the weights stacked over the bias then adds the bias, and colsᵀ·δ has
    Σ δ, the bias's gradient, as its last row.
    """
    win = windows(x, kernel, stride, order)
    *lead, kh, kw, c = win.shape
    k = kh * kw * c
    rows = win.size // k
    if out is None:
        out = np.empty((rows, k + ones), dtype=x.dtype)
    if out.shape != (rows, k + ones) or not out.flags.c_contiguous:
        raise ValueError(
            f"out must be a C-contiguous array of shape {(rows, k + ones)}. Received: out of shape {out.shape}."
        )
    # each row's first k numbers, in the windows' shape (a view, also with the column of ones)
    item, row = out.itemsize, out.strides[0]
    lead_strides = tuple(row * math.prod(lead[i + 1 :]) for i in range(len(lead)))
    np.copyto(np.ndarray(win.shape, out.dtype, out, 0, lead_strides + (kw * c * item, c * item, item)), win)
    if ones:
        out[:, k] = 1
    return out


def col2im(cols, x_shape, kernel, stride):
    """The adjoint of ``im2col``: add every row of ``cols`` back onto the pixels it came from.

    Overlapping windows add up, which is exactly the sum over all the outputs a pixel fed.
    The loop runs over the kh·kw kernel offsets only, never over samples or pixels.
    """
    (kh, kw), (sh, sw) = kernel, stride
    n, h, w, c = x_shape
    ho, wo = conv_output_size(h, kh, sh, 0), conv_output_size(w, kw, sw, 0)
    d = cols.reshape(n, ho, wo, kh, kw, c)
    dx = np.zeros(x_shape, dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            dx[:, i : i + sh * ho : sh, j : j + sw * wo : sw] += d[:, :, :, i, j]
    return dx


def pad_into(x, padding, out):
    """Copy x (n, h, w, c) into the middle of ``out`` (n, h + 2ph, w + 2pw, c), whose border is zero."""
    ph, pw = padding
    out[:, ph : ph + x.shape[1], pw : pw + x.shape[2]] = x
    return out
