"""Models given as ``model=`` (a ``keras.Model`` or a build function): what a compiled one trains with."""

import keras
import numpy as np
import pytest

from sknnlite import TinyNetClassifier, TinyNetRegressor
from sknnlite.datasets import make_sum_threshold

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _regression_data():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(60, 3)).astype("float32")
    return X, X @ np.array([1.0, -2.0, 0.5], dtype="float32")


def _compiled_linear_model(optimizer, loss="mse"):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer=optimizer, loss=loss)
    return model


def test_a_compiled_model_with_the_defaults_left_alone_keeps_its_optimizer_and_loss():
    X, y = _regression_data()
    model = _compiled_linear_model(keras.optimizers.SGD(learning_rate=0.05, momentum=0.5), loss="mae")
    reg = TinyNetRegressor(model=model, epochs=3, random_state=0).fit(X, y)
    optimizer = reg.model_.optimizer
    assert isinstance(optimizer, keras.optimizers.SGD)
    assert optimizer.get_config()["momentum"] == 0.5
    np.testing.assert_allclose(float(optimizer.learning_rate.numpy()), 0.05)
    assert reg.model_.get_compile_config()["loss"] == "mae"


def test_an_explicit_learning_rate_is_used_by_the_compiled_optimizer():
    X, y = _regression_data()
    model = _compiled_linear_model("adam")
    model.fit(X, y, epochs=5, verbose=0)
    before = model.get_weights()
    with pytest.warns(UserWarning, match="learning_rate=0"):
        reg = TinyNetRegressor(model=model, epochs=2, learning_rate=0.0, random_state=0).fit(X, y)
    for fitted, original in zip(reg.model_.get_weights(), before, strict=True):
        np.testing.assert_array_equal(fitted, original)  # a rate of 0 changes nothing
    assert isinstance(reg.model_.optimizer, keras.optimizers.Adam)


def test_a_rate_alone_keeps_the_compiled_optimizers_class_and_settings():
    X, y = _regression_data()
    model = _compiled_linear_model(keras.optimizers.SGD(learning_rate=0.01, momentum=0.9))
    reg = TinyNetRegressor(model=model, epochs=1, learning_rate=0.1, random_state=0).fit(X, y)
    config = reg.model_.optimizer.get_config()
    assert isinstance(reg.model_.optimizer, keras.optimizers.SGD) and config["momentum"] == 0.9
    np.testing.assert_allclose(config["learning_rate"], 0.1)


def test_an_explicit_optimizer_replaces_the_compiled_one_and_the_users_model_is_not_touched():
    X, y = _regression_data()
    model = _compiled_linear_model("adam")
    reg = TinyNetRegressor(
        model=model, epochs=1, optimizer="sgd", learning_rate=0.02, optimizer__momentum=0.8
    ).fit(X, y)
    config = reg.model_.optimizer.get_config()
    assert isinstance(reg.model_.optimizer, keras.optimizers.SGD) and config["momentum"] == 0.8
    np.testing.assert_allclose(config["learning_rate"], 0.02)
    assert isinstance(model.optimizer, keras.optimizers.Adam)


def test_a_loss_other_than_the_compiled_one_is_refused_and_the_same_one_is_fine():
    X, y = _regression_data()
    with pytest.raises(ValueError, match=r"loss='mae' but model compiled with 'mse'"):
        TinyNetRegressor(model=_compiled_linear_model("adam", loss="mse"), loss="mae", epochs=1).fit(X, y)
    same = keras.losses.MeanAbsoluteError()
    reg = TinyNetRegressor(model=_compiled_linear_model("adam", loss=same), loss="mae", epochs=1).fit(X, y)
    assert reg.n_iter_ == 1


def test_a_subclass_default_loss_counts_as_left_alone():
    class CosineByDefault(TinyNetRegressor):
        def __init__(self, loss=keras.losses.CosineSimilarity(), **kwargs):  # noqa: B008
            super().__init__(loss=loss, **kwargs)

    X, y = _regression_data()
    reg = CosineByDefault(model=_compiled_linear_model("adam", loss="mae"), epochs=1).fit(X, y)
    assert reg.model_.get_compile_config()["loss"] == "mae"
    with pytest.raises(ValueError, match="but model compiled with"):
        CosineByDefault(model=_compiled_linear_model("adam", loss="mae"), epochs=1, loss="mse").fit(X, y)


def test_a_build_function_that_compiles_its_own_optimizer_yields_to_an_explicit_one():
    X, y = make_sum_threshold(80, random_state=0)

    def build(meta):
        inputs = keras.Input((meta["n_features_in_"],))
        model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(inputs))
        model.compile(optimizer="adam", loss="binary_crossentropy")
        return model

    kept = TinyNetClassifier(model=build, epochs=1, random_state=0).fit(X, y)
    assert isinstance(kept.model_.optimizer, keras.optimizers.Adam)
    replaced = TinyNetClassifier(model=build, epochs=1, optimizer="rmsprop", loss="bce").fit(X, y)
    assert isinstance(replaced.model_.optimizer, keras.optimizers.RMSprop)
    assert replaced.model_.get_compile_config()["loss"] == "binary_crossentropy"
    assert set(replaced.predict(X)) <= set(replaced.classes_)


@pytest.mark.parametrize("setting", [{"learning_rate_schedule": "adaptive"}, {"learning_rate_decay": 0.1}])
def test_sknnlite_rate_schedules_on_a_compiled_optimizer_are_refused_at_fit(setting):
    X, y = _regression_data()
    reg = TinyNetRegressor(model=_compiled_linear_model("adam"), epochs=1, **setting)
    with pytest.raises(ValueError, match=f"{next(iter(setting))}=.*compiled with its own optimizer"):
        reg.fit(X, y)


@pytest.mark.parametrize(
    "loss", [["sparse_categorical_crossentropy"], {"probabilities": "sparse_categorical_crossentropy"}]
)
def test_a_one_output_model_compiled_with_a_one_entry_list_or_dict_of_losses_trains(loss):
    X, y = make_sum_threshold(60, random_state=0)
    y = y + (X[:, 0] > 0.5)  # three classes
    inputs = keras.Input((5,))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax", name="probabilities")(inputs))
    model.compile(optimizer="adam", loss=loss)
    clf = TinyNetClassifier(model=model, epochs=2, random_state=0).fit(X, y)
    assert clf.predict_proba(X).shape == (60, 3)
