"""Models with several inputs or outputs, and the target_encoder / feature_encoder hooks (SciKeras')."""

import pickle

import keras
import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import FunctionTransformer

from sknnlite import TinyNetClassifier, TinyNetRegressor
from sknnlite._encoders import MultiOutputLabelEncoder

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _two_label_data(n=200):
    """Two label columns learnable from X: a binary one (strings) and a three-class one."""
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(n, 3))
    binary = np.where(X[:, 0] > 0.5, "yes", "no")
    three = np.digitize(X[:, 1], [1 / 3, 2 / 3])
    return X, np.column_stack([binary, three.astype(str)])


def _two_head_classifier(meta, sigmoid_first=True, categorical_second=False, compiled=True):
    inputs = keras.Input((meta["n_features_in_"],))
    hidden = keras.layers.Dense(16, activation="relu")(inputs)
    first = keras.layers.Dense(1, activation="sigmoid")(hidden) if sigmoid_first else None
    if first is None:
        first = keras.layers.Dense(meta["n_classes_"][0], activation="softmax")(hidden)
    second = keras.layers.Dense(meta["n_classes_"][1], activation="softmax")(hidden)
    model = keras.Model(inputs, [first, second])
    if compiled:
        losses = [
            "binary_crossentropy" if sigmoid_first else "sparse_categorical_crossentropy",
            "categorical_crossentropy" if categorical_second else "sparse_categorical_crossentropy",
        ]
        model.compile(optimizer=keras.optimizers.Adam(0.02), loss=losses)
    return model


@pytest.mark.parametrize(
    "options",
    [{}, {"sigmoid_first": False, "categorical_second": True}, {"compiled": False}],
    ids=["sigmoid-and-sparse", "softmax-and-one-hot", "uncompiled"],
)
def test_a_multiclass_multioutput_y_trains_one_output_per_column(options):
    X, y = _two_label_data()
    clf = TinyNetClassifier(model=_two_head_classifier, epochs=60, random_state=0, learning_rate=0.02)
    clf.set_params(**{f"model__{name}": value for name, value in options.items()}).fit(X, y)
    assert isinstance(clf.target_encoder_, MultiOutputLabelEncoder)
    assert [c.tolist() for c in clf.classes_] == [["no", "yes"], ["0", "1", "2"]]
    assert clf.n_classes_ == [2, 3] and clf.n_outputs_ == 2
    predicted = clf.predict(X)
    assert predicted.shape == (200, 2) and set(predicted[:, 0]) <= {"no", "yes"}
    proba = clf.predict_proba(X[:5])  # a list, one array per output (MultiOutputClassifier's convention)
    assert [p.shape for p in proba] == [(5, 2), (5, 3)]
    np.testing.assert_allclose([p.sum(axis=1) for p in proba], 1.0, rtol=1e-5)
    assert clf.score(X, y) == pytest.approx(np.mean(np.all(predicted == y, axis=1)))
    assert clf.score(X, y) > 0.85


def test_the_issue_example_a_build_function_with_two_softmax_heads():
    rng = np.random.default_rng(0)

    def build(meta):
        i = keras.Input((3,))
        heads = [
            keras.layers.Dense(2, activation="softmax")(i),
            keras.layers.Dense(3, activation="softmax")(i),
        ]
        m = keras.Model(i, heads)
        m.compile(loss="sparse_categorical_crossentropy")
        return m

    y = np.column_stack([rng.integers(0, 2, 40), rng.integers(0, 3, 40)])
    clf = TinyNetClassifier(model=build, epochs=1).fit(rng.random((40, 3)), y)
    assert [c.tolist() for c in clf.classes_] == [[0, 1], [0, 1, 2]]
    assert clf.predict(rng.random((4, 3))).shape == (4, 2)


def test_several_outputs_refuse_what_they_cannot_mean():
    X, y = _two_label_data(40)
    with pytest.raises(ValueError, match="needs model= a Keras model with one output per column"):
        TinyNetClassifier(epochs=1).fit(X, y)

    def narrow():
        inputs = keras.Input((3,))
        return keras.Model(inputs, [keras.layers.Dense(1)(inputs), keras.layers.Dense(2)(inputs)])

    with pytest.raises(ValueError, match="a classifier trains several outputs on a multiclass-multioutput y"):
        TinyNetClassifier(model=narrow, epochs=1).fit(X, y[:, 0])

    with pytest.raises(ValueError, match=r"Output 1 of the model has 2 unit\(s\) for y's column 1 with 3"):
        TinyNetClassifier(model=narrow, epochs=1).fit(X, y)
    clf = TinyNetClassifier(model=_two_head_classifier, epochs=1, class_weight="balanced")
    with pytest.raises(ValueError, match="class_weight is not supported"):
        clf.fit(X, y)


def _two_output_regressor():
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(16, activation="tanh")(inputs)
    return keras.Model(inputs, [keras.layers.Dense(1)(hidden), keras.layers.Dense(2)(hidden)])


def test_a_regressor_with_several_outputs_takes_ys_columns_in_output_order():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(150, 3))
    Y = X @ rng.uniform(size=(3, 3))
    reg = TinyNetRegressor(model=_two_output_regressor, epochs=150, learning_rate=0.01, random_state=0).fit(
        X, Y
    )
    assert reg.score(X, Y) > 0.95
    direct = [keras.ops.convert_to_numpy(out) for out in reg.model_(X.astype("float32"))]
    np.testing.assert_allclose(reg.predict(X), np.column_stack(direct), rtol=1e-5)
    reg.partial_fit(X, Y)  # continues in the same layout
    with pytest.raises(ValueError, match=r"have 3 values per sample .*y has 2 target column"):
        TinyNetRegressor(model=_two_output_regressor, epochs=1).fit(X, Y[:, :2])


class _TwoInputRegressor(TinyNetRegressor):
    @property
    def feature_encoder(self):
        return FunctionTransformer(func=_split_columns)


def _split_columns(X):
    return [X[:, 0], X[:, 1]]


def _two_input_model():
    first, second = keras.Input((1,)), keras.Input((1,))
    joined = keras.layers.Concatenate()(
        [keras.layers.Dense(16, activation="relu")(first), keras.layers.Dense(8, activation="relu")(second)]
    )
    model = keras.Model([first, second], keras.layers.Dense(1)(joined))
    model.compile(loss="mse", optimizer=keras.optimizers.Adam(0.01))
    return model


def test_a_feature_encoder_feeds_a_model_with_several_inputs(tmp_path):
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(200, 2))
    y = X.sum(axis=1)
    reg = _TwoInputRegressor(model=_two_input_model, epochs=100, random_state=0).fit(X, y)
    assert isinstance(reg.feature_encoder_, FunctionTransformer) and reg.n_features_in_ == 2
    assert reg.score(X, y) > 0.95
    again = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(again.predict(X), reg.predict(X))
    with pytest.raises(ValueError, match=r"save\(\) cannot yet store .* pickle it"):
        reg.save(tmp_path / "reg.keras")
    with pytest.raises(ValueError, match=r"The model has 2 input.*feature_encoder property"):
        TinyNetRegressor(model=_two_input_model, epochs=1).fit(X, y)


class _Halves(BaseEstimator, TransformerMixin):
    """A SciKeras-style target encoder: y's two columns to two outputs, metadata for the build function."""

    def fit(self, y):
        self.n_outputs_expected_ = 2
        return self

    def transform(self, y):
        return [y[:, 0], y[:, 1]]

    def inverse_transform(self, outputs):
        return np.column_stack([out.ravel() for out in outputs]) * 1.0

    def get_metadata(self):
        return {"n_outputs_expected_": self.n_outputs_expected_, "my_param_": "foobarbaz"}


class _HalvesRegressor(TinyNetRegressor):
    @property
    def target_encoder(self):
        return _Halves()

    @staticmethod
    def scorer(y_true, y_pred, **kwargs):
        return -float(np.abs(y_true - y_pred).max())


def test_a_target_encoder_its_metadata_and_scikeras_scorer_hook():
    seen = {}

    def build(meta):
        seen.update(meta)
        inputs = keras.Input((meta["n_features_in_"],))
        return keras.Model(inputs, [keras.layers.Dense(1)(inputs), keras.layers.Dense(1)(inputs)])

    rng = np.random.RandomState(0)
    X = rng.uniform(size=(60, 2))
    Y = np.column_stack([X.sum(axis=1), X[:, 0] - X[:, 1]])
    reg = _HalvesRegressor(model=build, epochs=2, random_state=0).fit(X, Y)
    assert seen["my_param_"] == "foobarbaz" and reg.my_param_ == "foobarbaz"
    assert seen["n_outputs_expected_"] == 2
    assert isinstance(reg.target_encoder_, _Halves)
    assert reg.predict(X).shape == (60, 2)
    assert reg.score(X, Y) == pytest.approx(-np.abs(Y - reg.predict(X)).max())


def test_a_target_encoder_needs_a_model():
    class Encoded(TinyNetRegressor):
        @property
        def target_encoder(self):
            return FunctionTransformer()

    with pytest.raises(ValueError, match="needs model= a Keras model"):
        Encoded(epochs=1).fit([[0.0], [1.0]], [0.0, 1.0])


def test_early_stopping_scores_several_outputs_through_the_encoder():
    X, y = _two_label_data()
    clf = TinyNetClassifier(
        model=_two_head_classifier, epochs=30, early_stopping=True, learning_rate=0.02, random_state=0
    ).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_
    assert all(0.0 <= score <= 1.0 for score in clf.validation_scores_)
