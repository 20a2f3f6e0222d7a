import keras
import pytest

from sknnlite._names import (
    ACTIVATIONS,
    CLASSIFICATION_LOSSES,
    LOSS_ALIASES,
    OPTIMIZERS,
    REGRESSION_LOSSES,
    canonical_loss_name,
)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_activation_name_resolves_in_keras(name):
    assert callable(keras.activations.get(name))


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
