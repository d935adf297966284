"""Backpropagation in numbers: one forward and backward pass of a dense network, for one sample.

``trace(model, x, target)`` runs the engine itself on the sample, layer by layer, and keeps what
each step computed, in the README's notation. For every dense layer j, with the activation f
after it (the identity for the output, whose loss is computed from the logit):

    zⱼ = Σᵢ wⱼᵢ aᵢ + bⱼ                 net input
    aⱼ = f(zⱼ)                          activation
    δⱼ = f'(zⱼ) · Σₖ δₖ wₖⱼ             error signal (at the output: ∂L/∂z, σ(z) − t for
                                          binary cross-entropy from the logit)
    ∂L/∂wⱼᵢ = δⱼ aᵢ,  ∂L/∂bⱼ = δⱼ        gradients
    Δwⱼᵢ = −α ∂L/∂wⱼᵢ                   the gradient-descent update

The numbers are the engine's own: z and a are the layers' outputs, Σₖ δₖ wₖⱼ is what the layer
above handed back, and the gradients are those the layers' ``backward`` wrote.
"""

from dataclasses import dataclass

import numpy as np

from . import activations, losses
from .layers import Activation, Dense


@dataclass
class LayerTrace:
    """What one dense layer (and the activation after it) computed for the sample."""

    index: int
    inputs: np.ndarray  # aᵢ, the layer's input
    weight: np.ndarray  # wⱼᵢ, shape (out, in)
    bias: np.ndarray
    z: np.ndarray  # net input
    a: np.ndarray  # activation (z itself for an output layer without activation)
    activation: str
    derivative: np.ndarray  # f'(z)
    backpropagated: np.ndarray  # Σₖ δₖ wₖⱼ (at the output: ∂L/∂a)
    delta: np.ndarray  # δ = f'(z) · Σₖ δₖ wₖⱼ
    grad_weight: np.ndarray  # ∂L/∂w = δ aᵀ
    grad_bias: np.ndarray  # ∂L/∂b = δ
    update_weight: np.ndarray  # −α ∂L/∂w
    update_bias: np.ndarray


@dataclass
class Trace:
    x: np.ndarray
    target: np.ndarray
    output: np.ndarray
    loss_name: str
    loss: float
    learning_rate: float
    layers: list

    def __str__(self):
        return format_trace(self)


def trace(model, x, target, loss="binary_crossentropy", learning_rate=0.5):
    """Trace one forward and backward pass of ``model`` (a ``Sequential`` of Dense layers, each
    optionally followed by an activation) on the single sample ``x`` with ``target``.

    Nothing is updated: the ``update_*`` fields say what gradient descent with ``learning_rate``
    would add to each parameter.
    """
    loss_fn = losses.get(loss)
    layers = model.layers
    if not all(isinstance(layer, (Dense, Activation)) for layer in layers) or not isinstance(layers[0], Dense):
        raise ValueError("trace follows networks of Dense layers, each optionally followed by an activation.")
    x = np.asarray(x, dtype=model.dtype).reshape(1, -1)
    target = np.asarray(target, dtype=model.dtype).reshape(1, -1)
    if not model.built:
        model.build(x.shape[1:])
    outputs = [x]
    for layer in layers:  # the public, layer-by-layer API: each output is its own array
        outputs.append(layer.forward(outputs[-1]))
    value = loss_fn.value(outputs[-1], target)
    grad = loss_fn.gradient(outputs[-1], target)
    received = [None] * len(layers)  # ∂L/∂(output of layer i)
    for i in reversed(range(len(layers))):
        received[i] = grad
        grad = layers[i].backward(grad)
    rows = []
    for i, layer in enumerate(layers):
        if not isinstance(layer, Dense):
            continue
        act = layers[i + 1] if i + 1 < len(layers) and isinstance(layers[i + 1], Activation) else None
        z = outputs[i + 1][0]
        if act is None:
            name, a, derivative, back = "identity", z, np.ones_like(z), received[i][0]
        else:
            name = act.activation
            a = outputs[i + 2][0]
            derivative = activations.DERIVATIVES[name](z, a)
            back = received[i + 1][0]
        delta = received[i][0]  # what the engine handed to Dense.backward: ∂L/∂z
        rows.append(
            LayerTrace(
                index=i,
                inputs=outputs[i][0],
                weight=layer.params["weight"].copy(),
                bias=layer.params["bias"].copy(),
                z=z,
                a=a,
                activation=name,
                derivative=derivative,
                backpropagated=back,
                delta=delta,
                grad_weight=layer.grads["weight"].copy(),
                grad_bias=layer.grads["bias"].copy(),
                update_weight=-learning_rate * layer.grads["weight"],
                update_bias=-learning_rate * layer.grads["bias"],
            )
        )
    return Trace(x[0], target[0], outputs[-1][0], getattr(loss_fn, "name", str(loss)), value, learning_rate, rows)


def _vec(v):
    return "[" + ", ".join(f"{float(e) + 0.0:+.6f}" for e in np.ravel(v)) + "]"  # + 0.0: no "−0"


def _mat(m):
    return "[" + "; ".join(_vec(row) for row in np.atleast_2d(m)) + "]"


def format_trace(t):
    """The trace as text, forward pass first, then backward from the output."""
    lines = [f"Sample x = {_vec(t.x)}, target t = {_vec(t.target)}, loss {t.loss_name}", "", "Forward pass"]
    for k, r in enumerate(t.layers, start=1):
        lines += [
            f"  layer {k} (Dense {r.weight.shape[1]}->{r.weight.shape[0]}, then {r.activation})",
            f"    a_in = {_vec(r.inputs)}",
            f"    W    = {_mat(r.weight)}",
            f"    b    = {_vec(r.bias)}",
            f"    z = W a_in + b   = {_vec(r.z)}",
            f"    a = {r.activation}(z)  = {_vec(r.a)}",
        ]
    if t.loss_name == "binary_crossentropy":
        lines.append(
            f"  the output is a logit: the probability of class 1 is σ(z) = {_vec(1 / (1 + np.exp(-t.output)))}"
        )
    lines += [f"  loss L = {t.loss:.6f}", "", "Backward pass (δⱼ = f'(zⱼ)·Σₖ δₖ wₖⱼ)"]
    for k, r in reversed(list(enumerate(t.layers, start=1))):
        first = "∂L/∂z (output: σ(z) − t for cross-entropy from the logit)" if k == len(t.layers) else "Σₖ δₖ wₖⱼ"
        lines += [
            f"  layer {k}",
            f"    {first:<11} = {_vec(r.backpropagated)}" if k < len(t.layers) else f"    {first} = {_vec(r.delta)}",
        ]
        if k < len(t.layers):
            lines += [
                f"    f'(z)       = {_vec(r.derivative)}",
                f"    δ = f'(z)·Σ = {_vec(r.delta)}",
            ]
        lines += [
            f"    ∂L/∂W = δ a_inᵀ = {_mat(r.grad_weight)}",
            f"    ∂L/∂b = δ       = {_vec(r.grad_bias)}",
            f"    update −α∂L/∂W (α = {t.learning_rate}) = {_mat(r.update_weight)}",
            f"    update −α∂L/∂b = {_vec(r.update_bias)}",
        ]
    return "\n".join(lines)
