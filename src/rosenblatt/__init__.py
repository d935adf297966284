"""rosenblatt: neural networks from first principles, in NumPy.

The engine (``functional``, ``activations``, ``losses``, ``initializers``, ``layers``,
``model``, ``optimizers``, ``training``, ``perceptron``, ``parallel``) needs NumPy alone
(``parallel`` splits large batches across threads where ``threadpoolctl`` can hold the BLAS to one
thread each, and runs them whole where it cannot). The estimators
(``Perceptron``, ``MLPClassifier``, ``CNNClassifier``) build on scikit-learn and are imported
only when first used, so ``import rosenblatt`` stays light.
"""

__version__ = "0.1.0"

from . import activations, functional, initializers, layers, losses, optimizers, parallel, perceptron, training  # noqa: E402
from .model import Sequential  # noqa: E402
from .parallel import get_num_threads, set_num_threads  # noqa: E402
from .tracing import trace  # noqa: E402

_LAZY = {
    "Perceptron": "estimators",
    "MLPClassifier": "estimators",
    "CNNClassifier": "estimators",
    "estimators": None,
    "datasets": None,
    "images": None,
    "io": None,
    "viz": None,
    "save_model": "io",
    "load_model": "io",
}

__all__ = [
    "Sequential",
    "trace",
    "get_num_threads",
    "set_num_threads",
    "activations",
    "functional",
    "initializers",
    "layers",
    "losses",
    "optimizers",
    "parallel",
    "perceptron",
    "training",
    *_LAZY,
]


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'rosenblatt' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(f".{_LAZY[name] or name}", __name__)
    return module if _LAZY[name] is None else getattr(module, name)
