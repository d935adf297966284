"""The fast im2col/strided kernels against the plain loop implementations (their oracle)."""

import numpy as np
import pytest

from rosenblatt import layers as L
from rosenblatt.layers import reference as R

#: (in channels, filters, kernel, stride, padding, image size): stride 1 (the input gradient as a
#: full convolution: δ padded by k − 1 − p, from 4 down to 0) and strides 2, 3 (col2im),
#: non-square kernels, sizes the stride does not divide.
CONV_CASES = [
    (1, 2, 3, 1, 0, (6, 6)),
    (1, 2, 3, 1, 1, (6, 6)),
    (3, 4, (2, 3), 2, 1, (9, 7)),
    (2, 3, (3, 2), 3, 2, (8, 11)),
    (2, 2, 5, 1, 2, (5, 5)),
    (3, 2, 5, 1, 0, (7, 5)),
    (2, 2, 3, 1, 2, (4, 5)),
    # full convolution with 1, 2 and 3 kernel rows (the kernel rows' shares are added up)
    (2, 3, (1, 3), 1, 0, (5, 6)),
    (2, 3, 1, 1, 0, (4, 4)),
    (2, 3, (2, 3), 1, 1, (5, 4)),
    (3, 2, (3, 1), 1, (1, 0), (6, 5)),
]


@pytest.mark.parametrize("c, f, kernel, stride, padding, hw", CONV_CASES)
def test_conv_matches_reference(c, f, kernel, stride, padding, hw, rng):
    x = rng.normal(size=(3, c) + hw)
    layer = L.Conv2D(f, kernel, stride=stride, padding=padding)
    layer.build(x.shape[1:], rng, np.float64)
    layer.params["bias"][...] = rng.normal(size=f)
    out = layer.forward(x)
    np.testing.assert_allclose(
        out,
        R.conv2d_forward(x, layer.params["weight"], layer.params["bias"], layer.stride, layer.padding),
        rtol=1e-12,
        atol=1e-12,
    )
    dout = rng.normal(size=out.shape)
    dx = layer.backward(dout)
    rdx, rdw, rdb = R.conv2d_backward(dout, x, layer.params["weight"], layer.stride, layer.padding)
    np.testing.assert_allclose(dx, rdx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grads["weight"], rdw, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grads["bias"], rdb, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("c, f, kernel, stride, padding, hw", CONV_CASES)
@pytest.mark.parametrize("chunk_bytes", [None, 1])
@pytest.mark.parametrize("channels_first", [False, True])
def test_both_input_layouts_match_reference(
    c, f, kernel, stride, padding, hw, chunk_bytes, channels_first, rng, monkeypatch
):
    """The kernels Sequential runs: channels-last inside a network, channels-first for the
    first layer (transposed im2col rows); whole batches and one sample per chunk."""
    from rosenblatt.layers import conv as conv_module

    if chunk_bytes is not None:
        monkeypatch.setattr(conv_module, "CHUNK_BYTES", chunk_bytes)
    x = rng.normal(size=(3, c) + hw)
    layer = L.Conv2D(f, kernel, stride=stride, padding=padding)
    layer.build(x.shape[1:], rng, np.float64)
    layer.params["bias"][...] = rng.normal(size=f)
    w, b = layer.params["weight"], layer.params["bias"]
    given = x if channels_first else np.ascontiguousarray(x.transpose(0, 2, 3, 1))
    out = layer._forward(given, channels_first=channels_first)  # channels-last either way
    reference = R.conv2d_forward(x, w, b, layer.stride, layer.padding)
    np.testing.assert_allclose(out, reference.transpose(0, 2, 3, 1), rtol=1e-12, atol=1e-12)
    dout = rng.normal(size=reference.shape)
    dx = layer._backward(np.ascontiguousarray(dout.transpose(0, 2, 3, 1)))
    rdx, rdw, rdb = R.conv2d_backward(dout, x, w, layer.stride, layer.padding)
    np.testing.assert_allclose(dx, rdx.transpose(0, 2, 3, 1), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grads["weight"], rdw, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grads["bias"], rdb, rtol=1e-12, atol=1e-12)


def test_layers_padding_delta_differently_share_no_stale_border(rng):
    """5×5 pad 2 then 5×5 pad 3: both pad δ into (n, h + 4, w + 4, f) buffers, by 2 and by 1.
    The second layer's wider δ must not be left in the first layer's border."""
    from rosenblatt.model import Sequential

    model = Sequential([L.Conv2D(2, 5, padding=2), L.Conv2D(2, 5, padding=3)], seed=0, dtype="float64")
    x = rng.normal(size=(2, 1, 6, 6))
    out = model.forward(x)
    dout = rng.normal(size=out.shape)
    dx = model.backward(dout)
    first, second = model.layers
    z1 = R.conv2d_forward(x, first.params["weight"], first.params["bias"], first.stride, first.padding)
    dz1, _, _ = R.conv2d_backward(dout, z1, second.params["weight"], second.stride, second.padding)
    rdx, rdw1, _ = R.conv2d_backward(dz1, x, first.params["weight"], first.stride, first.padding)
    np.testing.assert_allclose(dx, rdx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(first.grads["weight"], rdw1, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "pool, stride, hw", [(2, 2, (6, 6)), (2, 1, (5, 6)), (3, 2, (7, 9)), ((2, 3), (1, 1), (5, 6)), (1, 1, (3, 4))]
)
@pytest.mark.parametrize("nans", [False, True])
def test_pooling_matches_reference_with_ties(pool, stride, hw, nans, rng):
    # Small integers: many windows hold their maximum more than once; some hold NaNs.
    x = rng.integers(0, 3, size=(2, 2) + hw).astype(np.float64)
    if nans:
        x[rng.random(x.shape) < 0.2] = np.nan
    for cls, fwd, bwd in [
        (L.MaxPool2D, R.maxpool2d_forward, R.maxpool2d_backward),
        (L.AvgPool2D, R.avgpool2d_forward, R.avgpool2d_backward),
    ]:
        layer = cls(pool, stride)
        out = layer.forward(x)
        np.testing.assert_allclose(out, fwd(x, layer.pool_size, layer.stride), rtol=1e-12)
        dout = rng.normal(size=out.shape)
        np.testing.assert_allclose(layer.backward(dout), bwd(dout, x, layer.pool_size, layer.stride), rtol=1e-12)


def test_input_smaller_than_kernel_is_a_clear_error():
    with pytest.raises(ValueError, match="smaller than the kernel"):
        L.Conv2D(2, 5).forward(np.zeros((1, 1, 4, 4)))
    with pytest.raises(ValueError, match="smaller than the kernel"):
        L.MaxPool2D(3).forward(np.zeros((1, 1, 2, 5)))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(filters=0, kernel_size=3), "filters must be a positive integer. Received: filters=0"),
        (dict(filters=2, kernel_size=(3, 0)), r"kernel_size must be positive. Received: kernel_size=\(3, 0\)"),
        (dict(filters=2, kernel_size=3, stride=0), "stride must be positive. Received: stride=0"),
        (dict(filters=2, kernel_size=3, padding=-1), "padding must be non-negative. Received: padding=-1"),
        (
            dict(filters=2, kernel_size="3"),
            "kernel_size must be an int or a tuple of 2 ints. Received: kernel_size='3'",
        ),
    ],
)
def test_conv_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        L.Conv2D(**kwargs)


@pytest.mark.parametrize("stride, padding", [(1, 1), (1, 0), (2, 1)])
def test_conv_in_chunks_of_the_batch_matches_reference(stride, padding, rng, monkeypatch):
    """Conv2D works through the batch in cache-sized chunks; force one sample per chunk."""
    from rosenblatt.layers import conv as conv_module
    from rosenblatt.model import Sequential

    monkeypatch.setattr(conv_module, "CHUNK_BYTES", 1)
    x = rng.normal(size=(5, 2, 7, 6))
    model = Sequential(
        [L.Conv2D(3, 3, stride=stride, padding=padding), L.Conv2D(2, (2, 3), padding=1)], seed=0, dtype="float64"
    )
    out = model.forward(x)
    first, second = model.layers
    w1, b1, w2, b2 = first.params["weight"], first.params["bias"], second.params["weight"], second.params["bias"]
    z1 = R.conv2d_forward(x, w1, b1, first.stride, first.padding)
    np.testing.assert_allclose(out, R.conv2d_forward(z1, w2, b2, second.stride, second.padding), rtol=1e-12)
    dout = rng.normal(size=out.shape)
    dx = model.backward(dout)
    dz1, dw2, db2 = R.conv2d_backward(dout, z1, w2, second.stride, second.padding)
    rdx, rdw1, rdb1 = R.conv2d_backward(dz1, x, w1, first.stride, first.padding)
    for ours, ref in [
        (dx, rdx),
        (first.grads["weight"], rdw1),
        (first.grads["bias"], rdb1),
        (second.grads["weight"], dw2),
        (second.grads["bias"], db2),
    ]:
        np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)
