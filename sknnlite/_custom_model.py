"""Networks from a model build function (SciKeras' ``model=``), and what sknnlite requires of them.

The build function is called as SciKeras calls it (``meta``,
``compile_kwargs``, ``model__*`` arguments; ``_routing.build_model``), its
fitted attributes are set as SciKeras sets them, and the user's explicit
settings prevail over a compiled model's. Several inputs or outputs are
``_encoders.py``'s.
"""

import inspect

from . import _optimizers, _parameters, _routing
from ._names import LOSS_ALIASES
from ._training.keras_objects import make_optimizer, single_loss
from ._training.records import SEED_BOUND

# SciKeras' fitted attributes beyond sknnlite's own, set while a build function is used (its ``meta``).
BUILD_FN_ATTRIBUTES = (
    "X_dtype_",
    "X_shape_",
    "n_outputs_expected_",
    "n_classes_",
    "target_type_",
    "y_dtype_",
    "y_ndim_",
)


def build(estimator, X, y, rng, copy_instance=True):
    """The build function's model for X and y, called as SciKeras calls it (and its fitted attributes set).

    A ``keras.Model`` given as ``model=`` is copied, so fit never trains the user's object, unless
    ``copy_instance`` is False (``initialize``, which uses the model as it is).
    """
    n_outputs, loss, _, _ = estimator._target_layout()
    X_shape, X_dtype = estimator.__dict__.pop("_unencoded_X", (X.shape, X.dtype))  # before a feature_encoder
    meta = {
        "n_features_in_": estimator.n_features_in_,
        "X_dtype_": X_dtype,
        "X_shape_": X_shape,
        "n_outputs_expected_": n_outputs,
        **estimator._target_meta(y),
        **estimator.__dict__.get("_encoder_metadata", {}),
    }
    if hasattr(estimator, "feature_names_in_"):
        meta["feature_names_in_"] = estimator.feature_names_in_
    compile_kwargs = {
        "optimizer": make_optimizer(
            _optimizers.optimizer_key(estimator.optimizer),
            _optimizers.rate_or_schedule(_parameters.learning_rate_setting(estimator)),
            _parameters.optimizer_params(estimator),
        ),
        "loss": loss,
        "metrics": _parameters.as_list(estimator.metrics),
    }
    provided = {
        "n_features_in": estimator.n_features_in_,
        "n_outputs": n_outputs,
        "meta": meta,
        "compile_kwargs": compile_kwargs,
    }
    for name, value in meta.items():  # SciKeras' fitted attributes, read by _keras_build_fn methods
        setattr(estimator, name, value)
    return _routing.build_model(
        estimator._build_fn(),
        _routing.routed(estimator._routed_params(), "model"),
        provided,
        estimator.get_params(deep=False),
        int(rng.randint(0, SEED_BOUND)),
        bare_params=[
            name
            for name in estimator._extra_params()
            if not _routing.is_routed(name) and name not in estimator._library_param_names()
        ],
        copy_instance=copy_instance,
    )


def use_given_settings(estimator, model, several_outputs=False):
    """Recompile a compiled model with the optimizer settings the user gave; refuse a conflicting loss.

    A compiled model keeps its own optimizer and loss while the estimator's
    settings are left at their defaults. ``optimizer``, ``learning_rate`` or
    ``optimizer__*`` changed from its default wins: the model is recompiled
    with it (with ``optimizer`` left alone, a given rate or ``optimizer__*``
    applies to the compiled optimizer's class and configuration: an SGD with
    momentum stays one, at the new rate). A ``loss`` other than the compiled
    one is an error, as in SciKeras.
    """
    if getattr(model, "optimizer", None) is None:
        return
    _check_given_loss(estimator, single_loss(model.loss), several_outputs)
    _check_sknnlite_schedules(estimator)
    optimizer = _given_optimizer(estimator, model.optimizer)
    if optimizer is None:
        return
    compile_config = getattr(getattr(model, "_compile_config", None), "config", None) or {}
    model.compile(**{**compile_config, "optimizer": optimizer})


def _given_optimizer(estimator, compiled):
    """The optimizer the user's settings ask for, if they differ from the compiled one (else None)."""
    optimizer_given = estimator.optimizer != estimator._library_default("optimizer")
    rate_given = _parameters.learning_rate_given(estimator)
    params = _parameters.optimizer_params(estimator)
    if not (optimizer_given or rate_given or params):
        return None
    rate = _optimizers.rate_or_schedule(_parameters.learning_rate_setting(estimator))
    key = _optimizers.optimizer_key(estimator.optimizer)
    if optimizer_given or _optimizers.optimizer_key(compiled) == key:
        wanted = make_optimizer(key, rate, params)
    else:
        config = {**compiled.get_config(), **params, **({"learning_rate": rate} if rate_given else {})}
        try:
            wanted = type(compiled).from_config(config)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"The model is compiled with {type(compiled).__name__}, whose configuration does not take "
                f"{sorted(params)} ({error}); name the optimizer these settings are for (optimizer=...)."
            ) from None
    if _without_name(wanted.get_config()) == _without_name(compiled.get_config()):
        return None
    return wanted


def _check_given_loss(estimator, compiled, several_outputs):
    """A ``loss`` set to another value than the compiled model's is refused, as SciKeras refuses it.

    The compiled loss decides what the outputs mean (the classifier encodes
    targets for it), so the two cannot be reconciled by recompiling.
    """
    default, wanted = _own_default(estimator, "loss"), _loss_name(estimator.loss)
    if estimator.loss is default or (wanted is not None and wanted == _loss_name(default)):
        return
    if not several_outputs and (
        estimator.loss is compiled or (wanted is not None and wanted == _loss_name(compiled))
    ):
        return
    raise ValueError(
        f"loss={estimator.loss!r} but model compiled with {compiled!r}: the build function's compiled loss "
        "decides what the outputs mean. Leave loss at its default to train with the compiled loss, give "
        "the same loss, or return an uncompiled model (sknnlite compiles it with loss=)."
    )


def _own_default(estimator, name):
    """A parameter's default in the estimator's own class (a subclass may change it), else sknnlite's."""
    parameter = inspect.signature(type(estimator).__init__).parameters.get(name)
    if parameter is None or parameter.default is inspect.Parameter.empty:
        return estimator._library_default(name)
    return parameter.default


def _loss_name(loss):
    """Keras' name for a loss given as a name, a function, a ``Loss`` or its class (None if unknown)."""
    if inspect.isclass(loss):
        try:
            loss = loss()
        except TypeError:
            return None
    name = loss if isinstance(loss, str) else getattr(loss, "name", None) or getattr(loss, "__name__", None)
    return LOSS_ALIASES.get(name, name) if isinstance(name, str) else None


def _check_sknnlite_schedules(estimator):
    """sknnlite's own rate schedules change the rate of an optimizer it builds, not a compiled one."""
    changed = [
        f"{name}={getattr(estimator, name)!r}"
        for name in ("learning_rate_decay", "learning_rate_schedule")
        if getattr(estimator, name) != estimator._library_default(name)
    ]
    if changed:
        raise ValueError(
            f"{' and '.join(changed)} set the rate of the optimizer sknnlite builds, but the model is "
            "compiled with its own optimizer. Give the compiled optimizer a Keras schedule (learning_rate="
            "keras.optimizers.schedules.InverseTimeDecay(...)), use a callback such as "
            "keras.callbacks.ReduceLROnPlateau, or leave the model uncompiled."
        )


def _without_name(config):
    return {key: value for key, value in config.items() if key != "name"}


def variable_dtype(model):
    """The float dtype a Keras model computes in (its weights'), e.g. "float32"."""
    import keras

    weights = model.trainable_weights
    return keras.backend.standardize_dtype(weights[0].dtype) if weights else keras.config.floatx()
