"""scikit-learn's estimator checks, on test-sized and on default parameters."""

import keras
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

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


@parametrize_with_checks(FAST_ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.slow
@parametrize_with_checks(DEFAULT_ESTIMATORS)
def test_sklearn_compatible_estimator_default_parameters(estimator, check):
    check(estimator)
