"""The CNN on real images, with the CLI's seed: what the README promises."""

from rosenblatt import CNNClassifier, datasets


def test_cnn_on_mnist_3_vs_8_reaches_098():
    d = datasets.load("mnist-3-8")
    cnn = CNNClassifier(random_state=0, validation_fraction=0.1).fit(d.X_train, d.y_train)
    assert cnn.score(d.X_test, d.y_test) >= 0.98


def test_cnn_on_textures_reaches_095():
    d = datasets.load("textures")
    cnn = CNNClassifier(random_state=0, validation_fraction=0.1).fit(d.X_train, d.y_train)
    assert cnn.score(d.X_test, d.y_test) >= 0.95
