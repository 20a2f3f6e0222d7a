"""scikit-learn's estimator checks, on test-sized and on default parameters."""

import functools
import re

import keras
import pytest
from sklearn.utils.estimator_checks import estimator_checks_generator

from sknnlite import TinyNetClassifier, TinyNetRegressor

# Few epochs on the checks' tiny datasets rarely converge; the warning saying
# so is expected here and tested in test_diagnostics.py.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# Small networks and fewer epochs keep each check fast; the checks must pass
# on these and on the defaults alike, so nothing here may lower the bar. The
# optimizer comes as a Keras instance and as a class, the defaults give it by
# name: the checks cover all three forms.
FAST_ESTIMATORS = [
    TinyNetClassifier(
        hidden_layer_sizes=(16,), epochs=40, optimizer=keras.optimizers.Adam(learning_rate=0.01)
    ),
    TinyNetRegressor(
        hidden_layer_sizes=(16,), epochs=40, learning_rate=0.01, optimizer=keras.optimizers.Adam
    ),
]
DEFAULT_ESTIMATORS = [TinyNetClassifier(), TinyNetRegressor()]


def parametrize_with_checks(estimators):
    """scikit-learn's ``parametrize_with_checks``, with test ids that every process collects alike.

    scikit-learn's ids hold the estimator's repr, and a Keras optimizer instance's repr its address, which
    differs between pytest-xdist's workers (they then refuse to run): the address is left out here.
    """

    def test_id(estimator, check):
        name = re.sub(r"\s", "", re.sub(r" object at 0x[0-9a-fA-F]+", "", str(estimator)))
        if isinstance(check, functools.partial):
            arguments = ",".join(f"{key}={value}" for key, value in check.keywords.items())
            check = check.func.__name__ + (f"({arguments})" if arguments else "")
        else:
            check = check.__name__
        return f"{name}-{check}"

    parameters = [
        pytest.param(estimator, check, id=test_id(estimator, check))
        for each in estimators
        for estimator, check in estimator_checks_generator(each, legacy=True)
    ]
    return pytest.mark.parametrize("estimator, check", parameters)


@parametrize_with_checks(FAST_ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.slow
@parametrize_with_checks(DEFAULT_ESTIMATORS)
def test_sklearn_compatible_estimator_default_parameters(estimator, check):
    check(estimator)
