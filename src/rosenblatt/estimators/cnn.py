import numpy as np
from sklearn.utils.validation import check_array, check_X_y, validate_data

from .. import architecture
from ._base import FLOAT_DTYPES, TRAINING_PARAMETERS_DOC, NetworkClassifier

DEFAULT_LAYERS = ("conv 8 3x3 pad 1", "relu", "maxpool 2", "conv 16 3x3 pad 1", "relu", "maxpool 2", "dense 64", "relu")


class CNNClassifier(NetworkClassifier):
    """A convolutional network for image classification, trained by backpropagation.

    X has shape (n, channels, height, width), or (n, channels·height·width) for flattened images
    with ``image_shape`` saying how to unflatten them (as scikit-learn's tools hand over tabular
    data). The network is described one layer per string
    (see ``rosenblatt.architecture``); the output layer is added to fit the classes: one
    sigmoid unit for two classes, a softmax over k classes.

    Parameters
    ----------
    layers : sequence of str, default ``DEFAULT_LAYERS``
        ("conv 8 3x3 pad 1", "relu", "maxpool 2", "conv 16 3x3 pad 1", "relu", "maxpool 2",
        "dense 64", "relu").
    image_shape : (channels, height, width) or None, default None
        For 2-D X only: the shape each row is reshaped to, in C order (channel, row, column).
        None takes each row as a 1×n_features image with one channel.
    optimizer : {"sgd", "momentum", "adam"}, default "adam"
    learning_rate : float, default 0.002
    epochs : int, default 15
    batch_size : int, default 32
    validation_fraction : float, default 0.0
    TRAINING_PARAMETERS
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
        image_shape=None,
        optimizer="adam",
        learning_rate=0.002,
        epochs=15,
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
        self.layers = layers
        self.image_shape = image_shape
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
        architecture.parse(self.layers, image_input=True)

    def _hidden_layers(self):
        return architecture.parse(self.layers, image_input=True)

    def _validate_X(self, X, reset, y=None):
        ndim = getattr(X, "ndim", None)
        if ndim is None:
            ndim = np.asarray(X).ndim
        if ndim == 4:
            kwargs = dict(allow_nd=True, dtype=FLOAT_DTYPES, estimator=self)
            X, y = (check_array(X, **kwargs), None) if y is None else check_X_y(X, y, **kwargs)
            shape = tuple(X.shape[1:])
            if min(shape) < 1:
                raise ValueError(f"CNNClassifier needs at least 1 channel and 1x1 pixels; got images of shape {shape}.")
            if reset:
                if self.image_shape is not None and tuple(self.image_shape) != shape:
                    raise ValueError(
                        f"image_shape={self.image_shape!r} does not match the images in X, of shape {shape}; "
                        f"image_shape is only needed for flattened (2-D) X."
                    )
                self.image_shape_ = shape
                self.n_features_in_ = int(np.prod(shape))
            elif shape != self.image_shape_:
                raise ValueError(
                    f"X has images of shape {shape}, but CNNClassifier is expecting images of "
                    f"shape {self.image_shape_} (channels, height, width) as input."
                )
            return X, y
        if ndim > 2:
            raise ValueError(
                f"CNNClassifier expects images of shape (n_samples, channels, height, width), or flattened "
                f"images of shape (n_samples, n_features) with image_shape; got an array of shape "
                f"{np.shape(np.asarray(X))} instead."
            )
        # 2-D (or 1-D, which scikit-learn's validation refuses with its reshape hint)
        if y is None:
            X = validate_data(self, X, reset=reset, dtype=FLOAT_DTYPES)
        else:
            X, y = validate_data(self, X, y, reset=reset, dtype=FLOAT_DTYPES)
        if reset:
            self.image_shape_ = self._unflattened_shape(X.shape[1])
        return X.reshape((len(X),) + self.image_shape_), y

    def _unflattened_shape(self, n_features):
        if self.image_shape is None:
            return (1, 1, n_features)
        shape = self.image_shape
        if not (
            isinstance(shape, (tuple, list))
            and len(shape) == 3
            and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0 for v in shape)
        ):
            raise ValueError(
                f"image_shape must be None or (channels, height, width), 3 positive integers. "
                f"Received: image_shape={shape!r}"
            )
        if int(np.prod(shape)) != n_features:
            raise ValueError(
                f"image_shape={tuple(shape)!r} holds {int(np.prod(shape))} pixels, but X has {n_features} features "
                f"per row."
            )
        return tuple(int(v) for v in shape)

    def conv_layers(self):
        """The fitted network's Conv2D layers, in order."""
        from ..layers import Conv2D

        return [layer for layer in self.model_.layers if isinstance(layer, Conv2D)]


CNNClassifier.__doc__ = CNNClassifier.__doc__.replace("    TRAINING_PARAMETERS\n", TRAINING_PARAMETERS_DOC)
