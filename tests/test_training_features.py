"""Training features both estimators share: early stopping, warm start, partial_fit,
sample weights, dropout and batch normalization, callbacks, metrics, progress."""

import keras
import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from sknnlite import TinyNetClassifier, TinyNetRegressor
from sknnlite.datasets import make_sum_threshold

FAST = dict(hidden_layer_sizes=(8,), epochs=20, learning_rate=0.01, random_state=0)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data(n=120, seed=0):
    return make_sum_threshold(n, random_state=seed)


@pytest.fixture(params=[TinyNetClassifier, TinyNetRegressor], ids=["classifier", "regressor"])
def Estimator(request):
    return request.param


def _fit_args(Estimator, X, y):
    return {"classes": [0, 1]} if Estimator is TinyNetClassifier else {}


# -- early stopping -----------------------------------------------------------


def test_early_stopping_stops_and_keeps_the_best_epoch(Estimator):
    X, y = _data(300)
    est = Estimator(**{**FAST, "epochs": 500}, early_stopping=True, n_iter_no_change=3).fit(X, y)
    assert est.n_iter_ < 500
    scores = est.validation_scores_
    assert len(scores) == est.n_iter_
    assert est.best_validation_score_ == max(scores)
    assert est.best_loss_ is None
    # MLP's rule: stop after n_iter_no_change + 1 epochs without a tol improvement.
    best_epoch = int(np.argmax(scores))
    assert est.n_iter_ - 1 - best_epoch >= est.n_iter_no_change


def test_early_stopping_restores_the_weights_of_the_best_epoch():
    X, y = _data(300)
    params = dict(**{**FAST, "epochs": 500}, early_stopping=True, n_iter_no_change=3, validation_fraction=0.2)
    est = TinyNetRegressor(**params).fit(X, y)
    best_epoch = int(np.argmax(est.validation_scores_)) + 1
    assert best_epoch < est.n_iter_
    # The same seed gives the same split; stopping never triggers within best_epoch epochs, whose
    # best is the last one, so these weights are the best epoch's.
    again = TinyNetRegressor(**{**params, "epochs": best_epoch, "n_iter_no_change": 10_000}).fit(X, y)
    for a, b in zip(est.coefs_, again.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_without_early_stopping_all_epochs_run_and_best_loss_is_reported(Estimator):
    X, y = _data()
    est = Estimator(**FAST).fit(X, y)
    assert est.n_iter_ == 20
    assert est.validation_scores_ is None and est.best_validation_score_ is None
    assert est.best_loss_ == min(est.loss_curve_)


def test_early_stopping_split_is_stratified_for_the_classifier():
    X, _ = _data(100)
    y = np.where(np.arange(100) < 99, 0, 1)  # one sample of class 1 cannot be stratified
    with pytest.raises(ValueError, match=r"least populated class.* in y ha.* only 1 member"):
        TinyNetClassifier(**FAST, early_stopping=True).fit(X, y)
    TinyNetRegressor(**FAST, early_stopping=True).fit(X, y)  # regression splits are not stratified


# -- warm start and partial_fit ----------------------------------------------


def test_warm_start_continues_from_the_fitted_weights_and_optimizer_state(Estimator):
    X, y = _data()
    once = Estimator(**{**FAST, "epochs": 20, "shuffle": False}).fit(X, y)
    warm = Estimator(**{**FAST, "epochs": 10, "shuffle": False}, warm_start=True).fit(X, y).fit(X, y)
    assert warm.n_iter_ == 10 and len(warm.loss_curve_) == 20 and warm.t_ == once.t_
    assert warm.loss_curve_ == pytest.approx(once.loss_curve_, rel=1e-9)
    for a, b in zip(warm.coefs_, once.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9)


def test_without_warm_start_fit_starts_afresh(Estimator):
    X, y = _data()
    est = Estimator(**FAST).fit(X, y)
    first = [c.copy() for c in est.coefs_]
    est.fit(X, y)
    assert est.n_iter_ == 20
    for a, b in zip(first, est.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)


def test_partial_fit_runs_one_epoch_per_call_and_keeps_the_optimizer_state(Estimator):
    X, y = _data()
    est = Estimator(**{**FAST, "shuffle": False})
    for _ in range(5):
        est.partial_fit(X, y, **_fit_args(Estimator, X, y))
    assert est.n_iter_ == 1 and len(est.loss_curve_) == 5
    assert est.t_ == 5 * len(X)
    whole = Estimator(**{**FAST, "shuffle": False, "epochs": 5}).fit(X, y)
    assert est.loss_curve_ == pytest.approx(whole.loss_curve_, rel=1e-9)


def test_warm_start_refuses_a_changed_architecture(Estimator):
    X, y = _data()
    est = Estimator(**FAST, warm_start=True).fit(X, y)
    est.set_params(hidden_layer_sizes=(4,))
    with pytest.raises(ValueError, match=r"hidden_layer_sizes=\(8,\); got hidden_layer_sizes=\(4,\)"):
        est.fit(X, y)
    assert est.coefs_[0].shape == (5, 8)


def test_partial_fit_checks_the_number_of_features(Estimator):
    X, y = _data()
    est = Estimator(**FAST).partial_fit(X, y, **_fit_args(Estimator, X, y))
    with pytest.raises(ValueError, match=r"X has 3 features, but .* is expecting 5 features"):
        est.partial_fit(X[:, :3], y)


# -- sample weights -----------------------------------------------------------


def test_integer_sample_weights_equal_repeated_rows(Estimator):
    X, y = _data(20)
    w = np.arange(20) % 3
    weighted = Estimator(**FAST).fit(X, y, sample_weight=w)
    repeated = Estimator(**FAST).fit(X.repeat(w, axis=0), y.repeat(w))
    for a, b in zip(weighted.coefs_, repeated.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-7)


def test_sample_weight_changes_the_fit_and_score(Estimator):
    X, y = _data()
    w = np.where(y == 1, 5.0, 1.0)
    plain = Estimator(**FAST).fit(X, y)
    weighted = Estimator(**FAST).fit(X, y, sample_weight=w)
    assert not np.allclose(plain.coefs_[0], weighted.coefs_[0])
    assert weighted.score(X, y, sample_weight=w) != weighted.score(X, y)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (np.full(120, -1.0), "Negative values in data passed to `sample_weight`"),
        (np.zeros(120), "Sample weights must contain at least one non-zero number"),
        (np.ones(7), r"sample_weight.shape == \(7,\), expected \(120,\)"),
    ],
)
def test_bad_sample_weights_are_rejected(Estimator, weights, message):
    X, y = _data()
    with pytest.raises(ValueError, match=message):
        Estimator(**FAST).fit(X, y, sample_weight=weights)


def test_grid_search_routes_sample_weight_with_metadata_routing(Estimator):
    X, y = _data()
    w = np.where(y == 1, 3.0, 1.0)
    with sklearn.config_context(enable_metadata_routing=True):
        est = Estimator(**FAST).set_fit_request(sample_weight=True).set_score_request(sample_weight=True)
        search = GridSearchCV(est, {"learning_rate": [0.01, 0.02]}, cv=2).fit(X, y, sample_weight=w)
    assert search.best_estimator_.n_iter_ == 20
    with sklearn.config_context(enable_metadata_routing=True):
        unrequested = GridSearchCV(Estimator(**FAST), {"learning_rate": [0.01]}, cv=2)
        with pytest.raises(ValueError, match="sample_weight"):
            unrequested.fit(X, y, sample_weight=w)


# -- network options ----------------------------------------------------------


@pytest.mark.parametrize(("dropout", "batch_normalization"), [(0.3, False), (0.0, True), (0.2, True)])
def test_dropout_and_batch_normalization_predict_like_the_keras_model(
    Estimator, dropout, batch_normalization
):
    X, y = _data()
    est = Estimator(**FAST, dropout=dropout, batch_normalization=batch_normalization).fit(X, y)
    layer_types = {type(layer).__name__ for layer in est.model_.layers}
    assert ("Dropout" in layer_types) == (dropout > 0)
    assert ("BatchNormalization" in layer_types) == batch_normalization
    outputs = keras.ops.convert_to_numpy(est.model_(X, training=False))
    np.testing.assert_allclose(est._forward(X), outputs, rtol=1e-6, atol=1e-9)


def test_dropout_is_seeded_by_random_state(Estimator):
    X, y = _data()
    a = Estimator(**FAST, dropout=0.5).fit(X, y)
    b = Estimator(**FAST, dropout=0.5).fit(X, y)
    c = Estimator(**{**FAST, "random_state": 1}, dropout=0.5).fit(X, y)
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    assert not np.allclose(a.coefs_[0], c.coefs_[0])


# -- callbacks, metrics, progress ----------------------------------------------


def test_callbacks_are_copied_per_fit_and_never_shared_across_clones(Estimator):
    X, y = _data()
    history = keras.callbacks.History()
    est = Estimator(**FAST, callbacks=[history])
    copy = clone(est)
    est.fit(X, y)
    assert est.callbacks[0] is history and history.history == {}  # training used a copy
    assert copy.callbacks[0] is not history
    assert est.n_iter_ == 20


def test_keras_callbacks_act_on_training(Estimator):
    X, y = _data()
    stop = keras.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=1e9)
    est = Estimator(**FAST, callbacks=[stop]).fit(X, y)
    assert est.n_iter_ == 2  # the first epoch sets the baseline, the second cannot improve by 1e9
    lower = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.0)
    frozen = Estimator(**FAST, callbacks=[lower]).fit(X, y)
    assert frozen.loss_curve_[0] == pytest.approx(frozen.loss_curve_[-1], rel=1e-6)


def test_metrics_are_recorded_in_history(Estimator):
    X, y = _data()
    metric = "accuracy" if Estimator is TinyNetClassifier else "mae"
    est = Estimator(**FAST, metrics=[metric]).fit(X, y)
    assert list(est.history_) == ["loss", metric]
    assert len(est.history_[metric]) == 20
    if Estimator is TinyNetClassifier:
        assert 0.0 <= est.history_["accuracy"][-1] <= 1.0


def test_verbose_shows_progress_over_epochs_inside_grid_search(Estimator, capsys):
    X, y = _data()
    GridSearchCV(Estimator(**{**FAST, "epochs": 3}, verbose=2), {"learning_rate": [0.01]}, cv=2).fit(X, y)
    out = capsys.readouterr().out
    assert out.count("Iteration 3, loss = ") == 3  # two CV fits and the refit
    GridSearchCV(Estimator(**{**FAST, "epochs": 3}, verbose=1), {"learning_rate": [0.01]}, cv=2).fit(X, y)
    assert capsys.readouterr().out.count("3/3") >= 3


def test_the_final_learning_rate_counts_every_step_of_every_call(Estimator):
    X, y = _data()  # 120 rows: 4 steps per epoch at batch 32
    params = dict(FAST, learning_rate_decay=0.5)
    est = Estimator(**params).partial_fit(X, y, **_fit_args(Estimator, X, y))
    assert est.final_learning_rate_ == pytest.approx(0.01 / (1 + 0.5 * 4))
    est.partial_fit(X, y)
    assert est.final_learning_rate_ == pytest.approx(0.01 / (1 + 0.5 * 8))
    warm = Estimator(**dict(params, epochs=2), warm_start=True).fit(X, y).fit(X, y)
    assert warm.final_learning_rate_ == pytest.approx(0.01 / (1 + 0.5 * 16))
    assert warm.diagnostics_["final_learning_rate"] == warm.final_learning_rate_


def test_one_metric_or_callback_alone_as_scikeras_and_keras_take_them(Estimator):
    X, y = _data()
    metric = "accuracy" if Estimator is TinyNetClassifier else "mae"
    counter = keras.callbacks.History()
    est = Estimator(**FAST, metrics=metric, callbacks=counter).fit(X, y)
    assert list(est.history_) == ["loss", metric] and len(est.history_[metric]) == est.n_iter_


class UnregisteredMetric(keras.metrics.Mean):
    """A user's metric class that was never registered with Keras' serialization."""

    def update_state(self, y_true, y_pred, sample_weight=None):
        return super().update_state(keras.ops.abs(y_true - y_pred))


def test_an_unregistered_metric_subclass_is_copied_per_fit(Estimator):
    X, y = _data()
    metric = UnregisteredMetric(name="gap")
    est = Estimator(**FAST, metrics=[metric]).fit(X, y)
    assert len(est.history_["gap"]) == est.n_iter_
    assert float(metric.result()) == 0.0  # the user's object was not trained on


def test_a_validation_split_logs_val_loss_and_val_metrics_for_keras_callbacks(Estimator):
    X, y = _data()
    metric = "accuracy" if Estimator is TinyNetClassifier else "mae"
    seen = []
    recorder = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(dict(logs)))
    keras_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=1, min_delta=1e9)
    est = Estimator(
        **{**FAST, "epochs": 30},
        early_stopping=True,
        n_iter_no_change=np.inf,  # Keras' EarlyStopping on val_loss decides here
        metrics=[metric],
        callbacks=[recorder, keras_stopping],
    ).fit(X, y)
    assert est.n_iter_ == 2  # Keras' EarlyStopping saw val_loss: no epoch beats the first by 1e9
    for name in ("val_loss", f"val_{metric}"):
        assert len(est.history_[name]) == est.n_iter_ and np.isfinite(est.history_[name]).all()
        assert name in seen[0]


# -- validation_split (Keras' hold-out, logged only) ---------------------------


def test_validation_split_trains_on_the_leading_rows_and_logs_the_last_ones(Estimator):
    X, y = _data(200)
    metric = "accuracy" if Estimator is TinyNetClassifier else "mae"
    split = Estimator(**{**FAST, "epochs": 5}, metrics=metric, validation_split=0.25).fit(X, y)
    lead = Estimator(**{**FAST, "epochs": 5}, metrics=metric).fit(X[:150], y[:150])
    # Keras' rule: the last 25% are held out, unshuffled; training is the same as on the first 150 rows.
    np.testing.assert_allclose(split.loss_curve_, lead.loss_curve_, rtol=1e-6)
    assert split.t_ == 150 * 5 and split.validation_scores_ is None
    assert list(split.history_) == ["loss", metric, "val_loss", f"val_{metric}"]
    assert len(split.history_["val_loss"]) == 5 and np.isfinite(split.history_["val_loss"]).all()
    if Estimator is TinyNetClassifier:  # the last epoch's val_accuracy is the accuracy on rows 150-199
        expected = lead.score(X[150:], y[150:])
    else:
        expected = np.mean(np.abs(lead.predict(X[150:]) - y[150:]))
    assert split.history_[f"val_{metric}"][-1] == pytest.approx(expected, rel=1e-5)


def test_keras_early_stopping_on_val_loss_with_validation_split(Estimator):
    X, y = _data()
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=0, min_delta=1e9)
    est = Estimator(**FAST, validation_split=0.2, callbacks=stop).fit(X, y)
    assert est.n_iter_ == 2 and len(est.history_["val_loss"]) == 2


def test_early_stopping_logs_val_metrics_without_user_callbacks(Estimator):
    X, y = _data()
    metric = "accuracy" if Estimator is TinyNetClassifier else "mae"
    est = Estimator(**{**FAST, "epochs": 4}, early_stopping=True, metrics=metric).fit(X, y)
    assert len(est.history_["val_loss"]) == len(est.history_[f"val_{metric}"]) == est.n_iter_


def test_validation_split_with_partial_fit_and_fit_routing(Estimator):
    X, y = _data()
    est = Estimator(**FAST, fit__validation_split=0.25)
    est.partial_fit(X, y, **_fit_args(Estimator, X, y))
    est.partial_fit(X, y)
    assert len(est.history_["val_loss"]) == 2 and est.t_ == 2 * 90


@pytest.mark.parametrize(
    "params, message",
    [
        ({"validation_split": 0.2, "early_stopping": True}, "Use one"),
        ({"validation_split": 0.999}, "leaves no training sample"),
        ({"validation_split": 1e-17}, "leaves no validation sample"),  # floor(120 * (1 - 1e-17)) = 120
        ({"validation_split": 1.0}, "validation_split"),
    ],
)
def test_validation_split_errors_say_what_to_do(Estimator, params, message):
    X, y = _data()
    with pytest.raises(ValueError, match=message):
        Estimator(**FAST, **params).fit(X, y)
