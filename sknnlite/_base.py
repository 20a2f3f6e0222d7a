"""The parameters, validation and fit/predict machinery both estimators share."""

import functools
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._diagnostics import diagnose, divergence_message
from ._names import ACTIVATIONS, OPTIMIZERS
from ._network import build_keras_model, forward, initial_weights, keras_weights
from ._training import Architecture, TrainingOptions, train

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


def _check_hidden_layer_sizes(hidden_layer_sizes):
    sizes = [hidden_layer_sizes] if isinstance(hidden_layer_sizes, Integral) else list(hidden_layer_sizes)
    if not all(isinstance(s, Integral) and not isinstance(s, bool) and s > 0 for s in sizes):
        raise ValueError(
            "hidden_layer_sizes must be a sequence of positive integers (units per hidden "
            f"layer; () for no hidden layer), got {hidden_layer_sizes!r}."
        )
    return tuple(int(s) for s in sizes)


class BaseTinyNet(BaseEstimator):
    """Base class for TinyNet estimators; not for direct use."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(ACTIVATIONS), callable],
        "output_activation": [None, StrOptions(ACTIVATIONS), callable],
        "optimizer": [StrOptions(OPTIMIZERS)],
        "learning_rate": [Interval(Real, 0, None, closed="left")],
        "learning_rate_decay": [Interval(Real, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        activation="relu",
        output_activation=None,
        loss,
        optimizer="adam",
        learning_rate=0.001,
        learning_rate_decay=0.0,
        alpha=0.0,
        batch_size=32,
        epochs=200,
        shuffle=True,
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.loss = loss
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.learning_rate_decay = learning_rate_decay
        self.alpha = alpha
        self.batch_size = batch_size
        self.epochs = epochs
        self.shuffle = shuffle
        self.random_state = random_state
        self.verbose = verbose

    def _fit_network(self, X, targets, *, n_outputs, loss, output_activation):
        """Train on validated ``X`` and encoded ``targets``; set fitted state.

        ``targets`` is 1-D (integer class codes, for a sparse loss) or has one
        column per network output. The network computes in X's float dtype,
        as scikit-learn's MLP does: float64 data trains in float64, which lets
        Adam settle on an exact optimum instead of jittering at float32's
        rounding noise; float32 data trains in float32.
        """
        dtype = X.dtype.name
        hidden = _check_hidden_layer_sizes(self.hidden_layer_sizes)
        if self.output_activation is not None:
            output_activation = self.output_activation
        rng = check_random_state(self.random_state)
        coefs, intercepts = initial_weights(rng, (X.shape[1], *hidden, n_outputs))
        seed = rng.randint(0, _SEED_BOUND, size=2)
        architecture = Architecture(
            n_features=X.shape[1],
            hidden_layer_sizes=hidden,
            activation=self.activation,
            n_outputs=n_outputs,
            output_activation=output_activation,
            loss=loss,
            optimizer=self.optimizer,
            sparse_targets=targets.ndim == 1,
            dtype=dtype,
        )
        options = TrainingOptions(
            coefs=coefs,
            intercepts=intercepts,
            epochs=self.epochs,
            batch_size=self.batch_size,
            shuffle=self.shuffle,
            learning_rate=self.learning_rate,
            learning_rate_decay=self.learning_rate_decay,
            alpha=self.alpha,
            seed=seed,
            verbose=self.verbose,
        )
        run = train(
            architecture, np.ascontiguousarray(X), np.ascontiguousarray(targets, dtype=dtype), options
        )
        if not np.isfinite(run.loss_curve[-1]):
            raise ValueError(divergence_message(run.loss_curve[-1], len(run.loss_curve), self.learning_rate))
        measured, messages = diagnose(
            run.loss_curve,
            learning_rate=self.learning_rate,
            learning_rate_decay=self.learning_rate_decay,
            n_steps=run.n_steps,
            epochs=self.epochs,
        )
        for message in messages:
            # Level 5: past _fit_network, fit, _restore_on_error and _fit_context.
            warnings.warn(f"{type(self).__name__}: {message}", ConvergenceWarning, stacklevel=5)
        self.coefs_ = run.coefs
        self.intercepts_ = run.intercepts
        self.loss_curve_ = run.loss_curve
        self.history_ = {"loss": list(run.loss_curve)}
        self.n_iter_ = len(run.loss_curve)
        self.t_ = run.n_steps
        self.final_learning_rate_ = measured["final_learning_rate"]
        self.diagnostics_ = {**measured, "messages": messages}
        self.out_activation_ = output_activation
        self.loss_ = loss
        # Predictions use what was trained, not parameters set after fitting.
        self._architecture = architecture
        self._alpha = self.alpha
        self.__dict__.pop("_keras_model", None)
        return self

    def _forward(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return forward(X, self.coefs_, self.intercepts_, self._architecture.activation, self.out_activation_)

    @property
    def model_(self):
        """The trained network as a ``keras.Model`` (built on first access)."""
        check_is_fitted(self)
        model = self.__dict__.get("_keras_model")
        if model is None:
            a = self._architecture
            model = build_keras_model(
                a.n_features,
                a.hidden_layer_sizes,
                a.activation,
                a.n_outputs,
                a.output_activation,
                self._alpha,
                a.dtype,
            )
            model.set_weights(keras_weights(self.coefs_, self.intercepts_, a.dtype))
            self.__dict__["_keras_model"] = model
        return model

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_keras_model", None)
        return state
