import keras
import numpy as np
import pytest

from sknnlite import _training
from sknnlite._network import initial_weights, keras_weights
from sknnlite._stopping import StoppingPlan
from sknnlite._training import (
    Architecture,
    KerasFitTrainer,
    Objective,
    TrainingOptions,
    TrainingState,
    fit_trainer_for,
    graph_trainer_for,
    make_loss,
)

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
    """The trainer the estimators use on this backend."""
    if TENSORFLOW:
        return graph_trainer_for(architecture, objective)
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
    if trainer is None:
        trainer = _trainer_for(architecture, objective, options.alpha)
    plan = StoppingPlan(tol=tol, n_iter_no_change=10, learning_rate=learning_rate)
    return trainer.train(X, y, w, state or _initial_state(architecture), options, plan)


@tensorflow_only
def test_one_compiled_loop_serves_every_fit_of_an_architecture():
    trainer = graph_trainer_for(ARCH, MSE)
    for _ in range(3):
        _train()
    assert graph_trainer_for(ARCH, MSE) is trainer
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
    trainer = _trainer_for(ARCH, MSE)
    _train()
    assert _trainer_for(ARCH, MSE) is trainer


def test_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(_training, "_CACHE_SIZE", 2)
    for units in (2, 3, 4):
        _trainer_for(Architecture(**{**ARCH.__dict__, "hidden_layer_sizes": (units,)}), MSE)
    assert len(_training._local.trainers) == 2


@tensorflow_only
def test_past_the_xla_compilation_budget_new_shapes_train_in_the_plain_loop_with_the_same_result(monkeypatch):
    monkeypatch.setattr(_training, "_xla_compilations", [0])  # earlier tests in this process compiled some
    compiled = _training.GraphLoopTrainer(ARCH.build(), MSE, xla=True)
    first = _train(trainer=compiled)
    assert compiled.traced_loops() == [0, 1]
    monkeypatch.setattr(_training, "_xla_compilations", [_training._XLA_MAX_COMPILATIONS])
    plain = _training.GraphLoopTrainer(ARCH.build(), MSE, xla=True)
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
            compiled = _training._epoch_keys(300, tf.constant(seed, tf.int32), tf.constant(epoch))
            np.testing.assert_array_equal(
                compiled.numpy(), _training.epoch_keys_array(np, 300, np.array(seed), epoch)
            )
