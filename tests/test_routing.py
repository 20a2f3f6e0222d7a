"""Routed parameters (optimizer__*, loss__*, model__*) and model build functions."""

import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from sknnlite import TinyNetClassifier, TinyNetRegressor
from sknnlite._routing import build_model
from sknnlite.datasets import make_sum_threshold

FAST = dict(hidden_layer_sizes=(8,), epochs=10, learning_rate=0.01, random_state=0)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data(n=120):
    return make_sum_threshold(n, random_state=0)


def test_routed_parameters_are_reported_cloned_and_settable():
    est = TinyNetClassifier(optimizer="sgd", optimizer__momentum=0.9, loss__label_smoothing=0.1)
    params = est.get_params()
    assert params["optimizer__momentum"] == 0.9 and params["loss__label_smoothing"] == 0.1
    copy = clone(est)
    assert copy.get_params()["optimizer__momentum"] == 0.9
    copy.set_params(optimizer__momentum=0.5, optimizer__nesterov=True)
    assert copy.optimizer__momentum == 0.5 and copy.optimizer__nesterov is True
    assert est.optimizer__momentum == 0.9


def test_routed_optimizer_parameters_reach_the_keras_optimizer():
    X, y = _data()
    plain = TinyNetClassifier(**FAST, optimizer="sgd").fit(X, y)
    momentum = TinyNetClassifier(**FAST, optimizer="sgd", optimizer__momentum=0.9).fit(X, y)
    assert momentum.loss_curve_ != plain.loss_curve_
    clipped = TinyNetClassifier(**FAST, optimizer="adam", optimizer__clipnorm=1e-6).fit(X, y)
    first = TinyNetClassifier(**{**FAST, "epochs": 1}).fit(X, y)
    # Gradients clipped to norm 1e-6 barely move Adam's normalized steps apart from... the moments;
    # the fit still differs from the unclipped one.
    assert clipped.loss_curve_[0] != pytest.approx(first.loss_curve_[0], rel=1e-12)


def test_routed_loss_parameters_reach_the_keras_loss():
    X, y = _data()
    y = X.sum(axis=1)
    small = TinyNetRegressor(**FAST, loss="huber", loss__delta=0.01).fit(X, y)
    large = TinyNetRegressor(**FAST, loss="huber", loss__delta=100.0).fit(X, y)
    # With delta 100 every residual is in Huber's quadratic zone: the loss is half the MSE.
    mse = TinyNetRegressor(**FAST, loss="mse").fit(X, y)
    assert large.loss_curve_[0] == pytest.approx(mse.loss_curve_[0] / 2, rel=1e-6)
    assert small.loss_curve_[0] < large.loss_curve_[0]


@pytest.fixture
def optimizers_made(monkeypatch):
    """The config of every Keras optimizer the training engines make during the test (the real ones)."""
    from sknnlite._training import pool, trainer

    monkeypatch.setattr(pool, "_pool", pool.TrainerPool())  # no trainer made by an earlier test is reused
    made, make = [], trainer.make_optimizer

    def recording(*args, **kwargs):
        optimizer = make(*args, **kwargs)
        made.append(optimizer.get_config())
        return optimizer

    monkeypatch.setattr(trainer, "make_optimizer", recording)
    return made


def test_grid_search_over_routed_parameters(optimizers_made):
    X, y = _data()
    grid = {"optimizer__momentum": [0.0, 0.9], "optimizer__nesterov": [False, True]}
    est = TinyNetClassifier(**FAST, optimizer="sgd")
    search = GridSearchCV(est, grid, cv=2).fit(X, y)
    # Every candidate's values reached a Keras SGD optimizer (fits of one candidate may share one).
    made = {(config["momentum"], config["nesterov"]) for config in optimizers_made}
    assert made == {(0.0, False), (0.0, True), (0.9, False), (0.9, True)}
    refit = clone(est).set_params(**search.best_params_).fit(X, y)
    assert search.best_estimator_.loss_curve_ == refit.loss_curve_
    other = {"optimizer__momentum": 0.9 - search.best_params_["optimizer__momentum"]}
    assert clone(refit).set_params(**other).fit(X, y).loss_curve_ != refit.loss_curve_


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"optimizer": "sgd", "optimizer__momentun": 0.9},
            r"optimizer__momentun.*valid names are.*'optimizer__momentum'",
        ),
        ({"loss": "huber", "loss__delt": 1.0}, r"loss__delt.*valid names are.*'loss__delta'"),
        ({"optimizer__learning_rate": "fast"}, r"optimizer__learning_rate must be a non-negative number"),
        ({"hidden_layers": 3}, r"unknown parameter\(s\) \['hidden_layers'\]"),
        ({"model__units": 3}, r"model__ parameters go to a model build function, but model=None"),
    ],
)
def test_unknown_routed_names_fail_at_fit_with_the_valid_ones(params, message):
    est = TinyNetRegressor(**FAST, **params)  # accepted here, checked at fit
    X, y = _data()
    with pytest.raises(ValueError, match=message):
        est.fit(X, y)


def test_set_params_still_rejects_unknown_plain_names():
    with pytest.raises(ValueError, match="Invalid parameter 'hidden_layers'"):
        TinyNetRegressor().set_params(hidden_layers=3)


# -- model build functions -----------------------------------------------------


def scikeras_classifier(meta, hidden_layer_sizes, dropout):
    """The build function of SciKeras' MLPClassifier tutorial, verbatim but for Keras 3 imports."""
    n_features_in_ = meta["n_features_in_"]
    n_classes_ = meta["n_classes_"]
    model = keras.models.Sequential()
    model.add(keras.layers.Input(shape=(n_features_in_,)))
    for hidden_layer_size in hidden_layer_sizes:
        model.add(keras.layers.Dense(hidden_layer_size, activation="relu"))
        model.add(keras.layers.Dropout(dropout))
    model.add(
        keras.layers.Dense(
            1 if n_classes_ == 2 else n_classes_, activation="sigmoid" if n_classes_ == 2 else "softmax"
        )
    )
    return model


def scikeras_compiled_regressor(meta, compile_kwargs):
    """A SciKeras build function that compiles its model with the wrapper's compile_kwargs."""
    model = keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
    model.compile(loss=compile_kwargs["loss"], optimizer=compile_kwargs["optimizer"])
    return model


@pytest.mark.parametrize("n_classes", [2, 3])
def test_a_scikeras_build_function_works_unchanged(n_classes):
    X, _ = _data(150)
    total = X.sum(axis=1)  # classes: equal-sized bands of the sum, learnable, majority class 1/n_classes
    y = np.digitize(total, np.quantile(total, np.linspace(0, 1, n_classes + 1)[1:-1]))
    clf = TinyNetClassifier(
        model=scikeras_classifier, hidden_layer_sizes=(16,), model__dropout=0.1, epochs=20
    )
    clf.set_params(random_state=0, learning_rate=0.01).fit(X, y)
    assert isinstance(clf.model_, keras.Sequential)
    assert [type(layer).__name__ for layer in clf.model_.layers] == ["Dense", "Dropout", "Dense"]
    proba = clf.predict_proba(X)
    assert proba.shape == (150, n_classes)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(clf.predict(X)) <= set(clf.classes_)
    majority = np.bincount(y).max() / len(y)
    assert majority < 0.55 and clf.score(X, y) > majority + 0.3  # measured: 0.94 (2 classes), 0.88 (3)


def test_a_compiled_scikeras_model_keeps_its_optimizer_and_loss():
    X, _ = _data()
    y = X.sum(axis=1)
    reg = TinyNetRegressor(model=scikeras_compiled_regressor, optimizer="sgd", epochs=30, random_state=0)
    reg.set_params(learning_rate=0.05).fit(X, y)
    assert isinstance(reg.model_.optimizer, keras.optimizers.SGD)
    assert reg.score(X, y) > 0.8


def test_build_functions_get_n_features_n_outputs_and_routed_parameters():
    seen = {}

    def build(n_features_in, n_outputs, units, activation):
        seen.update(n_features_in=n_features_in, n_outputs=n_outputs, units=units, activation=activation)
        return keras.Sequential(
            [keras.Input((n_features_in,)), keras.layers.Dense(units), keras.layers.Dense(n_outputs)]
        )

    X, y = _data()
    TinyNetRegressor(model=build, model__units=5, activation="tanh", epochs=2).fit(X, np.column_stack([y, y]))
    assert seen == {"n_features_in": 5, "n_outputs": 2, "units": 5, "activation": "tanh"}


def test_custom_models_are_reproducible_without_touching_global_seeds():
    import random

    X, y = _data()
    random.seed(123)
    expected_next = random.random()
    random.seed(123)
    a = TinyNetClassifier(
        model=scikeras_classifier, hidden_layer_sizes=(8,), model__dropout=0.2, epochs=5, random_state=3
    )
    b = clone(a)
    a.fit(X, y)
    b.fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert random.random() == expected_next


def test_build_function_errors_are_clear():
    X, y = _data()
    with pytest.raises(TypeError, match=r"must return a keras\.Model, got str"):
        TinyNetClassifier(model=lambda meta: "not a model").fit(X, y)
    with pytest.raises(ValueError, match=r"model__unit.*valid names are \['model__units'\]"):
        TinyNetClassifier(model=lambda meta, units=2: None, model__unit=3).fit(X, y)
    wide = lambda n_features_in: keras.Sequential([keras.Input((n_features_in,)), keras.layers.Dense(3)])  # noqa: E731
    with pytest.raises(
        ValueError, match=r"model with 3 output\(s\); loss 'binary_crossentropy' on 2 classes needs 1"
    ):
        TinyNetClassifier(model=wide, loss="binary_crossentropy").fit(X, y)
    with pytest.raises(ValueError, match="alpha penalizes the built-in MLP"):
        TinyNetClassifier(model=scikeras_classifier, model__dropout=0.0, alpha=0.1).fit(X, y)


def test_build_model_fills_arguments_by_name_in_priority_order():
    calls = []

    def build(units, meta, hidden_layer_sizes=(1,)):
        calls.append((units, meta, hidden_layer_sizes))
        return keras.Sequential([keras.Input((2,)), keras.layers.Dense(units)])

    build_model(build, {"units": 4}, {"meta": {"a": 1}}, {"hidden_layer_sizes": (3,), "units": 9}, seed=0)
    assert calls == [(4, {"a": 1}, (3,))]


# -- SciKeras' optimizer__learning_rate --------------------------------------------


def test_optimizer__learning_rate_is_the_learning_rate_as_in_scikeras():
    X, y = _data()
    params = {**FAST, "random_state": 0}
    params.pop("learning_rate", None)
    routed = TinyNetRegressor(**params, optimizer__learning_rate=0.05).fit(X, y)
    plain = TinyNetRegressor(**params, learning_rate=0.05).fit(X, y)
    np.testing.assert_array_equal(routed.predict(X), plain.predict(X))
    assert routed.final_learning_rate_ == 0.05
    # The same value twice is no conflict; two different values are.
    TinyNetRegressor(**params, learning_rate=0.05, optimizer__learning_rate=0.05).fit(X, y)
    with pytest.raises(ValueError, match=r"learning_rate=0.2 and optimizer__learning_rate=0.05 both set"):
        TinyNetRegressor(**params, learning_rate=0.2, optimizer__learning_rate=0.05).fit(X, y)


def test_a_scikeras_grid_over_optimizer__learning_rate_fits():
    X, y = _data()
    params = {**FAST}
    params.pop("learning_rate", None)
    grid = {"optimizer__learning_rate": [0.001, 0.01, 0.1]}
    search = GridSearchCV(TinyNetRegressor(**params, optimizer__learning_rate=0.001), grid, cv=2).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all() and len(set(scores)) == 3  # each rate trained differently
    rates = [params["optimizer__learning_rate"] for params in search.cv_results_["params"]]
    assert search.best_params_["optimizer__learning_rate"] == rates[int(np.argmax(scores))]
    assert search.best_estimator_.final_learning_rate_ == search.best_params_["optimizer__learning_rate"]


# -- SciKeras' meta and model instances --------------------------------------------


def test_meta_describes_the_declared_classes_in_partial_fit():
    seen = {}

    def build(meta):
        seen.update(meta)
        return keras.Sequential(
            [
                keras.Input((meta["n_features_in_"],)),
                keras.layers.Dense(meta["n_classes_"], activation="softmax"),
            ]
        )

    X, y = make_sum_threshold(60, random_state=0)
    clf = TinyNetClassifier(model=build, random_state=0)
    clf.partial_fit(X, y + 1, classes=[1, 2, 3])  # this batch has labels {1, 2} only
    assert seen["target_type_"] == "multiclass" and seen["n_classes_"] == 3
    assert clf.predict_proba(X).shape == (60, 3)


def test_a_pretrained_compiled_model_is_fine_tuned_not_reinitialized():
    X, y = make_sum_threshold(80, random_state=0)
    pretrained = keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(4, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    pretrained.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="binary_crossentropy")
    before = pretrained.predict(X, verbose=0).ravel()
    clf = TinyNetClassifier(model=pretrained, epochs=2, random_state=0).fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], before, rtol=1e-5)  # learning rate 0: unchanged
    assert [w.shape for w in clf.model_.get_weights()] == [w.shape for w in pretrained.get_weights()]


def test_image_shaped_X_trains_a_convolutional_model_and_the_builtin_mlp_says_what_it_takes():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(60, 8, 8, 1))
    y = (X[:, :4].mean(axis=(1, 2, 3)) > X[:, 4:].mean(axis=(1, 2, 3))).astype(int)

    def build(meta):
        return keras.Sequential(
            [
                keras.Input(meta["X_shape_"][1:]),
                keras.layers.Conv2D(4, 3, activation="relu"),
                keras.layers.Flatten(),
                keras.layers.Dense(1, activation="sigmoid"),
            ]
        )

    clf = TinyNetClassifier(model=build, epochs=5, random_state=0).fit(X, y)
    assert clf.predict(X).shape == (60,) and clf.n_features_in_ == 8
    with pytest.raises(ValueError, match=r"The built-in MLP takes a table.*pass model="):
        TinyNetClassifier().fit(X, y)


def test_a_model_with_more_inputs_or_outputs_than_the_data_says_what_to_give():
    X, y = _data()
    left, right = keras.Input((2,)), keras.Input((3,))
    two_inputs = keras.Model([left, right], keras.layers.Dense(1)(keras.layers.Concatenate()([left, right])))
    with pytest.raises(ValueError, match=r"has 2 input.*X gives 1.*feature_encoder property"):
        TinyNetRegressor(model=two_inputs).fit(X, y)
    x = keras.Input((5,))
    two_outputs = keras.Model(x, [keras.layers.Dense(1)(x), keras.layers.Dense(1)(x)])
    with pytest.raises(ValueError, match=r"2 outputs have 2 values per sample.*y has 1 target column"):
        TinyNetRegressor(model=two_outputs).fit(X, y)


def _scikeras_build(hidden_dim, meta):
    """A SciKeras tutorial-style build function: its own argument, given to the estimator bare."""
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(hidden_dim, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


def test_a_build_function_argument_given_without_prefix_as_in_scikeras():
    X, y = _data()
    clf = TinyNetClassifier(model=_scikeras_build, hidden_dim=5, epochs=3, random_state=0).fit(X, y)
    assert clf.model_.layers[0].units == 5
    assert clf.get_params()["hidden_dim"] == 5 and clone(clf).hidden_dim == 5
    search = GridSearchCV(clf, {"hidden_dim": [3, 6]}, cv=2).fit(X, y)
    assert search.best_estimator_.model_.layers[0].units == search.best_params_["hidden_dim"]
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['hiden_dim'\]"):
        TinyNetClassifier(model=_scikeras_build, hiden_dim=5).fit(X, y)


def test_build_functions_taking_params_or_kwargs_get_what_scikeras_gives():
    X, y = _data()
    received = {}

    def with_params(params, meta):
        received["params"] = params
        return _scikeras_build(params["width"], meta)

    def with_kwargs(**kwargs):
        received["kwargs"] = kwargs
        return _scikeras_build(kwargs["width"], kwargs["meta"])

    TinyNetClassifier(model=with_params, width=4, epochs=2, random_state=0).fit(X, y)
    assert received["params"]["width"] == 4 and received["params"]["epochs"] == 2
    TinyNetClassifier(model=with_kwargs, width=4, epochs=2, random_state=0).fit(X, y)
    assert {"meta", "compile_kwargs", "params", "width"} <= set(received["kwargs"])


# -- SciKeras' fit__ / predict__ routing ---------------------------------------


def test_fit_routed_settings_are_the_parameters_they_name():
    X, y = _data()
    routed = TinyNetClassifier(**{**FAST, "epochs": 200}, fit__epochs=3, fit__batch_size=16).set_params(
        epochs=200
    )
    plain = TinyNetClassifier(**{**FAST, "epochs": 3}, batch_size=16)
    assert routed.fit(X, y).n_iter_ == 3
    np.testing.assert_array_equal(routed.predict_proba(X), plain.fit(X, y).predict_proba(X))
    assert clone(routed).get_params()["fit__epochs"] == 3


def test_a_fit_routed_setting_that_contradicts_the_parameter_raises():
    X, y = _data()
    with pytest.raises(ValueError, match="epochs=5 and fit__epochs=3 both set epochs"):
        TinyNetClassifier(**{**FAST, "epochs": 5}, fit__epochs=3).fit(X, y)
    with pytest.raises(ValueError, match="fit__batch_size"):
        TinyNetClassifier(**FAST, fit__batch_size=0).fit(X, y)


def test_fit_callbacks_run_after_callbacks_and_are_configured_the_same_way():
    order = []

    class Named(keras.callbacks.Callback):
        def __init__(self, name):
            super().__init__()
            self.label = name

        def on_train_begin(self, logs=None):
            order.append(self.label)

    X, y = _data(40)
    TinyNetRegressor(
        **{**FAST, "epochs": 1},
        callbacks=Named("callbacks"),
        fit__callbacks=[Named],
        fit__callbacks__0__name="fit__callbacks",
    ).fit(X, y)
    assert order == ["callbacks", "fit__callbacks"]


@pytest.mark.parametrize("Estimator", [TinyNetClassifier, TinyNetRegressor])
def test_predict_batch_size_chunks_prediction_without_changing_it(Estimator):
    X, y = _data(300)
    est = Estimator(**FAST).fit(X, y)
    whole = est.predict(X)
    est.set_params(predict__batch_size=7)
    np.testing.assert_allclose(est.predict(X), whole, rtol=1e-12)  # BLAS may sum in another order

    def build(meta):
        model = keras.Sequential([keras.Input((meta["n_features_in_"],)), keras.layers.Dense(1)])
        model.compile(loss="mse", optimizer="sgd")
        return model

    custom = TinyNetRegressor(model=build, epochs=2, random_state=0).fit(X, y)
    values = custom.predict(X)
    # The build function's model computes in float32; PyTorch's matmul sums 7 rows in another order.
    np.testing.assert_allclose(
        custom.set_params(predict__batch_size=7).predict(X), values, rtol=1e-6, atol=1e-6
    )


@pytest.mark.parametrize(
    "params, message",
    [
        ({"fit__validation_data": 1}, r"Unknown fit parameter\(s\) \['fit__validation_data'\]"),
        ({"predict__callbacks": []}, r"predict__ takes batch_size"),
        ({"predict__batch_size": 0}, "predict__batch_size"),
    ],
)
def test_unknown_or_invalid_fit_and_predict_names_fail_at_fit(params, message):
    X, y = _data()
    est = TinyNetRegressor(**FAST, **params)  # __init__ stores them
    with pytest.raises(ValueError, match=message):
        est.fit(X, y)


# -- SciKeras' subclass style: _keras_build_fn and a narrower __init__ ----------


class SelfContainedClassifier(TinyNetClassifier):
    """SciKeras' tutorial pattern: own __init__ (a routed default named but not stored), build method."""

    def __init__(self, hidden_layer_sizes=(16,), optimizer__learning_rate=0.01, epochs=30, **kwargs):
        super().__init__(**kwargs)
        self.hidden_layer_sizes = hidden_layer_sizes
        self.epochs = epochs

    def _keras_build_fn(self, compile_kwargs):
        model = keras.Sequential([keras.Input((self.n_features_in_,))])
        for units in self.hidden_layer_sizes:
            model.add(keras.layers.Dense(units, activation="relu"))
        if self.target_type_ == "binary":
            model.add(keras.layers.Dense(1, activation="sigmoid"))
            loss = "binary_crossentropy"
        else:
            model.add(keras.layers.Dense(self.n_classes_, activation="softmax"))
            loss = "sparse_categorical_crossentropy"
        model.compile(loss=loss, optimizer=compile_kwargs["optimizer"])
        return model


def test_a_subclass_build_method_builds_the_network():
    X, y = _data()
    clf = SelfContainedClassifier(random_state=0).fit(X, y)
    assert [layer.units for layer in clf.model_.layers] == [16, 1]
    assert clf.target_type_ == "binary" and clf.n_classes_ == 2 and clf.X_shape_ == X.shape
    assert clf.loss_curve_[-1] < clf.loss_curve_[0] and len(clf.loss_curve_) == 30
    three = SelfContainedClassifier(hidden_layer_sizes=(4, 4), epochs=2).fit(X, np.arange(len(X)) % 3)
    assert [layer.units for layer in three.model_.layers] == [4, 4, 3]


def test_a_subclass_is_cloned_tuned_and_its_routed_defaults_settable():
    X, y = _data()
    clf = SelfContainedClassifier(epochs=3, random_state=0)
    params = clf.get_params()
    assert "optimizer__learning_rate" not in params  # named in __init__ but not stored, as SciKeras allows
    assert params["epochs"] == 3 and params["activation"] == "relu"  # the base class stored its own
    search = GridSearchCV(clf, {"hidden_layer_sizes": [(4,), (8,)]}, cv=2).fit(X, y)
    assert [layer.units for layer in search.best_estimator_.model_.layers][-1] == 1
    clf.set_params(optimizer__learning_rate=0.05).fit(X, y)
    assert float(clf.model_.optimizer.learning_rate) == pytest.approx(0.05)


def test_a_subclass_without_parameters_and_meta_attributes_cleared_for_the_builtin_mlp():
    class Fixed(TinyNetClassifier):
        def __init__(self):
            super().__init__()

        def _keras_build_fn(self):
            model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(1, activation="sigmoid")])
            model.compile(loss="binary_crossentropy")
            return model

    X, y = _data()
    assert Fixed().set_params(epochs=2).fit(X, y).predict(X).shape == (len(X),)
    built = TinyNetClassifier(model=lambda meta: Fixed()._keras_build_fn(), epochs=2).fit(X, y)
    assert built.target_type_ == "binary"
    built.set_params(model=None).fit(X, y)
    assert not hasattr(built, "target_type_")  # the built-in MLP has MLP's attributes only


def test_a_kwargs_build_function_gets_what_scikeras_passes_in_its_order():
    seen = []

    def build(**kwargs):
        seen.append(tuple(kwargs))
        meta = kwargs["meta"]
        model = keras.Sequential(
            [keras.Input((meta["n_features_in_"],)), keras.layers.Dense(meta["n_classes_"])]
        )
        return model

    X, _ = _data()
    TinyNetClassifier(
        model=build, model__hidden_layer_sizes=(4,), epochs=1, loss="categorical_crossentropy"
    ).fit(X, np.arange(len(X)) % 3)
    assert seen == [("hidden_layer_sizes", "meta", "compile_kwargs", "params")]
