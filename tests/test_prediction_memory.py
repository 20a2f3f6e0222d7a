"""Prediction takes memory bounded whatever the number of rows: the forward pass runs a chunk at a time."""

import tracemalloc

import numpy as np
import pytest
from scipy import sparse

from sknnlite import TinyNetClassifier, TinyNetRegressor
from sknnlite._input import CHUNK_ROWS
from sknnlite._network import forward

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _fitted(Estimator, n_features=20):
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(200, n_features))
    y = (X[:, 0] > 0.5).astype(int) if Estimator is TinyNetClassifier else X.sum(axis=1)
    return Estimator((100, 50), epochs=2, random_state=0).fit(X, y)


def _peak_beyond_output(method, X):
    """Peak bytes NumPy allocated during ``method(X)``, less the result's own size."""
    tracemalloc.start()
    try:
        result = method(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - np.asarray(result).nbytes


@pytest.mark.parametrize(
    ("Estimator", "method"),
    [
        (TinyNetClassifier, "predict_proba"),
        (TinyNetClassifier, "decision_function"),
        (TinyNetClassifier, "predict"),
        (TinyNetRegressor, "predict"),
    ],
)
def test_extra_memory_does_not_grow_with_the_rows(Estimator, method):
    est = _fitted(Estimator)
    rng = np.random.RandomState(1)
    small, large = rng.uniform(size=(2 * CHUNK_ROWS, 20)), rng.uniform(size=(40 * CHUNK_ROWS, 20))
    peaks = [_peak_beyond_output(getattr(est, method), X) for X in (small, large)]
    # A whole-X pass over 163,840 rows would hold a 100-unit float64 layer: 131 MB.
    chunk_activations = CHUNK_ROWS * (100 + 50) * 8
    assert peaks[1] < 3 * chunk_activations, peaks
    assert peaks[1] < peaks[0] + chunk_activations, peaks


def test_chunked_outputs_match_a_whole_matrix_pass_to_rounding():
    clf = _fitted(TinyNetClassifier)
    X = np.random.RandomState(2).uniform(size=(3 * CHUNK_ROWS + 17, 20))
    whole = forward(X, clf.coefs_, clf.intercepts_, "relu", clf.out_activation_)
    chunked = clf.predict_proba(X)[:, 1]
    np.testing.assert_allclose(chunked, whole.ravel(), rtol=1e-12, atol=1e-15)
    # The same rows give the same outputs in any later call (chunk boundaries are fixed at row 0).
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(X.copy()))


def test_sparse_rows_stay_sparse_in_chunks():
    rng = np.random.RandomState(3)
    X = sparse.random(200, 5000, density=0.01, format="csr", random_state=rng)
    y = rng.randint(0, 2, size=200)
    clf = TinyNetClassifier((8,), epochs=2, random_state=0).fit(X, y)
    big = sparse.random(10 * CHUNK_ROWS, 5000, density=0.001, format="csr", random_state=rng)
    # Densifying a chunk would take CHUNK_ROWS * 5000 * 8 bytes = 164 MB.
    assert _peak_beyond_output(clf.predict_proba, big) < 20 * 2**20
    np.testing.assert_allclose(
        clf.predict_proba(big[:100]), clf.predict_proba(big.toarray()[:100]), rtol=1e-12
    )
