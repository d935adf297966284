"""scikit-learn estimators over the engine: fit, predict, predict_proba, score."""

from .cnn import DEFAULT_LAYERS, CNNClassifier
from .mlp import MLPClassifier
from .perceptron import Perceptron

__all__ = ["CNNClassifier", "DEFAULT_LAYERS", "MLPClassifier", "Perceptron"]
