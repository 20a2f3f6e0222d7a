"""Hostile and odd input: each case fails with a message saying what was wrong, or works."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from sknnlite import TinyNetClassifier, TinyNetRegressor
from sknnlite.datasets import make_sum_threshold

FAST = dict(hidden_layer_sizes=(8,), epochs=5, learning_rate=0.01, random_state=0)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data(n=60):
    return make_sum_threshold(n, random_state=0)


@pytest.fixture(params=[TinyNetClassifier, TinyNetRegressor], ids=["classifier", "regressor"])
def Estimator(request):
    return request.param


# -- parameters -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"activation": "relux"}, r"'activation' parameter .* must be a str among .*'relu'"),
        ({"output_activation": "nope"}, r"'output_activation' parameter"),
        ({"optimizer": "adamm"}, r"'optimizer' parameter .* must be a str among .*'adam'"),
        ({"loss": "hinj"}, r"'loss' parameter .* must be a str among"),
        ({"batch_size": -1}, r"'batch_size' parameter .* must be an int in the range \[1, inf\)"),
        ({"epochs": 0}, r"'epochs' parameter .* must be an int in the range \[1, inf\)"),
        ({"learning_rate": -0.1}, r"'learning_rate' parameter"),
        ({"dropout": 1.0}, r"'dropout' parameter .* must be a float in the range \[0.0, 1.0\)"),
        ({"validation_fraction": 0.0}, r"'validation_fraction' parameter .* range \(0.0, 1.0\)"),
        ({"hidden_layer_sizes": (10, 0)}, r"hidden_layer_sizes must be a sequence of positive integers"),
        ({"hidden_layer_sizes": (10, "a")}, r"hidden_layer_sizes must be a sequence of positive integers"),
    ],
)
def test_bad_parameters_raise_at_fit_naming_what_is_allowed(Estimator, params, message):
    est = Estimator(**params)  # nothing is checked in __init__
    X, y = _data(20)
    with pytest.raises(ValueError, match=message):
        est.fit(X, y)


def test_a_loss_that_does_not_fit_the_task_is_rejected_with_a_reason():
    with pytest.raises(ValueError, match="loss='mape' cannot train a classifier: it divides by the target"):
        TinyNetClassifier(loss="mape").fit([[0.0], [1.0]], [0, 1])
    with pytest.raises(ValueError, match="'loss' parameter of TinyNetRegressor must be a str among"):
        TinyNetRegressor(loss="sparse_categorical_crossentropy").fit([[0.0], [1.0]], [0.0, 1.0])


def test_a_huge_batch_size_is_one_full_batch(Estimator):
    X, y = _data()
    huge = Estimator(**dict(FAST, batch_size=10**9)).fit(X, y)
    full = Estimator(**dict(FAST, batch_size=len(X))).fit(X, y)
    np.testing.assert_array_equal(huge.coefs_[0], full.coefs_[0])


# -- X ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("X", "y", "error", "message"),
    [
        ([[np.nan, 1.0], [1.0, 2.0]], [0, 1], ValueError, "Input X contains NaN"),
        ([[np.inf, 1.0], [1.0, 2.0]], [0, 1], ValueError, "Input X contains infinity"),
        (np.empty((0, 2)), [], ValueError, r"Found array with 0 sample\(s\)"),
        (np.empty((3, 0)), [0, 1, 0], ValueError, r"Found array with 0 feature\(s\)"),
        ([["a", "b"], ["c", "d"]], [0, 1], ValueError, "could not convert string to float"),
        (sp.csr_matrix([[np.nan, 1.0], [0.0, 1.0]]), [0, 1], ValueError, "Input X contains NaN"),
        ([[1.0], [2.0], [3.0]], [0, 1], ValueError, "inconsistent numbers of samples: \\[3, 2\\]"),
        ([1.0, 2.0, 3.0], [0, 1, 0], ValueError, "Expected 2D array, got 1D array instead"),
    ],
)
def test_bad_X_raises_a_clear_error(Estimator, X, y, error, message):
    with pytest.raises(error, match=message):
        Estimator(**FAST).fit(X, y)


def test_wrong_feature_count_at_predict(Estimator):
    X, y = _data()
    est = Estimator(**FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"X has 3 features, but .* is expecting 5 features"):
        est.predict(X[:, :3])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int64, np.int8])
def test_numeric_dtypes_train_in_float32_or_float64(Estimator, dtype):
    X, y = _data()
    est = Estimator(**FAST).fit((X * 10).astype(dtype), y)
    expected = "float32" if dtype == np.float32 else "float64"
    assert est._objective.dtype == expected
    assert est.predict((X * 10).astype(dtype)).shape == (60,)


def test_list_of_lists_is_accepted(Estimator):
    X, y = _data()
    est = Estimator(**FAST).fit(X.tolist(), y.tolist())
    np.testing.assert_array_equal(est.predict(X.tolist()), est.predict(X))


def test_one_feature_and_one_sample():
    X, y = _data()
    assert TinyNetClassifier(**FAST).fit(X[:, :1], y).predict(X[:, :1]).shape == (60,)
    one = TinyNetRegressor(**FAST).fit(X[:1], [2.5])
    assert one.predict(X).shape == (60,) and one.t_ == 5
    np.testing.assert_array_equal(TinyNetClassifier(**FAST).fit(X[:1], [1]).predict(X), np.ones(60))


def test_pandas_input_keeps_and_checks_feature_names(Estimator):
    X, y = _data()
    frame = pd.DataFrame(X, columns=list("abcde"))
    est = Estimator(**FAST).fit(frame, pd.Series(y))
    np.testing.assert_array_equal(est.feature_names_in_, list("abcde"))
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        np.testing.assert_array_equal(est.predict(frame), est.predict(X))
    with pytest.raises(ValueError, match="The feature names should match those that were passed during fit"):
        est.predict(frame[list("edcba")])


def test_pandas_nullable_dtypes(Estimator):
    X, y = _data()
    frame = pd.DataFrame((X * 100).round(), columns=list("abcde")).astype("Int64")
    frame["e"] = frame["e"].astype("Float64")
    est = Estimator(**FAST).fit(frame, pd.Series(y, dtype="Int64"))
    assert est.predict(frame).shape == (60,)
    frame.loc[3, "a"] = pd.NA
    with pytest.raises(ValueError, match="Input X contains NaN"):
        Estimator(**FAST).fit(frame, y)


# -- y and sample_weight -------------------------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_y_is_rejected(bad):
    X, y = _data()
    with pytest.raises(ValueError, match=r"Input y contains (NaN|infinity)"):
        TinyNetRegressor(**FAST).fit(X, np.where(np.arange(60) == 7, bad, y))
    with pytest.raises(ValueError, match=r"Input y contains (NaN|infinity)"):
        TinyNetClassifier(**FAST).fit(X, np.where(np.arange(60) == 7, bad, y))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_sample_weight_is_rejected(Estimator, bad):
    X, y = _data()
    with pytest.raises(ValueError, match=r"Input sample_weight contains (NaN|infinity)"):
        Estimator(**FAST).fit(X, y, sample_weight=np.where(np.arange(60) == 7, bad, 1.0))


def test_y_of_the_wrong_length(Estimator):
    X, y = _data()
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples: \[60, 59\]"):
        Estimator(**FAST).fit(X, y[:-1])


def test_a_constant_target():
    X, _ = _data()
    reg = TinyNetRegressor(**FAST).fit(X, np.full(60, 3.0))
    assert np.all(np.isfinite(reg.predict(X)))
    assert set(TinyNetClassifier(**FAST).fit(X, ["same"] * 60).predict(X)) == {"same"}


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["cat", "dog", "emu"]),
        np.array([True, False, True]),
        np.array(["x", "y", "z"], dtype=object),
        np.array([0.5, 1.5, 2.5]).astype(int),
    ],
    ids=["str", "bool", "object", "int"],
)
def test_label_types_come_back_as_given(labels):
    X, _ = _data()
    y = labels[np.arange(60) % len(labels)]
    clf = TinyNetClassifier(**FAST).fit(X, y)
    assert set(clf.predict(X)) <= set(labels.tolist())
    assert clf.predict(X).dtype == clf.classes_.dtype


def test_mixed_label_types_are_rejected():
    X, _ = _data()
    y = np.array(["a", 1, "b", 2] * 15, dtype=object)
    with pytest.raises(ValueError, match=r"Mix of label input types \(string and number\)"):
        TinyNetClassifier(**FAST).fit(X, y)


def test_continuous_labels_are_rejected_by_the_classifier():
    X, y = _data()
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        TinyNetClassifier(**FAST).fit(X, y + 0.5)


def test_a_thousand_classes():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(3000, 4))
    y = np.arange(3000) % 1000
    clf = TinyNetClassifier((8,), epochs=2, random_state=0).fit(X, y)
    proba = clf.predict_proba(X[:5])
    assert proba.shape == (5, 1000) and clf.model_.layers[-1].units == 1000
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
