"""Losses L(y, t) and their gradients ∂L/∂y, averaged over the samples of a batch.

Each loss is a small class with ``value(output, target)`` and ``gradient(output, target)``.
``output`` is what the network's last layer returns (logits for the cross-entropies).
Both methods accept optional ``sample_weight``: the loss is then Σ wᵢ Lᵢ / n, Keras's "sum over
batch size", so that a batch of samples that hardly count adds hardly anything (dividing by Σ wᵢ
instead would give such a batch full weight). With every wᵢ = 1 it is the plain mean; the
estimators scale their weights to mean 1 over the training set, so that only ratios matter.
"""

import numpy as np

from . import functional as F


def _weights(sample_weight, n, dtype):
    if sample_weight is None:
        return None, n
    return np.asarray(sample_weight, dtype=dtype).reshape(n), n


def _reduce(per_sample, sample_weight):
    n = per_sample.shape[0]
    w, total = _weights(sample_weight, n, per_sample.dtype)
    return float(per_sample.sum() / total) if w is None else float((per_sample * w).sum() / total)


def _scale(grad, sample_weight):
    """Divide a per-sample gradient by the batch size (weighting sample i by wᵢ)."""
    n = grad.shape[0]
    w, total = _weights(sample_weight, n, grad.dtype)
    if w is None:
        return grad / n
    return grad * (w / total).reshape((n,) + (1,) * (grad.ndim - 1))


class BinaryCrossEntropy:
    """Binary cross-entropy computed from logits z (the net input of one output unit).

    L = −[t log σ(z) + (1 − t) log(1 − σ(z))] = max(z, 0) − z t + log(1 + e^(−|z|)),
    written in the second form so that it is finite for any finite z.
    ∂L/∂z = σ(z) − t: the sigmoid's derivative and the log's cancel, which is why the output
    δ of a sigmoid unit trained with cross-entropy is simply "prediction minus target".
    """

    name = "binary_crossentropy"

    def value(self, z, t, sample_weight=None):
        z, t = _pair(z, t)
        per = np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))
        return _reduce(per.reshape(per.shape[0], -1).mean(axis=1), sample_weight)

    def gradient(self, z, t, sample_weight=None):
        z, t = _pair(z, t)
        per_elem = (F.sigmoid(z) - t) / (z[0].size if z.ndim > 1 else 1)
        return _scale(per_elem, sample_weight)

    def value_and_gradient(self, z, t, sample_weight=None):
        """Both at once, sharing e^(−|z|): what the training loop asks for every batch, in as
        few passes as the formulas allow (a batch's output is small, and each NumPy call costs
        more than its arithmetic)."""
        z, t = _pair(z, t)
        e = np.exp(-np.abs(z))
        per = np.maximum(z, 0)
        per -= z * t
        per += np.log1p(e)
        outputs = z[0].size if z.ndim > 1 else 1  # per sample
        if outputs > 1:
            per = per.reshape(z.shape[0], -1).mean(axis=1)
        # σ(z) = 1/(1 + e) for z ≥ 0 and e/(1 + e) below: the same two quotients as F.sigmoid
        grad = np.where(z >= 0, 1, e).astype(z.dtype, copy=False)
        grad /= 1 + e
        grad -= t
        if outputs > 1:
            grad /= outputs  # the mean over each sample's outputs, then over the samples, as gradient()
        if sample_weight is None:
            grad /= z.shape[0]
            return float(per.sum() / per.shape[0]), grad
        return _reduce(per.reshape(-1), sample_weight), _scale(grad, sample_weight)


class BinaryCrossEntropyFromProbabilities:
    """Binary cross-entropy from probabilities p, for a network that ends with a sigmoid layer.

    p is clipped to [ε, 1 − ε] with ε = 1e-7 (Keras's default) so that log 0 never happens;
    the loss is then at most −log ε ≈ 16.1 per sample, and the gradient is taken at the
    clipped value. Prefer ``BinaryCrossEntropy`` from logits: it needs no clipping.
    """

    name = "binary_crossentropy_probabilities"
    epsilon = 1e-7

    def value(self, p, t, sample_weight=None):
        p, t = _pair(p, t)
        p = np.clip(p, self.epsilon, 1 - self.epsilon)
        per = -(t * np.log(p) + (1 - t) * np.log(1 - p))
        return _reduce(per.reshape(per.shape[0], -1).mean(axis=1), sample_weight)

    def gradient(self, p, t, sample_weight=None):
        p, t = _pair(p, t)
        p = np.clip(p, self.epsilon, 1 - self.epsilon)
        per_elem = (p - t) / (p * (1 - p)) / (p[0].size if p.ndim > 1 else 1)
        return _scale(per_elem, sample_weight)


class MeanSquaredError:
    """L = mean over outputs of (y − t)², averaged over samples; ∂L/∂y = 2(y − t) / outputs."""

    name = "mean_squared_error"

    def value(self, y, t, sample_weight=None):
        y, t = _pair(y, t)
        per = ((y - t) ** 2).reshape(y.shape[0], -1).mean(axis=1)
        return _reduce(per, sample_weight)

    def gradient(self, y, t, sample_weight=None):
        y, t = _pair(y, t)
        per_elem = 2 * (y - t) / (y[0].size if y.ndim > 1 else 1)
        return _scale(per_elem, sample_weight)


class SoftmaxCrossEntropy:
    """Softmax cross-entropy from logits z of shape (n, classes) and integer targets t.

    L = logsumexp(z) − z_t; ∂L/∂z = softmax(z) − onehot(t). Targets may also be given
    one-hot (or as probabilities), shape (n, classes).
    """

    name = "softmax_crossentropy"

    def value(self, z, t, sample_weight=None):
        z = np.asarray(z)
        onehot = self._onehot(t, z)
        per = F.logsumexp(z, axis=1) - np.sum(z * onehot, axis=1)
        return _reduce(per, sample_weight)

    def gradient(self, z, t, sample_weight=None):
        z = np.asarray(z)
        return _scale(F.softmax(z, axis=1) - self._onehot(t, z), sample_weight)

    @staticmethod
    def _onehot(t, z):
        t = np.asarray(t)
        if t.shape == z.shape:
            return t.astype(z.dtype, copy=False)
        onehot = np.zeros_like(z)
        onehot[np.arange(z.shape[0]), t.reshape(-1).astype(np.intp)] = 1
        return onehot


def _pair(y, t):
    """The output as a float array (integers as float64) and the target in its dtype and shape.

    The target has the output's shape, or, where each sample has one output, any shape with
    one number per sample ((n,) for an output (n, 1), as Keras squeezes); anything else is an
    error rather than a reshape that would pair outputs with the wrong targets."""
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.floating):
        y = y.astype(np.float64)
    t = np.asarray(t, dtype=y.dtype)
    if t.shape != y.shape:
        if not (y.ndim and t.ndim and t.shape[0] == y.shape[0] and t[0].size == y[0].size == 1):
            raise ValueError(
                f"The target must have the output's shape {y.shape} (or one value per sample when each sample "
                f"has one output). Received a target of shape {t.shape}."
            )
        t = t.reshape(y.shape)
    return y, t


LOSSES = {
    cls.name: cls
    for cls in (BinaryCrossEntropy, BinaryCrossEntropyFromProbabilities, MeanSquaredError, SoftmaxCrossEntropy)
}


def get(name):
    """Return a loss instance by name (see ``LOSSES``), or the instance itself."""
    if not isinstance(name, str):
        return name
    try:
        return LOSSES[name]()
    except KeyError:
        raise ValueError(f"Unknown loss. Expected one of {sorted(LOSSES)}. Received: loss={name!r}") from None
