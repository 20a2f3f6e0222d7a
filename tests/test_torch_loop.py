import keras
import numpy as np
import pytest
from engine_checks import assert_continued_fits_match_model_fit, assert_same_fit, engine_data
from scipy import sparse

from sknnlite import TinyNetClassifier, TinyNetRegressor
from sknnlite._training import compiled_loop, padding, torch_loop
from sknnlite._training import pool as trainer_pool

TORCH = keras.backend.backend() == "torch"
torch_only = pytest.mark.skipif(not TORCH, reason="the PyTorch loop trains on the PyTorch backend")

FAST = dict(hidden_layer_sizes=(8,), epochs=15, learning_rate=0.01, batch_size=16, random_state=0)
MODEL_FIT = {"callbacks": [keras.callbacks.Callback()]}  # any callback sends a fit through model.fit


def _torch_trainers():
    return [t for t in trainer_pool._pool.idle() if isinstance(t, torch_loop.TorchLoopTrainer)]


def test_the_loop_serves_the_built_in_network_on_pytorch_only():
    from sknnlite._training.records import Architecture, Objective

    plain = Architecture(4, (8,), "relu", 1, "sigmoid")
    objective = Objective("binary_crossentropy")
    assert torch_loop.serves(plain, objective) is TORCH
    assert not torch_loop.serves(Architecture(4, (8,), "relu", 1, "sigmoid", dropout=0.1), objective)
    assert not torch_loop.serves(
        Architecture(4, (8,), "relu", 1, "sigmoid", batch_normalization=True), objective
    )
    assert not torch_loop.serves(plain, Objective("binary_crossentropy", metrics=("accuracy",)))


@torch_only
@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"alpha": 0.01, "learning_rate_decay": 0.1},
        {"shuffle": False},
        {"early_stopping": True},
        {"optimizer": "sgd", "optimizer__momentum": 0.9, "optimizer__nesterov": True},
        {"optimizer": "rmsprop", "activation": "tanh"},
    ],
    ids=["default", "alpha-decay", "no-shuffle", "early-stopping", "sgd-nesterov", "rmsprop-tanh"],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_the_loop_trains_as_model_fit_does(settings, weighted):
    X, y, w = engine_data()
    w = w if weighted else None
    ours = TinyNetClassifier(**FAST, **settings).fit(X, y, sample_weight=w)
    assert _torch_trainers()
    reference = TinyNetClassifier(**FAST, **settings, **MODEL_FIT).fit(X, y, sample_weight=w)
    assert ours.n_iter_ == reference.n_iter_ and ours.t_ == reference.t_
    assert_same_fit(ours, reference, loss_curves=not weighted)


@torch_only
@pytest.mark.parametrize(
    "estimator",
    [
        TinyNetRegressor(**FAST, activation="tanh"),
        TinyNetClassifier(**FAST, loss="hinge", output_activation="tanh"),
        TinyNetClassifier(**{**FAST, "hidden_layer_sizes": (6, 5)}, activation="softsign"),
    ],
    ids=["regressor", "hinge", "two-layers"],
)
def test_other_losses_and_networks_train_as_model_fit_does(estimator):
    from sklearn.base import clone

    X, y, _ = engine_data()
    targets = X @ [1.0, -2.0, 0.5, 3.0] if isinstance(estimator, TinyNetRegressor) else y
    ours = clone(estimator).fit(X, targets)
    reference = clone(estimator).set_params(**MODEL_FIT).fit(X, targets)
    assert_same_fit(ours, reference)


@torch_only
def test_sparse_X_trains_as_its_dense_copy():
    X, y, _ = engine_data()
    X[X < 0.4] = 0.0
    dense = TinyNetClassifier(**FAST).fit(X, y)
    from_sparse = TinyNetClassifier(**FAST).fit(sparse.csr_matrix(X), y)
    assert_same_fit(from_sparse, dense)


@torch_only
@pytest.mark.parametrize("settings", [{}, {"shuffle": False}, {"early_stopping": True}])
def test_blocks_of_rows_give_the_same_steps_and_never_hold_all_of_X(monkeypatch, settings):
    X, y, w = engine_data(203)
    whole = TinyNetClassifier(**FAST, **settings).fit(X, y, sample_weight=w)
    monkeypatch.setattr(padding, "_BLOCK_VALUES", 4 * 48)  # three minibatches of 16 per block
    gathered = []
    dense_rows = torch_loop.dense_rows

    def recorded(X, rows):
        gathered.append(dense_rows(X, rows).shape[0])
        return dense_rows(X, rows)

    monkeypatch.setattr(torch_loop, "dense_rows", recorded)
    blocked = TinyNetClassifier(**FAST, **settings).fit(X, y, sample_weight=w)
    assert blocked.n_iter_ == whole.n_iter_
    assert_same_fit(blocked, whole)
    assert max(gathered) == 48  # a block at a time, never all of X


@torch_only
def test_partial_fit_and_warm_start_continue_as_in_model_fit():
    assert_continued_fits_match_model_fit(FAST)


@torch_only
def test_ctrl_c_inside_a_call_keeps_the_weights_of_the_last_finished_call(monkeypatch):
    X, y, _ = engine_data()
    make_step = torch_loop.TorchLoopTrainer._step_function
    calls = []

    def interrupted_after_two_epochs(self):
        step = make_step(self)

        def counted(*batch):
            calls.append(None)
            if len(calls) == 2 * 5 + 3:  # 5 steps an epoch: three steps into the third epoch
                raise KeyboardInterrupt
            return step(*batch)

        return counted

    monkeypatch.setattr(torch_loop.TorchLoopTrainer, "_step_function", interrupted_after_two_epochs)
    monkeypatch.setattr(compiled_loop, "_CALL_SECONDS", 0.0)  # one epoch a call
    with pytest.warns(UserWarning, match="interrupted by user after 2 of 5 epochs"):
        stopped = TinyNetClassifier(**{**FAST, "epochs": 5, "tol": 0.0}).fit(X, y)
    monkeypatch.undo()
    two_epochs = TinyNetClassifier(**{**FAST, "epochs": 2, "tol": 0.0}).fit(X, y)
    assert stopped.n_iter_ == 2
    assert_same_fit(stopped, two_epochs)


@torch_only
def test_a_minibatch_of_weight_0_rows_adds_no_penalty_and_keeps_the_weights_finite():
    X, y, w = engine_data()
    w[:16] = 0.0  # without shuffling, the first minibatch weighs nothing
    settings = {**FAST, "shuffle": False, "alpha": 0.01}
    ours = TinyNetClassifier(**settings).fit(X, y, sample_weight=w)
    assert all(np.isfinite(c).all() for c in ours.coefs_)
    reference = TinyNetClassifier(**settings, **MODEL_FIT).fit(X, y, sample_weight=w)
    assert_same_fit(ours, reference, loss_curves=False)
