"""Optimizers over (param, grad) pairs, updating the parameters in place.

The conventions match PyTorch's ``torch.optim`` so that the same hyperparameters give the
same trajectory.
"""

import math

import numpy as np


class Optimizer:
    def __init__(self, learning_rate):
        if not (isinstance(learning_rate, (int, float, np.floating)) and learning_rate > 0):
            raise ValueError(f"learning_rate must be a positive number. Received: learning_rate={learning_rate!r}")
        self.learning_rate = float(learning_rate)
        self.state = {}

    def step(self, pairs):
        for i, (param, grad) in enumerate(pairs):
            self._update(i, param, grad)

    def _update(self, i, param, grad):
        raise NotImplementedError


class SGD(Optimizer):
    """Gradient descent exactly as in the lecture: w ← w − α ∂L/∂w."""

    def __init__(self, learning_rate=0.01):
        super().__init__(learning_rate)

    def _update(self, i, param, grad):
        step = self.state.get(i)
        if step is None or step.shape != grad.shape:
            step = self.state[i] = np.empty_like(param)
        param -= np.multiply(grad, self.learning_rate, out=step)


class Momentum(Optimizer):
    """Heavy-ball momentum (PyTorch's form): v ← μ v + ∂L/∂w, then w ← w − α v."""

    def __init__(self, learning_rate=0.01, momentum=0.9):
        super().__init__(learning_rate)
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1). Received: momentum={momentum!r}")
        self.momentum = float(momentum)

    def _update(self, i, param, grad):
        if i not in self.state:
            self.state[i] = (grad.copy(), np.empty_like(param))
        else:
            v, _ = self.state[i]
            v *= self.momentum
            v += grad
        v, step = self.state[i]
        param -= np.multiply(v, self.learning_rate, out=step)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), as torch.optim.Adam:

    m ← β₁ m + (1 − β₁) g,  v ← β₂ v + (1 − β₂) g²,
    w ← w − α · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε).
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        super().__init__(learning_rate)
        for name, b in (("beta_1", beta_1), ("beta_2", beta_2)):
            if not 0 <= b < 1:
                raise ValueError(f"{name} must be in [0, 1). Received: {name}={b!r}")
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self.t = 0

    def step(self, pairs):
        self.t += 1
        super().step(pairs)

    #: Every this many steps, moments too small to stay normal floats are set to zero (see _flush).
    FLUSH_EVERY = 8

    def _update(self, i, param, grad):
        """The same arithmetic in fewer passes over memory (the update is memory-bound): keep
        m' = m/(1 − β₁) and v' = v/(1 − β₂), which obey m' ← β₁m' + g and v' ← β₂v' + g², and
        fold every constant into two scalars: with r = √((1 − β₂)/(1 − β₂ᵗ)),
        w ← w − [α(1 − β₁)/((1 − β₁ᵗ) r)] · m' / (√v' + ε/r), which is w − α m̂/(√v̂ + ε) exactly."""
        if i not in self.state:
            self.state[i] = (np.zeros_like(param), np.zeros_like(param), np.empty_like(param))
        m, v, tmp = self.state[i]
        if self.t % self.FLUSH_EVERY == 1:
            self._flush(m, self.beta_1, tmp)
            self._flush(v, self.beta_2, tmp, square=True)
        m *= self.beta_1
        m += grad
        np.multiply(grad, grad, out=tmp)
        v *= self.beta_2
        v += tmp
        # r is a Python float: a float64 NumPy scalar would make float32 updates run in float64.
        r = math.sqrt((1 - self.beta_2) / (1 - self.beta_2**self.t))
        np.sqrt(v, out=tmp)
        tmp += self.epsilon / r
        np.divide(m, tmp, out=tmp)
        tmp *= self.learning_rate * (1 - self.beta_1) / ((1 - self.beta_1**self.t) * r)
        param -= tmp

    def _flush(self, moment, beta, scratch, square=False):
        """Set to zero the moments that the next FLUSH_EVERY decays would make subnormal.

        A weight whose gradient stays zero for a while (a pixel that is blank in most images)
        keeps a moment that shrinks by β every step until it falls below the smallest normal
        float (1.2e-38 in float32). Arithmetic on such subnormal numbers is many times slower
        on x86 CPUs: a pass over the moments took five times as long, and a 784-128-1 MLP's
        epoch on MNIST a fifth longer.

        The flush is done only where it cannot change an update visibly, which ε guarantees:
        a first moment below the threshold t moves an update by at most α·t/ε, and a second
        moment below t moves the denominator √v̂ + ε by at most √t. Either must stay below
        1/256 of the dtype's precision (of α, or of the update). With the default ε = 1e-8
        both hold in float32, the first by 20 orders of magnitude, the second by a factor of
        40; with ε = 0 nothing is flushed (the update m̂/√v̂ is then a ratio of two tiny numbers,
        which must be kept). Moments that are exactly zero are left alone.
        """
        finfo = np.finfo(moment.dtype)
        # (β is taken as at least 1/2: a smaller β replaces most of a moment every step anyway,
        # and the threshold stays below 256 times the smallest normal float)
        threshold = float(finfo.smallest_normal) / max(beta, 0.5) ** self.FLUSH_EVERY
        if (math.sqrt(threshold) if square else threshold) > self.epsilon * float(finfo.eps) / 256:
            return
        np.abs(moment, out=scratch)
        small = scratch < threshold
        small &= scratch > 0
        if small.any():
            moment[small] = 0


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def get(name, learning_rate):
    try:
        return OPTIMIZERS[name](learning_rate=learning_rate)
    except KeyError:
        raise ValueError(
            f"Unknown optimizer. Expected one of {sorted(OPTIMIZERS)}. Received: optimizer={name!r}"
        ) from None
