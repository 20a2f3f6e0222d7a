"""The built-in MLP's prediction: many chunks on parallel threads, with the one-thread result."""

import threading

import numpy as np
import pytest
import threadpoolctl
from scipy import sparse

from sknnlite import TinyNetClassifier, TinyNetRegressor, _prediction

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data(n_rows=3000, n_features=12):
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(n_rows, n_features)).astype(np.float32)
    return X, X @ rng.uniform(size=n_features)


def _threads_used(monkeypatch, threads):
    """Make predictions use ``threads`` threads; returns the set of thread names the chunks ran on."""
    names = set()
    forward = _prediction.numpy_forward
    second_thread = threading.Event()

    def recording(*args, **kwargs):
        names.add(threading.current_thread().name)
        if threads > 1 and len(names) < 2:
            # Hold the first chunk until another thread takes one: on a loaded machine the first
            # thread could otherwise finish every chunk before the pool starts a second.
            second_thread.wait(timeout=10)
        else:
            second_thread.set()
        return forward(*args, **kwargs)

    monkeypatch.setattr(_prediction, "numpy_forward", recording)
    monkeypatch.setattr(_prediction, "_parallel_chunks", lambda n_rows, chunk_rows: threads)
    return names


@pytest.mark.parametrize("Estimator", [TinyNetRegressor, TinyNetClassifier])
@pytest.mark.parametrize("to_matrix", [np.asarray, sparse.csr_matrix])
def test_threaded_prediction_equals_one_thread(monkeypatch, Estimator, to_matrix):
    X, y = _data()
    y = y if Estimator is TinyNetRegressor else (y > np.median(y)).astype(int)
    est = Estimator((64, 32), epochs=2, random_state=0, predict__batch_size=100).fit(X, y)
    X = to_matrix(X)
    names = _threads_used(monkeypatch, 1)
    serial = est.predict_proba(X) if Estimator is TinyNetClassifier else est.predict(X)
    assert names == {threading.current_thread().name}

    names = _threads_used(monkeypatch, 3)
    threaded = est.predict_proba(X) if Estimator is TinyNetClassifier else est.predict(X)
    assert threading.current_thread().name not in names and 1 < len(names) <= 3
    np.testing.assert_array_equal(threaded, serial)


def test_blas_is_one_thread_inside_the_chunk_threads(monkeypatch):
    X, y = _data()
    est = TinyNetRegressor((8,), epochs=1, random_state=0, predict__batch_size=100).fit(X, y)
    seen = []
    forward = _prediction.numpy_forward

    def recording(*args, **kwargs):
        seen.append(
            [info["num_threads"] for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"]
        )
        return forward(*args, **kwargs)

    monkeypatch.setattr(_prediction, "numpy_forward", recording)
    monkeypatch.setattr(_prediction, "_parallel_chunks", lambda n_rows, chunk_rows: 2)
    est.predict(X)
    assert seen and all(threads == [1] * len(threads) for threads in seen)


def test_threads_follow_blas_and_the_number_of_chunks():
    blas_threads = max(
        [info["num_threads"] for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"],
        default=1,
    )
    # Too few chunks for threads: one thread, whatever the cores.
    assert _prediction._parallel_chunks(4096, 4096) == 1
    assert _prediction._parallel_chunks(3 * 4096, 4096) == 1
    assert _prediction._parallel_chunks(1000 * 4096, 4096) == blas_threads
    # A caller that limits BLAS (a joblib worker, threadpool_limits) limits prediction too.
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        assert _prediction._parallel_chunks(1000 * 4096, 4096) == 1
