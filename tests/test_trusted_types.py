"""sknnlite.trusted_types(): the one list a skops (or MLflow) user passes to load an estimator."""

import importlib
import inspect
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import sknnlite
from sknnlite import TinyNetClassifier, TinyNetRegressor

skops_io = pytest.importorskip("skops.io")
from skops.io.exceptions import UntrustedTypesFoundException  # noqa: E402

FAST = dict(hidden_layer_sizes=(5,), epochs=3, random_state=0)


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    return X, X @ [1.0, -2.0, 0.5, 3.0]


def _fitted(case):
    """``(estimator, X)`` for one kind of estimator a user saves (fitted in the test, not at collection)."""
    X, target = _data()
    labels = np.where(target > 0, "yes", "no")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a few epochs: the networks need not converge
        if case == "binary, string labels":
            return TinyNetClassifier(**FAST).fit(X, labels), X
        if case == "multiclass, early stopping":
            return TinyNetClassifier(**FAST, early_stopping=True).fit(X, np.digitize(target, [-1, 1])), X
        if case == "multilabel":
            return TinyNetClassifier(**FAST).fit(X, (X[:, :2] > 0).astype(int)), X
        if case == "regressor, two outputs, L-BFGS":
            return TinyNetRegressor(**FAST, optimizer="lbfgs").fit(X, np.c_[target, -target]), X
        if case == "partial_fit, SGD":
            return TinyNetClassifier(**FAST, optimizer="sgd").partial_fit(X, labels, classes=["no", "yes"]), X
        return TinyNetRegressor(hidden_layer_sizes=(7, 3)), None  # unfitted


CASES = [
    "binary, string labels",
    "multiclass, early stopping",
    "multilabel",
    "regressor, two outputs, L-BFGS",
    "partial_fit, SGD",
    "unfitted",
]


@pytest.mark.parametrize("case", CASES)
def test_a_skops_file_loads_with_the_list_alone_and_predicts_the_same(case):
    estimator, X = _fitted(case)
    data = skops_io.dumps(estimator)
    untrusted = skops_io.get_untrusted_types(data=data)
    assert untrusted, "skops trusts no sknnlite type by itself, so the list is needed"
    assert set(untrusted) <= set(sknnlite.trusted_types()), case
    loaded = skops_io.loads(data, trusted=sknnlite.trusted_types())
    assert loaded.get_params() == estimator.get_params()
    if X is not None:
        np.testing.assert_array_equal(loaded.predict(X), estimator.predict(X))


def test_every_name_is_an_sknnlite_class_that_imports_under_that_name():
    names = sknnlite.trusted_types()
    assert names == sorted(set(names))
    for name in names:
        module_name, _, class_name = name.rpartition(".")
        assert module_name.split(".")[0] == "sknnlite"
        assert inspect.isclass(getattr(importlib.import_module(module_name), class_name)), name


def test_the_list_does_not_trust_other_libraries_types():
    """A Keras callback in a parameter is the user's to vet: it is listed by skops, not trusted by us."""
    keras = pytest.importorskip("keras")
    X, target = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg = TinyNetRegressor(**FAST, callbacks=[keras.callbacks.TerminateOnNaN()]).fit(X, target)
    data = skops_io.dumps(reg)
    beyond = set(skops_io.get_untrusted_types(data=data)) - set(sknnlite.trusted_types())
    assert len(beyond) == 1 and next(iter(beyond)).startswith("keras."), beyond
    assert next(iter(beyond)).endswith(".TerminateOnNaN")
    with pytest.raises(UntrustedTypesFoundException, match="TerminateOnNaN"):
        skops_io.loads(data, trusted=sknnlite.trusted_types())
