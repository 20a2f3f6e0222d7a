import numpy as np
import pytest

from sknnlite import _training
from sknnlite._network import initial_weights
from sknnlite._training import Architecture, TrainingOptions, _cached_graph_trainer, _KerasFitTrainer, train

ARCH = Architecture(
    n_features=3,
    hidden_layer_sizes=(5,),
    activation="tanh",
    n_outputs=1,
    output_activation="linear",
    loss="mse",
    optimizer="adam",
    sparse_targets=False,
)


def _data(n=40):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, 3)).astype(np.float32)
    y = (X @ [1.0, -2.0, 0.5]).astype(np.float32)[:, None]
    return X, y


def _train(architecture=ARCH, trainer=None, seed=(1, 2), **overrides):
    X, y = _data()
    coefs, intercepts = initial_weights(np.random.RandomState(0), (3, *architecture.hidden_layer_sizes, 1))
    options = dict(
        coefs=coefs,
        intercepts=intercepts,
        epochs=5,
        batch_size=8,
        shuffle=True,
        learning_rate=0.01,
        learning_rate_decay=0.0,
        alpha=0.0,
        seed=np.array(seed),
        verbose=0,
    )
    options = TrainingOptions(**{**options, **overrides})
    if trainer is not None:
        return trainer.train(X, y, options)
    return train(architecture, X, y, options)


def test_one_compiled_loop_serves_every_fit_of_an_architecture():
    trainer = _cached_graph_trainer(ARCH)
    for _ in range(3):
        _train()
    assert _cached_graph_trainer(ARCH) is trainer
    assert trainer.run_epochs.experimental_get_tracing_count() == 1


def test_fits_do_not_depend_on_earlier_fits():
    first = _train()
    _train(learning_rate=0.5, seed=(7, 7), epochs=3)
    again = _train()
    for a, b in zip(first.coefs + first.intercepts, again.coefs + again.intercepts, strict=True):
        np.testing.assert_array_equal(a, b)
    assert first.loss_curve == again.loss_curve


def test_seed_changes_the_shuffle_only_when_shuffling():
    base = _train()
    assert _train(seed=(3, 4)).loss_curve != base.loss_curve
    assert _train(shuffle=False, seed=(3, 4)).loss_curve == _train(shuffle=False).loss_curve


def test_steps_and_epochs_are_counted():
    run = _train(learning_rate_decay=0.5)
    assert run.n_steps == 5 * 5
    assert len(run.loss_curve) == 5


def test_decay_slows_learning():
    assert _train(learning_rate_decay=1.0).loss_curve[-1] > _train().loss_curve[-1]


def test_alpha_shrinks_the_weights():
    plain = np.abs(_train(epochs=30).coefs[0]).sum()
    assert np.abs(_train(epochs=30, alpha=0.1).coefs[0]).sum() < plain


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


def test_the_portable_model_fit_path_trains_too():
    run = _train(trainer=_KerasFitTrainer(ARCH), epochs=30)
    assert run.n_steps == 30 * 5
    assert run.loss_curve[-1] < run.loss_curve[0] / 4


def test_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(_training, "_CACHE_SIZE", 2)
    for units in (2, 3, 4):
        _cached_graph_trainer(Architecture(**{**ARCH.__dict__, "hidden_layer_sizes": (units,)}))
    assert len(_training._local.trainers) == 2
