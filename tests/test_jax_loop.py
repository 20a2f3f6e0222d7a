import os

import keras
import numpy as np
import pytest
from engine_checks import assert_continued_fits_match_model_fit, assert_same_fit, engine_data
from fresh_process import run_python

from sknnlite import TinyNetClassifier, TinyNetRegressor
from sknnlite._training import compiled_loop, jax_blocked, jax_loop, padding
from sknnlite._training import pool as trainer_pool
from sknnlite._training.row_order import epoch_keys_array

JAX = keras.backend.backend() == "jax"
jax_only = pytest.mark.skipif(not JAX, reason="the jit loop trains on the JAX backend")

FAST = dict(hidden_layer_sizes=(8,), epochs=15, learning_rate=0.01, batch_size=16, random_state=0)


@pytest.fixture(autouse=True)
def unspent_compilation_budget(monkeypatch):
    """Earlier tests in the process may have spent the per-process budget of compiled loops."""
    monkeypatch.setattr(compiled_loop, "_xla_compilations", [0])


def _jit_trainers():
    return [t for t in trainer_pool._pool.idle() if isinstance(t, jax_loop.JaxLoopTrainer)]


def test_the_jit_loop_orders_rows_as_the_other_engines():
    jnp = pytest.importorskip("jax.numpy")
    for seed in ((0, 0), (12345, 2**31 - 1), (7, 99)):
        for epoch in (0, 1, 1000):
            expected = epoch_keys_array(np, 300, np.array(seed), epoch)
            keys = epoch_keys_array(
                jnp, 300, jnp.asarray(seed, "int32"), jnp.asarray(epoch, "int32"), "uint32"
            )
            np.testing.assert_array_equal(np.asarray(keys).astype(np.int64), expected)


@jax_only
@pytest.mark.parametrize(
    "settings",
    [{}, {"alpha": 0.01, "learning_rate_decay": 0.1}, {"shuffle": False}, {"early_stopping": True}],
    ids=["default", "alpha-decay", "no-shuffle", "early-stopping"],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_the_jit_loop_trains_as_model_fit_does(settings, weighted):
    X, y, w = engine_data()
    w = w if weighted else None
    jit = TinyNetClassifier(**FAST, **settings).fit(X, y, sample_weight=w)
    assert any(t._loops for t in _jit_trainers())
    # Any callback sends the fit through model.fit.
    fit = TinyNetClassifier(**FAST, **settings, callbacks=[keras.callbacks.Callback()]).fit(
        X, y, sample_weight=w
    )
    assert jit.n_iter_ == fit.n_iter_
    assert_same_fit(jit, fit, loss_curves=not weighted)


@jax_only
def test_one_compilation_serves_every_learning_rate_alpha_and_stopping_rule(monkeypatch):
    compiled = []
    compile_loop = jax_loop.JaxLoopTrainer._compile

    def counting(self, *args):
        compiled.append(args)
        return compile_loop(self, *args)

    monkeypatch.setattr(jax_loop.JaxLoopTrainer, "_compile", counting)
    X, _, _ = engine_data()
    settings = [
        {"learning_rate": 0.01},
        {"learning_rate": 0.1, "alpha": 0.1},
        {"tol": 0.0, "shuffle": False, "learning_rate_decay": 0.5},
        {"n_iter_no_change": 2, "tol": 0.1},
    ]
    fits = [TinyNetRegressor(**{**FAST, **s}, activation="tanh").fit(X, X.sum(axis=1)) for s in settings]
    assert len(compiled) == 1
    assert len({f.loss_curve_[-1] for f in fits}) == len(fits)


@jax_only
def test_past_the_compilation_budget_fits_go_through_model_fit_with_the_same_result(monkeypatch):
    compiled = []
    compile_loop = jax_loop.JaxLoopTrainer._compile
    monkeypatch.setattr(
        jax_loop.JaxLoopTrainer, "_compile", lambda self, *a: compiled.append(a) or compile_loop(self, *a)
    )
    monkeypatch.setattr(trainer_pool, "_pool", trainer_pool.TrainerPool())  # no trainer compiled yet
    X, y, _ = engine_data(90)
    TinyNetClassifier(**FAST).fit(X, y)
    assert len(compiled) == 1
    monkeypatch.setattr(compiled_loop, "_xla_compilations", [compiled_loop._XLA_MAX_COMPILATIONS])
    past = TinyNetClassifier(**{**FAST, "batch_size": 10}).fit(X, y)  # a new shape
    assert len(compiled) == 1
    reference = TinyNetClassifier(**{**FAST, "batch_size": 10}, callbacks=[keras.callbacks.Callback()]).fit(
        X, y
    )
    assert_same_fit(past, reference)


def _blocks_of(monkeypatch, block_rows):
    """Make X of more than 10 rows (``_data``: 4 features) train in blocks of ``block_rows`` rows."""
    monkeypatch.setattr(padding, "_XLA_MAX_VALUES", 4 * 10)
    monkeypatch.setattr(padding, "_BLOCK_VALUES", 4 * block_rows)


@jax_only
@pytest.mark.parametrize(
    "settings",
    [{}, {"shuffle": False, "alpha": 0.01}, {"early_stopping": True}, {"tol": 1.0, "n_iter_no_change": 2}],
    ids=["default", "no-shuffle-alpha", "early-stopping", "training-loss-rule"],
)
def test_large_X_trains_in_blocks_with_the_jit_loops_steps(monkeypatch, settings):
    X, y, w = engine_data(203)
    padded = TinyNetClassifier(**FAST, **settings).fit(X, y, sample_weight=w)
    _blocks_of(monkeypatch, 48)  # three minibatches of 16 per block; the last block is partial
    on_device = []
    to_device = jax_blocked._device_arrays
    monkeypatch.setattr(
        jax_blocked,
        "_device_arrays",
        lambda parts, dtype: on_device.append(parts[0].shape) or to_device(parts, dtype),
    )
    blocked = TinyNetClassifier(**FAST, **settings).fit(X, y, sample_weight=w)
    assert blocked.n_iter_ == padded.n_iter_
    assert_same_fit(blocked, padded)
    assert {shape[0] for shape in on_device} == {48}  # a block at a time, never all of X


@jax_only
def test_warm_start_continues_in_blocks_as_in_the_padded_loop(monkeypatch):
    X, y, _ = engine_data(203)
    settings = {**FAST, "epochs": 3, "tol": 0.0, "warm_start": True}
    reference = TinyNetClassifier(**settings)
    for _ in range(2):
        reference.fit(X, y)
    _blocks_of(monkeypatch, 48)
    warm = TinyNetClassifier(**settings)
    for _ in range(2):
        warm.fit(X, y)
    assert_same_fit(warm, reference)
    assert len(warm.loss_curve_) == 6


@jax_only
def test_partial_fit_and_warm_start_continue_in_the_jit_loop_as_in_model_fit():
    assert_continued_fits_match_model_fit(FAST)


def test_float64_input_on_jax_without_x64_trains_in_float32_without_warnings():
    pytest.importorskip("jax")
    script = """
import warnings
warnings.simplefilter("error")  # JAX warned for every float64 array it truncated
import numpy as np
from sknnlite import TinyNetClassifier
rng = np.random.RandomState(0)
X = rng.uniform(size=(60, 3))
y = (X.sum(axis=1) > 1.5).astype(int)
for extra in ({}, {"callbacks": []}, {"dropout": 0.1}):
    clf = TinyNetClassifier((4,), epochs=3, tol=0.0, random_state=0, **extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Keras' NumPy 2 copy notice, not ours
        warnings.filterwarnings("ignore", ".*Maximum epochs")
        clf.fit(X, y)
    assert clf.coefs_[0].dtype == np.float32, clf.coefs_[0].dtype
    assert clf.predict(X).shape == (60,)
print("ok")
"""
    env = {k: v for k, v in os.environ.items() if k != "JAX_ENABLE_X64"}
    env.update(KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="3")
    result = run_python("-c", script, env=env)
    assert result.stdout.strip() == "ok"
