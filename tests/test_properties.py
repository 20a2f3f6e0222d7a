"""Property-based tests: over shapes and label sets, every fit on finite data succeeds and
predict returns labels from classes_ in the right shape."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sknnlite import TinyNetClassifier, TinyNetRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)

LABEL_SETS = st.sampled_from(
    [
        np.array([0, 1]),
        np.array([-1, 1]),
        np.array(["spam", "ham", "eggs"]),
        np.array([True, False]),
        np.array([3, 7, 11, 20]),
        np.array(["a", "b"], dtype=object),
    ]
)


@st.composite
def classification_data(draw):
    n_samples = draw(st.integers(1, 40))
    n_features = draw(st.integers(1, 4))
    finite = st.floats(-1e3, 1e3, allow_nan=False, width=64)
    X = draw(arrays(np.float64, (n_samples, n_features), elements=finite))
    labels = draw(LABEL_SETS)
    y = labels[draw(arrays(np.int64, n_samples, elements=st.integers(0, len(labels) - 1)))]
    return X, y


@PROPERTY_SETTINGS
@given(data=classification_data(), loss=st.sampled_from(["auto", "hinge", "categorical_crossentropy", "mse"]))
def test_classifier_fits_any_finite_data_and_predicts_known_labels(data, loss):
    X, y = data
    clf = TinyNetClassifier((3,), loss=loss, epochs=2, learning_rate=0.01, random_state=0)
    clf.fit(X, y)  # any finite data fits, a single class included (as scikit-learn's MLP)
    predicted = clf.predict(X)
    assert predicted.shape == (len(X),)
    assert set(predicted.tolist()) <= set(clf.classes_.tolist())
    np.testing.assert_array_equal(clf.classes_, np.unique(y))
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), len(clf.classes_)) and np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@st.composite
def regression_data(draw):
    n_samples = draw(st.integers(1, 40))
    n_features = draw(st.integers(1, 4))
    n_targets = draw(st.sampled_from([None, 1, 2]))
    finite = st.floats(-1e2, 1e2, allow_nan=False, width=64)
    X = draw(arrays(np.float64, (n_samples, n_features), elements=finite))
    shape = (n_samples,) if n_targets is None else (n_samples, n_targets)
    return X, draw(arrays(np.float64, shape, elements=finite))


@PROPERTY_SETTINGS
@given(data=regression_data(), loss=st.sampled_from(["mse", "mae", "huber"]))
def test_regressor_fits_and_predicts_the_shape_of_y(data, loss):
    X, y = data
    reg = TinyNetRegressor((3,), loss=loss, epochs=2, learning_rate=0.01, random_state=0).fit(X, y)
    predicted = reg.predict(X)
    assert predicted.shape == y.shape
    assert np.all(np.isfinite(predicted))
