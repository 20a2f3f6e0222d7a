import threading

import keras
import numpy as np
import pytest

from sknnlite._network import initial_weights, keras_weights
from sknnlite._stopping import StoppingPlan
from sknnlite._training import compiled_loop, padding, row_order, torch_loop
from sknnlite._training import pool as trainer_pool
from sknnlite._training.keras_fit import KerasFitTrainer, fit_trainer_for
from sknnlite._training.keras_objects import make_loss
from sknnlite._training.records import Architecture, Objective, TrainingOptions, TrainingState
from sknnlite._training.tensorflow_graph import GraphLoopTrainer, graph_trainer_for

TENSORFLOW = keras.backend.backend() == "tensorflow"
tensorflow_only = pytest.mark.skipif(not TENSORFLOW, reason="the compiled graph loop runs on TensorFlow")

ARCH = Architecture(
    n_features=3, hidden_layer_sizes=(5,), activation="tanh", n_outputs=1, output_activation="linear"
)
MSE = Objective(loss="mse")


def _data(n=40):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, 3)).astype(np.float32)
    y = (X @ [1.0, -2.0, 0.5]).astype(np.float32)[:, None]
    return X, y


def _initial_state(architecture=ARCH):
    coefs, intercepts = initial_weights(np.random.RandomState(0), (3, *architecture.hidden_layer_sizes, 1))
    return TrainingState(keras_weights(coefs, intercepts))


def _options(**overrides):
    options = dict(
        epochs=5,
        batch_size=8,
        shuffle=True,
        learning_rate_decay=0.0,
        alpha=0.0,
        seed=np.array((1, 2)),
        verbose=0,
    )
    return TrainingOptions(**{**options, **overrides})


def _trainer_for(architecture, objective, alpha=0.0):
    """The trainer the estimators use on this backend, lent by the pool (``with ... as``)."""
    if TENSORFLOW:
        return graph_trainer_for(architecture, objective)
    if torch_loop.serves(architecture, objective):
        return torch_loop.torch_trainer_for(architecture, objective)
    return fit_trainer_for(architecture, objective, alpha)


def _train(
    architecture=ARCH,
    objective=MSE,
    trainer=None,
    state=None,
    data=None,
    sample_weight=None,
    learning_rate=0.01,
    tol=0.0,
    **overrides,
):
    X, y = _data() if data is None else data
    w = np.ones(X.shape[0], dtype=X.dtype) if sample_weight is None else sample_weight
    options = _options(**overrides)
    plan = StoppingPlan(tol=tol, n_iter_no_change=10, learning_rate=learning_rate)
    if trainer is None:
        with _trainer_for(architecture, objective, options.alpha) as trainer:
            return trainer.train(X, y, w, state or _initial_state(architecture), options, plan)
    return trainer.train(X, y, w, state or _initial_state(architecture), options, plan)


@tensorflow_only
def test_one_compiled_loop_serves_every_fit_of_an_architecture():
    with graph_trainer_for(ARCH, MSE) as trainer:
        pass
    for _ in range(3):
        _train()
    with graph_trainer_for(ARCH, MSE) as again:
        assert again is trainer
    assert set(trainer.traced_loops()) <= {0, 1}  # each loop (one per padded data shape) traced once


def test_fits_do_not_depend_on_earlier_fits():
    first = _train()
    _train(learning_rate=0.5, seed=np.array((7, 7)), epochs=3)
    again = _train()
    for a, b in zip(first.state.weights, again.state.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    assert first.loss_curve == again.loss_curve


def test_continuing_from_the_returned_state_equals_one_long_run():
    # The optimizer's moments and step count travel in the state, so 3 + 4
    # epochs are the 7-epoch run exactly.
    whole = _train(epochs=7, learning_rate_decay=0.1)
    first = _train(epochs=3, learning_rate_decay=0.1)
    rest = _train(epochs=4, learning_rate_decay=0.1, state=first.state, initial_epoch=3)
    assert first.loss_curve + rest.loss_curve == pytest.approx(whole.loss_curve, rel=1e-6)
    assert rest.n_steps == whole.n_steps == 7 * 5
    for a, b in zip(rest.state.weights, whole.state.weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5)


def test_an_integer_weight_counts_as_that_many_copies_in_a_full_batch():
    X, y = _data(12)
    X, y = X.astype(np.float64), y.astype(np.float64)
    w = np.arange(12) % 3
    objective = Objective(loss="mse", dtype="float64")
    arch = Architecture(**{**ARCH.__dict__, "dtype": "float64"})
    state = TrainingState(
        keras_weights(*initial_weights(np.random.RandomState(0), (3, 5, 1)), dtype="float64")
    )
    weighted = _train(
        arch, objective, data=(X, y), sample_weight=w.astype(float), state=state, batch_size=100
    )
    repeated_data = (X.repeat(w, axis=0), y.repeat(w, axis=0))
    repeated = _train(arch, objective, data=repeated_data, state=state, batch_size=100)
    for a, b in zip(weighted.state.weights, repeated.state.weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10)


def test_the_loss_divides_by_the_sum_of_the_weights():
    loss = make_loss("mse", {}, "float64")
    value = loss(np.array([[0.0], [0.0]]), np.array([[1.0], [3.0]]), sample_weight=np.array([1.0, 3.0]))
    assert float(value) == pytest.approx((1 * 1 + 3 * 9) / 4)


def test_seed_changes_the_shuffle_only_when_shuffling():
    base = _train()
    assert _train(seed=np.array((3, 4))).loss_curve != base.loss_curve
    assert _train(shuffle=False, seed=np.array((3, 4))).loss_curve == _train(shuffle=False).loss_curve


def test_steps_and_epochs_are_counted():
    run = _train(learning_rate_decay=0.5)
    assert run.n_steps == 5 * 5
    assert len(run.loss_curve) == 5


def test_decay_slows_learning():
    assert _train(learning_rate_decay=1.0).loss_curve[-1] > _train().loss_curve[-1]


def test_alpha_shrinks_the_weights():
    plain = np.abs(_train(epochs=30).state.weights[0]).sum()
    assert np.abs(_train(epochs=30, alpha=0.1).state.weights[0]).sum() < plain


def test_training_stops_at_the_first_non_finite_loss():
    run = _train(learning_rate=1e30, epochs=50)
    assert len(run.loss_curve) < 50
    assert not np.isfinite(run.loss_curve[-1])
    assert np.all(np.isfinite(run.loss_curve[:-1]))


@pytest.mark.parametrize("verbose", [1, 2])
def test_verbose_training_gives_the_same_result(verbose, capsys):
    quiet = _train()
    loud = _train(verbose=verbose)
    assert loud.loss_curve == pytest.approx(quiet.loss_curve, rel=1e-6)
    assert "loss" in capsys.readouterr().out


def test_metrics_are_recorded_per_epoch():
    run = _train(objective=Objective(loss="mse", metrics=("mae",)))
    assert list(run.history) == ["loss", "mae"]
    assert len(run.history["mae"]) == 5


def test_the_portable_model_fit_path_trains_too():
    run = _train(trainer=KerasFitTrainer(ARCH.build(), MSE), epochs=30)
    assert run.n_steps == 30 * 5
    assert run.loss_curve[-1] < run.loss_curve[0] / 4


def test_one_trainer_serves_every_fit_of_an_architecture():
    with _trainer_for(ARCH, MSE) as trainer:
        pass
    _train()
    with _trainer_for(ARCH, MSE) as again:
        assert again is trainer


def test_a_trainer_is_lent_to_one_fit_at_a_time_and_then_to_any_thread():
    with _trainer_for(ARCH, MSE) as first, _trainer_for(ARCH, MSE) as second:
        assert first is not second  # two fits at once: two trainers
    returned = []

    def borrow():
        with _trainer_for(ARCH, MSE) as trainer:
            returned.append(trainer)

    thread = threading.Thread(target=borrow)
    thread.start()
    thread.join()
    assert returned[0] in (first, second)  # another thread reuses what this one made


def _lend_in_thread(pool, key, make, got):
    def borrow():
        with pool.lend(key, make) as trainer:
            got.append(trainer)

    thread = threading.Thread(target=borrow)
    thread.start()
    return thread


def test_while_an_architectures_only_trainer_is_out_another_thread_waits_for_it():
    pool, made, got = trainer_pool.TrainerPool(), [], []

    def make():
        made.append(object())
        return made[-1]

    with pool.lend("key", make) as first:
        thread = _lend_in_thread(pool, "key", make, got)
        thread.join(timeout=0.3)
        assert thread.is_alive() and not got  # waiting, not compiling a second trainer
    thread.join(timeout=10)
    assert got == [first] and len(made) == 1
    # Nested in one thread, a second trainer is made (waiting would never end).
    with pool.lend("key", make) as outer, pool.lend("key", make) as inner:
        assert outer is not inner


def test_fits_that_outlast_a_compilation_get_a_trainer_of_their_own_at_once():
    pool, got = trainer_pool.TrainerPool(), []
    with pool.lend("key", object):  # a first fit: compilation and training
        pass
    with pool.lend("key", object):  # a later fit; made to look as long as the first
        pass
    pool._seconds["key"] = [1.0, 0.6]  # training 0.6 s, compiling about 0.4 s: run side by side
    with pool.lend("key", object) as first:
        thread = _lend_in_thread(pool, "key", object, got)
        thread.join(timeout=10)
        assert got and got[0] is not first


def test_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(trainer_pool, "_CACHE_SIZE", 2)
    monkeypatch.setattr(trainer_pool, "_pool", trainer_pool.TrainerPool())
    for units in (2, 3, 4):
        with _trainer_for(Architecture(**{**ARCH.__dict__, "hidden_layer_sizes": (units,)}), MSE):
            pass
    assert [t.model.layers[0].units for t in trainer_pool._pool.idle()] == [3, 4]


@tensorflow_only
def test_past_the_xla_compilation_budget_new_shapes_train_in_the_plain_loop_with_the_same_result(monkeypatch):
    monkeypatch.setattr(
        compiled_loop, "_xla_compilations", [0]
    )  # earlier tests in this process compiled some
    compiled = GraphLoopTrainer(ARCH.build(), MSE, xla=True)
    first = _train(trainer=compiled)
    assert compiled.traced_loops() == [0, 1]
    monkeypatch.setattr(compiled_loop, "_xla_compilations", [compiled_loop._XLA_MAX_COMPILATIONS])
    plain = GraphLoopTrainer(ARCH.build(), MSE, xla=True)
    second = _train(trainer=plain)
    assert plain.traced_loops() == [1]  # the plain loop, no XLA loop compiled
    for a, b in zip(first.state.weights, second.state.weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)  # float32; XLA fuses differently
    _train(trainer=compiled)  # a shape already compiled keeps its XLA loop
    assert compiled.traced_loops() == [0, 1]


@tensorflow_only
def test_model_fit_orders_rows_as_the_compiled_loops():
    import tensorflow as tf

    for seed in ((0, 0), (12345, 2**31 - 1), (7, 99)):
        for epoch in (0, 1, 1000):
            compiled = row_order.epoch_keys(300, tf.constant(seed, tf.int32), tf.constant(epoch))
            np.testing.assert_array_equal(
                compiled.numpy(), row_order.epoch_keys_array(np, 300, np.array(seed), epoch)
            )


def _blocks_of(monkeypatch, block_rows):
    """Make X of more than 3 x 10 values train in blocks of ``block_rows`` rows (``_data``: 3 features)."""
    monkeypatch.setattr(padding, "_XLA_MAX_VALUES", 30)
    monkeypatch.setattr(padding, "_BLOCK_VALUES", 3 * block_rows)


@tensorflow_only
@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("with_rows", [False, True])
def test_large_X_trains_in_blocks_with_the_plain_loops_steps(monkeypatch, shuffle, with_rows):
    import tensorflow as tf

    X, y = _data(203)
    w = np.random.RandomState(1).uniform(0.5, 2.0, size=203).astype(np.float32)
    rows = np.random.RandomState(2).permutation(203)[:150] if with_rows else None
    taken = (X, y) if rows is None else (X[rows], y[rows])
    y, w = (y, w) if rows is None else (y[rows], w[rows])
    plain = _train(
        trainer=GraphLoopTrainer(ARCH.build(), MSE),
        data=taken,
        sample_weight=w,
        shuffle=shuffle,
    )

    _blocks_of(monkeypatch, 24)  # three minibatches of 8 per block; the last block is partial
    converted = []
    convert = tf.convert_to_tensor
    monkeypatch.setattr(
        tf,
        "convert_to_tensor",
        lambda value, *a, **k: converted.append(np.shape(value)) or convert(value, *a, **k),
    )
    trainer = GraphLoopTrainer(ARCH.build(), MSE)
    options = _options(shuffle=shuffle)
    plan = StoppingPlan(tol=0.0, n_iter_no_change=10, learning_rate=0.01)
    blocked = trainer.train(X, y, w, _initial_state(), options, plan, rows=rows)

    assert blocked.loss_curve == plain.loss_curve
    for a, b in zip(
        blocked.state.weights + blocked.state.optimizer_state,
        plain.state.weights + plain.state.optimizer_state,
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)
    assert max(shape[0] for shape in converted if len(shape) == 2 and shape[1] == 3) == 24  # never all of X


@tensorflow_only
def test_blocked_training_applies_the_training_loss_rule_and_stops_at_a_non_finite_loss(monkeypatch):
    X, y = _data(200)
    expected = [_train(data=(X, y), tol=10.0, epochs=30), _train(data=(X, y), learning_rate=1e30, epochs=50)]
    _blocks_of(monkeypatch, 40)
    stopped = _train(trainer=GraphLoopTrainer(ARCH.build(), MSE), data=(X, y), tol=10.0, epochs=30)
    diverged = _train(
        trainer=GraphLoopTrainer(ARCH.build(), MSE),
        data=(X, y),
        learning_rate=1e30,
        epochs=50,
    )
    for run, reference in zip((stopped, diverged), expected, strict=True):
        assert len(run.loss_curve) == len(reference.loss_curve) < 30
        np.testing.assert_allclose(run.loss_curve, reference.loss_curve, rtol=1e-5)
    assert not np.isfinite(diverged.loss_curve[-1])


def test_model_fit_trains_on_rows_as_on_their_copy():
    X, y = _data(60)
    rows = np.random.RandomState(3).permutation(60)[:45]
    w = np.ones(45, dtype=np.float32)
    options, plan = _options(), StoppingPlan(tol=0.0, n_iter_no_change=10, learning_rate=0.01)
    on_rows = KerasFitTrainer(ARCH.build(), MSE).train(
        X, y[rows], w, _initial_state(), options, plan, rows=rows
    )
    plan = StoppingPlan(tol=0.0, n_iter_no_change=10, learning_rate=0.01)
    on_copy = KerasFitTrainer(ARCH.build(), MSE).train(X[rows], y[rows], w, _initial_state(), options, plan)
    assert on_rows.loss_curve == on_copy.loss_curve
    for a, b in zip(on_rows.state.weights, on_copy.state.weights, strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_numpy_epoch_order_is_the_compiled_loops_order():
    for seed in ((0, 0), (12345, 2**31 - 1)):
        for epoch in (0, 3):
            keys = row_order.epoch_keys_array(np, 500, np.array(seed), epoch)
            np.testing.assert_array_equal(row_order.epoch_order(500, np.array(seed), epoch), np.argsort(keys))
