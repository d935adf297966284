import numpy as np
from sklearn.utils.validation import validate_data

from ..layers import Activation, Dense
from ._base import FLOAT_DTYPES, TRAINING_PARAMETERS_DOC, NetworkClassifier, check_choice


class MLPClassifier(NetworkClassifier):
    """A multi-layer perceptron trained by backpropagation.

    Hidden layers ``Dense(units)`` followed by ``activation``; the output is one sigmoid unit
    for two classes (trained with binary cross-entropy) or a softmax over k classes.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (16,)
        Units of each hidden layer.
    activation : {"relu", "tanh", "sigmoid"}, default "relu"
    optimizer : {"sgd", "momentum", "adam"}, default "adam"
    learning_rate : float, default 0.01
        α in w ← w − α ∂L/∂w (the step size of Adam or momentum).
    epochs : int, default 200
    batch_size : int, default 32
    validation_fraction : float, default 0.0
        Share of the training data held out to report ``val_loss``/``val_accuracy``.
    TRAINING_PARAMETERS
    random_state : int, RandomState, Generator or None
        Seeds the initial weights, the hold-out split and the batch order.
    verbose : bool, default False
        Print one line per epoch.

    Attributes
    ----------
    classes_, n_features_in_, model_ (the ``Sequential`` network), coefs_ and intercepts_
    (one array per layer, of shape (in, out) as in scikit-learn), history_, loss_curve_, n_iter_.
    """

    def __init__(
        self,
        hidden_layer_sizes=(16,),
        activation="relu",
        optimizer="adam",
        learning_rate=0.01,
        epochs=200,
        batch_size=32,
        validation_fraction=0.0,
        early_stopping=False,
        tol=1e-4,
        n_iter_no_change=10,
        class_weight=None,
        warm_start=False,
        random_state=None,
        verbose=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self):
        super()._check_params()
        check_choice("activation", self.activation, {"relu", "tanh", "sigmoid"})
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, (int, np.integer)):
            sizes = (sizes,)
        if not isinstance(sizes, (tuple, list)) or not all(
            isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0 for s in sizes
        ):
            raise ValueError(
                "hidden_layer_sizes must be positive integers. "
                f"Received: hidden_layer_sizes={self.hidden_layer_sizes!r}"
            )

    def _hidden_layers(self):
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, (int, np.integer)) else sizes
        init = "he_uniform" if self.activation == "relu" else "glorot_uniform"
        layers = []
        for units in sizes:
            layers += [Dense(int(units), weight_initializer=init), Activation(self.activation)]
        return layers

    def _validate_X(self, X, reset, y=None):
        if y is None:
            X = validate_data(self, X, reset=reset, dtype=FLOAT_DTYPES)
        else:
            X, y = validate_data(self, X, y, reset=reset, dtype=FLOAT_DTYPES)
        return X, y

    @property
    def coefs_(self):
        return [layer.params["weight"].T for layer in self.model_.layers if isinstance(layer, Dense)]

    @property
    def intercepts_(self):
        return [layer.params["bias"] for layer in self.model_.layers if isinstance(layer, Dense)]


MLPClassifier.__doc__ = MLPClassifier.__doc__.replace("    TRAINING_PARAMETERS\n", TRAINING_PARAMETERS_DOC)
