"""Cross-validated accuracy of rosenblatt's estimators beside scikit-learn's, on the same folds.

    python benchmarks/accuracy.py     # prints a Markdown table (a minute or two)

5-fold stratified cross-validation (shuffled, seed 0) over the whole of each dataset. Tabular
data goes through StandardScaler in a Pipeline; images are used as they are, in [0, 1],
flattened for the perceptrons and MLPs.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Perceptron as SkPerceptron
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier as SkMLP
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from rosenblatt import CNNClassifier, MLPClassifier, Perceptron, datasets


def data():
    cancer = datasets.load("breast-cancer")
    yield "breast cancer (569 × 30)", cancer.X, cancer.y, False
    digits = datasets.load("digits")
    yield "digits 0–4 vs 5–9 (1,797 × 8×8)", digits.X, (digits.y >= 5).astype(int), True
    mnist = datasets.load("mnist-3-8")
    yield "MNIST 3 vs 8 (1,000 × 28×28)", mnist.X, mnist.y, True


def contenders(images, shape):
    small_cnn = ("conv 8 3x3 pad 1", "relu", "maxpool 2", "dense 32", "relu")
    rows = [
        ("Perceptron", Perceptron(random_state=0), SkPerceptron(random_state=0)),
        (
            "MLP, 1 hidden layer of 64",
            MLPClassifier(hidden_layer_sizes=(64,), epochs=50, random_state=0),
            SkMLP(hidden_layer_sizes=(64,), random_state=0),
        ),
    ]
    if images:
        layers = CNNClassifier().layers if shape[-1] >= 28 else small_cnn
        rows.append(("CNN", CNNClassifier(layers=layers, random_state=0), None))
    return rows


def main():
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    lines = ["| data | model | rosenblatt | scikit-learn |", "| --- | --- | ---: | ---: |"]
    for name, X, y, images in data():
        flat = X.reshape(len(X), -1)
        for model, ours, theirs in contenders(images, X.shape):

            def score(est, inputs):
                est = est if images else make_pipeline(StandardScaler(), est)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    s = cross_val_score(est, inputs, y, cv=folds)
                return f"{s.mean():.3f} ± {s.std():.3f}"

            ours_score = score(ours, X if model == "CNN" else flat)
            theirs_score = score(theirs, flat) if theirs is not None else "(no CNN)"
            lines.append(f"| {name} | {model} | {ours_score} | {theirs_score} |")
            print(lines[-1], flush=True)
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    np.seterr(over="ignore")
    main()
