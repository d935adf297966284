"""Plain, obviously-correct convolution and pooling, written as the equations read.

These loop over every output position and are slow on purpose: they are the test oracle of
the fast im2col kernels in ``conv.py`` and ``pooling.py``, never used for training.
"""

import numpy as np

from .. import functional as F


def conv2d_forward(x, weight, bias, stride=1, padding=0):
    """z[n, f, y, x] = b_f + Σ_{c,i,j} w[f, c, i, j] · x_pad[n, c, s·y + i, s·x + j]."""
    (sh, sw), (ph, pw) = F.pair(stride, "stride"), F.pair(padding, "padding")
    n, c, h, w = x.shape
    f, _, kh, kw = weight.shape
    ho, wo = F.conv_output_size(h, kh, sh, ph), F.conv_output_size(w, kw, sw, pw)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    z = np.zeros((n, f, ho, wo), dtype=x.dtype)
    for s in range(n):
        for k in range(f):
            for y in range(ho):
                for xx in range(wo):
                    window = xp[s, :, y * sh : y * sh + kh, xx * sw : xx * sw + kw]
                    z[s, k, y, xx] = np.sum(window * weight[k]) + bias[k]
    return z


def conv2d_backward(dout, x, weight, stride=1, padding=0):
    """Each output z[n, f, y, x] sends δ·w back to the inputs it read and δ·x to its weights."""
    (sh, sw), (ph, pw) = F.pair(stride, "stride"), F.pair(padding, "padding")
    n, c, h, w = x.shape
    f, _, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(weight)
    db = np.zeros(f, dtype=x.dtype)
    for s in range(n):
        for k in range(f):
            for y in range(dout.shape[2]):
                for xx in range(dout.shape[3]):
                    d = dout[s, k, y, xx]
                    rows, cols = slice(y * sh, y * sh + kh), slice(xx * sw, xx * sw + kw)
                    dxp[s, :, rows, cols] += d * weight[k]
                    dw[k] += d * xp[s, :, rows, cols]
                    db[k] += d
    return dxp[:, :, ph : ph + h, pw : pw + w], dw, db


def _pool_forward(x, pool_size, stride, reduce):
    (kh, kw), (sh, sw) = F.pair(pool_size, "pool_size"), F.pair(stride, "stride")
    n, c, h, w = x.shape
    ho, wo = F.conv_output_size(h, kh, sh, 0), F.conv_output_size(w, kw, sw, 0)
    out = np.zeros((n, c, ho, wo), dtype=x.dtype)
    for s in range(n):
        for ch in range(c):
            for y in range(ho):
                for xx in range(wo):
                    out[s, ch, y, xx] = reduce(x[s, ch, y * sh : y * sh + kh, xx * sw : xx * sw + kw])
    return out


def maxpool2d_forward(x, pool_size, stride):
    return _pool_forward(x, pool_size, stride, np.max)


def avgpool2d_forward(x, pool_size, stride):
    return _pool_forward(x, pool_size, stride, np.mean)


def maxpool2d_backward(dout, x, pool_size, stride):
    """The gradient goes to the first maximum of each window in row-major order, or to its last
    NaN where it holds one (PyTorch's rule)."""
    (kh, kw), (sh, sw) = F.pair(pool_size, "pool_size"), F.pair(stride, "stride")
    dx = np.zeros_like(x)
    n, c, ho, wo = dout.shape
    for s in range(n):
        for ch in range(c):
            for y in range(ho):
                for xx in range(wo):
                    window = x[s, ch, y * sh : y * sh + kh, xx * sw : xx * sw + kw]
                    nans = np.flatnonzero(np.isnan(window))
                    k = nans[-1] if len(nans) else np.argmax(window)
                    i, j = np.unravel_index(k, window.shape)
                    dx[s, ch, y * sh + i, xx * sw + j] += dout[s, ch, y, xx]
    return dx


def avgpool2d_backward(dout, x, pool_size, stride):
    (kh, kw), (sh, sw) = F.pair(pool_size, "pool_size"), F.pair(stride, "stride")
    dx = np.zeros_like(x)
    n, c, ho, wo = dout.shape
    for s in range(n):
        for ch in range(c):
            for y in range(ho):
                for xx in range(wo):
                    dx[s, ch, y * sh : y * sh + kh, xx * sw : xx * sw + kw] += dout[s, ch, y, xx] / (kh * kw)
    return dx
