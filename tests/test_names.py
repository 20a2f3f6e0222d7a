import keras
import numpy as np
import pytest

from sknnlite import TinyNetRegressor
from sknnlite._names import (
    ACTIVATIONS,
    CLASSIFICATION_LOSSES,
    LOSS_ALIASES,
    OPTIMIZERS,
    REGRESSION_LOSSES,
    canonical_loss_name,
    keras_release_needed,
)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_activation_name_resolves_in_keras(name):
    if keras_release_needed(name) is not None:
        pytest.skip(f"Keras {keras.__version__} predates {name}")
    assert callable(keras.activations.get(name))


@pytest.mark.parametrize("parameter", ["activation", "output_activation"])
def test_an_activation_newer_than_the_installed_keras_fails_at_fit_saying_which_keras(parameter, monkeypatch):
    monkeypatch.setattr(keras, "__version__", "3.7.0")
    est = TinyNetRegressor((3,), epochs=1, **{parameter: "sparse_plus"})
    X = np.random.RandomState(0).uniform(size=(20, 2))
    with pytest.raises(ValueError, match=rf"{parameter}='sparse_plus' needs Keras >= 3.8; Keras 3.7.0 is"):
        est.fit(X, X.sum(axis=1))


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_name_resolves_in_keras(name):
    assert isinstance(keras.optimizers.get(name), keras.optimizers.Optimizer)


@pytest.mark.parametrize("name", sorted((CLASSIFICATION_LOSSES | REGRESSION_LOSSES) - {"auto"}))
def test_every_loss_name_resolves_in_keras(name):
    assert callable(keras.losses.get(name))


@pytest.mark.parametrize(("alias", "name"), sorted(LOSS_ALIASES.items()))
def test_loss_aliases_name_the_same_keras_function(alias, name):
    assert keras.losses.get(alias) is keras.losses.get(name)
    assert canonical_loss_name(alias) == name


def test_canonical_loss_name_of_callables():
    assert canonical_loss_name(keras.losses.hinge) == "hinge"
    assert canonical_loss_name(keras.losses.Hinge()) == "hinge"
    assert canonical_loss_name(lambda y_true, y_pred: y_pred) is None
