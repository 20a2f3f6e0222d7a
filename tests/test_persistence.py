"""save / load in Keras' native .keras format."""

import pickle
import zipfile

import keras
import numpy as np
import pandas as pd
import pytest
from fresh_process import run_python

from sknnlite import TinyNetClassifier, TinyNetRegressor
from sknnlite.datasets import make_sum_threshold

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data():
    X, y = make_sum_threshold(100, random_state=0)
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(5)]), np.where(y == 1, "high", "low")


@pytest.mark.parametrize("params", [{}, {"batch_normalization": True, "dropout": 0.2}])
def test_a_saved_classifier_loads_with_its_metadata_and_predicts_identically(tmp_path, params):
    X, y = _data()
    clf = TinyNetClassifier((8,), epochs=10, random_state=0, **params).fit(X, y)
    path = tmp_path / "clf.keras"
    clf.save(path)
    loaded = TinyNetClassifier.load(path)
    np.testing.assert_array_equal(loaded.classes_, ["high", "low"])
    np.testing.assert_array_equal(loaded.feature_names_in_, X.columns)
    assert loaded.get_params() == clf.get_params()
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    loaded.partial_fit(X, y)  # the optimizer state came along
    assert len(loaded.loss_curve_) == 11 and loaded.t_ == clf.t_ + 100


def test_the_file_is_a_plain_keras_model(tmp_path):
    X, y = _data()
    clf = TinyNetClassifier((8,), epochs=10, random_state=0).fit(X, y)
    path = tmp_path / "clf.keras"
    clf.save(path)
    model = keras.saving.load_model(path)
    np.testing.assert_allclose(
        model.predict(X.to_numpy(), verbose=0)[:, 0], clf.predict_proba(X)[:, 1], rtol=1e-6
    )


def build(meta):
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(4, activation="tanh"),
            keras.layers.Dense(1),
        ]
    )


def test_a_custom_model_round_trips_when_its_build_function_is_trusted(tmp_path):
    X, y = _data()
    reg = TinyNetRegressor(model=build, epochs=5, random_state=0).fit(X, (y == "high").astype(float))
    reg.save(tmp_path / "reg.keras")
    with pytest.raises(ValueError, match=r"not trusted: \['test_persistence.build'\].*trusted=\[\.\.\.\]"):
        TinyNetRegressor.load(tmp_path / "reg.keras")
    for trusted in ([build], ["test_persistence.build"]):
        loaded = TinyNetRegressor.load(tmp_path / "reg.keras", trusted=trusted)
        assert loaded.model is build
        np.testing.assert_allclose(loaded.predict(X), reg.predict(X), rtol=1e-6)
    loaded = TinyNetRegressor.load(tmp_path / "reg.keras", custom_objects={"build": build})
    np.testing.assert_allclose(loaded.predict(X), reg.predict(X), rtol=1e-6)


def test_load_checks_the_file_and_the_class(tmp_path):
    X, y = _data()
    clf = TinyNetClassifier((4,), epochs=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=r"must end in '\.keras'"):
        clf.save(tmp_path / "clf.h5")
    clf.save(tmp_path / "clf.keras")
    with pytest.raises(TypeError, match="holds a TinyNetClassifier, not a TinyNetRegressor"):
        TinyNetRegressor.load(tmp_path / "clf.keras")
    clf.model_.save(tmp_path / "plain.keras")
    with pytest.raises(ValueError, match="without sknnlite's estimator"):
        TinyNetClassifier.load(tmp_path / "plain.keras")
    members = zipfile.ZipFile(tmp_path / "clf.keras").namelist()
    assert {"sknnlite_estimator.json", "sknnlite_arrays.npz"} <= set(members)
    assert not any(name.endswith(".pkl") for name in members)
    local = TinyNetRegressor(model=lambda meta: build(meta), epochs=1).fit(X, (y == "high").astype(float))
    with pytest.raises(ValueError, match="must be defined at module level"):
        local.save(tmp_path / "local.keras")


def _small_model(meta, compiled=False):
    model = keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(3, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
    if compiled:
        model.compile(optimizer="sgd", loss="mse")
    return model


@pytest.mark.parametrize("compiled", [False, True], ids=["uncompiled", "user-compiled"])
def test_a_model_trained_through_model_fit_pickles_and_loads_without_sknnlite(tmp_path, compiled):
    X, _ = _data()
    y = X.sum(axis=1)
    # Callbacks train through model.fit (on every backend), with sknnlite's loss and decay schedule
    # (a compiled optimizer keeps its own rate: sknnlite's decay is refused with it).
    reg = TinyNetRegressor(
        model=_small_model,
        model__compiled=compiled,
        epochs=3,
        learning_rate_decay=0.0 if compiled else 0.1,
        callbacks=[keras.callbacks.History()],
        random_state=0,
    ).fit(X, y)
    again = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(again.predict(X), reg.predict(X))
    again.partial_fit(X, y)  # the optimizer state travelled too
    path = tmp_path / "model.keras"
    reg.model_.save(path)
    np.save(tmp_path / "X.npy", X)
    script = (
        "import sys, keras, numpy as np\n"
        "model = keras.saving.load_model('model.keras')\n"
        "assert 'sknnlite' not in sys.modules\n"
        "np.save('out.npy', keras.ops.convert_to_numpy(model(np.load('X.npy'))))\n"
        "print(type(getattr(model, 'optimizer', None)).__name__)\n"
    )
    done = run_python("-c", script, cwd=tmp_path)
    # The user's compile configuration, not sknnlite's loss and schedule.
    assert done.stdout.split()[-1] == ("SGD" if compiled else "NoneType")
    np.testing.assert_allclose(np.load(tmp_path / "out.npy").ravel(), reg.predict(X), rtol=1e-6)


def test_a_keras_model_parameter_keeps_its_weights(tmp_path):
    X, y = _data()
    target = (y == "high").astype(float)
    pretrained = build({"n_features_in_": X.shape[1]})
    reg = TinyNetRegressor(model=pretrained, epochs=3, random_state=0).fit(X, target)
    reg.save(tmp_path / "reg.keras")
    loaded = TinyNetRegressor.load(tmp_path / "reg.keras")
    for ours, theirs in zip(loaded.model.get_weights(), pretrained.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)
    # Refitting fine-tunes from the same starting weights as before saving.
    np.testing.assert_allclose(loaded.fit(X, target).predict(X), reg.fit(X, target).predict(X), rtol=1e-6)
