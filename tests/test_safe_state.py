"""Model files are data: opening one runs no code from it, and crafted files fail with a clear error.

Each hostile file would create a marker file on disk if any of its code ran.
"""

import io
import json
import pathlib
import pickle
import warnings
import zipfile

import keras
import numpy as np
import pandas as pd
import pytest
from fresh_process import run_python

from sknnlite import TinyNetClassifier, TinyNetRegressor
from sknnlite._persistence import ARRAYS_MEMBER, PICKLE_MEMBER, STATE_MEMBER, UnsafeModelFileWarning
from sknnlite._safe_state import Trusted, dump_state, load_state
from sknnlite.datasets import make_sum_threshold

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


class _TouchOnUnpickle:
    """Unpickling this creates ``path``: the classic pickle payload, made harmless."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(self.path),))


def _fitted(labels=None, **params):
    X, y = make_sum_threshold(80, random_state=0)
    X = pd.DataFrame(X, columns=[f"x{i}" for i in range(5)])
    y = y if labels is None else np.asarray(labels)[y]
    return TinyNetClassifier((4,), epochs=3, random_state=0, **params).fit(X, y), X


def _rewrite(path, out, replace=None, add=None):
    """A copy of the zip at ``path`` with some members replaced or added."""
    replace, add = replace or {}, add or {}
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
        for name, data in add.items():
            target.writestr(name, data)
    return out


def _document(path):
    return json.loads(zipfile.ZipFile(path).read(STATE_MEMBER))


def _with_attribute(document, name, encoded):
    pairs = document["state"]["dict"]
    for pair in pairs:
        if pair[0] == name:
            pair[1] = encoded
            break
    else:
        pairs.append([name, encoded])
    return json.dumps(document).encode()


def _assert_refused_and_nothing_ran(path, replace, match, marker):
    forged = _rewrite(path, marker.parent / "forged.keras", replace)
    with pytest.raises(ValueError, match=match):
        TinyNetClassifier.load(forged)
    assert not marker.exists()


@pytest.fixture
def saved(tmp_path):
    clf, X = _fitted()
    path = tmp_path / "clf.keras"
    clf.save(path)
    return path, clf, X


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["no", "yes"]),
        np.array(["no", "yes"], dtype=object),  # pandas' strings
        np.array([False, True]),
        np.array([-1, 1]),
        np.array([0.0, 2.0]),
        np.array([3, 7], dtype=np.int8),
    ],
    ids=["str", "object-str", "bool", "int", "float", "int8"],
)
def test_plain_labels_and_feature_names_round_trip_exactly(tmp_path, labels):
    clf, X = _fitted(labels)
    clf.save(tmp_path / "clf.keras")
    loaded = TinyNetClassifier.load(tmp_path / "clf.keras")
    assert loaded.classes_.dtype == clf.classes_.dtype
    assert [type(c) for c in loaded.classes_] == [type(c) for c in clf.classes_]
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    np.testing.assert_array_equal(loaded.feature_names_in_, clf.feature_names_in_)
    assert loaded.feature_names_in_.dtype == object
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))


def test_the_state_codec_round_trips_plain_values():
    state = {
        "none": None,
        "tuple": (1, 2.5, "x"),
        "dict": {0: "a", "b": [1, 2], (1, 2): np.float32(1.5)},
        "nan": float("nan"),
        "inf": float("-inf"),
        "array": np.arange(6, dtype=np.float32).reshape(2, 3),
        "strings": np.array(["a", "bc"]),
        "objects": np.array(["a", 1, None], dtype=object),
        "dtype": np.dtype("float64"),
        "scalar": np.int16(-3),
        "rng": np.random.RandomState(3),
    }
    document, arrays, models = dump_state(TinyNetClassifier, state)
    assert models == {}
    _, back = load_state(document, arrays, Trusted(), "test", load_model=None)
    assert back["tuple"] == (1, 2.5, "x") and back["dict"] == state["dict"]
    assert type(back["dict"][(1, 2)]) is np.float32 and type(back["scalar"]) is np.int16
    assert np.isnan(back["nan"]) and back["inf"] == float("-inf")
    for name in ("array", "strings", "objects"):
        assert back[name].dtype == state[name].dtype
        np.testing.assert_array_equal(back[name], state[name])
    assert back["dtype"] == np.float64
    assert back["rng"].randint(1000) == np.random.RandomState(3).randint(1000)


def test_an_old_pickled_file_opens_only_on_request_and_nothing_runs_by_default(saved, tmp_path):
    path, clf, X = saved
    marker = tmp_path / "pwned"
    state = clf.__getstate__()
    legacy = pickle.dumps((TinyNetClassifier, state))
    old = tmp_path / "old.keras"  # sknnlite 0.1.0's layout: the Keras members and a pickle
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(old, "w") as target:
        for info in source.infolist():
            if info.filename not in (STATE_MEMBER, ARRAYS_MEMBER):
                target.writestr(info.filename, source.read(info.filename))
        target.writestr(PICKLE_MEMBER, legacy)
    with pytest.raises(ValueError, match=r"sknnlite 0\.1\.0.*runs code.*allow_pickle=True"):
        TinyNetClassifier.load(old)
    with pytest.warns(UnsafeModelFileWarning, match="pickle runs any code"):
        loaded = TinyNetClassifier.load(old, allow_pickle=True)
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))

    evil = tmp_path / "evil.keras"
    with zipfile.ZipFile(old) as source, zipfile.ZipFile(evil, "w") as target:
        for info in source.infolist():
            data = pickle.dumps(_TouchOnUnpickle(marker)) if info.filename == PICKLE_MEMBER else None
            target.writestr(info.filename, data or source.read(info.filename))
    with pytest.raises(ValueError, match="allow_pickle"):
        TinyNetClassifier.load(evil)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("attribute", "encoded", "message"),
    [
        ("classes_", {"code": "pathlib.Path.touch"}, r"not trusted: \['pathlib.Path.touch'\]"),
        (
            "loss",
            {"object": "subprocess.Popen", "state": {"dict": []}},
            r"not trusted: \['subprocess.Popen'\]",
        ),
        (
            "activation",
            {"keras": {"module": "os", "class_name": "system", "config": {}, "registered_name": None}},
            r"not trusted: \['os.system'\]",
        ),
        (
            "activation",
            {"keras": {"module": "builtins", "class_name": "function", "config": "eval"}},
            r"not trusted: \['eval'\]",
        ),
    ],
    ids=["function", "object", "keras-module", "keras-builtin-name"],
)
def test_code_named_in_the_record_is_refused_unless_trusted(saved, tmp_path, attribute, encoded, message):
    path, _, _ = saved
    forged = _rewrite(
        path, tmp_path / "forged.keras", {STATE_MEMBER: _with_attribute(_document(path), attribute, encoded)}
    )
    with pytest.raises(ValueError, match=message + r".*trusted=\[\.\.\.\]"):
        TinyNetClassifier.load(forged)


def test_an_estimator_class_outside_sknnlite_is_refused(saved, tmp_path):
    path, _, _ = saved
    document = _document(path)
    document["estimator"] = "subprocess.Popen"
    forged = _rewrite(path, tmp_path / "forged.keras", {STATE_MEMBER: json.dumps(document).encode()})
    with pytest.raises(ValueError, match=r"holds a subprocess.Popen, which is not an sknnlite estimator"):
        TinyNetClassifier.load(forged)


@pytest.mark.parametrize(
    ("attribute", "encoded", "message"),
    [
        ("n_features_in_", "five", "n_features_in_ is 'five', not a positive int"),
        ("classes_", [1, 2], "classes_ is not an array"),
        ("hidden_layer_sizes", {"tuple": "x"}, "tuple: expected list"),
        ("coefs_", {"evil": 1}, "unexpected value"),
        ("_architecture", {"record": "Popen", "fields": {}}, "unknown record 'Popen'"),
        ("_state", {"record": "TrainingState", "fields": {"weights": ["w"]}}, "TrainingState of arrays"),
        ("coefs_", [{"array": "nope"}], "array 'nope' is missing"),
        ("t_", {"scalar": "|O", "value": 1}, "unexpected value|malformed"),
        ("t_", {"scalar": "<M8[ns]", "value": 1}, "unexpected dtype"),
        ("model", {"keras_model": "../outside.keras"}, "unexpected model member"),
        ("model", {"keras_model": "sknnlite_param_model_9.keras"}, "model member .* is missing"),
    ],
)
def test_a_record_of_wrong_types_fails_clearly(saved, tmp_path, attribute, encoded, message):
    path, _, _ = saved
    forged = _rewrite(
        path, tmp_path / "forged.keras", {STATE_MEMBER: _with_attribute(_document(path), attribute, encoded)}
    )
    with pytest.raises(ValueError, match=message):
        TinyNetClassifier.load(forged)


def test_layer_shapes_that_do_not_chain_fail_clearly(saved, tmp_path):
    path, _, _ = saved
    arrays = dict(np.load(io.BytesIO(zipfile.ZipFile(path).read(ARRAYS_MEMBER))))
    arrays = {name: (a[:-1] if a.ndim == 2 else a) for name, a in arrays.items()}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    forged = _rewrite(path, tmp_path / "forged.keras", {ARRAYS_MEMBER: buffer.getvalue()})
    with pytest.raises(ValueError, match=r"malformed estimator record|does not match"):
        TinyNetClassifier.load(forged)


def test_pickled_arrays_are_refused_and_nothing_runs(saved, tmp_path):
    path, _, _ = saved
    marker = tmp_path / "pwned"
    buffer = io.BytesIO()
    np.save(buffer, np.array([_TouchOnUnpickle(marker)], dtype=object), allow_pickle=True)
    npz = io.BytesIO()
    with zipfile.ZipFile(npz, "w") as archive:
        archive.writestr("a0.npy", buffer.getvalue())
    _assert_refused_and_nothing_ran(path, {ARRAYS_MEMBER: npz.getvalue()}, "arrays cannot be read", marker)


def dense_network(meta):
    return keras.Sequential([keras.Input((meta["n_features_in_"],)), keras.layers.Dense(1)])


def _lambda_config(marker, tmp_path):
    """config.json of a network whose Lambda layer would create ``marker`` when rebuilt and called."""
    touch = f"lambda x: (__import__('pathlib').Path({str(marker)!r}).touch(), x)[1]"
    model = keras.Sequential([keras.Input((5,)), keras.layers.Lambda(eval(touch)), keras.layers.Dense(1)])
    marker.unlink(missing_ok=True)
    model.save(tmp_path / "lambda.keras")
    return zipfile.ZipFile(tmp_path / "lambda.keras").read("config.json")


def test_a_lambda_layer_in_a_custom_network_is_refused_by_keras_safe_mode(tmp_path):
    X, y = make_sum_threshold(40, random_state=0)
    reg = TinyNetRegressor(model=dense_network, epochs=2, random_state=0).fit(X, y.astype(float))
    reg.save(tmp_path / "reg.keras")
    marker = tmp_path / "pwned"
    forged = _rewrite(
        tmp_path / "reg.keras", tmp_path / "forged.keras", {"config.json": _lambda_config(marker, tmp_path)}
    )
    with pytest.raises(ValueError, match="Keras could not rebuild the network"):
        TinyNetRegressor.load(forged, trusted=[dense_network])
    assert not marker.exists()


def test_the_keras_part_of_a_built_in_network_file_is_not_run(saved, tmp_path):
    """load rebuilds the built-in network from the record; Keras' config.json is for keras.saving only."""
    path, clf, X = saved
    marker = tmp_path / "pwned"
    forged = _rewrite(path, tmp_path / "forged.keras", {"config.json": _lambda_config(marker, tmp_path)})
    loaded = TinyNetClassifier.load(forged)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded.model_.predict(X.to_numpy(), verbose=0).shape == (len(X), 1)
    assert not marker.exists()


def test_members_outside_the_archive_and_truncated_files(saved, tmp_path):
    path, _, _ = saved
    outside = tmp_path / "outside.txt"
    forged = _rewrite(path, tmp_path / "sub_forged.keras", add={"../outside.txt": b"x", "/tmp/abs.txt": b"x"})
    with pytest.raises(ValueError, match=r"'\.\./outside\.txt' points outside the archive"):
        TinyNetClassifier.load(forged)  # refused before anything is read or extracted
    assert not outside.exists()
    data = path.read_bytes()
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"not a readable \.keras file"):
        TinyNetClassifier.load(truncated)
    (tmp_path / "garbage.keras").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match=r"not a readable \.keras file"):
        TinyNetClassifier.load(tmp_path / "garbage.keras")
    forged = _rewrite(path, tmp_path / "json.keras", {STATE_MEMBER: b"{not json"})
    with pytest.raises(ValueError, match="not valid JSON"):
        TinyNetClassifier.load(forged)


def custom_loss(y_true, y_pred):
    return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)


def test_custom_code_and_callbacks_load_from_the_trusted_list(tmp_path):
    X, y = make_sum_threshold(80, random_state=0)
    reg = TinyNetRegressor(
        (4,),
        loss=custom_loss,
        activation=keras.activations.gelu,  # Keras' own: no trust needed
        metrics=[keras.metrics.MeanAbsoluteError()],
        callbacks=[keras.callbacks.EarlyStopping(monitor="loss", patience=2)],
        epochs=3,
        random_state=0,
    ).fit(X, y.astype(float))
    reg.save(tmp_path / "reg.keras")
    with pytest.raises(
        ValueError, match=r"EarlyStopping.*test_safe_state.custom_loss|custom_loss.*EarlyStopping"
    ):
        TinyNetRegressor.load(tmp_path / "reg.keras")
    loaded = TinyNetRegressor.load(
        tmp_path / "reg.keras", trusted=[custom_loss, keras.callbacks.EarlyStopping]
    )
    assert loaded.loss is custom_loss and isinstance(loaded.callbacks[0], keras.callbacks.EarlyStopping)
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))
    loaded.partial_fit(X, y.astype(float))


def test_skops_round_trip_predicts_without_tensorflow(tmp_path):
    skops_io = pytest.importorskip("skops.io")
    clf, X = _fitted(["no", "yes"])
    path = tmp_path / "clf.skops"
    skops_io.dump(clf, path)
    untrusted = skops_io.get_untrusted_types(file=path)
    assert all(name.startswith("sknnlite.") for name in untrusted), untrusted
    np.save(tmp_path / "X.npy", X.to_numpy())
    (tmp_path / "columns.json").write_text(json.dumps(list(X.columns)))
    np.save(tmp_path / "expected.npy", clf.predict_proba(X))
    script = (
        "import json, sys, numpy as np, pandas as pd, skops.io as sio\n"
        "path = 'clf.skops'\n"
        "clf = sio.load(path, trusted=sio.get_untrusted_types(file=path))\n"
        "X = pd.DataFrame(np.load('X.npy'), columns=json.load(open('columns.json')))\n"
        "np.testing.assert_array_equal(clf.predict_proba(X), np.load('expected.npy'))\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'imported a backend'\n"
        "print('ok')\n"
    )
    done = run_python("-c", script, cwd=tmp_path)
    assert done.stdout.strip() == "ok"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert skops_io.load(path, trusted=untrusted).classes_.tolist() == ["no", "yes"]


def test_a_record_nested_without_end_fails_clearly(saved, tmp_path):
    path, _, _ = saved
    deep = b'{"format": "sknnlite-state", "version": 1, "state": ' + b'{"tuple": [' * 100_000
    forged = _rewrite(path, tmp_path / "deep.keras", {STATE_MEMBER: deep})
    with pytest.raises(ValueError, match=r"not valid JSON|nested too deeply"):
        TinyNetClassifier.load(forged)
