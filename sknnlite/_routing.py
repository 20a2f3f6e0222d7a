"""Routed parameters: ``optimizer__*``, ``loss__*``, ``model__*``, ``callbacks__*``, ``fit__*`` and more.

skorch and SciKeras pass settings of the objects they build through
double-underscore names, ``optimizer__momentum=0.9``; the estimators here
take the same names as keyword arguments, report them in ``get_params`` (so
``clone`` and ``GridSearchCV`` keep them) and check them at ``fit`` against
the signature of what receives them. ``fit__*`` and ``predict__*`` are
SciKeras' names for the arguments of Keras' ``fit`` and ``predict``.
"""

import functools
import inspect
import numbers
import random

PREFIXES = ("optimizer", "loss", "model", "callbacks", "fit", "predict")

# Keras fit() arguments SciKeras routes with fit__ that are training settings here too.
FIT_SETTINGS = ("epochs", "batch_size", "verbose", "shuffle", "validation_split", "callbacks")
# Keras predict() arguments: only the batch size is a setting of the NumPy/Keras prediction here.
PREDICT_SETTINGS = ("batch_size",)


def is_routed(name):
    return "__" in name and name.split("__", 1)[0] in PREFIXES


def routed(params, prefix):
    """The parameters routed to ``prefix``, with the prefix removed."""
    start = prefix + "__"
    return {name[len(start) :]: value for name, value in params.items() if name.startswith(start)}


def check_extra_params(estimator, extra):
    """Reject keyword arguments that are neither parameters, nor routed ones, nor the build function's.

    As in SciKeras, a build function's own argument may be given without a
    prefix (``hidden_dim=5`` for ``def build(hidden_dim, meta)``); a build
    function taking ``**kwargs`` or SciKeras' ``params`` dict takes any name.
    """
    known = estimator._library_param_names()  # stored by super().__init__ under a SciKeras-style subclass
    unknown = sorted(name for name in extra if not is_routed(name) and name not in known)
    build_fn = estimator._build_fn()
    if unknown and callable(build_fn) and not _is_keras_model(build_fn):
        if _takes_kwargs(build_fn) or "params" in inspect.signature(build_fn).parameters:
            return  # it reads any argument (from **kwargs or SciKeras' params dict)
        unknown = [name for name in unknown if name not in inspect.signature(build_fn).parameters]
    if unknown:
        renamed = (
            " build_fn is SciKeras' deprecated name for model: pass model=." if "build_fn" in unknown else ""
        )
        raise ValueError(
            f"{type(estimator).__name__} got unknown parameter(s) {unknown}. Besides its own "
            f"parameters it takes routed ones named {', '.join(p + '__<name>' for p in PREFIXES)}, and "
            f"the arguments a model build function names.{renamed}"
        )


def check_fit_and_predict_params(fit, predict):
    """Reject ``fit__*`` / ``predict__*`` names that are not settings of training or prediction here."""
    unknown_fit = sorted(
        name for name in fit if name not in FIT_SETTINGS and not name.startswith("callbacks__")
    )
    if unknown_fit:
        raise ValueError(
            f"Unknown fit parameter(s) {['fit__' + name for name in unknown_fit]}; fit__ takes SciKeras' "
            f"names for Keras fit() arguments that train here: {['fit__' + n for n in FIT_SETTINGS]} "
            "(and fit__callbacks__<...> to configure fit__callbacks)."
        )
    unknown_predict = sorted(set(predict) - set(PREDICT_SETTINGS))
    if unknown_predict:
        raise ValueError(
            f"Unknown predict parameter(s) {['predict__' + name for name in unknown_predict]}; predict__ "
            "takes batch_size (rows per prediction chunk). Prediction does not run Keras' "
            "model.predict, so it has no predict callbacks or progress bar."
        )


def _takes_kwargs(fn):
    return any(p.kind is p.VAR_KEYWORD for p in inspect.signature(fn).parameters.values())


def _keyword_names(fn, skip):
    """The names ``fn`` takes as keywords, minus ``skip``, sorted."""
    keywords = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    parameters = inspect.signature(fn).parameters.values()
    return sorted(p.name for p in parameters if p.name not in skip and p.kind in keywords)


def _accepted(fn, skip):
    """Names ``fn`` accepts as keywords (None: it takes ``**kwargs``), minus ``skip``."""
    return None if _takes_kwargs(fn) else _keyword_names(fn, skip)


def _check_names(given, valid, what):
    unknown = sorted(set(given) - set(valid))
    if unknown:
        prefix = what.split()[0]
        raise ValueError(
            f"Unknown {what} parameter(s) {[f'{prefix}__{name}' for name in unknown]}; "
            f"valid names are {[f'{prefix}__{name}' for name in valid]}."
        )


def check_optimizer_params(optimizer, params):
    """Check ``optimizer__*`` names against the Keras optimizer's constructor (lbfgs is checked at fit).

    ``optimizer``: a Keras optimizer's name, or a custom optimizer class.
    """
    if optimizer == "lbfgs":
        return
    what = optimizer if isinstance(optimizer, str) else optimizer.__name__
    _check_names(params, tuple(sorted(optimizer_defaults(optimizer))), f"optimizer ({what!r})")


@functools.cache
def optimizer_defaults(optimizer):
    """``{keyword: default}`` of a Keras optimizer's constructor (by name or class), but learning_rate, name.

    Cached: finding the class of a name means building an optimizer, whose
    variables would otherwise be created and dropped at every fit.
    """
    import keras

    cls = optimizer if inspect.isclass(optimizer) else type(keras.optimizers.get(optimizer))
    # Keras optimizers pass **kwargs on to their base classes: collect the names along the MRO.
    defaults = {}
    for base in cls.__mro__:
        if "__init__" in vars(base):
            parameters = inspect.signature(base.__init__).parameters
            for name in _keyword_names(base.__init__, {"self", "learning_rate", "name"}):
                defaults.setdefault(name, parameters[name].default)
            if not _takes_kwargs(base.__init__):
                break
    return defaults


def optimizer_kwargs(optimizer, params):
    """Routed optimizer arguments as Keras checks them: a number where a float is expected is a float.

    Keras' SGD rejects ``momentum=0`` (an int) and NumPy float32 values; a
    float in the constructor's default says the argument is one.
    """
    defaults = optimizer_defaults(optimizer)
    return {
        name: float(value)
        if isinstance(defaults.get(name), float)
        and isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        else value
        for name, value in params.items()
    }


def check_loss_params(loss, params):
    """Check ``loss__*`` names against the Keras loss function's signature."""
    import keras

    if not params:
        return
    if isinstance(loss, keras.losses.Loss):
        raise ValueError(
            f"loss__ parameters configure a loss given by name; the loss object {loss!r} is "
            "already configured: set its arguments where you create it."
        )
    fn = keras.losses.get(loss) if isinstance(loss, str) else loss
    parameters = list(inspect.signature(fn).parameters)
    valid = _accepted(fn, set(parameters[:2]))
    if valid is not None:
        _check_names(params, valid, f"loss ({loss!r})")


# What SciKeras hands a build function taking **kwargs; sknnlite's n_features_in / n_outputs go only to
# functions naming them.
_SCIKERAS_PROVIDED = ("meta", "compile_kwargs", "params")


def build_model(
    build_fn, routed_params, provided, estimator_params, seed, bare_params=(), copy_instance=True
):
    """Call a user's build function the way SciKeras does.

    Arguments are filled by name: ``model__*`` routed parameters first, then
    what the estimator provides (``n_features_in``, ``n_outputs``, ``meta``,
    ``compile_kwargs``, ``params``), then estimator parameters of the same
    name (so a SciKeras build function taking ``hidden_layer_sizes`` or a
    ``hidden_dim`` given to the estimator works unchanged). ``bare_params``
    names the arguments given without a prefix, which a ``**kwargs`` build
    function receives too.
    Python's ``random`` module, which Keras uses for unseeded initializers,
    is seeded for the call and restored after it, so a seeded fit builds the
    same initial weights without changing any global state.
    """
    import keras

    if isinstance(build_fn, keras.Model):
        if not copy_instance:  # initialize: the user's model itself (layers shared with others stay so)
            return build_fn
        # SciKeras also takes a model instance and trains it from its weights (fine-tuning a
        # pre-trained model): train a copy with the same weights, compiled as the original was.
        model = keras.models.clone_model(build_fn)
        model.set_weights(build_fn.get_weights())
        if getattr(build_fn, "optimizer", None) is not None and getattr(build_fn, "loss", None) is not None:
            model.compile(
                optimizer=type(build_fn.optimizer).from_config(build_fn.optimizer.get_config()),
                loss=build_fn.loss,
            )
        return model
    parameters = inspect.signature(build_fn).parameters
    valid = _accepted(build_fn, skip=provided)
    if valid is not None:
        _check_names(routed_params, valid, "model (build function)")
    kwargs = dict(routed_params)
    provided = {**provided, "params": estimator_params}  # SciKeras' dict of every parameter
    for source in (provided, estimator_params):
        for name, value in source.items():
            # A build function taking **kwargs gets what SciKeras gives it: meta, compile_kwargs, params
            # and the arguments given without a prefix.
            wanted = name in parameters or (
                _takes_kwargs(build_fn)
                and (name in _SCIKERAS_PROVIDED if source is provided else name in bare_params)
            )
            if wanted and name not in kwargs:
                kwargs[name] = value
    model = _seeded(seed, build_fn, **kwargs)
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"The model build function {getattr(build_fn, '__name__', build_fn)!r} must return a "
            f"keras.Model, got {type(model).__name__}."
        )
    return model


def _is_keras_model(obj):
    import keras

    return isinstance(obj, keras.Model)


def _seeded(seed, fn, *args, **kwargs):
    """Call ``fn`` with Python's ``random`` seeded, then restore its state."""
    saved = random.getstate()
    random.seed(seed)
    try:
        return fn(*args, **kwargs)
    finally:
        random.setstate(saved)
