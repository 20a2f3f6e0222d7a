"""Reproducibility across fits, processes and parallel backends; dask-distributed search."""

import pickle
import textwrap

import joblib
import numpy as np
import pytest
from fresh_process import run_python
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV

from sknnlite import TinyNetClassifier, TinyNetRegressor
from sknnlite.datasets import make_sum_threshold

FAST = dict(hidden_layer_sizes=(8,), epochs=20, learning_rate=0.01, random_state=0)
GRID = {"learning_rate": [0.001, 0.03], "activation": ["relu", "tanh"]}

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data(n=150):
    return make_sum_threshold(n, random_state=0)


def test_seeded_then_unseeded_then_seeded_in_one_process():
    # SciKeras' bug: a seeded fit left TensorFlow's op determinism on, and the next unseeded fit failed.
    X, y = _data()
    params = dict(FAST, dropout=0.3)  # dropout draws random numbers during training
    first = TinyNetClassifier(**params).fit(X, y).predict_proba(X)
    unseeded = [TinyNetClassifier(**dict(params, random_state=None)).fit(X, y) for _ in range(2)]
    again = TinyNetClassifier(**params).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(unseeded[0].coefs_[0], unseeded[1].coefs_[0])


_FIT_SCRIPT = textwrap.dedent(
    """
    import sys, numpy as np
    from sknnlite import TinyNetClassifier
    from sknnlite.datasets import make_sum_threshold
    X, y = make_sum_threshold(150, random_state=0)
    est = TinyNetClassifier((8,), epochs=20, learning_rate=0.01, dropout=0.2, random_state=7)
    np.save(sys.argv[1], est.fit(X, y).predict_proba(X))
    """
)


def test_a_seeded_fit_is_bit_identical_in_separate_processes(tmp_path):
    for name in ("a.npy", "b.npy"):
        run_python("-c", _FIT_SCRIPT, str(tmp_path / name))
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy"))
    X, y = _data()
    here = TinyNetClassifier(
        hidden_layer_sizes=(8,), epochs=20, learning_rate=0.01, dropout=0.2, random_state=7
    )
    np.testing.assert_array_equal(here.fit(X, y).predict_proba(X), np.load(tmp_path / "a.npy"))


def _search(backend, n_jobs):
    X, y = _data()
    with joblib.parallel_backend(backend, n_jobs=n_jobs):
        return GridSearchCV(TinyNetClassifier(**FAST), GRID, cv=3).fit(X, y)


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_grid_search_with_two_workers_matches_sequential(backend):
    sequential = _search("sequential", 1)
    parallel = _search(backend, 2)
    assert parallel.best_params_ == sequential.best_params_
    np.testing.assert_array_equal(
        parallel.cv_results_["mean_test_score"], sequential.cv_results_["mean_test_score"]
    )
    X, _ = _data()
    np.testing.assert_array_equal(parallel.predict_proba(X), sequential.predict_proba(X))


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_grid_search_on_a_dask_cluster_matches_sequential(dask_client):
    distributed = pytest.importorskip("distributed")
    sequential = _search("sequential", 1)
    with distributed.get_task_stream(dask_client) as tasks:
        on_cluster = _search("dask", -1)
    assert on_cluster.best_params_ == sequential.best_params_
    np.testing.assert_array_equal(
        on_cluster.cv_results_["mean_test_score"], sequential.cv_results_["mean_test_score"]
    )
    # The search's fits ran as tasks on both of the cluster's worker processes.
    assert {task["worker"] for task in tasks.data} == set(dask_client.scheduler_info()["workers"])


def _predict_on_worker(payload, X):
    return pickle.loads(payload).predict(X)


@pytest.mark.parametrize("Estimator", [TinyNetClassifier, TinyNetRegressor])
def test_a_pickled_estimator_predicts_identically_on_a_dask_worker(dask_client, Estimator):
    X, y = _data()
    est = Estimator(**FAST).fit(X, y)
    remote = dask_client.submit(_predict_on_worker, pickle.dumps(est), X).result()
    np.testing.assert_array_equal(remote, est.predict(X))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_dask_ml_incremental_trains_on_a_chunked_array_as_well_as_an_in_memory_fit(dask_client):
    wrappers = pytest.importorskip("dask_ml.wrappers")
    da = pytest.importorskip("dask.array")
    # A task with 5% flipped labels: the accuracy plateaus, so it measures training, not the order of the
    # last few blocks (on the noiseless sum-threshold task that order alone moves accuracy by 0.02).
    X, y = make_classification(25_000, n_features=10, n_informative=5, flip_y=0.05, random_state=0)
    X, X_test, y, y_test = X[:20_000], X[20_000:], y[:20_000], y[20_000:]
    params = dict(hidden_layer_sizes=(20,), learning_rate=0.003, random_state=0)
    incremental = wrappers.Incremental(TinyNetClassifier(**params), scoring="accuracy", random_state=0)
    for _ in range(3):  # three passes over ten blocks, each block a partial_fit on a worker
        incremental.partial_fit(da.from_array(X, chunks=2000), da.from_array(y, chunks=2000), classes=[0, 1])
    assert len(incremental.estimator_.loss_curve_) == 30 and incremental.estimator_.t_ == 3 * 20_000
    in_memory = TinyNetClassifier(**params, epochs=3, tol=0.0).fit(X, y)
    score = incremental.score(da.from_array(X_test, chunks=500), da.from_array(y_test, chunks=500))
    assert score > 0.85
    assert abs(score - in_memory.score(X_test, y_test)) <= 0.01
