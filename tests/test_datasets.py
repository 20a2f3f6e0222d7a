import numpy as np
import pytest
from fresh_process import run_python
from sklearn.linear_model import LinearRegression, LogisticRegression

from sknnlite.datasets import make_extrapolation, make_noisy_sine, make_sum_threshold, make_xor

GENERATORS = [make_extrapolation, make_sum_threshold, make_xor, make_noisy_sine]


@pytest.mark.parametrize("make", GENERATORS)
def test_generators_are_deterministic_and_sized(make):
    X1, y1 = make(50, random_state=3)
    X2, y2 = make(50, random_state=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert X1.shape[0] == y1.shape[0] == 50
    assert not np.array_equal(make(50, random_state=4)[0], X1)


@pytest.mark.parametrize(("kind", "coef"), [("slope", [0, 0, -1, 1]), ("next", [0, 0, -1, 2])])
def test_extrapolation_has_the_exact_weights(kind, coef):
    X, y, exact = make_extrapolation(200, kind=kind, return_coef=True, random_state=0)
    np.testing.assert_array_equal(exact, coef)
    np.testing.assert_allclose(X @ exact, y)
    assert np.all((X >= 0) & (X < 1))


def test_extrapolation_noise_and_lags():
    X, y, coef = make_extrapolation(2000, n_lags=6, noise=0.1, return_coef=True, random_state=0)
    assert X.shape == (2000, 6) and coef.shape == (6,)
    assert np.std(y - X @ coef) == pytest.approx(0.1, rel=0.1)


def test_sum_threshold_labels_and_boundary():
    X, y, coef, intercept = make_sum_threshold(300, return_coef=True, random_state=0)
    assert set(np.unique(y)) == {0, 1}
    np.testing.assert_array_equal(y, (X @ coef + intercept > 0).astype(int))
    _, y_pm1 = make_sum_threshold(300, labels="pm1", random_state=0)
    np.testing.assert_array_equal(y_pm1, np.where(y == 1, 1, -1))
    _, y_high = make_sum_threshold(300, threshold=4.0, random_state=0)
    assert y_high.mean() < 0.05


def test_xor_defeats_a_linear_model():
    X, y = make_xor(1000, random_state=0)
    assert LogisticRegression().fit(X, y).score(X, y) < 0.7
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(int))


def test_noisy_sine_needs_a_nonlinearity():
    X, y = make_noisy_sine(2000, noise=0.1, random_state=0)
    assert LinearRegression().fit(X, y).score(X, y) < 0.65
    assert np.std(y - np.sin(X[:, 0])) == pytest.approx(0.1, rel=0.1)


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="'kind' parameter"):
        make_extrapolation(10, kind="quadratic")
    with pytest.raises(ValueError, match="'n_samples' parameter"):
        make_xor(0)


def test_importing_the_package_and_datasets_does_not_import_tensorflow():
    code = (
        "import sys, sknnlite, sknnlite.datasets; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    result = run_python("-c", code)
    assert result.stdout.split() == ["False", "False"]


def test_xor_is_solved_by_a_hidden_layer_and_not_without_one():
    from sknnlite import TinyNetClassifier

    X, y = make_xor(400, random_state=0)
    options = dict(activation="tanh", learning_rate=0.03, epochs=150, random_state=0)
    assert TinyNetClassifier(hidden_layer_sizes=(8,), **options).fit(X, y).score(X, y) > 0.95
    assert TinyNetClassifier(hidden_layer_sizes=(), **options).fit(X, y).score(X, y) < 0.7
