"""ONNX export through skl2onnx: onnxruntime predicts what sknnlite predicts."""

import pickle
import warnings

import numpy as np
import pytest
from fresh_process import run_python
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknnlite import TinyNetClassifier, TinyNetRegressor
from sknnlite._names import keras_release_needed
from sknnlite.onnx import SUPPORTED_ACTIVATIONS, register_converters

skl2onnx = pytest.importorskip("skl2onnx")
onnxruntime = pytest.importorskip("onnxruntime")

register_converters()
FAST = dict(hidden_layer_sizes=(6, 5), epochs=4, random_state=0)


def _data(n=120, n_features=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    return X[:80], X[80:]  # training rows, held-out rows


def _fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a few epochs: the network need not converge
        return estimator.fit(X, y)


def _run(model, X, **options):
    onx = skl2onnx.to_onnx(model, X[:1], options=options or None)
    session = onnxruntime.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: X})


@pytest.mark.parametrize("activation", SUPPORTED_ACTIVATIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_supported_hidden_activation_converts_exactly(activation, dtype):
    if keras_release_needed(activation):
        pytest.skip(f"{activation} needs Keras {keras_release_needed(activation)}")
    X_train, X_test = _data()
    y = X_train[:, 0] - 2 * X_train[:, 1]
    reg = _fit(TinyNetRegressor(activation=activation, **FAST), X_train.astype(dtype), y)
    (outputs,) = _run(reg, X_test.astype(dtype))
    assert outputs.dtype == dtype and outputs.shape == (len(X_test), 1)
    # onnxruntime's Erf is float32 only, so a float64 graph's gelu is float32-exact.
    tolerance = 1e-5 if dtype == np.float32 or activation == "gelu" else 1e-10
    np.testing.assert_allclose(
        outputs[:, 0], reg.predict(X_test.astype(dtype)), rtol=tolerance, atol=tolerance
    )


@pytest.mark.parametrize("output_activation", ["softplus", "exponential", "sigmoid", "tanh", "linear"])
def test_regressor_output_activations_and_several_targets(output_activation):
    X_train, X_test = _data()
    Y = np.column_stack([np.abs(X_train[:, 0]), np.abs(X_train[:, 1])]) / 4
    reg = _fit(TinyNetRegressor(output_activation=output_activation, loss="mse", **FAST), X_train, Y)
    (outputs,) = _run(reg, X_test)
    assert outputs.shape == (len(X_test), 2)
    np.testing.assert_allclose(outputs, reg.predict(X_test), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(
    ("labels", "loss"),
    [
        (np.array(["no", "yes"]), "auto"),  # binary: one sigmoid output
        (np.array([3, 7, 11]), "auto"),  # multiclass: softmax over class codes
        (np.array(["a", "b", "c"]), "categorical_crossentropy"),  # one-hot targets
        (np.array([-1, 1]), "hinge"),  # -1/+1 targets and a tanh output, mapped onto [0, 1]
        (np.array([0, 1, 2]), "mse"),  # one-hot regression targets: rows normalised to sum to 1
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_classifier_labels_and_probabilities_match(labels, loss, dtype):
    X_train, X_test = _data()
    codes = (X_train[:, 0] > 0).astype(int) + (X_train[:, 1] > 0.5) * (len(labels) > 2)
    clf = _fit(TinyNetClassifier(loss=loss, **FAST), X_train.astype(dtype), labels[codes])
    predicted, proba = _run(clf, X_test.astype(dtype), zipmap=False)
    assert (predicted == clf.predict(X_test.astype(dtype))).all()
    assert proba.dtype == dtype
    np.testing.assert_allclose(proba, clf.predict_proba(X_test.astype(dtype)), atol=1e-5)


def test_multilabel_targets_give_an_indicator_matrix():
    X_train, X_test = _data()
    Y = np.column_stack([X_train[:, 0] > 0, X_train[:, 1] > 0, X_train[:, 2] > 0]).astype(int)
    clf = _fit(TinyNetClassifier(**FAST), X_train, Y)
    predicted, proba = _run(clf, X_test, zipmap=False)
    assert predicted.shape == (len(X_test), 3)
    assert (predicted == clf.predict(X_test)).all()
    np.testing.assert_allclose(proba, clf.predict_proba(X_test), atol=1e-10)


def test_a_pipeline_with_batch_normalization_converts_with_zipmap_and_nocl():
    X_train, X_test = _data()
    y = np.where(X_train[:, 0] + X_train[:, 1] > 0, "up", "down")
    pipe = _fit(
        make_pipeline(StandardScaler(), TinyNetClassifier(batch_normalization=True, **FAST)), X_train * 10, y
    )
    X_test = X_test * 10
    labels, rows = _run(pipe, X_test)  # zipmap: one {label: probability} dict per row, as skl2onnx gives
    assert (labels == pipe.predict(X_test)).all()
    expected = pipe.predict_proba(X_test)
    assert [sorted(row) for row in rows] == [["down", "up"]] * len(X_test)
    # ONNX's ZipMap takes float32 probabilities: a float64 graph's are rounded to float32 for it.
    np.testing.assert_allclose([[row["down"], row["up"]] for row in rows], expected, atol=1e-6)
    indices, _ = _run(pipe, X_test, zipmap=False, nocl=True)
    assert (pipe[-1].classes_[indices] == labels).all()


def test_what_cannot_be_expressed_is_refused_with_the_supported_list():
    X_train, _ = _data()
    y = X_train[:, 0]
    reg = _fit(TinyNetRegressor(activation=lambda z: z * 2.0, **FAST), X_train, y)
    with pytest.raises(ValueError, match=r"cannot express activation=.*supported: celu, elu, exponential"):
        skl2onnx.to_onnx(reg, X_train[:1])

    def build(meta):
        import keras

        inputs = keras.Input((meta["n_features_in_"],))
        return keras.Model(inputs, keras.layers.Dense(1)(inputs))

    custom = _fit(TinyNetRegressor(model=build, epochs=1), X_train, y)
    with pytest.raises(ValueError, match="custom Keras model"):
        skl2onnx.to_onnx(custom, X_train[:1])


def test_a_pickled_estimator_converts_without_importing_tensorflow(tmp_path):
    X_train, X_test = _data()
    clf = _fit(TinyNetClassifier(**FAST), X_train, X_train[:, 0] > 0)
    path = tmp_path / "clf.pkl"
    path.write_bytes(pickle.dumps(clf))
    script = f"""
import pickle, sys
import numpy as np, onnxruntime
from skl2onnx import to_onnx
from sknnlite.onnx import register_converters
register_converters()
clf = pickle.loads(open({str(path)!r}, "rb").read())
X = np.asarray({X_test.tolist()!r})
onx = to_onnx(clf, X[:1], options={{"zipmap": False}})
session = onnxruntime.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
labels, _ = session.run(None, {{"X": X}})
assert (labels == clf.predict(X)).all()
print("tensorflow" in sys.modules, "keras" in sys.modules)
"""
    done = run_python("-c", script, timeout=300)
    assert done.stdout.split() == ["False", "False"]
