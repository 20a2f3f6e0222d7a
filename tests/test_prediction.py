"""The built-in MLP's prediction: many chunks on parallel threads, with the one-thread result."""

import threading

import numpy as np
import pytest
import threadpoolctl
from fresh_process import run_python
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


def _on_an_accelerator(monkeypatch):
    """Make prediction take the accelerator's path on this machine, on the backend's default device."""
    calls = []
    device_forward = _prediction._device_forward
    monkeypatch.setattr(_prediction, "_backend_accelerator", lambda backend: "a test device")
    monkeypatch.setattr(_prediction, "_DEVICE_MIN_MULTIPLY_ADDS", 0)
    monkeypatch.setattr(
        _prediction, "_device_forward", lambda *args: calls.append(args) or device_forward(*args)
    )
    return calls


@pytest.mark.parametrize(
    "estimator",
    [
        TinyNetRegressor((16, 8), epochs=5, random_state=0),
        TinyNetClassifier((16,), activation="tanh", epochs=5, random_state=0),
        TinyNetClassifier((8,), batch_normalization=True, dropout=0.2, epochs=5, random_state=0),
        TinyNetClassifier((8,), loss="hinge", epochs=5, random_state=0),
    ],
    ids=["regressor", "classifier", "batch-norm-dropout", "hinge"],
)
def test_an_accelerator_gives_the_numpy_passs_outputs(monkeypatch, estimator):
    X, y = _data(n_rows=700)
    y = y if isinstance(estimator, TinyNetRegressor) else np.digitize(y, np.quantile(y, [0.3, 0.6]))
    estimator.fit(X, y)
    methods = ["predict"] + (["predict_proba", "decision_function"] if hasattr(estimator, "classes_") else [])
    expected = {name: getattr(estimator, name)(X) for name in methods}
    calls = _on_an_accelerator(monkeypatch)
    estimator.set_params(predict__batch_size=300)  # three chunks, the last one partial
    for name in methods:
        before = len(calls)
        np.testing.assert_allclose(getattr(estimator, name)(X), expected[name], rtol=1e-5, atol=1e-6)
        assert len(calls) > before, f"{name} did not use the accelerator"
    assert estimator.predict(X[:1]).shape == (1,)


def test_small_batches_and_sparse_rows_stay_in_numpy(monkeypatch):
    X, y = _data(n_rows=200)
    reg = TinyNetRegressor((16,), epochs=3, random_state=0).fit(X, y)
    calls = _on_an_accelerator(monkeypatch)
    reg.predict(sparse.csr_matrix(X))  # densifying chunks for a device could take far more memory than X
    assert calls == []
    monkeypatch.setattr(_prediction, "_DEVICE_MIN_MULTIPLY_ADDS", 200 * (12 * 16 + 16) + 1)
    reg.predict(X)
    assert calls == []
    assert _prediction._worth_the_device(reg._architecture, 201)


def test_the_accelerator_check_imports_no_backend(tmp_path):
    import pickle

    X, y = _data(n_rows=300)
    reg = TinyNetRegressor((16,), epochs=3, random_state=0).fit(X, y)
    (tmp_path / "reg.pkl").write_bytes(pickle.dumps(reg))
    np.save(tmp_path / "X.npy", X)
    script = (
        "import pickle, sys, numpy as np\n"
        "from sknnlite import _prediction\n"
        "_prediction._DEVICE_MIN_MULTIPLY_ADDS = 0  # every call large enough for a device\n"
        "reg = pickle.load(open('reg.pkl', 'rb'))\n"
        "reg.predict(np.load('X.npy'))\n"
        "imported = {'keras', 'tensorflow', 'jax', 'torch'} & set(sys.modules)\n"
        "assert not imported, imported\n"
        "print('ok')\n"
    )
    done = run_python("-c", script, cwd=tmp_path)
    assert done.stdout.strip() == "ok"
