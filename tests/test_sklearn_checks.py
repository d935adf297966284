"""scikit-learn's own estimator checks.

Perceptron and MLPClassifier pass every check. CNNClassifier is not included yet: it takes 4-D
image arrays only, and the checks feed 2-D tabular X; accepting flattened images with an
image-shape parameter is the work of a later issue (see the README's reference section).
scikit-learn itself skips its array-API check unless SCIPY_ARRAY_API is set; that is its skip.
"""

import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from rosenblatt import MLPClassifier, Perceptron


@parametrize_with_checks([Perceptron(), MLPClassifier(epochs=20, random_state=0)])
def test_scikit_learn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # non-separable check data, on purpose
        check(estimator)
