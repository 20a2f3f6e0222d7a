"""The parameters, validation and fit/predict machinery both estimators share."""

import functools
import inspect
import math
import sys
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from . import _callbacks, _optimizers, _persistence, _routing
from ._diagnostics import diagnose, divergence_message, final_learning_rate
from ._input import CHUNK_ROWS, map_in_chunks, training_matrix
from ._names import ACTIVATIONS, OPTIMIZERS, check_keras_has
from ._network import (
    backend_float_dtype,
    forward,
    initial_batch_norm,
    initial_weights,
    keras_weights,
    split_weights,
)
from ._stopping import StoppingPlan, Validation
from ._tensorflow_logs import import_keras_quietly
from ._training import compile_cache, engine
from ._training.keras_objects import make_optimizer
from ._training.records import Architecture, Objective, TrainingOptions, TrainingState
from ._validation_split import validation_rows

# SciKeras' fitted attributes beyond sknnlite's own, set while a build function is used (its ``meta``).
_BUILD_FN_ATTRIBUTES = (
    "X_dtype_",
    "X_shape_",
    "n_outputs_expected_",
    "n_classes_",
    "target_type_",
    "y_dtype_",
    "y_ndim_",
)

# Seeds for the in-graph shuffle; kept below 2**30 so seed + epoch fits int32.
_SEED_BOUND = 2**30


def _restore_on_error(fit):
    """Leave the estimator exactly as it was if ``fit`` raises.

    ``validate_data`` records ``n_features_in_`` before training starts, so a
    failure later in ``fit`` would otherwise leave a previously fitted
    estimator half-updated.
    """

    @functools.wraps(fit)
    def wrapper(self, *args, **kwargs):
        saved = dict(self.__dict__)
        try:
            return fit(self, *args, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    return wrapper


def _trains_incrementally(estimator):
    """Whether ``partial_fit`` exists: not with lbfgs, which trains on the whole data (as in MLP)."""
    if estimator.optimizer == "lbfgs":
        raise AttributeError("partial_fit is only available for stochastic optimizers; optimizer='lbfgs'.")
    return True


def _check_single_input_and_output(model):
    """sknnlite feeds one X to one input and scores one output; say how to restructure other models."""
    inputs, outputs = getattr(model, "inputs", None) or [], getattr(model, "outputs", None) or []
    if len(inputs) > 1:
        raise ValueError(
            f"The model has {len(inputs)} inputs ({[tensor.name for tensor in inputs]}); sknnlite feeds one "
            "array X to one input. Give the model one input for all the columns and split it inside "
            "(e.g. keras.layers.Lambda(lambda x: x[:, :k])), or stack the groups into one array."
        )
    if len(outputs) > 1:
        raise ValueError(
            f"The model has {len(outputs)} outputs; sknnlite trains and predicts one output. Concatenate "
            "them into one output layer (keras.layers.Concatenate) and give y one column per output."
        )


def _as_list(value):
    """``metrics`` / ``callbacks`` as a list: SciKeras and Keras also take one item alone."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _check_hidden_layer_sizes(hidden_layer_sizes):
    sizes = [hidden_layer_sizes] if isinstance(hidden_layer_sizes, Integral) else list(hidden_layer_sizes)
    if not all(isinstance(s, Integral) and not isinstance(s, bool) and s > 0 for s in sizes):
        raise ValueError(
            "hidden_layer_sizes must be a sequence of positive integers (units per hidden "
            f"layer; () for no hidden layer), got {hidden_layer_sizes!r}."
        )
    return tuple(int(s) for s in sizes)


def _caller_level():
    """The ``stacklevel`` that points a warning at the line that called into sknnlite."""
    frame, level = sys._getframe(1), 1
    while frame is not None and _is_library_frame(frame):
        frame, level = frame.f_back, level + 1
    return level


def _is_library_frame(frame):
    module = frame.f_globals.get("__name__", "")
    return module.split(".")[0] == "sknnlite" or module == "sklearn.base"


def _variable_dtype(model):
    """The float dtype a Keras model computes in (its weights'), e.g. "float32"."""
    import keras

    weights = model.trainable_weights
    return keras.backend.standardize_dtype(weights[0].dtype) if weights else keras.config.floatx()


def _store_init_arguments(estimator, arguments):
    """``__init__``'s body: store every argument unchanged, routed keywords included."""
    arguments = dict(arguments)
    extra = arguments.pop("routed_params")
    for name in ("self", "__class__"):
        arguments.pop(name, None)
    for name, value in arguments.items():
        setattr(estimator, name, value)
    vars(estimator).update(extra)


def _split_last(X, targets, sample_weight, fraction):
    """Keras' ``validation_split``: the last ``fraction`` of the rows, before any shuffling."""
    n_samples = X.shape[0]
    split_at = math.floor(n_samples * (1.0 - fraction))
    if split_at in (0, n_samples):
        raise ValueError(
            f"validation_split={fraction} of {n_samples} samples leaves "
            f"{'no training' if split_at == 0 else 'no validation'} sample; give more data or change "
            "validation_split (it holds out the last rows, as in Keras)."
        )
    held_out = Validation(X[split_at:], None, targets[split_at:], sample_weight[split_at:])
    return X[:split_at], targets[:split_at], sample_weight[:split_at], held_out


@functools.cache
def _param_names(cls):
    return tuple(BaseEstimator._get_param_names.__func__(cls))


@functools.cache
def _defaults(cls):
    return {name: p.default for name, p in inspect.signature(cls.__init__).parameters.items()}


class BaseTinyNet(BaseEstimator):
    """Base class for TinyNet estimators; not for direct use.

    Subclasses define ``__init__`` (storing arguments with
    ``_store_init_arguments``), ``_check_training_data``, ``_encode_targets``,
    ``_target_layout`` and ``_validation_score``.
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(ACTIVATIONS), callable],
        "output_activation": [None, StrOptions(ACTIVATIONS), callable],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_normalization": ["boolean"],
        "optimizer": [StrOptions(OPTIMIZERS | {"lbfgs"}), HasMethods(["get_config", "apply"])],
        "learning_rate": [
            Interval(Real, 0, None, closed="left"),
            dict,
            HasMethods(["get_config", "__call__"]),
        ],
        "learning_rate_decay": [Interval(Real, 0, None, closed="left")],
        "learning_rate_schedule": [StrOptions({"constant", "invscaling", "adaptive"})],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "validation_split": [Interval(Real, 0, 1, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "tol": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "metrics": [None, list, tuple, str, callable],
        "callbacks": [None, list, tuple, dict, HasMethods(["on_epoch_end"])],
        "model": [None, callable],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # -- parameters ---------------------------------------------------------

    def _extra_params(self):
        """Keyword arguments beyond the signature: routed ones (and typos, rejected at fit)."""
        names = set(self._get_param_names())
        return {
            name: value
            for name, value in vars(self).items()
            if name not in names and not name.startswith("_") and not name.endswith("_")
        }

    @classmethod
    def _get_param_names(cls):
        # scikit-learn reads the signature at every call; fit asks for the names often, so once per class.
        return _param_names(cls)

    @classmethod
    def _library_param_names(cls):
        """The parameters of sknnlite's own estimator class, also under a subclass with its own ``__init__``.

        A SciKeras-style subclass may take fewer arguments and pass the rest
        to ``super().__init__(**kwargs)``, which stores every parameter.
        """
        return set(cls._library_class()._get_param_names())

    @classmethod
    def _library_class(cls):
        """TinyNetClassifier or TinyNetRegressor: the first class up the MRO that sknnlite defines."""
        return next(c for c in cls.__mro__ if c.__module__.startswith("sknnlite.") and "__init__" in vars(c))

    @classmethod
    def _library_default(cls, name):
        """The default of one of sknnlite's parameters (a subclass's ``__init__`` may not name it)."""
        return _defaults(cls._library_class())[name]

    def _routed_params(self):
        """Every routed parameter (``optimizer__*``, ``fit__*``, ...), in the signature or not.

        The routed entries of ``get_params``, read straight from the instance: prediction asks for them too.
        """
        return {name: value for name, value in vars(self).items() if _routing.is_routed(name)}

    def _build_fn(self):
        """The model build function: ``model``, or a subclass's ``_keras_build_fn`` method (SciKeras' style).

        None means the built-in MLP.
        """
        if self.model is not None:
            return self.model
        return getattr(self, "_keras_build_fn", None)

    def get_params(self, deep=True):
        """Get parameters for this estimator, routed ``optimizer__*`` / ``loss__*`` / ``model__*`` included.

        Parameters
        ----------
        deep : bool, default=True
            Unused beyond scikit-learn's meaning (no nested estimators).

        Returns
        -------
        params : dict
            Parameter names mapped to their values.

        Examples
        --------
        >>> from sknnlite import TinyNetClassifier
        >>> params = TinyNetClassifier(optimizer="sgd", optimizer__momentum=0.9).get_params()
        >>> params["optimizer"], params["optimizer__momentum"]
        ('sgd', 0.9)
        """
        params = {}
        for name in self._get_param_names():
            if _routing.is_routed(name) and name not in vars(self):
                continue  # a SciKeras-style subclass may name a routed default in __init__ and not store it
            params[name] = getattr(self, name)
        return {**params, **self._extra_params()}

    def set_params(self, **params):
        """Set parameters, routed ones (``optimizer__momentum=0.9``) included.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : estimator instance
            Estimator instance.

        Examples
        --------
        >>> from sknnlite import TinyNetRegressor
        >>> reg = TinyNetRegressor().set_params(loss="huber", loss__delta=0.5, epochs=10)
        >>> reg.loss__delta, reg.epochs
        (0.5, 10)
        """
        for name in [name for name in params if _routing.is_routed(name)]:
            setattr(self, name, params.pop(name))
        return super().set_params(**params)

    def _validate_params(self):
        if callable(self.hidden_layer_sizes):
            # SciKeras' first positional parameter is the model; sknnlite's is MLP's hidden_layer_sizes.
            raise InvalidParameterError(
                f"hidden_layer_sizes got {type(self.hidden_layer_sizes).__name__}, a Keras model or build "
                f"function: the first positional parameter is hidden_layer_sizes, as in scikit-learn's MLP "
                f"(SciKeras puts model first). Pass it by keyword: {type(self).__name__}(model=...)."
            )
        super()._validate_params()

    # -- training -----------------------------------------------------------

    def _check_lbfgs(self):
        """What full-batch L-BFGS cannot do, said before any work is done."""
        problems = []
        if self._build_fn() is not None:
            problems.append("a model build function (it optimizes the built-in MLP)")
        if self._fit_callbacks(build=False) or _as_list(self.metrics):
            problems.append("Keras callbacks or metrics (it runs no Keras epochs)")
        if self._fit_setting("validation_split") > 0:
            problems.append("validation_split (it runs no Keras epochs to log val_loss for)")
        if self.dropout > 0:
            problems.append("dropout (its line search needs a deterministic loss)")
        if _routing.routed(self._routed_params(), "optimizer"):
            problems.append("optimizer__ parameters (its settings are epochs, max_fun and tol)")
        if problems:
            raise ValueError("optimizer='lbfgs' does not support " + "; ".join(problems) + ".")

    def _learning_rate_setting(self):
        """The learning rate as given: a number, or a Keras schedule's serialized config.

        From ``learning_rate``, SciKeras' ``optimizer__learning_rate`` or an
        optimizer instance's own, under the rule of ``_optimizers.py``: a value
        given in two places (``learning_rate`` changed from its default, the
        routed one, an instance's) must agree.
        """
        routed = _routing.routed(self._routed_params(), "optimizer").get("learning_rate")
        number = isinstance(routed, Real) and not isinstance(routed, bool)
        schedule = isinstance(routed, dict) or (callable(routed) and hasattr(routed, "get_config"))
        if routed is not None and not (schedule or (number and routed >= 0)):
            raise ValueError(
                "optimizer__learning_rate must be a non-negative number or a Keras learning-rate schedule, "
                f"got {routed!r}."
            )
        instance_rate, _ = self._optimizer_configuration()
        default = self._library_default("learning_rate")
        return _optimizers.pick_learning_rate(
            self.learning_rate, default, routed, instance_rate, self.optimizer
        )

    def _learning_rate(self):
        """The initial learning rate (a schedule's at step 0)."""
        return _optimizers.rate_at(self._learning_rate_setting(), 0)

    def _learning_rate_schedule(self):
        """The Keras schedule's serialized config when the rate is one, else None."""
        setting = self._learning_rate_setting()
        return setting if isinstance(setting, dict) else None

    def _check_schedule(self, schedule):
        """What a Keras learning-rate schedule cannot be combined with, said before training."""
        name = f"learning_rate is a Keras schedule ({schedule.get('class_name')})"
        if self.optimizer == "lbfgs":
            raise ValueError(f"{name}, but optimizer='lbfgs' takes no learning rate; use another optimizer.")
        if self.learning_rate_decay > 0:
            raise ValueError(
                f"{name} and learning_rate_decay={self.learning_rate_decay:g} would decay it twice; keep "
                "one: learning_rate_decay=0 (the schedule sets the rate at every step), or a number as the "
                "rate (InverseTimeDecay(rate, decay_steps=1, decay_rate=d) is learning_rate_decay=d)."
            )
        if self.learning_rate_schedule != "constant":
            raise ValueError(
                f"{name}, which sets the rate at every step, and learning_rate_schedule="
                f"{self.learning_rate_schedule!r}, which changes it between epochs; keep one: "
                "learning_rate_schedule='constant', or a number as the rate."
            )

    def _optimizer_configuration(self):
        """An optimizer instance's learning rate and changed settings (``None, {}`` for a name or class)."""
        if isinstance(self.optimizer, str):
            return None, {}
        defaults = _routing.optimizer_defaults(_optimizers.optimizer_key(self.optimizer))
        return _optimizers.instance_configuration(self.optimizer, defaults)

    def _optimizer_params(self):
        """The Keras optimizer's arguments but the rate (set apart): an instance's and the routed ones."""
        params = _routing.routed(self._routed_params(), "optimizer")
        params.pop("learning_rate", None)
        _, settings = self._optimizer_configuration()
        return _optimizers.merge_settings(settings, params, self.optimizer)

    def _fit_setting(self, name):
        """A training setting: the parameter, or SciKeras' ``fit__<name>`` spelling of it.

        The same rule as ``optimizer__learning_rate``: ``fit__<name>``, when
        given, is the value, unless the parameter was also changed from its
        default to another value, which is a conflict.
        """
        fit = _routing.routed(self._routed_params(), "fit")
        if name not in fit:
            return getattr(self, name)
        value = fit[name]
        validate_parameter_constraints(
            {f"fit__{name}": self._parameter_constraints[name]}, {f"fit__{name}": value}, type(self).__name__
        )
        return self._one_spelling(name, f"fit__{name}", value)

    def _one_spelling(self, name, routed_name, value):
        """``value`` given as SciKeras' ``routed_name``; a conflict if ``name`` was set to another value."""
        current = getattr(self, name)
        if current not in (self._library_default(name), value):
            raise ValueError(
                f"{name}={current!r} and {routed_name}={value!r} both set {name}; keep one ({routed_name} is "
                f"SciKeras' spelling of {name})."
            )
        return value

    def _fit_callbacks(self, build=True):
        """``callbacks`` then ``fit__callbacks``, as SciKeras runs them: built for this fit (or checked)."""
        routed = self._routed_params()
        fit = _routing.routed(routed, "fit")
        sources = [
            ("callbacks", self.callbacks, _routing.routed(routed, "callbacks")),
            ("fit__callbacks", fit.get("callbacks"), _routing.routed(fit, "callbacks")),
        ]
        callbacks = []
        for where, given, arguments in sources:
            _callbacks.check(given, arguments, where)
            callbacks += _callbacks.build(given, arguments) if build else _callbacks.entries(given)
        return callbacks

    def _predict_chunk_rows(self):
        """Rows per prediction chunk: ``predict__batch_size`` (SciKeras' name), else None."""
        value = _routing.routed(self._routed_params(), "predict").get("batch_size")
        if value is not None:
            validate_parameter_constraints(
                {"predict__batch_size": [Interval(Integral, 1, None, closed="left")]},
                {"predict__batch_size": value},
                type(self).__name__,
            )
        return value

    def _X_options(self):
        """How ``validate_data`` reads X: float, dense or CSR/CSC, N-D (images) for a custom model."""
        return dict(dtype=[np.float64, np.float32], accept_sparse=["csr", "csc"], allow_nd=True)

    def _check_X_shape(self, X):
        if X.ndim > 2 and self._build_fn() is None:
            raise ValueError(
                f"The built-in MLP takes a table, X of shape (n_samples, n_features); got X of shape "
                f"{X.shape}. Flatten it (X.reshape(len(X), -1)), or pass model= a Keras model (or build "
                "function) whose input takes this shape, e.g. with Conv2D or LSTM layers."
            )
        return X

    def _loss_scale(self):
        """Factor on each sample's loss: 1, but for multilabel targets (see the classifier)."""
        return 1.0

    def _training_sample_weight(self, sample_weight, X, y, incremental):
        # scikit-learn rejects negative weights with a clear message, and all-zero ones since 1.7.
        sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True)
        if not np.any(sample_weight > 0):
            raise ValueError("Sample weights must contain at least one non-zero number.")
        return sample_weight

    @_fit_context(prefer_skip_nested_validation=True)
    @_restore_on_error
    def initialize(self, X, y):
        """Build the network for X and y without training it (SciKeras' ``initialize``).

        The estimator is then fitted with its initial weights: it predicts,
        ``partial_fit`` and ``warm_start`` fits go on from them, and a
        ``keras.Model`` given as ``model=`` predicts with its own (pre-trained)
        weights, as SciKeras' ``initialize`` does. A plain ``fit`` starts afresh.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data of the shape the network will take.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets, which set the outputs (and a classifier's ``classes_``).

        Returns
        -------
        self : estimator instance
            The initialized estimator; ``n_iter_`` is 0 and ``loss_curve_`` empty.

        Examples
        --------
        >>> from sknnlite import TinyNetRegressor
        >>> reg = TinyNetRegressor((4,), random_state=0).initialize([[0.0], [1.0]], [0.0, 1.0])
        >>> reg.predict([[0.5]]).shape, reg.n_iter_
        ((1,), 0)
        """
        return self._fit(X, y, None, incremental=False, train=False)

    @property
    def current_epoch(self):
        """Epochs trained since the last ``fit`` began (SciKeras' name and meaning).

        ``fit`` sets it to the epochs it ran, warm start or not; each
        ``partial_fit`` call adds one; 0 before fitting and after
        ``initialize``. (``loss_curve_`` keeps MLP's meaning and accumulates
        over warm starts.)

        Examples
        --------
        >>> from sknnlite import TinyNetRegressor
        >>> reg = TinyNetRegressor((4,), random_state=0)
        >>> reg = reg.partial_fit([[0.0], [1.0]], [0.0, 1.0]).partial_fit([[0.5]], [0.5])
        >>> reg.current_epoch
        2
        """
        return getattr(self, "_current_epoch", 0)

    def _fit(self, X, y, sample_weight, *, incremental, classes=None, train=True):
        """Shared body of ``fit``, ``partial_fit`` and ``initialize`` (``train=False``)."""
        import_keras_quietly()
        compile_cache.configure()
        _routing.check_extra_params(self, self._extra_params())
        routed = self._routed_params()
        _routing.check_fit_and_predict_params(
            _routing.routed(routed, "fit"), _routing.routed(routed, "predict")
        )
        self._predict_chunk_rows()
        validation_split = self._fit_setting("validation_split")
        if validation_split > 0 and self.early_stopping:
            raise ValueError(
                "early_stopping=True holds out validation_fraction of the data and stops on its score "
                "(scikit-learn's MLP); validation_split holds out the last rows only to log val_loss "
                "(Keras). Use one: for Keras-style early stopping on validation_split, pass "
                "callbacks=keras.callbacks.EarlyStopping(monitor='val_loss')."
            )
        if incremental and self.early_stopping:
            # As scikit-learn's MLP: one epoch on the caller's batch leaves nothing to hold out.
            raise ValueError("partial_fit does not support early_stopping=True")
        if self.optimizer == "lbfgs":
            self._check_lbfgs()
        if (schedule := self._learning_rate_schedule()) is not None:
            self._check_schedule(schedule)
        continuing = train and hasattr(self, "_state") and (incremental or self.warm_start)
        X, y = self._check_training_data(X, y, reset=not continuing)
        X = self._check_X_shape(X)
        if continuing:
            X = X.astype(self._objective.dtype, copy=False)
        targets, y_score = self._encode_targets(y, first_call=not continuing, classes=classes)
        sample_weight = self._training_sample_weight(sample_weight, X, y, incremental)
        hidden = _check_hidden_layer_sizes(self.hidden_layer_sizes)
        if self._build_fn() is not None and self.alpha > 0:
            raise ValueError(
                "alpha penalizes the built-in MLP's kernels; with a model build function add "
                "kernel_regularizer=keras.regularizers.L2(...) to its layers instead."
            )

        if continuing:
            rng = self._random_state
            self._check_same_network(hidden)
            architecture, objective, state = self._architecture, self._objective, self._state
        else:
            rng = check_random_state(self.random_state)
            self._random_state = rng
            architecture, objective, state = self._new_network(X, y, hidden, rng)
        targets = self._network_targets(targets)
        if not train:
            self._record_initialized()
            self._set_network(architecture, objective, state)
            return self
        seed = rng.randint(0, _SEED_BOUND, size=2)
        validation = logged = rows = None
        if self.early_stopping and self.optimizer != "lbfgs":  # MLP's lbfgs trains on all the data
            rows, targets, sample_weight, validation = self._hold_out(X, targets, sample_weight, y_score, rng)
        elif validation_split > 0:
            X, targets, sample_weight, logged = _split_last(X, targets, sample_weight, validation_split)
        n_samples = targets.shape[0]
        plan = self._stopping_plan(n_samples, validation, continuing, incremental)
        plan.logged = logged
        epochs = 1 if incremental else self._fit_setting("epochs")
        batch_size = self._fit_setting("batch_size")
        options = TrainingOptions(
            epochs=epochs,
            batch_size=min(200, n_samples) if batch_size == "auto" else batch_size,
            shuffle=self._fit_setting("shuffle"),
            learning_rate_decay=self.learning_rate_decay,
            alpha=self.alpha,
            seed=seed,
            verbose=self._fit_setting("verbose"),
            initial_epoch=len(self.loss_curve_) if continuing else 0,
            max_fun=self.max_fun,
        )
        X, targets = training_matrix(X), np.ascontiguousarray(targets, dtype=objective.dtype)
        custom = None
        if architecture is None:
            custom = engine.CustomModel(
                self.__dict__["_custom_model"], self._custom_compiled, self.__dict__.get("_custom_trainer")
            )
        run = engine.train(
            architecture,
            objective,
            X,
            targets,
            sample_weight,
            state,
            options,
            plan,
            self._fit_callbacks(),
            rows=rows,
            custom=custom,
        )
        if custom is not None:
            self.__dict__["_custom_trainer"] = custom.trainer
        self._check_run(run, plan, epochs, incremental, continuing, objective)
        self._record_run(run, plan, n_samples, continuing, incremental)
        self._set_network(architecture, objective, run.state)
        return self

    def _hold_out(self, X, targets, sample_weight, y_score, rng):
        """Split off MLP's early-stopping validation set.

        Returns the training rows of X (indices: X itself is not copied), their
        targets and weights, and the validation set (rows of X too) with its scorer.
        """
        rows, val_rows = validation_rows(
            X.shape[0], self.validation_fraction, rng, stratify=self._stratify_labels(y_score)
        )
        targets, targets_val = targets[rows], targets[val_rows]
        sample_weight, w_val, y_val = sample_weight[rows], sample_weight[val_rows], y_score[val_rows]
        if val_rows.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' or the size of "
                f"your dataset: early_stopping holds out {val_rows.shape[0]} of {y_score.shape[0]} "
                "samples and scores need at least 2."
            )

        def score(outputs):
            return self._validation_score(outputs, y_val, w_val)

        return rows, targets, sample_weight, Validation(X, score, targets_val, w_val, rows=val_rows)

    def _stopping_plan(self, n_samples, validation, continuing, incremental):
        """MLP's stopping rule and learning-rate schedule for this call (see ``_stopping.py``)."""
        rate = learning_rate = self._learning_rate()
        if continuing and incremental and self.learning_rate_schedule != "constant":
            rate = self._scheduled_learning_rate  # partial_fit goes on where the schedule was
        return StoppingPlan(
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            schedule=self.learning_rate_schedule,
            learning_rate=learning_rate,
            power_t=self.power_t,
            samples_seen=self.t_ if continuing else 0,  # invscaling counts them over warm starts, as MLP
            samples_per_epoch=n_samples,
            validation=validation,
            rate=rate,
        )

    def _check_run(self, run, plan, epochs, incremental, continuing, objective):
        """Raise or warn about how training ended: interrupted, diverged, not converged.

        ``objective``: what trained, whose Keras schedule (if any) the final rate is read from.
        """
        loss_curve = run.loss_curve
        if run.interrupted:
            if not loss_curve:  # not one epoch finished: nothing to keep
                raise KeyboardInterrupt
            # As scikit-learn's MLP: keep what was reached, warn, and return normally.
            warnings.warn(
                f"{type(self).__name__}: training interrupted by user after {len(loss_curve)} of "
                f"{epochs} epochs; the estimator keeps the weights it had reached.",
                UserWarning,
                stacklevel=_caller_level(),
            )
        diverged = not np.isfinite(loss_curve[-1])
        if diverged and not (plan.best_score is not None and np.isfinite(plan.best_score)):
            raise ValueError(divergence_message(loss_curve[-1], len(loss_curve), plan.learning_rate))
        # The optimizer's step count runs on over warm starts and partial_fit calls, and so does the decay.
        schedule = _optimizers.schedule_from_key(objective.learning_rate_schedule)
        if schedule is None:
            self.final_learning_rate_ = final_learning_rate(plan.rate, self.learning_rate_decay, run.n_steps)
        else:
            self.final_learning_rate_ = _optimizers.rate_at(schedule, run.n_steps)
        self._scheduled_learning_rate = plan.rate
        if incremental:
            if not continuing:
                self.diagnostics_ = {"messages": []}
            return
        measured, messages = diagnose(
            loss_curve,
            learning_rate=plan.learning_rate,
            final_rate=self.final_learning_rate_,
            learning_rate_decay=self.learning_rate_decay,
            schedule=None if schedule is None else schedule.get("class_name"),
            n_steps=run.n_steps,
            epochs=epochs,
            stopped=plan.stopped or run.interrupted,
            failure=plan.failure,
            early_stopping=plan.validation is not None,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
        )
        if diverged:  # with early stopping: the best epoch's weights were kept
            messages.insert(
                0, divergence_message(loss_curve[-1], len(loss_curve), plan.learning_rate, kept=True)
            )
        for message in messages:
            warnings.warn(f"{type(self).__name__}: {message}", ConvergenceWarning, stacklevel=_caller_level())
        self.diagnostics_ = {**measured, "messages": messages}

    def _record_run(self, run, plan, n_samples, continuing, incremental):
        """The fitted attributes that tell the training story, as scikit-learn's MLP names them."""
        history = {name: list(values) for name, values in run.history.items()}
        if continuing:
            history = {name: self.history_.get(name, []) + values for name, values in history.items()}
        self.history_ = history
        self.loss_curve_ = history["loss"]
        self.n_iter_ = len(run.loss_curve)  # epochs of this call; loss_curve_ and t_ accumulate, as in MLP
        self._current_epoch = (self.current_epoch if incremental and continuing else 0) + self.n_iter_
        # t_ counts training samples seen, as in scikit-learn's MLP.
        self.t_ = (self.t_ if continuing else 0) + n_samples * len(run.loss_curve)
        if plan.validation is not None:
            # Warm starts go on adding to the scores, as in MLP.
            earlier = (self.validation_scores_ or []) if continuing else []
            self.validation_scores_ = earlier + plan.scores
            self.best_validation_score_ = max(
                plan.best_score, self.best_validation_score_ if earlier else -np.inf
            )
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = float(np.nanmin(self.loss_curve_))
        self.loss_ = float(self.loss_curve_[-1])  # as in scikit-learn's MLP: the last training loss

    def _record_initialized(self):
        """The training record of an initialized, untrained network."""
        self.history_ = {"loss": []}
        self.loss_curve_ = self.history_["loss"]
        self.n_iter_ = self.t_ = self._current_epoch = 0
        self.validation_scores_ = self.best_validation_score_ = self.best_loss_ = self.loss_ = None
        self.final_learning_rate_ = self._scheduled_learning_rate = self._learning_rate()
        self.diagnostics_ = {"messages": []}

    def _new_network(self, X, y, hidden, rng):
        """Architecture, objective and initial state for a fresh fit."""
        dtype = backend_float_dtype(X.dtype.name)
        if self._build_fn() is None:
            n_outputs, loss, output_activation, sparse = self._target_layout()
            if self.output_activation is not None:
                output_activation = self.output_activation
            check_keras_has("activation", self.activation)
            check_keras_has("output_activation", output_activation)
            architecture = Architecture(
                n_features=X.shape[1],
                hidden_layer_sizes=hidden,
                activation=self.activation,
                n_outputs=n_outputs,
                output_activation=output_activation,
                dropout=float(self.dropout),
                batch_normalization=bool(self.batch_normalization),
                dtype=dtype,
            )
            coefs, intercepts = initial_weights(rng, (X.shape[1], *hidden, n_outputs))
            batch_norm = initial_batch_norm(hidden) if self.batch_normalization else None
            weights = keras_weights(coefs, intercepts, batch_norm, dtype)
            for name in ("_custom_model", *_BUILD_FN_ATTRIBUTES):
                self.__dict__.pop(name, None)
        else:
            architecture = None
            model = self._build_custom_model(X, y, rng)
            _check_single_input_and_output(model)
            dtype = _variable_dtype(model)
            n_outputs, loss, output_activation, sparse = self._target_layout(model)
            output_activation = None
            weights = model.get_weights()
            self.__dict__["_custom_model"] = model
            self._custom_compiled = getattr(model, "optimizer", None) is not None
        self._check_routed_params(loss)
        objective = Objective(
            loss=loss,
            loss_params=tuple(sorted(_routing.routed(self._routed_params(), "loss").items())),
            optimizer=_optimizers.optimizer_key(self.optimizer),
            optimizer_params=tuple(sorted(self._optimizer_params().items())),
            learning_rate_schedule=_optimizers.schedule_key(self._learning_rate_schedule()),
            metrics=tuple(_as_list(self.metrics)),
            sparse_targets=sparse,
            dtype=dtype,
            loss_scale=self._loss_scale(),
        )
        self.out_activation_ = output_activation
        return architecture, objective, TrainingState(weights)

    def _check_routed_params(self, loss):
        routed = self._routed_params()
        _routing.check_optimizer_params(_optimizers.optimizer_key(self.optimizer), self._optimizer_params())
        _routing.check_loss_params(loss, _routing.routed(routed, "loss"))
        if self._build_fn() is None and _routing.routed(routed, "model"):
            raise ValueError(
                "model__ parameters go to a model build function, but model=None (the built-in "
                f"MLP); got {sorted('model__' + k for k in _routing.routed(routed, 'model'))}."
            )

    def _build_custom_model(self, X, y, rng):
        n_outputs, loss, _, _ = self._target_layout()
        meta = {
            "n_features_in_": X.shape[1],
            "X_dtype_": X.dtype,
            "X_shape_": X.shape,
            "n_outputs_expected_": n_outputs,
            **self._target_meta(y),
        }
        if hasattr(self, "feature_names_in_"):
            meta["feature_names_in_"] = self.feature_names_in_
        compile_kwargs = {
            "optimizer": make_optimizer(
                _optimizers.optimizer_key(self.optimizer),
                _optimizers.rate_or_schedule(self._learning_rate_setting()),
                self._optimizer_params(),
            ),
            "loss": loss,
            "metrics": _as_list(self.metrics),
        }
        provided = {
            "n_features_in": X.shape[1],
            "n_outputs": n_outputs,
            "meta": meta,
            "compile_kwargs": compile_kwargs,
        }
        for name, value in meta.items():  # SciKeras' fitted attributes, read by _keras_build_fn methods
            setattr(self, name, value)
        return _routing.build_model(
            self._build_fn(),
            _routing.routed(self._routed_params(), "model"),
            provided,
            self.get_params(deep=False),
            int(rng.randint(0, _SEED_BOUND)),
            bare_params=[
                name
                for name in self._extra_params()
                if not _routing.is_routed(name) and name not in self._library_param_names()
            ],
        )

    def _check_same_network(self, hidden):
        if self._build_fn() is None and hidden != self._architecture.hidden_layer_sizes:
            raise ValueError(
                "warm_start and partial_fit continue training the fitted network, which has "
                f"hidden_layer_sizes={self._architecture.hidden_layer_sizes}; got "
                f"hidden_layer_sizes={hidden}. Fit a fresh estimator to change the architecture."
            )

    def _set_network(self, architecture, objective, state):
        self._architecture = architecture
        self._objective = objective
        self._state = state
        if architecture is None:
            self.n_layers_ = len(self.__dict__["_custom_model"].layers) + 1
        else:
            n_layers = len(architecture.hidden_layer_sizes) + 1
            self.n_layers_ = n_layers + 1  # input, hidden and output layers, as in scikit-learn's MLP
            self.coefs_, self.intercepts_, self._batch_norm = split_weights(
                state.weights, n_layers, architecture.batch_normalization
            )
            self.__dict__.pop("_keras_model", None)

    # -- prediction ---------------------------------------------------------

    def _forward(self, X, pre_activation=False):
        """Network outputs for X (before the output activation, if asked), in the network's dtype."""
        check_is_fitted(self)
        X = self._check_X_shape(validate_data(self, X, reset=False, **self._X_options()))
        if self._architecture is None:
            return self._custom_forward(X)
        a = self._architecture
        output_activation = "linear" if pre_activation else a.output_activation

        def outputs(rows):
            return forward(
                rows, self.coefs_, self.intercepts_, a.activation, output_activation, self._batch_norm
            )

        # A chunk at a time, so the hidden activations take memory bounded whatever the number of rows;
        # sparse chunks stay sparse (the first layer multiplies them as they are).
        return map_in_chunks(outputs, X, self._predict_chunk_rows() or CHUNK_ROWS, densify=False)

    def _custom_forward(self, X):
        import keras

        model, dtype = self.model_, self._objective.dtype

        def outputs(rows):
            return keras.ops.convert_to_numpy(model(rows.astype(dtype), training=False))

        chunk_rows = self._predict_chunk_rows() or CHUNK_ROWS
        return map_in_chunks(outputs, X, chunk_rows).astype(np.float64).reshape(X.shape[0], -1)

    @property
    def model_(self):
        """The trained network as a ``keras.Model``.

        For the built-in MLP it is built from the fitted weights on first
        access; for a model build function it is the model that was trained.

        Examples
        --------
        >>> from sknnlite import TinyNetRegressor
        >>> reg = TinyNetRegressor((4,), epochs=5).fit([[0.0], [1.0]], [0.0, 1.0])
        >>> [type(layer).__name__ for layer in reg.model_.layers]
        ['Dense', 'Dense']
        """
        check_is_fitted(self)
        if self._architecture is None:
            return self.__dict__["_custom_model"]
        model = self.__dict__.get("_keras_model")
        if model is None:
            a = self._architecture
            model = a.build()
            model.set_weights(self._state.weights)
            self.__dict__["_keras_model"] = model
        return model

    def _attach_keras_model(self, model):
        """Take the weights (and, for a custom model, the model) from a loaded Keras model."""
        if self._architecture is None:
            self.__dict__["_custom_model"] = model
            self.__dict__.pop("_custom_trainer", None)
            return
        state = TrainingState(model.get_weights(), self._state.optimizer_state)
        self._set_network(self._architecture, self._objective, state)
        self.__dict__["_keras_model"] = model

    def save(self, path):
        """Save the fitted estimator in Keras' native ``.keras`` format.

        ``keras.saving.load_model(path)`` opens the file as the trained
        network; :meth:`load` restores the whole estimator (parameters,
        ``classes_``, feature names, optimizer state for ``partial_fit``).
        The estimator part is stored as data (JSON and NumPy arrays), not
        pickled, so opening the file runs no code from it. Code the
        estimator refers to (a ``model`` build function, custom losses,
        activations or callbacks) is stored by name; :meth:`load` asks for it.

        Parameters
        ----------
        path : str or path-like
            Destination, ending in ``.keras``.

        Examples
        --------
        >>> import pathlib, tempfile
        >>> from sknnlite import TinyNetClassifier
        >>> clf = TinyNetClassifier((4,), epochs=5, random_state=0).fit([[0.0], [1.0]], ["no", "yes"])
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "clf.keras"
        >>> clf.save(path)
        >>> TinyNetClassifier.load(path).classes_
        array(['no', 'yes'], dtype='<U3')
        """
        check_is_fitted(self)
        _persistence.save(self, path)

    @classmethod
    def load(cls, path, *, trusted=None, custom_objects=None, allow_pickle=False):
        """Load an estimator saved with :meth:`save`, running no code from the file.

        Parameters
        ----------
        path : str or path-like
            A ``.keras`` file written by :meth:`save`.
        trusted : list of objects or str, default=None
            The code the file may name: a ``model`` build function, custom
            losses, activations, metrics, layers or callbacks, as the objects
            themselves or as ``"module.name"`` strings (imported on load). A
            file naming anything else fails with the list of names to trust.
            Keras' own losses, metrics and optimizers need no trust.
        custom_objects : dict, default=None
            Keras' way to name the same: ``{"name": object}``, also passed to
            ``keras.saving.load_model``.
        allow_pickle : bool, default=False
            Open a file written by sknnlite 0.1.0, whose estimator part is a
            pickle (which can run any code in the file), with a warning.
            Only for files you trust; save the estimator again to convert it.

        Returns
        -------
        estimator : instance of this class
            The fitted estimator, predicting as the saved one did.

        Examples
        --------
        >>> import pathlib, tempfile
        >>> import numpy as np
        >>> from sknnlite import TinyNetRegressor
        >>> X, y = [[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0]
        >>> reg = TinyNetRegressor((4,), epochs=5, random_state=0).fit(X, y)
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "reg.keras"
        >>> reg.save(path)
        >>> bool(np.array_equal(TinyNetRegressor.load(path).predict(X), reg.predict(X)))
        True
        """
        return _persistence.load(
            path,
            expected_class=cls,
            trusted=trusted,
            custom_objects=custom_objects,
            allow_pickle=allow_pickle,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def __sklearn_is_fitted__(self):
        return hasattr(self, "_state")

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: Python returns the live __dict__
        for name in ("_keras_model", "_custom_trainer"):
            state.pop(name, None)
        return state
