"""docs/parameter_mapping.md: every MLP and SciKeras parameter is listed, and every equivalent works.

One check per table row that has an equivalent; the checks compare with
scikit-learn's MLP where it can run side by side, and with the update rules
of the Keras optimizers computed by hand in NumPy.
"""

import importlib.util
import math
import pathlib
import re

import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

from sknnlite import TinyNetClassifier, TinyNetRegressor

DOC = pathlib.Path(__file__).parents[1] / "docs" / "parameter_mapping.md"

# SciKeras 0.13's KerasClassifier / KerasRegressor parameters and routing prefixes
# (cross-checked against the installed SciKeras when it is there).
SCIKERAS_PARAMETERS = {
    "model",
    "build_fn",
    "warm_start",
    "random_state",
    "optimizer",
    "loss",
    "metrics",
    "batch_size",
    "validation_batch_size",
    "verbose",
    "callbacks",
    "validation_split",
    "shuffle",
    "run_eagerly",
    "epochs",
    "class_weight",
}
SCIKERAS_PREFIXES = {"model", "fit", "compile", "predict", "optimizer", "loss", "metrics"}

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _tables():
    """{"MLP": {name: equivalent}, "SciKeras": {...}} read from the document."""
    tables, current = {"MLP": {}, "SciKeras": {}}, None
    for line in DOC.read_text().splitlines():
        if line.startswith("## "):
            current = "SciKeras" if "SciKeras" in line else "MLP" if "MLP" in line else None
        elif current and line.startswith("| `"):
            name, equivalent, _ = (cell.strip() for cell in line.strip().strip("|").split("|"))
            tables[current][re.match(r"`([^`]+)`", name).group(1)] = equivalent
    return tables


TABLES = _tables()


def _rows_with_equivalent():
    return sorted(
        (table, name)
        for table, rows in TABLES.items()
        for name, equivalent in rows.items()
        if equivalent != "not applicable"
    )


def _data(n=120, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(size=(n, 5))
    return X, (X.sum(axis=1) > 2.5).astype(int)


# -- the reference for optimizer rows: a linear model, full-batch steps by hand ------

LINEAR = dict(hidden_layer_sizes=(), learning_rate=0.1, batch_size=1000, shuffle=False, random_state=0)


def _linear_problem():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(16, 3))
    return X, X @ [1.0, -2.0, 0.5] + 0.3


def _mse_gradient(X, y, W, b):
    residual = X @ W[:, 0] + b[0] - y
    return 2 / len(y) * X.T @ residual[:, None], np.array([2 / len(y) * residual.sum()])


def _sknnlite_steps(steps, **params):
    """Weights after ``steps`` full-batch partial_fit steps, and the initial weights."""
    X, y = _linear_problem()
    initial = TinyNetRegressor(**{**LINEAR, **params, "learning_rate": 0.0}).partial_fit(X, y)
    reg = TinyNetRegressor(**{**LINEAR, **params})
    for _ in range(steps):
        reg.partial_fit(X, y)
    return (reg.coefs_[0], reg.intercepts_[0]), (initial.coefs_[0], initial.intercepts_[0])


def _reference_steps(steps, update, initial):
    X, y = _linear_problem()
    weights = [w.copy() for w in initial]
    state = [{} for _ in weights]
    for t in range(1, steps + 1):
        gradients = _mse_gradient(X, y, *weights)
        for i, g in enumerate(gradients):
            weights[i] = update(weights[i], g, state[i], t)
    return weights


def _assert_optimizer_matches(steps, update, **params):
    trained, initial = _sknnlite_steps(steps, **params)
    expected = _reference_steps(steps, update, initial)
    for a, b in zip(trained, expected, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def _float32(value):
    """What Keras' ``ops.cast(python_float, "float64")`` gives on TensorFlow: the float32 rounding.

    Keras' SGD casts its momentum, and Adam its betas for the bias corrections, that way; JAX
    (with x64 enabled) keeps the exact value.
    """
    return float(np.float32(value)) if keras.backend.backend() == "tensorflow" else value


def _sgd(lr, momentum=0.0, nesterov=False):
    momentum = _float32(momentum)

    def update(w, g, state, t):
        if momentum == 0:
            return w - lr * g
        m = state["m"] = momentum * state.get("m", 0.0) - lr * g
        return w + (momentum * m - lr * g if nesterov else m)

    return update


def _adam(lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    def update(w, g, state, t):
        state["m"] = state.get("m", 0.0) + (g - state.get("m", 0.0)) * (1 - beta_1)
        state["v"] = state.get("v", 0.0) + (g * g - state.get("v", 0.0)) * (1 - beta_2)
        lr_t = lr * np.sqrt(1 - _float32(beta_2) ** t) / (1 - _float32(beta_1) ** t)
        return w - lr_t * state["m"] / (np.sqrt(state["v"]) + epsilon)

    return update


# Callbacks are deep-copied at every fit, so the counter reports into this module-level list.
BATCHES = []


class BatchCounter(keras.callbacks.Callback):
    """Counts optimizer steps into ``BATCHES``."""

    def on_train_batch_end(self, batch, logs=None):
        BATCHES.append(batch)


# -- MLPClassifier / MLPRegressor rows ------------------------------------------------


def check_mlp_hidden_layer_sizes():
    X, y = _data()
    ours = TinyNetClassifier(hidden_layer_sizes=(7, 3), epochs=1).fit(X, y)
    mlp = MLPClassifier(hidden_layer_sizes=(7, 3), max_iter=1).fit(X, y)
    assert [W.shape for W in ours.coefs_] == [W.shape for W in mlp.coefs_]


def check_mlp_activation():
    X, y = _data()
    y = X @ [1.0, -1.0, 0.5, 0.0, 2.0]
    for mlp_name, ours_name in [
        ("identity", "linear"),
        ("logistic", "sigmoid"),
        ("tanh", "tanh"),
        ("relu", "relu"),
    ]:
        mlp = MLPRegressor(hidden_layer_sizes=(6,), activation=mlp_name, max_iter=5, random_state=0).fit(X, y)
        ours = TinyNetRegressor((6,), activation=ours_name, epochs=1).fit(X, y)
        ours.coefs_, ours.intercepts_ = mlp.coefs_, mlp.intercepts_  # the same network, evaluated by each
        np.testing.assert_allclose(ours.predict(X), mlp.predict(X), rtol=1e-12)


def check_mlp_solver():
    _assert_optimizer_matches(3, _sgd(0.1), optimizer="sgd")
    _assert_optimizer_matches(3, _adam(0.1), optimizer="adam")
    # lbfgs: both reach the least-squares solution of a linear problem (no hidden layer in sknnlite;
    # MLP needs one, so a linear unit stands in for it).
    X, y = _linear_problem()
    ours = TinyNetRegressor(hidden_layer_sizes=(), optimizer="lbfgs", tol=1e-10, random_state=0).fit(X, y)
    mlp = MLPRegressor(hidden_layer_sizes=(1,), activation="identity", solver="lbfgs", alpha=0.0, tol=1e-10)
    mlp.set_params(random_state=0).fit(X, y)
    for est in (ours, mlp):  # L-BFGS-B's relative-reduction test ends both within about 1e-6
        np.testing.assert_allclose(est.predict(X), y, atol=1e-4)
    np.testing.assert_allclose(ours.coefs_[0].ravel(), [1.0, -2.0, 0.5], rtol=1e-6)


def check_mlp_max_fun():
    X, y = _linear_problem()
    for max_fun in (3, 6):
        with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
            ours = TinyNetRegressor((5,), optimizer="lbfgs", max_fun=max_fun, tol=0.0, random_state=0).fit(
                X, y
            )
        with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
            mlp = MLPRegressor(hidden_layer_sizes=(5,), solver="lbfgs", max_fun=max_fun, tol=0.0)
            mlp.set_params(random_state=0).fit(X, y)
        assert ours.n_iter_ <= max_fun and mlp.n_iter_ <= max_fun


def _one_sgd_epoch_side_by_side(**params):
    """sknnlite and MLP after one SGD epoch from sknnlite's initial weights, minibatches unshuffled."""
    X, y = _data(40)
    common = dict(batch_size=10, shuffle=False, alpha=params.pop("alpha", 0.0))
    rate = params.pop("learning_rate", 0.1)
    ours = TinyNetClassifier((4,), optimizer="sgd", learning_rate=0.0, epochs=1, random_state=0, **common)
    initial = ours.fit(X, y)
    initial_weights = [W.copy() for W in initial.coefs_], [b.copy() for b in initial.intercepts_]
    ours.set_params(learning_rate=rate).fit(X, y)
    mlp = MLPClassifier((4,), solver="sgd", momentum=0.0, learning_rate_init=rate, max_iter=1, **common)
    mlp.set_params(warm_start=True).fit(X, y)
    mlp.coefs_, mlp.intercepts_ = initial_weights
    mlp.fit(X, y)
    np.testing.assert_allclose(ours.loss_curve_[-1], mlp.loss_curve_[-1], rtol=1e-7)
    for a, b in zip(ours.coefs_ + ours.intercepts_, mlp.coefs_ + mlp.intercepts_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-10)


def check_mlp_alpha():
    # The same penalty, alpha / 2 * sum(W ** 2) / (batch weight), in the loss and in every SGD step,
    # over minibatches smaller than the data: same loss curve, same weights after one epoch.
    _one_sgd_epoch_side_by_side(alpha=0.5)


def check_mlp_batch_size():
    X, y = _data(250)
    for batch_size, steps_per_epoch in [(32, 8), (500, 1), ("auto", 2)]:
        BATCHES.clear()
        TinyNetClassifier((4,), epochs=2, batch_size=batch_size, callbacks=[BatchCounter()]).fit(X, y)
        assert len(BATCHES) == 2 * steps_per_epoch  # "auto": min(200, 250) rows per batch


def check_mlp_learning_rate():
    # Each schedule side by side with MLP's SGD on the same tiny problem: the same final rate.
    X, y = [[3.0, 2.0], [1.0, 6.0]], [1, 0]
    for schedule in ("constant", "invscaling", "adaptive"):
        mlp = MLPClassifier((4,), solver="sgd", learning_rate=schedule, tol=0.5, max_iter=3000).fit(X, y)
        ours = TinyNetClassifier((4,), optimizer="sgd", learning_rate_schedule=schedule, tol=0.5, epochs=3000)
        ours.fit(X, y)
        assert ours.final_learning_rate_ == pytest.approx(mlp._optimizer.learning_rate, rel=1e-12)
        assert ours.n_iter_ == mlp.n_iter_


def check_mlp_power_t():
    X, y = [[3.0, 2.0], [1.0, 6.0], [5.0, 6.0], [-2.0, -4.0]], [1, 1, 1, 0]
    for power_t in (0.25, 1.0):
        mlp = MLPClassifier((4,), solver="sgd", learning_rate="invscaling", power_t=power_t, max_iter=3)
        ours = TinyNetClassifier((4,), optimizer="sgd", learning_rate_schedule="invscaling", power_t=power_t)
        mlp.fit(X, y)
        ours.set_params(epochs=3).fit(X, y)
        assert ours.final_learning_rate_ == pytest.approx(mlp._optimizer.learning_rate, rel=1e-12)


def check_mlp_learning_rate_init():
    _assert_optimizer_matches(2, _sgd(0.05), optimizer="sgd", learning_rate=0.05)
    _one_sgd_epoch_side_by_side(learning_rate=0.05)


def check_mlp_max_iter():
    X, y = _data()
    ours = TinyNetClassifier((4,), epochs=7).fit(X, y)
    mlp = MLPClassifier((4,), max_iter=7, n_iter_no_change=100).fit(X, y)
    assert ours.n_iter_ == mlp.n_iter_ == 7


def check_mlp_shuffle():
    X, y = _data()
    for ours_or_mlp in (  # minibatches smaller than X, so that the order matters
        lambda shuffle: TinyNetClassifier((4,), epochs=3, batch_size=40, shuffle=shuffle, random_state=0),
        lambda shuffle: MLPClassifier((4,), max_iter=3, batch_size=40, shuffle=shuffle, random_state=0),
    ):
        fixed = [ours_or_mlp(False).fit(X, y) for _ in range(2)]
        shuffled = ours_or_mlp(True).fit(X, y)
        assert fixed[0].loss_curve_ == fixed[1].loss_curve_ != shuffled.loss_curve_


def check_mlp_random_state():
    X, y = _data()
    for Estimator, params in [(TinyNetClassifier, dict(epochs=3)), (MLPClassifier, dict(max_iter=3))]:
        a, b, c = (Estimator((4,), random_state=seed, **params).fit(X, y) for seed in (0, 0, 1))
        np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
        assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))


def check_mlp_tol():
    # A tolerance no epoch can beat: after the first epoch's baseline, both stop at the
    # (n_iter_no_change + 1)-th epoch without improvement, on the training loss or the validation score.
    X, y = _data()
    for early_stopping in (False, True):
        params = dict(early_stopping=early_stopping, tol=1e9, n_iter_no_change=3)
        ours = TinyNetClassifier((4,), epochs=50, **params).fit(X, y)
        mlp = MLPClassifier((4,), max_iter=50, **params).fit(X, y)
        assert ours.n_iter_ == mlp.n_iter_ == 5


def check_mlp_verbose(capsys):
    X, y = _data()
    TinyNetClassifier((4,), epochs=3, verbose=2).fit(X, y)
    MLPClassifier((4,), max_iter=3, verbose=True).fit(X, y)
    ours, mlp = capsys.readouterr().out.split("Iteration 1,")[1:]
    assert ours.count("Iteration ") == mlp.count("Iteration ") == 2  # the lines after the first


def check_mlp_warm_start():
    X, y = _data()
    ours = TinyNetClassifier((4,), epochs=3, warm_start=True).fit(X, y).fit(X, y)
    mlp = MLPClassifier((4,), max_iter=3, warm_start=True, n_iter_no_change=100).fit(X, y).fit(X, y)
    assert ours.n_iter_ == mlp.n_iter_ == 3
    assert len(ours.loss_curve_) == len(mlp.loss_curve_) == 6 and ours.t_ == mlp.t_ == 6 * 120


def check_mlp_momentum():
    _assert_optimizer_matches(3, _sgd(0.1, momentum=0.9), optimizer="sgd", optimizer__momentum=0.9)
    _assert_optimizer_matches(3, _sgd(0.1), optimizer="sgd", optimizer__momentum=0)  # an int, as MLP takes


def check_mlp_nesterovs_momentum():
    update = _sgd(0.1, momentum=0.9, nesterov=True)
    _assert_optimizer_matches(3, update, optimizer="sgd", optimizer__momentum=0.9, optimizer__nesterov=True)


def check_mlp_early_stopping():
    X, y = _data(300)
    ours = TinyNetClassifier((8,), epochs=300, learning_rate=0.01, early_stopping=True, random_state=0)
    mlp = MLPClassifier((8,), max_iter=300, learning_rate_init=0.01, early_stopping=True, random_state=0)
    for est in (ours.fit(X, y), mlp.fit(X, y)):
        assert est.n_iter_ < 300 and est.best_validation_score_ == max(est.validation_scores_)
        assert est.best_loss_ is None and len(est.validation_scores_) == est.n_iter_


def check_mlp_validation_fraction():
    X, y = _data(200)
    ours = TinyNetClassifier((4,), epochs=3, early_stopping=True, validation_fraction=0.25).fit(X, y)
    mlp = MLPClassifier((4,), max_iter=3, early_stopping=True, validation_fraction=0.25).fit(X, y)
    assert ours.t_ == mlp.t_ == 3 * 150  # trained on the other 75%


def check_mlp_beta_1():
    _assert_optimizer_matches(3, _adam(0.1, beta_1=0.5), optimizer="adam", optimizer__beta_1=0.5)


def check_mlp_beta_2():
    _assert_optimizer_matches(3, _adam(0.1, beta_2=0.9), optimizer="adam", optimizer__beta_2=0.9)


def check_mlp_epsilon():
    _assert_optimizer_matches(3, _adam(0.1, epsilon=0.5), optimizer="adam", optimizer__epsilon=0.5)


def check_mlp_n_iter_no_change():
    X, y = _data()
    for patience, early_stopping in [(2, True), (5, True), (2, False), (np.inf, False)]:
        params = dict(early_stopping=early_stopping, tol=1e9, n_iter_no_change=patience)
        ours = TinyNetClassifier((4,), epochs=20, **params).fit(X, y)
        mlp = MLPClassifier((4,), max_iter=20, **params).fit(X, y)
        assert ours.n_iter_ == mlp.n_iter_ == min(20, patience + 2)


def check_mlp_loss():
    X, _ = _data()
    counts = np.random.RandomState(0).poisson(np.exp(X[:, 0]))
    ours = TinyNetRegressor((4,), loss="poisson", epochs=20, learning_rate=0.01).fit(X, counts)
    assert ours.out_activation_ == "exponential"
    if MLP_HAS_LOSS:
        mlp = MLPRegressor(hidden_layer_sizes=(4,), loss="poisson", max_iter=20).fit(X, counts)
        assert mlp.out_activation_ == "exp"
    assert np.all(ours.predict(X) > 0)
    mse = TinyNetRegressor((4,), loss="mse", epochs=2).fit(X, counts)
    assert mse._objective.loss == "mse" and mse.out_activation_ == "linear"


# -- SciKeras rows ------------------------------------------------------------------


def scikeras_build(meta, hidden_layer_sizes, dropout=0.0):
    model = keras.Sequential([keras.Input((meta["n_features_in_"],))])
    for units in hidden_layer_sizes:
        model.add(keras.layers.Dense(units, activation="relu"))
        model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    return model


def check_scikeras_model():
    X, y = _data()
    clf = TinyNetClassifier(model=scikeras_build, hidden_layer_sizes=(6,), model__dropout=0.1, epochs=3).fit(
        X, y
    )
    assert [type(layer).__name__ for layer in clf.model_.layers] == ["Dense", "Dropout", "Dense"]
    instance = scikeras_build({"n_features_in_": 5}, (3,))
    copy = TinyNetClassifier(model=instance, epochs=2).fit(X, y)
    assert copy.model_ is not instance and len(copy.model_.layers) == len(instance.layers)


def scikeras_build_fn_style(hidden_layer_dim, meta):
    """A build function as SciKeras users passed it to build_fn=, with an argument of its own."""
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(hidden_layer_dim, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


def check_scikeras_build_fn():
    X, y = _data()
    with pytest.raises(ValueError, match=r"'build_fn'.*deprecated name for model: pass model="):
        TinyNetClassifier(build_fn=scikeras_build_fn_style, hidden_layer_dim=5, epochs=2).fit(X, y)
    clf = TinyNetClassifier(model=scikeras_build_fn_style, hidden_layer_dim=5, epochs=2).fit(X, y)
    assert [layer.units for layer in clf.model_.layers] == [5, 1]


def check_scikeras_warm_start():
    # SciKeras' meaning: a fit continues from the previous fit's weights instead of building new ones.
    X, y = _data()
    first = TinyNetClassifier((4,), epochs=2, random_state=0).fit(X, y)
    weights = [W.copy() for W in first.coefs_]
    first.set_params(warm_start=True, learning_rate=0.0, random_state=1).fit(X, y)  # no step at rate 0
    for W, kept in zip(first.coefs_, weights, strict=True):
        np.testing.assert_array_equal(W, kept)
    first.set_params(warm_start=False).fit(X, y)  # a new network, from random_state=1
    assert not np.array_equal(first.coefs_[0], weights[0])


def check_scikeras_random_state():
    check_mlp_random_state()
    X, y = _data()
    TinyNetClassifier((4,), epochs=2, random_state=0).fit(X, y)
    if importlib.util.find_spec("tensorflow") is not None:  # SciKeras turned TensorFlow's determinism on
        from tensorflow.python.framework import config as tf_config

        assert not tf_config.is_op_determinism_enabled()
    TinyNetClassifier((4,), epochs=2, dropout=0.5).fit(X, y)  # unseeded after seeded: SciKeras' bug


def check_scikeras_optimizer():
    _assert_optimizer_matches(2, _sgd(0.1), optimizer="sgd")


def check_scikeras_loss():
    X, y = _data()
    clf = TinyNetClassifier((4,), loss="categorical_crossentropy", epochs=2).fit(X, y)
    assert clf._objective.loss == "categorical_crossentropy" and clf.n_outputs_ == 1
    assert clf.model_.layers[-1].units == 2  # one-hot targets, as that loss needs


def check_scikeras_metrics():
    X, y = _data()
    clf = TinyNetClassifier((4,), epochs=3, metrics=["accuracy", keras.metrics.AUC(name="auc")]).fit(X, y)
    assert list(clf.history_) == ["loss", "accuracy", "auc"]


def check_scikeras_batch_size():
    X, y = _data(100)
    assert TinyNetClassifier().batch_size == 32  # SciKeras' default too (checked below when installed)
    for batch_size, steps_per_epoch in [(None, 4), (30, 4), (100, 1)]:  # Keras' rule: ceil(100 / size)
        BATCHES.clear()
        params = {} if batch_size is None else {"batch_size": batch_size}
        TinyNetClassifier((4,), epochs=2, callbacks=[BatchCounter()], **params).fit(X, y)
        assert len(BATCHES) == 2 * steps_per_epoch
    wrappers = pytest.importorskip("scikeras.wrappers")
    assert wrappers.KerasClassifier().batch_size is None  # None means Keras' default of 32


def check_scikeras_verbose(capsys):
    X, y = _data()
    TinyNetClassifier((4,), epochs=3, verbose=1).fit(X, y)
    assert "3/3" in capsys.readouterr().out


def check_scikeras_callbacks():
    X, y = _data()
    counter = BatchCounter()
    clf = TinyNetClassifier((4,), epochs=2, batch_size=60, callbacks=[counter])
    BATCHES.clear()
    copy = clone(clf).fit(X, y)
    clf.fit(X, y)
    assert len(BATCHES) == 2 * (2 * 2)  # both fits ran the callback on every batch
    assert copy.callbacks[0] is not counter and clf.callbacks[0] is counter
    stopped = TinyNetClassifier(
        (4,),
        epochs=20,
        callbacks={"es": keras.callbacks.EarlyStopping},
        callbacks__es__monitor="loss",
        callbacks__es__min_delta=1e9,
    ).fit(X, y)
    assert stopped.n_iter_ == 2  # SciKeras' class-and-arguments syntax: built at fit, then stopped it


def check_scikeras_validation_split():
    X, y = _data()
    split = TinyNetClassifier((4,), epochs=3, random_state=0, validation_split=0.25).fit(X, y)
    n_train = math.floor(len(X) * 0.75)  # Keras' rule: the last rows are held out
    lead = TinyNetClassifier((4,), epochs=3, random_state=0).fit(X[:n_train], y[:n_train])
    np.testing.assert_allclose(split.loss_curve_, lead.loss_curve_, rtol=1e-6)
    assert len(split.history_["val_loss"]) == 3


def check_scikeras_fit__name():
    X, y = _data()
    routed = TinyNetClassifier((4,), random_state=0, fit__epochs=3, fit__validation_split=0.25).fit(X, y)
    named = TinyNetClassifier((4,), random_state=0, epochs=3, validation_split=0.25).fit(X, y)
    assert routed.history_ == named.history_


def check_scikeras_predict__name():
    X, y = _data()
    clf = TinyNetClassifier((4,), epochs=3, random_state=0).fit(X, y)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(clf.set_params(predict__batch_size=5).predict_proba(X), proba, rtol=1e-12)


def check_scikeras_shuffle():
    # Keras' meaning: shuffle=False takes the batches in row order, so one epoch of two batches is the
    # same two steps as partial_fit on the first half, then the second; shuffle=True reorders them.
    X, y = _data()
    params = dict(hidden_layer_sizes=(4,), batch_size=60, random_state=0, learning_rate=0.05)
    in_order = TinyNetClassifier(**params, epochs=1, shuffle=False).fit(X, y)
    by_hand = TinyNetClassifier(**params, shuffle=False)
    by_hand.partial_fit(X[:60], y[:60], classes=[0, 1]).partial_fit(X[60:], y[60:])
    np.testing.assert_allclose(in_order.coefs_[0], by_hand.coefs_[0], rtol=1e-6)
    shuffled = TinyNetClassifier(**params, epochs=1, shuffle=True).fit(X, y)
    assert not np.allclose(shuffled.coefs_[0], by_hand.coefs_[0], rtol=1e-6)


def check_scikeras_epochs():
    X, y = _data()
    assert TinyNetClassifier((4,), epochs=4).fit(X, y).n_iter_ == 4


def check_scikeras_class_weight():
    X, y = _data()
    weighted = TinyNetClassifier((4,), epochs=3, random_state=0, class_weight={0: 1.0, 1: 4.0}).fit(X, y)
    by_hand = TinyNetClassifier((4,), epochs=3, random_state=0).fit(
        X, y, sample_weight=np.where(y == 1, 4.0, 1.0)
    )
    np.testing.assert_allclose(weighted.coefs_[0], by_hand.coefs_[0], rtol=1e-12)


def check_scikeras_model__name():
    X, y = _data()
    params = dict(model=scikeras_build, hidden_layer_sizes=(6,), epochs=1)
    routed = TinyNetClassifier(**params, model__dropout=0.37).fit(X, y)
    assert routed.model_.layers[1].rate == 0.37  # not the build function's default of 0.0
    unprefixed = TinyNetClassifier(**params, dropout=0.37).fit(X, y)  # SciKeras also allows this
    assert unprefixed.model_.layers[1].rate == 0.37


def check_scikeras_optimizer__name():
    # Routed to the Keras optimizer: SGD's momentum and nesterov, and optimizer__learning_rate is the rate.
    routed = dict(optimizer__momentum=0.5, optimizer__nesterov=True)
    _assert_optimizer_matches(3, _sgd(0.1, momentum=0.5, nesterov=True), optimizer="sgd", **routed)
    X, y = _linear_problem()
    params = {**LINEAR, "optimizer": "sgd"}
    params.pop("learning_rate")
    initial = TinyNetRegressor(**params, learning_rate=0.0).partial_fit(X, y)
    reg = TinyNetRegressor(**params, optimizer__learning_rate=0.05)
    for _ in range(3):
        reg.partial_fit(X, y)
    expected = _reference_steps(3, _sgd(0.05), (initial.coefs_[0], initial.intercepts_[0]))
    for a, b in zip((reg.coefs_[0], reg.intercepts_[0]), expected, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match=r"learning_rate=0\.1 and optimizer__learning_rate=0\.05 both set"):
        TinyNetRegressor(**LINEAR, optimizer="sgd", optimizer__learning_rate=0.05).fit(X, y)


def check_scikeras_loss__name():
    X, _ = _data()
    y = X.sum(axis=1)
    ours = TinyNetRegressor((4,), loss="huber", loss__delta=100.0, epochs=1, random_state=0).fit(X, y)
    mse = TinyNetRegressor((4,), loss="mse", epochs=1, random_state=0).fit(X, y)
    assert ours.loss_curve_[0] == pytest.approx(mse.loss_curve_[0] / 2, rel=1e-6)


CHECKS = {
    ("MLP", name[len("check_mlp_") :]): fn for name, fn in globals().items() if name.startswith("check_mlp_")
} | {
    ("SciKeras", name[len("check_scikeras_") :].replace("__name", "__<name>")): fn
    for name, fn in globals().items()
    if name.startswith("check_scikeras_")
}


# MLP's parameters added after the oldest supported scikit-learn (1.6): MLPRegressor's loss (1.7).
MLP_PARAMETERS_SINCE_1_7 = {"loss"}
MLP_HAS_LOSS = "loss" in MLPRegressor().get_params()


def test_the_tables_list_every_parameter():
    mlp = set(MLPClassifier().get_params()) | set(MLPRegressor().get_params())
    assert set(TABLES["MLP"]) == mlp | MLP_PARAMETERS_SINCE_1_7
    scikeras = SCIKERAS_PARAMETERS | {f"{prefix}__<name>" for prefix in SCIKERAS_PREFIXES}
    assert set(TABLES["SciKeras"]) == scikeras


def test_the_scikeras_list_is_the_installed_one():
    wrappers = pytest.importorskip("scikeras.wrappers")
    params = set(wrappers.KerasClassifier().get_params()) | set(wrappers.KerasRegressor().get_params())
    assert params == SCIKERAS_PARAMETERS
    assert set(wrappers.KerasClassifier._routing_prefixes) == SCIKERAS_PREFIXES


def test_every_row_with_an_equivalent_has_a_check():
    assert sorted(CHECKS) == _rows_with_equivalent()


def test_the_counts_in_the_text_match_the_tables():
    text = DOC.read_text()
    for table, label in [("MLP", "MLPClassifier / MLPRegressor"), ("SciKeras", "SciKeras")]:
        rows = TABLES[table]
        supported = sum(equivalent != "not applicable" for equivalent in rows.values())
        counts = re.search(
            rf"{re.escape(label)}: .*?(\d+) with an equivalent, (\d+) not applicable", text, re.S
        )
        assert (int(counts.group(1)), int(counts.group(2))) == (supported, len(rows) - supported)


@pytest.mark.parametrize(("table", "name"), _rows_with_equivalent())
def test_the_equivalent_works(table, name, request):
    check = CHECKS[(table, name)]
    if "capsys" in check.__code__.co_varnames[: check.__code__.co_argcount]:
        check(request.getfixturevalue("capsys"))
    else:
        check()
