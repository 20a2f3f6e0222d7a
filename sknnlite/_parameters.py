"""Parameter resolution: what the user wrote, in any of its spellings, turned into what training uses.

A setting may come from several places: ``learning_rate``, SciKeras'
``optimizer__learning_rate`` or an optimizer instance's own; ``epochs`` or
``fit__epochs``; ``callbacks`` or ``fit__callbacks``. The functions here
read an estimator's parameters (never its fitted state), apply the rule of
``_optimizers.py`` (a value given in two places must agree), say which
combinations cannot work, and build the frozen ``Architecture``,
``Objective`` and ``TrainingOptions`` of ``_training/records.py``.
"""

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, validate_parameter_constraints

from . import _callbacks, _optimizers, _routing
from ._names import check_keras_has
from ._training.records import Architecture, Objective, TrainingOptions


def as_list(value):
    """``metrics`` / ``callbacks`` as a list: SciKeras and Keras also take one item alone."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def check_before_data(estimator, incremental):
    """Raise for parameters that cannot work together, before any data is read."""
    _routing.check_extra_params(estimator, estimator._extra_params())
    routed = estimator._routed_params()
    _routing.check_fit_and_predict_params(_routing.routed(routed, "fit"), _routing.routed(routed, "predict"))
    predict_chunk_rows(estimator)
    if fit_setting(estimator, "validation_split") > 0 and estimator.early_stopping:
        raise ValueError(
            "early_stopping=True holds out validation_fraction of the data and stops on its score "
            "(scikit-learn's MLP); validation_split holds out the last rows only to log val_loss "
            "(Keras). Use one: for Keras-style early stopping on validation_split, pass "
            "callbacks=keras.callbacks.EarlyStopping(monitor='val_loss')."
        )
    if incremental and estimator.early_stopping:
        # As scikit-learn's MLP: one epoch on the caller's batch leaves nothing to hold out.
        raise ValueError("partial_fit does not support early_stopping=True")
    if estimator.optimizer == "lbfgs":
        _check_lbfgs(estimator)
    if (schedule := learning_rate_schedule(estimator)) is not None:
        _check_schedule(estimator, schedule)


def hidden_layer_sizes(estimator):
    """``hidden_layer_sizes`` as a tuple of ints; raises for what the built-in MLP cannot take."""
    given = estimator.hidden_layer_sizes
    sizes = [given] if isinstance(given, Integral) else list(given)
    if not all(isinstance(s, Integral) and not isinstance(s, bool) and s > 0 for s in sizes):
        raise ValueError(
            "hidden_layer_sizes must be a sequence of positive integers (units per hidden "
            f"layer; () for no hidden layer), got {given!r}."
        )
    if estimator._build_fn() is not None and estimator.alpha > 0:
        raise ValueError(
            "alpha penalizes the built-in MLP's kernels; with a model build function add "
            "kernel_regularizer=keras.regularizers.L2(...) to its layers instead."
        )
    return tuple(int(s) for s in sizes)


def architecture(estimator, n_features, hidden, n_outputs, output_activation, dtype):
    """The built-in MLP's ``Architecture``; ``output_activation`` is the targets' unless the user set one."""
    if estimator.output_activation is not None:
        output_activation = estimator.output_activation
    check_keras_has("activation", estimator.activation)
    check_keras_has("output_activation", output_activation)
    return Architecture(
        n_features=n_features,
        hidden_layer_sizes=hidden,
        activation=estimator.activation,
        n_outputs=n_outputs,
        output_activation=output_activation,
        dropout=float(estimator.dropout),
        batch_normalization=bool(estimator.batch_normalization),
        dtype=dtype,
    )


def objective(estimator, loss, sparse_targets, dtype):
    """The ``Objective``: loss and its ``loss__*``, optimizer and its settings, schedule, metrics."""
    _check_routed_params(estimator, loss)
    return Objective(
        loss=loss,
        loss_params=tuple(sorted(_routing.routed(estimator._routed_params(), "loss").items())),
        optimizer=_optimizers.optimizer_key(estimator.optimizer),
        optimizer_params=tuple(sorted(optimizer_params(estimator).items())),
        learning_rate_schedule=_optimizers.schedule_key(learning_rate_schedule(estimator)),
        metrics=tuple(as_list(estimator.metrics)),
        sparse_targets=sparse_targets,
        dtype=dtype,
        loss_scale=estimator._loss_scale(),
    )


def training_options(estimator, n_samples, seed, epochs, initial_epoch):
    """How this call trains (``TrainingOptions``); ``batch_size="auto"`` is MLP's ``min(200, n_samples)``."""
    batch_size = fit_setting(estimator, "batch_size")
    return TrainingOptions(
        epochs=epochs,
        batch_size=min(200, n_samples) if batch_size == "auto" else batch_size,
        shuffle=fit_setting(estimator, "shuffle"),
        learning_rate_decay=estimator.learning_rate_decay,
        alpha=estimator.alpha,
        seed=seed,
        verbose=fit_setting(estimator, "verbose"),
        initial_epoch=initial_epoch,
        max_fun=estimator.max_fun,
    )


def learning_rate_setting(estimator):
    """The learning rate as given: a number, or a Keras schedule's serialized config.

    From ``learning_rate``, SciKeras' ``optimizer__learning_rate`` or an
    optimizer instance's own, under the rule of ``_optimizers.py``: a value
    given in two places (``learning_rate`` changed from its default, the
    routed one, an instance's) must agree.
    """
    routed = _routing.routed(estimator._routed_params(), "optimizer").get("learning_rate")
    number = isinstance(routed, Real) and not isinstance(routed, bool)
    schedule = isinstance(routed, dict) or (callable(routed) and hasattr(routed, "get_config"))
    if routed is not None and not (schedule or (number and routed >= 0)):
        raise ValueError(
            "optimizer__learning_rate must be a non-negative number or a Keras learning-rate schedule, "
            f"got {routed!r}."
        )
    instance_rate, _ = _optimizer_configuration(estimator)
    default = estimator._library_default("learning_rate")
    return _optimizers.pick_learning_rate(
        estimator.learning_rate, default, routed, instance_rate, estimator.optimizer
    )


def learning_rate_given(estimator):
    """Whether the learning rate was given: ``learning_rate`` changed, routed, or an instance's own."""
    routed = _routing.routed(estimator._routed_params(), "optimizer").get("learning_rate")
    instance_rate, _ = _optimizer_configuration(estimator)
    changed = estimator.learning_rate != estimator._library_default("learning_rate")
    return changed or routed is not None or instance_rate is not None


def initial_learning_rate(estimator):
    """The initial learning rate (a schedule's at step 0)."""
    return _optimizers.rate_at(learning_rate_setting(estimator), 0)


def learning_rate_schedule(estimator):
    """The Keras schedule's serialized config when the rate is one, else None."""
    setting = learning_rate_setting(estimator)
    return setting if isinstance(setting, dict) else None


def _optimizer_configuration(estimator):
    """An optimizer instance's learning rate and changed settings (``None, {}`` for a name or class)."""
    if isinstance(estimator.optimizer, str):
        return None, {}
    defaults = _routing.optimizer_defaults(_optimizers.optimizer_key(estimator.optimizer))
    return _optimizers.instance_configuration(estimator.optimizer, defaults)


def optimizer_params(estimator):
    """The Keras optimizer's arguments but the rate (set apart): an instance's and the routed ones."""
    params = _routing.routed(estimator._routed_params(), "optimizer")
    params.pop("learning_rate", None)
    _, settings = _optimizer_configuration(estimator)
    return _optimizers.merge_settings(settings, params, estimator.optimizer)


def fit_setting(estimator, name):
    """A training setting: the parameter, or SciKeras' ``fit__<name>`` spelling of it.

    The same rule as ``optimizer__learning_rate``: ``fit__<name>``, when
    given, is the value, unless the parameter was also changed from its
    default to another value, which is a conflict.
    """
    fit = _routing.routed(estimator._routed_params(), "fit")
    if name not in fit:
        return getattr(estimator, name)
    value = fit[name]
    validate_parameter_constraints(
        {f"fit__{name}": estimator._parameter_constraints[name]},
        {f"fit__{name}": value},
        type(estimator).__name__,
    )
    return _one_spelling(estimator, name, f"fit__{name}", value)


def _one_spelling(estimator, name, routed_name, value):
    """``value`` given as SciKeras' ``routed_name``; a conflict if ``name`` was set to another value."""
    current = getattr(estimator, name)
    if current not in (estimator._library_default(name), value):
        raise ValueError(
            f"{name}={current!r} and {routed_name}={value!r} both set {name}; keep one ({routed_name} is "
            f"SciKeras' spelling of {name})."
        )
    return value


def fit_callbacks(estimator, build=True):
    """``callbacks`` then ``fit__callbacks``, as SciKeras runs them: built for this fit (or checked)."""
    routed = estimator._routed_params()
    fit = _routing.routed(routed, "fit")
    sources = [
        ("callbacks", estimator.callbacks, _routing.routed(routed, "callbacks")),
        ("fit__callbacks", fit.get("callbacks"), _routing.routed(fit, "callbacks")),
    ]
    callbacks = []
    for where, given, arguments in sources:
        _callbacks.check(given, arguments, where)
        callbacks += _callbacks.build(given, arguments) if build else _callbacks.entries(given)
    return callbacks


def predict_chunk_rows(estimator):
    """Rows per prediction chunk: ``predict__batch_size`` (SciKeras' name), else None."""
    value = _routing.routed(estimator._routed_params(), "predict").get("batch_size")
    if value is not None:
        validate_parameter_constraints(
            {"predict__batch_size": [Interval(Integral, 1, None, closed="left")]},
            {"predict__batch_size": value},
            type(estimator).__name__,
        )
    return value


def _check_lbfgs(estimator):
    """What full-batch L-BFGS cannot do, said before any work is done."""
    problems = []
    if estimator._build_fn() is not None:
        problems.append("a model build function (it optimizes the built-in MLP)")
    if fit_callbacks(estimator, build=False) or as_list(estimator.metrics):
        problems.append("Keras callbacks or metrics (it runs no Keras epochs)")
    if fit_setting(estimator, "validation_split") > 0:
        problems.append("validation_split (it runs no Keras epochs to log val_loss for)")
    if estimator.dropout > 0:
        problems.append("dropout (its line search needs a deterministic loss)")
    if _routing.routed(estimator._routed_params(), "optimizer"):
        problems.append("optimizer__ parameters (its settings are epochs, max_fun and tol)")
    if problems:
        raise ValueError("optimizer='lbfgs' does not support " + "; ".join(problems) + ".")


def _check_schedule(estimator, schedule):
    """What a Keras learning-rate schedule cannot be combined with, said before training."""
    name = f"learning_rate is a Keras schedule ({schedule.get('class_name')})"
    if estimator.optimizer == "lbfgs":
        raise ValueError(f"{name}, but optimizer='lbfgs' takes no learning rate; use another optimizer.")
    if estimator.learning_rate_decay > 0:
        raise ValueError(
            f"{name} and learning_rate_decay={estimator.learning_rate_decay:g} would decay it twice; keep "
            "one: learning_rate_decay=0 (the schedule sets the rate at every step), or a number as the "
            "rate (InverseTimeDecay(rate, decay_steps=1, decay_rate=d) is learning_rate_decay=d)."
        )
    if estimator.learning_rate_schedule != "constant":
        raise ValueError(
            f"{name}, which sets the rate at every step, and learning_rate_schedule="
            f"{estimator.learning_rate_schedule!r}, which changes it between epochs; keep one: "
            "learning_rate_schedule='constant', or a number as the rate."
        )


def _check_routed_params(estimator, loss):
    routed = estimator._routed_params()
    _routing.check_optimizer_params(
        _optimizers.optimizer_key(estimator.optimizer), optimizer_params(estimator)
    )
    _routing.check_loss_params(loss, _routing.routed(routed, "loss"))
    if estimator._build_fn() is None and _routing.routed(routed, "model"):
        raise ValueError(
            "model__ parameters go to a model build function, but model=None (the built-in "
            f"MLP); got {sorted('model__' + k for k in _routing.routed(routed, 'model'))}."
        )
