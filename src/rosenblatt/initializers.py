"""Weight initializers, each drawing from a ``numpy.random.Generator`` (never the global RNG).

``fan_in`` and ``fan_out`` count the connections into and out of one unit: for a dense layer
of shape (out, in) they are in and out; for a convolution of shape (out, in, kh, kw) they are
in·kh·kw and out·kh·kw.
"""

import numpy as np


def fans(shape):
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def zeros(shape, rng, dtype=np.float32):
    return np.zeros(shape, dtype=dtype)


def glorot_uniform(shape, rng, dtype=np.float32):
    """U(−√(6/(fan_in + fan_out)), +√(6/(fan_in + fan_out))), for sigmoid and tanh units."""
    fan_in, fan_out = fans(shape)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


def he_uniform(shape, rng, dtype=np.float32):
    """U(−√(6/fan_in), +√(6/fan_in)), which keeps the variance of ReLU activations steady."""
    fan_in, _ = fans(shape)
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


def lecun_uniform(shape, rng, dtype=np.float32):
    """U(−1/√fan_in, +1/√fan_in): PyTorch's default for Linear and Conv2d weights."""
    fan_in, _ = fans(shape)
    limit = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


INITIALIZERS = {
    "zeros": zeros,
    "glorot_uniform": glorot_uniform,
    "he_uniform": he_uniform,
    "lecun_uniform": lecun_uniform,
}


def get(name):
    if callable(name):
        return name
    try:
        return INITIALIZERS[name]
    except KeyError:
        raise ValueError(
            f"Unknown initializer. Expected one of {sorted(INITIALIZERS)}. Received: initializer={name!r}"
        ) from None
