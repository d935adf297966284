import numpy as np
from sklearn.utils.validation import check_array, check_X_y

from .. import architecture
from ._base import FLOAT_DTYPES, NetworkClassifier

DEFAULT_LAYERS = ("conv 8 3x3 pad 1", "relu", "maxpool 2", "conv 16 3x3 pad 1", "relu", "maxpool 2", "dense 64", "relu")


class CNNClassifier(NetworkClassifier):
    """A convolutional network for image classification, trained by backpropagation.

    X has shape (n, channels, height, width). The network is described one layer per string
    (see ``rosenblatt.architecture``); the output layer is added to fit the classes: one
    sigmoid unit for two classes, a softmax over k classes.

    Parameters
    ----------
    layers : sequence of str, default ``DEFAULT_LAYERS``
        ("conv 8 3x3 pad 1", "relu", "maxpool 2", "conv 16 3x3 pad 1", "relu", "maxpool 2",
        "dense 64", "relu").
    optimizer : {"sgd", "momentum", "adam"}, default "adam"
    learning_rate : float, default 0.002
    epochs : int, default 15
    batch_size : int, default 32
    validation_fraction : float, default 0.0
    random_state : int, RandomState, Generator or None
    verbose : bool, default False

    Attributes
    ----------
    classes_, n_features_in_ (channels·height·width), image_shape_ (channels, height, width),
    model_, history_, loss_curve_, n_iter_.
    """

    def __init__(
        self,
        layers=DEFAULT_LAYERS,
        optimizer="adam",
        learning_rate=0.002,
        epochs=15,
        batch_size=32,
        validation_fraction=0.0,
        random_state=None,
        verbose=False,
    ):
        self.layers = layers
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self):
        super()._check_params()
        architecture.parse(self.layers, image_input=True)

    def _hidden_layers(self):
        return architecture.parse(self.layers, image_input=True)

    def _validate_X(self, X, reset, y=None):
        if np.ndim(X) != 4:
            raise ValueError(
                f"CNNClassifier expects images of shape (n_samples, channels, height, width); "
                f"got an array of shape {np.shape(X)} instead."
            )
        if min(np.shape(X)[1:]) < 1:
            raise ValueError(
                f"CNNClassifier needs at least 1 channel and 1x1 pixels; got images of shape {np.shape(X)[1:]}."
            )
        kwargs = dict(allow_nd=True, dtype=FLOAT_DTYPES, estimator=self)
        if y is None:
            X = check_array(X, **kwargs)
        else:
            X, y = check_X_y(X, y, **kwargs)
        if reset:
            self.image_shape_ = tuple(X.shape[1:])
            self.n_features_in_ = int(np.prod(self.image_shape_))
        elif tuple(X.shape[1:]) != self.image_shape_:
            raise ValueError(
                f"X has images of shape {tuple(X.shape[1:])}, but CNNClassifier is expecting images of "
                f"shape {self.image_shape_} (channels, height, width) as input."
            )
        return X, y

    def conv_layers(self):
        """The fitted network's Conv2D layers, in order."""
        from ..layers import Conv2D

        return [layer for layer in self.model_.layers if isinstance(layer, Conv2D)]
