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
import json
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

    names = {}
    for name in sorted(OPTIMIZERS):
        cls = type(keras.optimizers.get(name))
        names[cls] = name
        # On PyTorch Keras builds its backend's subclass (torch_sgd.SGD) of the class users name.
        public = getattr(keras.optimizers, cls.__name__, None)
        if inspect.isclass(public) and issubclass(cls, public):
            names.setdefault(public, name)
    return names


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
    settings = {name: value for name, value in config.items() if not _same(value, defaults.get(name, value))}
    if isinstance(rate, dict):  # a serialized keras.optimizers.schedules.LearningRateSchedule
        return rate, settings
    return _as_written(rate), settings


def schedule_config(value):
    """A learning rate as the rule compares it: a number, or a schedule's serialized config.

    ``value``: a number, a ``keras.optimizers.schedules.LearningRateSchedule``
    or its config (``{"class_name": "ExponentialDecay", "config": {...}}``).
    """
    if not isinstance(value, (dict, str)) and not callable(value):
        return value
    import keras

    schedules = keras.optimizers.schedules
    try:
        schedule = schedules.deserialize(value) if isinstance(value, dict) else value
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"learning_rate={value!r:.120} is not a learning-rate schedule config: {error}"
        ) from None
    if not isinstance(schedule, schedules.LearningRateSchedule):
        raise ValueError(
            f"learning_rate={value!r:.80} is neither a number nor a keras.optimizers.schedules."
            "LearningRateSchedule (such as ExponentialDecay(0.01, decay_steps=100, decay_rate=0.5)) "
            "or its config."
        )
    return schedules.serialize(schedule)


def build_schedule(config):
    """A new schedule from its serialized config."""
    import keras

    return keras.optimizers.schedules.deserialize(config)


def schedule_key(config):
    """A schedule's config as a hashable key (the compiled loops are cached per schedule), or None."""
    return None if config is None else json.dumps(config, sort_keys=True)


def schedule_from_key(key):
    """The schedule config :func:`schedule_key` made (None stays None)."""
    return None if key is None else json.loads(key)


def rate_or_schedule(rate):
    """What a Keras optimizer takes as its learning rate: the number, or a new schedule from its config."""
    return build_schedule(rate) if isinstance(rate, dict) else rate


def rate_at(rate, step):
    """The learning rate at optimizer step ``step``: ``rate`` itself, or its schedule read there."""
    if not isinstance(rate, dict):
        return float(rate)
    import keras

    return float(keras.ops.convert_to_numpy(build_schedule(rate)(step)))


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
    """The learning rate under the rule above, from the three places it may be given.

    Returns a number or a schedule's serialized config (see :func:`schedule_config`).
    """
    given = {}
    if not (isinstance(estimator_rate, float | int) and estimator_rate == estimator_default):
        given[f"learning_rate={_short(estimator_rate)}"] = schedule_config(estimator_rate)
    if routed_rate is not None:
        given[f"optimizer__learning_rate={_short(routed_rate)}"] = schedule_config(routed_rate)
    if instance_rate is not None:
        given[f"the optimizer instance's learning_rate={_short(instance_rate)}"] = instance_rate
    if len({repr(value) for value in given.values()}) > 1:
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


def _short(rate):
    """A rate for a message: a number, or a schedule by its class name."""
    if isinstance(rate, dict):
        return f"{rate.get('class_name')}(...)"
    return repr(rate) if not callable(rate) else f"{type(rate).__name__}(...)"


def _class_path(optimizer):
    """How the user would write an instance's class."""
    cls = type(optimizer)
    if cls in _builtin_names():
        return f"keras.optimizers.{cls.__name__}"
    return f"{cls.__module__}.{cls.__qualname__}"
