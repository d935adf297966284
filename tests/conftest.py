import os

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


def numerical_gradient(f, x, eps=1e-6):
    """Central differences (f(x + ε) − f(x − ε)) / 2ε of a scalar f, entry by entry of x (in place)."""
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        up = f()
        x[i] = old - eps
        down = f()
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
