"""``optimizer=``: a Keras optimizer's name, class or instance, read at fit.

Every fit builds its own optimizer (fresh slots and step count) from what
the parameter says, so a user's instance is only read, never trained: its
class and its configuration. Clones and grid-search candidates never share
optimizer state.

One rule where a setting arrives in two places: a value counts as given
when it is a routed ``optimizer__<name>``, an estimator parameter changed
from its default (``learning_rate``), or part of an instance's configuration
(its learning rate, and any other setting that differs from its class's
default: ``SGD()`` and ``SGD(momentum=0.0)`` cannot be told apart). Two
given values that differ are a conflict, an error at fit naming both.
"""

import functools
import inspect
import math

import numpy as np

from ._names import OPTIMIZERS


def optimizer_key(optimizer):
    """What the training loop builds: a Keras optimizer's name, or a custom optimizer's class.

    Raises ``ValueError`` for anything but a name (checked by the parameter
    constraints), a ``keras.optimizers.Optimizer`` subclass or instance.
    """
    if isinstance(optimizer, str):
        return optimizer
    import keras

    cls = optimizer if inspect.isclass(optimizer) else type(optimizer)
    if not issubclass(cls, keras.optimizers.Optimizer):
        raise ValueError(
            f"optimizer={optimizer!r:.80} is not a Keras optimizer: give a name among "
            f"{sorted(OPTIMIZERS | {'lbfgs'})}, a keras.optimizers.Optimizer subclass "
            "(optimizer=keras.optimizers.SGD) or an instance (keras.optimizers.SGD(momentum=0.9))."
        )
    return _builtin_names().get(cls, cls)


@functools.cache
def _builtin_names():
    """``{class: name}`` of Keras' optimizers known by name (one optimizer built per name, once)."""
    import keras

    return {type(keras.optimizers.get(name)): name for name in sorted(OPTIMIZERS)}


def instance_configuration(optimizer, defaults):
    """An instance's learning rate and the settings it changed from ``defaults``: ``(rate, settings)``.

    ``(None, {})`` for a name or class, which carry no configuration. The
    rate comes back as the user wrote it: Keras holds it in a float32
    variable, so ``Adam(learning_rate=0.01)`` reports 0.009999999776...
    """
    if isinstance(optimizer, str) or inspect.isclass(optimizer):
        return None, {}
    config = dict(optimizer.get_config())
    config.pop("name", None)
    rate = config.pop("learning_rate", None)
    if isinstance(rate, dict):  # a serialized keras.optimizers.schedules.LearningRateSchedule
        raise ValueError(
            f"{type(optimizer).__name__} was given a learning-rate schedule "
            f"({rate.get('class_name')}); sknnlite takes schedules through learning_rate_decay "
            "(inverse-time decay per step) and learning_rate_schedule (MLP's 'invscaling', 'adaptive'). "
            "Give the optimizer a number as its learning_rate."
        )
    settings = {name: value for name, value in config.items() if not _same(value, defaults.get(name, value))}
    return _as_written(rate), settings


def _same(value, default):
    if isinstance(value, float) and isinstance(default, float):
        return value == default or (math.isnan(value) and math.isnan(default))
    return type(value) is type(default) and value == default


def _as_written(rate):
    """The shortest decimal that is ``rate`` in float32 (what the user wrote), as a Python float."""
    if rate is None:
        return None
    return float(str(np.float32(rate)))


def merge_settings(instance_settings, routed, optimizer):
    """The instance's changed settings with the routed ``optimizer__*`` ones; differing values conflict."""
    for name in sorted(set(instance_settings) & set(routed)):
        if routed[name] != instance_settings[name]:
            raise ValueError(
                f"optimizer__{name}={routed[name]!r} and the optimizer instance's {name}="
                f"{instance_settings[name]!r} both set {name}; keep one: drop optimizer__{name}, or create "
                f"the optimizer with {name}={routed[name]!r} (or pass its class, "
                f"optimizer={_class_path(optimizer)}, with optimizer__ parameters)."
            )
    return {**instance_settings, **routed}


def pick_learning_rate(estimator_rate, estimator_default, routed_rate, instance_rate, optimizer):
    """The learning rate under the rule above, from the three places it may be given."""
    given = {}
    if estimator_rate != estimator_default:
        given[f"learning_rate={estimator_rate!r}"] = estimator_rate
    if routed_rate is not None:
        given[f"optimizer__learning_rate={routed_rate!r}"] = routed_rate
    if instance_rate is not None:
        given[f"the optimizer instance's learning_rate={instance_rate!r}"] = instance_rate
    if len(set(given.values())) > 1:
        where = f"{' and '.join(given)} {'both' if len(given) == 2 else 'all'} set the learning rate"
        if instance_rate is None:
            raise ValueError(
                f"{where}; keep one (optimizer__learning_rate is SciKeras' spelling of learning_rate)."
            )
        raise ValueError(
            f"{where}; keep one: an instance's learning rate is part of its configuration (to tune "
            f"learning_rate=, pass the class, optimizer={_class_path(optimizer)})."
        )
    return next(iter(given.values())) if given else estimator_rate


def _class_path(optimizer):
    """How the user would write an instance's class."""
    cls = type(optimizer)
    if cls in _builtin_names():
        return f"keras.optimizers.{cls.__name__}"
    return f"{cls.__module__}.{cls.__qualname__}"
