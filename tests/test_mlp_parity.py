"""What scikit-learn's MLPClassifier / MLPRegressor users rely on, checked side by side.

Each test runs MLP and sknnlite on the same data with the parameters
translated as ``docs/parameter_mapping.md`` says, and checks the same
behaviour, value or message meaning.
"""

import warnings

import keras
import numpy as np
import pytest
import sklearn
from scipy import sparse
from sklearn.base import clone
from sklearn.datasets import load_digits, load_iris, make_multilabel_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import PoissonRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils.fixes import parse_version

from sknnlite import TinyNetClassifier, TinyNetRegressor


def _digits(n_class=2, n=100):
    X, y = load_digits(n_class=n_class, return_X_y=True)
    return MinMaxScaler().fit_transform(X[:n]), y[:n]


def _both_raise(fit_mlp, fit_ours, match):
    """Both fits raise a ValueError whose message matches ``match``."""
    with pytest.raises(ValueError, match=match):
        fit_mlp()
    with pytest.raises(ValueError, match=match):
        fit_ours()


# -- predict_log_proba --------------------------------------------------------------


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
def test_predict_log_proba_is_the_log_of_predict_proba(kind):
    if kind == "multilabel":
        X, y = make_multilabel_classification(n_samples=50, random_state=0)
    else:
        X, y = _digits(2 if kind == "binary" else 3, n=60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for est in (MLPClassifier((5,), random_state=1), TinyNetClassifier((5,), random_state=1)):
            est.fit(X, y)
            proba, log_proba = est.predict_proba(X), est.predict_log_proba(X)
            assert log_proba.shape == proba.shape
            np.testing.assert_allclose(log_proba, np.log(proba))
            np.testing.assert_array_equal(log_proba.argmax(axis=1), proba.argmax(axis=1))


# -- parameters MLP accepts ---------------------------------------------------------


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_n_iter_no_change_accepts_infinity():
    X, y = _digits()
    for est in (
        MLPClassifier(tol=1e9, max_iter=15, n_iter_no_change=np.inf, solver="sgd"),
        TinyNetClassifier(tol=1e9, epochs=15, n_iter_no_change=np.inf, optimizer="sgd"),
    ):
        assert est.fit(X, y).n_iter_ == 15  # no improvement ever counts, and nothing stops


@pytest.mark.parametrize("momentum", [0, 1, np.float32(0.5), np.int64(0)])
def test_integer_and_numpy_optimizer_arguments_are_accepted(momentum):
    X, y = _digits(n=40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        MLPClassifier((4,), solver="sgd", momentum=momentum, max_iter=3).fit(X, y)
        clf = TinyNetClassifier((4,), optimizer="sgd", optimizer__momentum=momentum, epochs=3).fit(X, y)
    assert clf.n_iter_ == 3


# -- fitted attributes --------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("hidden", [(), (5,), (5, 3)])
def test_n_layers_and_loss_carry_mlp_meanings(hidden):
    X, y = _digits()
    ours = TinyNetClassifier(hidden, epochs=5, random_state=0).fit(X, y)
    if hidden:  # MLP needs a hidden layer
        mlp = MLPClassifier(hidden, max_iter=5, random_state=0).fit(X, y)
        assert ours.n_layers_ == mlp.n_layers_ == len(hidden) + 2
        assert mlp.loss_ == mlp.loss_curve_[-1]
    assert ours.n_layers_ == len(hidden) + 2
    assert isinstance(ours.loss_, float) and ours.loss_ == ours.loss_curve_[-1]


# -- partial_fit --------------------------------------------------------------------


def test_partial_fit_with_early_stopping_raises():
    X, y = _digits()
    _both_raise(
        lambda: MLPClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1]),
        lambda: TinyNetClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1]),
        "partial_fit does not support early_stopping=True",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPRegressor(early_stopping=True, max_iter=5, random_state=0).fit(X, y)
        ours = TinyNetRegressor(early_stopping=True, epochs=5, random_state=0).fit(X, y)
    _both_raise(
        lambda: mlp.partial_fit(X, y),
        lambda: ours.partial_fit(X, y),
        "partial_fit does not support early_stopping=True",
    )


def test_partial_fit_with_different_classes_raises():
    X, y = [[3.0, 2.0]], [0]
    mlp = MLPClassifier(solver="sgd").partial_fit(X, y, classes=[0, 1])
    ours = TinyNetClassifier(optimizer="sgd").partial_fit(X, y, classes=[0, 1])
    _both_raise(
        lambda: mlp.partial_fit(X, y, classes=[1, 2]),
        lambda: ours.partial_fit(X, y, classes=[1, 2]),
        r"is not the same as on last call to partial_fit",
    )
    # Repeating the same classes (in any order) is fine in both.
    mlp.partial_fit(X, y, classes=[0, 1])
    ours.partial_fit(X, y, classes=[1, 0])


# -- early stopping -----------------------------------------------------------------


def test_early_stopping_on_two_samples_says_the_validation_set_is_too_small():
    X, y = make_regression(n_samples=2, n_features=5, random_state=0)
    with pytest.raises(ValueError, match="The validation set is too small"):
        TinyNetRegressor(early_stopping=True, random_state=0).fit(X, y)
    if parse_version(sklearn.__version__) >= parse_version("1.7"):  # MLP raises it since 1.7
        with pytest.raises(ValueError, match="The validation set is too small"):
            MLPRegressor(early_stopping=True, random_state=0).fit(X, y)


# -- the penalty and the loss -------------------------------------------------------


def _loss_at_initial_weights(est, mlp, X, y):
    """Both training losses over one epoch at sknnlite's initial weights (no step changes them)."""
    ours = est.set_params(learning_rate=0.0, epochs=1, shuffle=False).fit(X, y)
    mlp.set_params(learning_rate_init=1e-300, max_iter=1, shuffle=False, warm_start=True).fit(X, y)
    mlp.coefs_ = [W.copy() for W in ours.coefs_]
    mlp.intercepts_ = [b.copy() for b in ours.intercepts_]
    mlp.fit(X, y)
    return ours.loss_curve_[-1], mlp.loss_curve_[-1]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("batch_size", [7, 50])
def test_multilabel_loss_sums_over_the_labels_as_mlp(batch_size):
    X, Y = make_multilabel_classification(n_samples=50, n_classes=5, random_state=0)
    common = dict(batch_size=batch_size, alpha=1e-3)
    ours, mlp = _loss_at_initial_weights(
        TinyNetClassifier((8,), optimizer="sgd", random_state=0, **common),
        MLPClassifier((8,), solver="sgd", **common),
        X,
        Y,
    )
    assert ours == pytest.approx(mlp, rel=1e-7)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_multilabel_partial_fit_learns_at_mlps_learning_rate():
    # scikit-learn's own multilabel partial_fit test: 100 SGD passes at learning rate 0.2 (Nesterov).
    X, Y = make_multilabel_classification(n_samples=50, random_state=0, return_indicator=True)
    sgd = dict(
        optimizer="sgd", optimizer__momentum=0.9, optimizer__nesterov=True, batch_size=50, shuffle=False
    )
    ours = TinyNetClassifier(50, activation="sigmoid", alpha=1e-5, learning_rate=0.0, random_state=0, **sgd)
    ours.partial_fit(X, Y, classes=[0, 1, 2, 3, 4])  # at rate 0: the initial weights, unchanged
    initial = [W.copy() for W in ours.coefs_ + ours.intercepts_]
    ours.set_params(learning_rate=0.2).partial_fit(X, Y)
    # MLP's first pass at 0.2 from the same weights (a one-epoch warm fit: partial_fit's step, from
    # weights MLP lets us set), with the same momentum from zero velocity.
    mlp = MLPClassifier(50, activation="logistic", solver="sgd", alpha=1e-5, batch_size=50, shuffle=False)
    mlp.set_params(learning_rate_init=1e-300, max_iter=1, warm_start=True).fit(X, Y)
    mlp.coefs_, mlp.intercepts_ = [W.copy() for W in initial[:2]], [b.copy() for b in initial[2:]]
    mlp.set_params(learning_rate_init=0.2).fit(X, Y)
    for ours_w, mlp_w, start in zip(
        ours.coefs_ + ours.intercepts_, mlp.coefs_ + mlp.intercepts_, initial, strict=True
    ):
        assert np.abs(mlp_w - start).max() > 0.01  # a real step, not a rounding
        np.testing.assert_allclose(ours_w, mlp_w, rtol=1e-6, atol=1e-8)
    mlp.set_params(warm_start=False)
    for _ in range(99):
        ours.partial_fit(X, Y)
        mlp.partial_fit(X, Y)
    assert ours.final_learning_rate_ == mlp._optimizer.learning_rate == 0.2
    assert mlp.score(X, Y) > 0.9
    assert ours.score(X, Y) > 0.9


@pytest.mark.parametrize("Estimator", [TinyNetClassifier, TinyNetRegressor])
def test_a_callback_trains_with_the_same_penalised_loss(Estimator):
    # A callback sends training through model.fit; alpha and float64 X must work there too.
    X, y = _digits()
    params = dict(hidden_layer_sizes=(4,), alpha=1e-1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # learning_rate=0 is the point here
        plain = Estimator(**params).set_params(learning_rate=0.0, epochs=2, shuffle=False).fit(X, y)
        hooked = Estimator(**params, callbacks=[keras.callbacks.Callback()])
        hooked.set_params(learning_rate=0.0, epochs=2, shuffle=False).fit(X, y)
    # model.fit averages the epoch loss in a float32 metric: equal to float32 precision.
    np.testing.assert_allclose(hooked.loss_curve_, plain.loss_curve_, rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        shrunk = clone(hooked).set_params(learning_rate=0.01, epochs=20, alpha=10.0).fit(X, y)
        free = clone(hooked).set_params(learning_rate=0.01, epochs=20, alpha=0.0).fit(X, y)
    assert np.abs(shrunk.coefs_[0]).sum() < np.abs(free.coefs_[0]).sum()


# -- when training stops ------------------------------------------------------------


def _epoch_the_rule_stops(curve, tol, n_iter_no_change):
    """Replay MLP's rule (scikit-learn's ``_update_no_improvement_count``) on a loss curve."""
    best, count = np.inf, 0
    for epoch, loss in enumerate(curve, start=1):
        count = count + 1 if loss > best - tol else 0
        best = min(best, loss)
        if count > n_iter_no_change:
            return epoch
    return None


@pytest.mark.parametrize("n_iter_no_change", [2, 5, 10])
def test_a_stalled_training_loss_stops_training_as_in_mlp(n_iter_no_change):
    X, y = _digits()
    rule = dict(tol=0.01, n_iter_no_change=n_iter_no_change)
    mlp = MLPClassifier(solver="sgd", max_iter=3000, **rule).fit(X, y)
    ours = TinyNetClassifier(optimizer="sgd", epochs=3000, **rule).fit(X, y)
    for est in (mlp, ours):
        assert est.n_iter_ < 3000
        assert _epoch_the_rule_stops(est.loss_curve_, **rule) == est.n_iter_
    assert ours.diagnostics_["converged"] and ours.diagnostics_["messages"] == []


def test_tol_zero_trains_every_epoch():
    X, y = _digits()
    with pytest.warns(ConvergenceWarning, match=r"Maximum epochs \(40\) reached"):
        ours = TinyNetClassifier((8,), tol=0.0, n_iter_no_change=1, epochs=40, random_state=0).fit(X, y)
    assert ours.n_iter_ == 40


@pytest.mark.parametrize("Estimator", [TinyNetClassifier, TinyNetRegressor])
def test_running_out_of_epochs_warns_as_mlp(Estimator):
    X, y = _digits()
    MLP = MLPClassifier if Estimator is TinyNetClassifier else MLPRegressor
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(10\) reached"):
        MLP(max_iter=10, n_iter_no_change=np.inf, random_state=0).fit(X, y)
    with pytest.warns(ConvergenceWarning, match=r"Maximum epochs \(10\) reached.*hasn't converged"):
        Estimator(epochs=10, n_iter_no_change=np.inf, random_state=0).fit(X, y)


@pytest.mark.parametrize("Estimator", [TinyNetClassifier, TinyNetRegressor])
def test_early_stopping_that_ended_training_gives_no_warning(Estimator):
    X, y = _digits(n=200)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # ConvergenceWarning is one, as in MLP's own test
        est = Estimator((16,), early_stopping=True, learning_rate=0.05, random_state=0).fit(X, y)
    assert est.n_iter_ < est.epochs and est.diagnostics_["converged"]


def test_adaptive_schedule_divides_the_rate_by_5_until_it_is_tiny():
    X, y = [[3.0, 2.0], [1.0, 6.0]], [1, 0]
    mlp = MLPClassifier(tol=0.5, max_iter=3000, solver="sgd", learning_rate="adaptive").fit(X, y)
    ours = TinyNetClassifier(tol=0.5, epochs=3000, optimizer="sgd", learning_rate_schedule="adaptive")
    ours.fit(X, y)
    # No epoch improves by 0.5: every 11 epochs the rate is divided by 5, until 0.001 / 5 ** 5 is
    # at most 1e-6 and the next 11 stalled epochs stop training.
    assert mlp._optimizer.learning_rate == pytest.approx(ours.final_learning_rate_) == 0.001 / 5**5
    assert ours.n_iter_ == mlp.n_iter_ == 1 + 6 * 11


def test_invscaling_schedule_follows_the_samples_seen_as_mlp():
    X, y = [[3.0, 2.0], [1.0, 6.0], [5.0, 6.0], [-2.0, -4.0]], [1, 1, 1, 0]
    mlp = MLPClassifier((4,), solver="sgd", learning_rate="invscaling", power_t=0.25, max_iter=1)
    ours = TinyNetClassifier(
        (4,), optimizer="sgd", learning_rate_schedule="invscaling", power_t=0.25, epochs=1
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for est in (mlp.set_params(warm_start=True), ours.set_params(warm_start=True)):
            est.fit(X, y).fit(X, y)  # 8 samples seen over two warm fits
    assert mlp._optimizer.learning_rate == ours.final_learning_rate_ == 0.001 / 9**0.25


def test_invscaling_starts_afresh_on_a_refit_and_goes_on_in_partial_fit():
    X, y = [[3.0, 2.0], [1.0, 6.0], [5.0, 6.0], [-2.0, -4.0]], [1, 1, 1, 0]
    ours = TinyNetClassifier((4,), optimizer="sgd", learning_rate_schedule="invscaling", epochs=1)
    mlp = MLPClassifier((4,), solver="sgd", learning_rate="invscaling", max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for est in (ours, mlp):
            est.fit(X, y).fit(X, y)  # a refit, not a warm start: 4 samples seen
    assert ours.final_learning_rate_ == mlp._optimizer.learning_rate == 0.001 / 5**0.5
    for est in (ours, mlp):
        est.partial_fit(X, y)  # continues the schedule: 8 samples seen
    assert ours.final_learning_rate_ == pytest.approx(mlp._optimizer.learning_rate) == 0.001 / 9**0.5


def test_invscaling_matches_mlp_step_by_step():
    # Full-batch SGD from the same weights: the per-epoch rates, hence the weights, are MLP's.
    X, y = _digits(n=40)
    params = dict(learning_rate_init=0.5, power_t=0.5, batch_size=40, shuffle=False, alpha=0.0)
    ours = TinyNetClassifier(
        (6,), optimizer="sgd", learning_rate=0.5, power_t=0.5, batch_size=40, shuffle=False, tol=0.0
    )
    ours.set_params(learning_rate=0.0, epochs=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        initial = ours.fit(X, y)
        weights = [W.copy() for W in initial.coefs_], [b.copy() for b in initial.intercepts_]
        ours.set_params(learning_rate=0.5, learning_rate_schedule="invscaling", epochs=5, warm_start=True)
        ours.fit(X, y)  # warm, as MLP below: both count the 40 samples of the first fit
        mlp = MLPClassifier(
            (6,), solver="sgd", momentum=0.0, learning_rate="invscaling", max_iter=1, **params
        )
        mlp.set_params(warm_start=True).fit(X, y)
        mlp.coefs_, mlp.intercepts_ = weights
        mlp.set_params(max_iter=5, tol=0.0, n_iter_no_change=np.inf).fit(X, y)
    for a, b in zip(ours.coefs_ + ours.intercepts_, mlp.coefs_ + mlp.intercepts_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)


def test_a_diverging_fit_with_early_stopping_keeps_the_best_epoch():
    mlp_params = dict(activation="identity", solver="sgd", learning_rate_init=1.0)
    ours_params = dict(activation="linear", optimizer="sgd", learning_rate=1.0)
    X, y = load_iris(return_X_y=True)
    common = dict(
        hidden_layer_sizes=(100,), batch_size="auto", epochs=20, early_stopping=True, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPRegressor(max_iter=20, early_stopping=True, random_state=0, **mlp_params).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="Training diverged.*best validation epoch are kept"):
        ours = TinyNetRegressor(**common, **ours_params).fit(X, y)
    for est in (mlp, ours):
        assert isinstance(est.validation_scores_[-1], float) and np.isnan(est.validation_scores_[-1])
        assert np.isfinite(est.predict(X)).all()
    scores = np.asarray(ours.validation_scores_)
    best, last_finite = int(np.nanargmax(scores)), int(np.flatnonzero(np.isfinite(scores))[-1])
    assert ours.best_validation_score_ == scores[best]
    assert best < last_finite  # so keeping the last finite epoch would be caught below
    # The same fit stopped after the best epoch (same split and seed) ends with that epoch's weights.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        at_best = TinyNetRegressor(**{**common, "epochs": best + 1}, **ours_params).fit(X, y)
    np.testing.assert_allclose(ours.predict(X), at_best.predict(X), rtol=1e-12)


def test_early_stopping_with_no_finite_epoch_raises_the_divergence_message():
    X, y = load_iris(return_X_y=True)
    reg = TinyNetRegressor(activation="linear", optimizer="sgd", learning_rate=1.0, early_stopping=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match="Training diverged: the loss became"):
            reg.set_params(random_state=0).fit(X, y)


# -- dtypes -------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("Estimator", [TinyNetClassifier, TinyNetRegressor])
def test_the_network_keeps_the_dtype_of_X_as_mlp(dtype, Estimator):
    X, y = _digits(n=100)
    X = X.astype(dtype)
    MLP = MLPClassifier if Estimator is TinyNetClassifier else MLPRegressor
    mlp = MLP(hidden_layer_sizes=(5, 3), max_iter=5, random_state=1).fit(X, y)
    ours = Estimator((5, 3), epochs=5, random_state=1).fit(X, y)
    for est in (mlp, ours):
        assert all(W.dtype == dtype for W in est.coefs_ + est.intercepts_)
        if Estimator is TinyNetRegressor:
            assert est.predict(X).dtype == dtype
        else:
            assert est.predict_proba(X).dtype == dtype


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_float32_and_float64_fits_agree():
    X, y = load_digits(n_class=3, return_X_y=True)
    fits = [
        TinyNetClassifier((5, 3), epochs=30, random_state=1).fit(X[:300].astype(dtype), y[:300])
        for dtype in (np.float64, np.float32)
    ]
    np.testing.assert_array_equal(fits[0].predict(X[300:]), fits[1].predict(X[300:].astype(np.float32)))


# -- sparse input -------------------------------------------------------------------


SPARSE_CONTAINERS = [sparse.csr_matrix, sparse.csr_array, sparse.csc_matrix, sparse.csc_array]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("container", SPARSE_CONTAINERS)
@pytest.mark.parametrize("Estimator", [TinyNetClassifier, TinyNetRegressor])
def test_sparse_X_trains_and_predicts_as_its_dense_copy(container, Estimator):
    X, y = _digits(n=50)
    X_sparse = container(X)
    MLP = MLPClassifier if Estimator is TinyNetClassifier else MLPRegressor
    mlp = MLP(hidden_layer_sizes=(15,), max_iter=20, random_state=1)
    np.testing.assert_allclose(mlp.fit(X_sparse, y).predict(X_sparse), mlp.fit(X, y).predict(X))
    dense = Estimator((15,), epochs=20, random_state=1).fit(X, y)
    ours = Estimator((15,), epochs=20, random_state=1).fit(X_sparse, y)
    np.testing.assert_allclose(ours.coefs_[0], dense.coefs_[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.predict(X_sparse), dense.predict(X), rtol=1e-10, atol=1e-12)
    if Estimator is TinyNetClassifier:  # the same labels from the same model, sparse or dense
        np.testing.assert_array_equal(ours.predict(X), ours.predict(X_sparse))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "params",
    [dict(early_stopping=True), dict(callbacks=[keras.callbacks.Callback()]), dict(warm_start=True)],
    ids=["early_stopping", "callbacks", "warm_start"],
)
def test_sparse_X_through_every_training_path(params):
    X, y = _digits(n=120)
    X_sparse = sparse.csr_matrix(X)
    dense = TinyNetClassifier((8,), epochs=15, random_state=0, **params).fit(X, y).fit(X, y)
    ours = TinyNetClassifier((8,), epochs=15, random_state=0, **params).fit(X_sparse, y).fit(X_sparse, y)
    np.testing.assert_allclose(ours.predict_proba(X_sparse), dense.predict_proba(X), rtol=1e-8, atol=1e-10)


def test_a_text_pipeline_with_tfidf_trains_and_predicts():
    docs = ["good movie", "great film", "bad movie", "awful film", "good fun", "bad acting"] * 10
    labels = ["pos", "pos", "neg", "neg", "pos", "neg"] * 10
    pipe = make_pipeline(TfidfVectorizer(), TinyNetClassifier((8,), learning_rate=0.01, random_state=0))
    pipe.fit(docs, labels)
    assert pipe.score(docs, labels) == 1.0
    assert list(pipe.predict(["a good film", "an awful movie"])) == ["pos", "neg"]


# -- lbfgs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mlp_activation", "activation"),
    [("identity", "linear"), ("logistic", "sigmoid"), ("tanh", "tanh"), ("relu", "relu")],
)
def test_lbfgs_classifies_digits_as_mlp(mlp_activation, activation):
    X, y = _digits(n_class=3, n=200)
    mlp = MLPClassifier(50, solver="lbfgs", max_iter=150, activation=mlp_activation, random_state=1)
    ours = TinyNetClassifier(50, optimizer="lbfgs", epochs=150, activation=activation, random_state=1)
    for est in (mlp.fit(X[:150], y[:150]), ours.fit(X[:150], y[:150])):
        assert est.score(X[:150], y[:150]) > 0.95
        assert est.n_iter_ <= 150


@pytest.mark.parametrize("Estimator", [TinyNetClassifier, TinyNetRegressor])
def test_lbfgs_stops_at_max_fun_and_warns_as_mlp(Estimator):
    X, y = _digits(n=150)
    MLP = MLPClassifier if Estimator is TinyNetClassifier else MLPRegressor
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        mlp = MLP(hidden_layer_sizes=(50,), solver="lbfgs", max_fun=10, tol=0.0, random_state=1).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        ours = Estimator((50,), optimizer="lbfgs", max_fun=10, tol=0.0, random_state=1).fit(X, y)
    assert mlp.n_iter_ <= 10 and ours.n_iter_ <= 10
    assert not ours.diagnostics_["converged"]


def test_lbfgs_has_no_partial_fit_as_in_mlp():
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")
    assert not hasattr(TinyNetClassifier(optimizer="lbfgs"), "partial_fit")
    assert not hasattr(TinyNetRegressor(optimizer="lbfgs"), "partial_fit")
    assert hasattr(TinyNetRegressor(), "partial_fit")


def test_lbfgs_poisson_network_equals_the_poisson_glm():
    # scikit-learn's check: one linear hidden unit and an exponential output is a Poisson GLM.
    rng = np.random.default_rng(0)
    X = np.linspace(0, 1, 100)[:, None]
    y = rng.poisson(np.exp(X[:, 0] + 1))
    glm = PoissonRegressor(alpha=0, tol=1e-7).fit(X, y)
    params = dict(hidden_layer_sizes=(1,), activation="linear", optimizer="lbfgs", tol=1e-7, random_state=1)
    ours = TinyNetRegressor(loss="poisson", **params).fit(X, y)
    np.testing.assert_allclose(ours.predict(X), glm.predict(X), rtol=1e-4)
    assert not np.allclose(
        TinyNetRegressor(loss="mse", **params).fit(X, y).predict(X), glm.predict(X), rtol=1e-4
    )


def test_lbfgs_trains_on_sparse_X_and_with_sample_weight_and_warm_start():
    X, y = _digits(n=120)
    dense = TinyNetClassifier((8,), optimizer="lbfgs", alpha=1e-3, random_state=0).fit(X, y)
    ours = TinyNetClassifier((8,), optimizer="lbfgs", alpha=1e-3, random_state=0).fit(sparse.csr_matrix(X), y)
    np.testing.assert_allclose(ours.predict_proba(X), dense.predict_proba(X), rtol=1e-6, atol=1e-8)
    weighted = TinyNetClassifier((8,), optimizer="lbfgs", random_state=0).fit(
        X, y, sample_weight=np.full(120, 2.0)
    )
    plain = TinyNetClassifier((8,), optimizer="lbfgs", random_state=0).fit(X, y)
    np.testing.assert_allclose(weighted.predict_proba(X), plain.predict_proba(X), rtol=1e-6, atol=1e-8)
    warm = TinyNetClassifier((8,), optimizer="lbfgs", epochs=3, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warm.fit(X, y)
        first = warm.loss_
        warm.fit(X, y)
    assert warm.loss_ < first


@pytest.mark.parametrize(
    ("params", "named"),
    [
        (dict(callbacks=[keras.callbacks.Callback()]), "callbacks"),
        (dict(dropout=0.2), "dropout"),
        (dict(optimizer__momentum=0.9), "optimizer__ parameters"),
    ],
)
def test_lbfgs_says_what_it_cannot_do(params, named):
    X, y = _digits(n=40)
    with pytest.raises(ValueError, match=f"optimizer='lbfgs' does not support .*{named}"):
        TinyNetClassifier((4,), optimizer="lbfgs", **params).fit(X, y)
