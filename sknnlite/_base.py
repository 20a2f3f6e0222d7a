"""The estimators' shared scikit-learn surface: parameters, ``fit`` as named steps, ``predict``, saving.

``BaseTinyNet`` holds what scikit-learn sees (parameters, routed ones
included; ``fit`` / ``partial_fit`` / ``initialize``; tags) and little
else: parameter resolution lives in ``_parameters``, the fit procedure's
steps in ``_fit_procedure``, networks from build functions in
``_custom_model``, prediction in ``_prediction``, training engines in
``_training`` and saving in ``_persistence``.
"""

import functools
import inspect
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, InvalidParameterError, Options, StrOptions
from sklearn.utils.validation import _check_sample_weight, _num_samples, check_is_fitted

from . import _encoders, _fit_procedure, _parameters, _persistence, _prediction, _routing
from ._backends import import_keras
from ._fit_procedure import restore_on_error
from ._input import training_matrix
from ._names import ACTIVATIONS, OPTIMIZERS
from ._network import split_weights
from ._training import compile_cache, engine
from ._training.records import SEED_BOUND, TrainingState


def _trains_incrementally(estimator):
    """Whether ``partial_fit`` exists: not with lbfgs, which trains on the whole data (as in MLP)."""
    if estimator.optimizer == "lbfgs":
        raise AttributeError("partial_fit is only available for stochastic optimizers; optimizer='lbfgs'.")
    return True


def _store_init_arguments(estimator, arguments):
    """``__init__``'s body: store every argument unchanged, routed keywords included."""
    arguments = dict(arguments)
    extra = arguments.pop("routed_params")
    for name in ("self", "__class__"):
        arguments.pop(name, None)
    for name, value in arguments.items():
        setattr(estimator, name, value)
    vars(estimator).update(extra)


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
        >>> from sknnlite import TinyNetRegressor
        >>> reg = TinyNetRegressor(optimizer="sgd", optimizer__momentum=0.9)
        >>> params = reg.get_params()
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
        >>> reg = TinyNetRegressor().set_params(loss="huber", loss__delta=0.5)
        >>> reg.loss, reg.loss__delta
        ('huber', 0.5)
        >>> reg.set_params(epochs=10).epochs
        10
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
    @restore_on_error
    def initialize(self, X, y=None):
        """Build the network for X and y without training it (SciKeras' ``initialize``).

        The estimator is then fitted with its initial weights: it predicts,
        ``partial_fit`` and ``warm_start`` fits go on from them, and a
        ``keras.Model`` given as ``model=`` predicts with its own (pre-trained)
        weights, as SciKeras' ``initialize`` does. A plain ``fit`` starts afresh.

        Such a ``keras.Model`` is used as it is, not copied (``fit`` trains a
        copy): ``model_`` is that object, so a model sharing layers with
        another (an autoencoder's encoder) predicts with the shared weights,
        and ``partial_fit`` or a ``warm_start`` fit after ``initialize``
        trains it in place, as in SciKeras.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data of the shape the network will take.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Targets, which set the outputs (and a classifier's ``classes_``).
            A regressor whose ``model`` is a ``keras.Model`` may leave it
            out: the model's outputs set them.

        Returns
        -------
        self : estimator instance
            The initialized estimator; ``n_iter_`` is 0 and ``loss_curve_`` empty.

        Examples
        --------
        >>> from sknnlite import TinyNetRegressor
        >>> reg = TinyNetRegressor((4,), random_state=0)
        >>> reg = reg.initialize([[0.0], [1.0]], [0.0, 1.0])
        >>> reg.predict([[0.5]]).shape, reg.n_iter_
        ((1,), 0)
        """
        self._initialize(X, y)
        return self

    def _initialize(self, X, y=None):
        """Build the network without training it; ``(X, y)`` back as given. SciKeras' hook.

        A subclass may override it, calling ``super()._initialize(X, y)``
        first (to set up models of its own, e.g. an autoencoder's encoder
        and decoder); ``fit`` then calls it before training and trains from
        the network it built, on the ``y`` it returns.
        """
        if y is None:
            y = self._stand_in_targets(X)
        self._fit(X, y, None, incremental=False, train=False)
        return X, y

    def _stand_in_targets(self, X):
        """Zeros shaped like the outputs of a ``keras.Model`` given as ``model=``, for ``initialize(X)``."""
        import_keras()
        import keras

        model = self._build_fn()
        if not isinstance(model, keras.Model) or len(model.outputs) != 1:
            raise ValueError(
                f"{type(self).__name__}.initialize(X) without y needs model= a keras.Model with one output, "
                "whose shape stands for the targets'; pass y to set the outputs."
            )
        width = model.outputs[0].shape[-1]
        return np.zeros((_num_samples(X),) if width == 1 else (_num_samples(X), width))

    @property
    def feature_encoder(self):
        """What X becomes before the model: None (X as it is), or a subclass's transformer (SciKeras' hook).

        Override this property in a subclass to return an unfitted
        scikit-learn transformer: ``fit`` fits it on X (``feature_encoder_``)
        and every call feeds the model ``transform(X)``: a list (or dict by
        input name) of arrays for a model with several inputs, or an array
        of another shape. Items of its optional ``get_metadata()`` become
        fitted attributes and the build function's ``meta``.

        Examples
        --------
        >>> import keras
        >>> from sklearn.preprocessing import FunctionTransformer
        >>> from sknnlite import TinyNetRegressor
        >>> class TwoInputRegressor(TinyNetRegressor):
        ...     @property
        ...     def feature_encoder(self):
        ...         return FunctionTransformer(lambda X: [X[:, :1], X[:, 1:]])
        >>> def build():
        ...     a, b = keras.Input((1,)), keras.Input((1,))
        ...     out = keras.layers.Dense(1)(keras.layers.Concatenate()([a, b]))
        ...     return keras.Model([a, b], out)
        >>> reg = TwoInputRegressor(model=build, epochs=5)
        >>> reg = reg.fit([[0.0, 1.0], [1.0, 0.0]], [1.0, 1.0])
        >>> reg.predict([[0.5, 0.5]]).shape
        (1,)
        """
        return None

    def _fitted_feature_encoder(self):
        encoder = self.__dict__.get("feature_encoder_")
        if encoder is not None:
            return encoder
        check_is_fitted(self)  # NotFittedError is an AttributeError: no feature_encoder_ before fit
        from sklearn.preprocessing import FunctionTransformer

        return FunctionTransformer().fit(np.zeros((1, self.n_features_in_)))

    def _set_feature_encoder(self, encoder):
        self.__dict__["feature_encoder_"] = encoder

    def _drop_feature_encoder(self):
        self.__dict__.pop("feature_encoder_", None)

    feature_encoder_ = property(
        _fitted_feature_encoder,
        _set_feature_encoder,
        _drop_feature_encoder,
        doc="""The fitted feature encoder: X as the model takes it is ``feature_encoder_.transform(X)``.

        The subclass's :attr:`feature_encoder` fitted on X, or, when it
        gives none, an identity ``FunctionTransformer`` (SciKeras' default,
        so a SciKeras subclass's ``transform`` method that calls it works).

        Examples
        --------
        >>> from sknnlite import TinyNetRegressor
        >>> reg = TinyNetRegressor((4,), epochs=5)
        >>> reg = reg.fit([[0.0], [1.0]], [0.0, 1.0])
        >>> reg.feature_encoder_.transform([[0.5]])
        [[0.5]]
        """,
    )

    @property
    def target_encoder(self):
        """What y becomes for the model: None (sknnlite's own encoding), or a subclass's transformer.

        SciKeras' hook. Override this property in a subclass to return an
        unfitted scikit-learn transformer: ``fit`` fits it on y
        (``target_encoder_``) and trains the model on ``transform(y)`` (a
        list, or dict by output name, of arrays for a model with several
        outputs); predictions are ``inverse_transform(outputs)`` (a
        classifier's ``predict_proba`` passes ``return_proba=True``). Items
        of its optional ``get_metadata()`` become fitted attributes and the
        build function's ``meta``. Needs ``model=``. A classifier given a
        ``multiclass-multioutput`` y uses :class:`MultiOutputLabelEncoder`
        without being asked.

        Examples
        --------
        >>> import keras
        >>> from sklearn.preprocessing import FunctionTransformer
        >>> from sknnlite import TinyNetRegressor
        >>> class LogTargetRegressor(TinyNetRegressor):
        ...     @property
        ...     def target_encoder(self):
        ...         return FunctionTransformer(np.log1p, inverse_func=np.expm1)
        >>> def build():
        ...     inputs = keras.Input((1,))
        ...     return keras.Model(inputs, keras.layers.Dense(1)(inputs))
        >>> import numpy as np
        >>> reg = LogTargetRegressor(model=build, epochs=5)
        >>> reg = reg.fit([[0.0], [1.0]], [[1.0], [9.0]])
        >>> reg.predict([[0.5]]).shape
        (1, 1)
        """
        return None

    def _encoded_score(self, y, y_pred, sample_weight):
        """``score`` where a target encoder gives the predictions: SciKeras' ``scorer`` hook, else
        ``_default_scorer`` (subset accuracy or R^2 over every output)."""
        scorer = getattr(self, "scorer", None)
        if callable(scorer):
            return float(scorer(y, y_pred, sample_weight=sample_weight))
        return self._default_scorer(y, y_pred, sample_weight)

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
        >>> reg = reg.partial_fit([[0.0], [1.0]], [0.0, 1.0])
        >>> reg.partial_fit([[0.5]], [0.5]).current_epoch
        2
        """
        return getattr(self, "_current_epoch", 0)

    def _fit(self, X, y, sample_weight, *, incremental, classes=None, train=True):
        """Shared body of ``fit``, ``partial_fit`` and ``initialize`` (``train=False``)."""
        import_keras()
        compile_cache.configure()
        _parameters.check_before_data(self, incremental)
        continuing = train and hasattr(self, "_state") and (incremental or self.warm_start)
        if (
            train
            and not (continuing or incremental)
            and type(self)._initialize is not BaseTinyNet._initialize
        ):
            # SciKeras' hook, overridden: it builds the network (and whatever the subclass adds), then
            # fit trains from there on the y it returns.
            _, y = self._initialize(X, y)
            continuing = True
        X, y, targets, y_score, sample_weight = self._training_data(
            X, y, sample_weight, continuing, incremental, classes
        )
        hidden = _parameters.hidden_layer_sizes(self)
        architecture, objective, state, rng = self._network(X, y, hidden, continuing, copy_model=train)
        targets = self._network_targets(targets)
        if not train:
            _fit_procedure.record_initialized(self)
            self._set_network(architecture, objective, state)
            return self
        seed = rng.randint(0, SEED_BOUND, size=2)
        X, rows, targets, sample_weight, validation, logged = _fit_procedure.held_out(
            self, X, targets, sample_weight, y_score, rng
        )
        n_samples = targets.shape[0]
        plan = _fit_procedure.stopping_plan(self, n_samples, validation, continuing, incremental)
        plan.logged = logged
        epochs = 1 if incremental else _parameters.fit_setting(self, "epochs")
        initial_epoch = len(self.loss_curve_) if continuing else 0
        options = _parameters.training_options(self, n_samples, seed, epochs, initial_epoch)
        run = self._train(architecture, objective, X, targets, sample_weight, state, options, plan, rows)
        _fit_procedure.check_run(self, run, plan, epochs, incremental, continuing, objective)
        _fit_procedure.record_run(self, run, plan, n_samples, continuing, incremental)
        self._set_network(architecture, objective, run.state)
        return self

    def _training_data(self, X, y, sample_weight, continuing, incremental, classes):
        """X checked (in the fitted network's dtype when continuing), y, its encodings and the weights."""
        first_call = not continuing
        X, y = self._check_training_data(X, y, reset=first_call)
        X = self._check_X_shape(_encoders.encode_features(self, X, first_call))
        if continuing:
            X = X.astype(self._objective.dtype, copy=False)
        encoder = _encoders.target_encoder_for(self, y) if first_call else None
        if encoder is not None or (continuing and _encoders.targets_encoded(self)):
            targets, y_score = _encoders.encode_targets(self, y, first_call, encoder)
            self._encoded_target_attributes(y, first_call)
        else:
            if first_call:
                _encoders.drop_target_encoder(self)
            targets, y_score = self._encode_targets(y, first_call=first_call, classes=classes)
        sample_weight = self._training_sample_weight(sample_weight, X, y, incremental)
        return X, y, targets, y_score, sample_weight

    def _network(self, X, y, hidden, continuing, copy_model=True):
        """``(architecture, objective, state, rng)``: the fitted network's when continuing, else a new one."""
        if continuing:
            self._check_same_network(hidden)
            return self._architecture, self._objective, self._state, self._random_state
        rng = check_random_state(self.random_state)
        self._random_state = rng
        return (*_fit_procedure.new_network(self, X, y, hidden, rng, copy_model), rng)

    def _train(self, architecture, objective, X, targets, sample_weight, state, options, plan, rows):
        """One call of the engine for this fit (``_training/engine.py``); a custom model keeps its trainer."""
        X, targets = training_matrix(X), np.ascontiguousarray(targets, dtype=objective.dtype)
        custom = None
        if architecture is None:
            custom = engine.CustomModel(
                _encoders.training_model(self), self._custom_compiled, self.__dict__.get("_custom_trainer")
            )
        callbacks = _parameters.fit_callbacks(self)
        run = engine.train(
            architecture, objective, X, targets, sample_weight, state, options, plan, callbacks, rows, custom
        )
        if custom is not None:
            self.__dict__["_custom_trainer"] = custom.trainer
        return run

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
        return _prediction.forward(self, X, pre_activation)

    @property
    def model_(self):
        """The trained network as a ``keras.Model``.

        For the built-in MLP it is built from the fitted weights on first
        access; for a model build function it is the model that was trained.

        Examples
        --------
        >>> from sknnlite import TinyNetRegressor
        >>> reg = TinyNetRegressor((4,), epochs=5)
        >>> reg = reg.fit([[0.0], [1.0]], [0.0, 1.0])
        >>> [type(layer).__name__ for layer in reg.model_.layers]
        ['Dense', 'Dense']
        """
        return _prediction.keras_model(self)

    def _attach_keras_model(self, model):
        """Take the weights (and, for a custom model, the model) from a loaded Keras model."""
        if self._architecture is None:
            self.__dict__["_custom_model"] = model
            self.__dict__.pop("_custom_trainer", None)
            self.__dict__.pop("_adapted_model", None)
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
        >>> from sknnlite import TinyNetRegressor
        >>> reg = TinyNetRegressor((4,), epochs=5, random_state=0)
        >>> reg = reg.fit([[0.0], [1.0]], [0.0, 1.0])
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "reg.keras"
        >>> reg.save(path)
        >>> TinyNetRegressor.load(path).n_features_in_
        1
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

        Raises
        ------
        ValueError
            The file is malformed or hostile: not a zip archive, a member
            with an unsafe or unexpected name, declaring more data than a
            model file holds (a zip bomb), arrays that disagree with their
            sizes or with the record, code that was not trusted. Every
            member is checked before it is read, so a small file cannot
            make loading read gigabytes.
        TypeError
            The file holds another estimator class than this one.

        Examples
        --------
        >>> import pathlib, tempfile
        >>> import numpy as np
        >>> from sknnlite import TinyNetRegressor
        >>> X, y = [[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0]
        >>> reg = TinyNetRegressor((4,), epochs=5, random_state=0).fit(X, y)
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "reg.keras"
        >>> reg.save(path)
        >>> loaded = TinyNetRegressor.load(path)
        >>> bool(np.array_equal(loaded.predict(X), reg.predict(X)))
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

    def __dir__(self):
        # Not model_: scikit-learn's __dir__ (hasattr on every name) and tools that read every fitted
        # attribute found there (skl2onnx, tab completion) would build the Keras model, importing Keras.
        return [name for name in object.__dir__(self) if name != "model_" and hasattr(self, name)]

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: Python returns the live __dict__
        for name in ("_keras_model", "_custom_trainer", "_adapted_model"):
            state.pop(name, None)
        return state
