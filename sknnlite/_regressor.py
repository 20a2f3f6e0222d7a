"""TinyNetRegressor: a Keras MLP for regression behind scikit-learn's API."""

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import validate_data

from . import _encoders, _persistence
from ._base import BaseTinyNet, _store_init_arguments, _trains_incrementally
from ._docs import fill_docstring
from ._fit_procedure import restore_on_error
from ._names import REGRESSION_LOSSES, canonical_loss_name

# Losses defined only for positive predictions, and the output that keeps them so.
_POSITIVE_OUTPUTS = {"poisson": "exponential", "mean_squared_logarithmic_error": "softplus"}
# Losses of targets in [0, 1] (a sigmoid output) or of rows that are distributions (a softmax output).
_UNIT_INTERVAL_OUTPUTS = {"binary_crossentropy": "sigmoid", "binary_focal_crossentropy": "sigmoid"}
_DISTRIBUTION_OUTPUTS = {"categorical_crossentropy": "softmax", "kl_divergence": "softmax"}
_LOSS_OUTPUTS = {**_POSITIVE_OUTPUTS, **_UNIT_INTERVAL_OUTPUTS, **_DISTRIBUTION_OUTPUTS}


@_persistence.loadable
@fill_docstring
class TinyNetRegressor(RegressorMixin, BaseTinyNet):
    """Multilayer perceptron regressor built and trained with Keras 3.

    The network is a plain MLP, input -> hidden ``Dense`` layers -> a linear
    ``Dense`` output, built at :meth:`fit` time and trained with a Keras
    optimizer on a Keras loss; or any Keras model a ``model`` build function
    returns.

    Parameters
    ----------
    {network}
    output_activation : str, callable or None, default=None
        Output activation; None means ``"linear"``, except for losses that
        need positive predictions: ``"poisson"`` gets ``"exponential"`` (the
        log link of a Poisson GLM) and ``"msle"`` gets ``"softplus"`` (Keras
        clips negative predictions there, which stops the gradient); the
        binary crossentropies get ``"sigmoid"``, categorical crossentropy
        and KL divergence ``"softmax"``.
    loss : str or callable, default="mse"
        A Keras regression loss: ``"mse"``, ``"mae"``, ``"mape"``,
        ``"msle"``, ``"huber"``, ``"log_cosh"``, ``"poisson"``,
        ``"cosine_similarity"`` (or their long names); for targets in [0, 1]
        ``"binary_crossentropy"`` and ``"binary_focal_crossentropy"`` (a
        sigmoid output, as in an autoencoder of images); for rows that are
        distributions ``"categorical_crossentropy"`` and ``"kl_divergence"``
        (a softmax output); or a callable ``loss(y_true, y_pred)``.
    {training}

    Attributes
    ----------
    {attributes}
    n_outputs_ : int
        Number of targets.

    See Also
    --------
    TinyNetClassifier : The classifier with the same network.
    sklearn.neural_network.MLPRegressor : scikit-learn's NumPy MLP.

    Notes
    -----
    Predictions of the built-in MLP are computed with NumPy from the trained
    weights, so ``predict`` does not need TensorFlow and gives each row the
    same value whatever batch it is in. As in scikit-learn's MLP, the network
    trains and predicts in the dtype of ``X``: float32 data gives float32
    ``coefs_`` and predictions.

    Examples
    --------
    >>> import numpy as np
    >>> from sknnlite import TinyNetRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(size=(500, 4))
    >>> y = X[:, 3] - X[:, 2]
    >>> reg = TinyNetRegressor(hidden_layer_sizes=(), learning_rate=0.01,
    ...                        epochs=100, random_state=0).fit(X, y)
    >>> np.round(reg.coefs_[0].ravel(), 1) + 0.0
    array([ 0.,  0., -1.,  1.])
    >>> float(round(reg.score(X, y), 3))
    1.0
    """

    _parameter_constraints: dict = {
        **BaseTinyNet._parameter_constraints,
        "loss": [StrOptions(REGRESSION_LOSSES), callable],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        activation="relu",
        output_activation=None,
        loss="mse",
        dropout=0.0,
        batch_normalization=False,
        optimizer="adam",
        learning_rate=0.001,
        learning_rate_decay=0.0,
        learning_rate_schedule="constant",
        power_t=0.5,
        alpha=0.0,
        batch_size=32,
        epochs=200,
        max_fun=15000,
        shuffle=True,
        early_stopping=False,
        validation_fraction=0.1,
        validation_split=0.0,
        n_iter_no_change=10,
        tol=1e-4,
        warm_start=False,
        metrics=None,
        callbacks=None,
        model=None,
        random_state=None,
        verbose=0,
        **routed_params,
    ):
        _store_init_arguments(self, locals())

    @_fit_context(prefer_skip_nested_validation=True)
    @restore_on_error
    def fit(self, X, y, sample_weight=None):
        """Fit the network to data matrix X and target(s) y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss (None: all 1). An integer
            weight counts as that many copies of the sample.

        Returns
        -------
        self : TinyNetRegressor
            The fitted estimator.

        Examples
        --------
        >>> from sknnlite import TinyNetRegressor
        >>> reg = TinyNetRegressor((8,), epochs=20, random_state=0)
        >>> X, y = [[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0]
        >>> reg.fit(X, y, sample_weight=[1, 2, 1]).n_iter_
        20
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(_trains_incrementally)
    @_fit_context(prefer_skip_nested_validation=True)
    @restore_on_error
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch over the given data, continuing from the current state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss.

        Returns
        -------
        self : TinyNetRegressor
            The updated estimator.

        Examples
        --------
        >>> from sknnlite import TinyNetRegressor
        >>> reg = TinyNetRegressor((8,), random_state=0)
        >>> for _ in range(3):
        ...     reg = reg.partial_fit([[0.0], [1.0]], [0.0, 1.0])
        >>> len(reg.loss_curve_), reg.t_
        (3, 6)
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def _check_training_data(self, X, y, reset):
        return validate_data(
            self,
            X,
            y,
            reset=reset,
            multi_output=True,
            y_numeric=True,
            **self._X_options(),
        )

    def _encode_targets(self, y, first_call, classes=None):
        targets = y.reshape(y.shape[0], -1)
        name = canonical_loss_name(self.loss)
        if name in _UNIT_INTERVAL_OUTPUTS and (targets.min() < 0 or targets.max() > 1):
            raise ValueError(
                f"loss={self.loss!r} regresses onto values in [0, 1] (a sigmoid output), but y ranges from "
                f"{targets.min():g} to {targets.max():g}; scale y (e.g. MinMaxScaler) or use 'mse'."
            )
        if name in _DISTRIBUTION_OUTPUTS and targets.min() < 0:
            raise ValueError(
                f"loss={self.loss!r} regresses onto rows that are distributions (a softmax output), but y "
                f"has negative values (min {targets.min():g}); use 'mse' for other targets."
            )
        if first_call:
            self._y_ndim = y.ndim
            self.n_outputs_ = targets.shape[1]
        elif targets.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {targets.shape[1]} target column(s) but the fitted network has {self.n_outputs_}."
            )
        return targets, targets

    def _network_targets(self, targets):
        return targets

    def _is_multioutput_classification(self, y):
        return False

    def _encoded_target_attributes(self, y, first_call):
        if first_call:
            self._y_ndim = y.ndim
            if "n_outputs_" not in self._encoder_metadata:
                self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]

    def _default_output_loss(self, width):
        return self.loss

    def _output_target_blocks(self, outputs):
        if sum(outputs.widths) != self.n_outputs_:
            raise ValueError(
                f"The model's {len(outputs.keys)} outputs have {sum(outputs.widths)} values per sample "
                f"({list(outputs.widths)}); y has {self.n_outputs_} target column(s). Each output takes the "
                "next columns of y in order, or give a target_encoder returning one array per output."
            )
        return outputs

    def _network_target_blocks(self, encoded, outputs, losses):
        return encoded

    def _default_scorer(self, y, y_pred, sample_weight):
        return float(r2_score(y, y_pred, sample_weight=sample_weight))

    def _target_layout(self, model=None):
        if model is None and _encoders.targets_encoded(self):  # before the model is built
            n_outputs = self._encoder_metadata.get("n_outputs_expected_") or len(self._target_blocks.keys)
            return n_outputs, self.loss, None, False
        if model is not None:
            width = model.outputs[0].shape[-1]
            if width != self.n_outputs_:
                raise ValueError(
                    f"The model build function returned a model with {width} output(s); y has "
                    f"{self.n_outputs_} target column(s)."
                )
        output_activation = _LOSS_OUTPUTS.get(canonical_loss_name(self.loss), "linear")
        return self.n_outputs_, self.loss, output_activation, False

    def _target_meta(self, y):
        return {
            "n_outputs_": self.n_outputs_,
            "target_type_": type_of_target(y),
            "y_dtype_": y.dtype,
            "y_ndim_": y.ndim,
        }

    def _stratify_labels(self, y):
        return None

    def _validation_score(self, outputs, y_true, sample_weight):
        if _encoders.targets_encoded(self):
            return self._encoded_score(y_true, _encoders.decoded(self, outputs), sample_weight)
        return r2_score(y_true, outputs, sample_weight=sample_weight)

    def predict(self, X):
        """Predict with the trained network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predicted values, shaped like the ``y`` given to fit (float32 when
            the network and X are float32, float64 otherwise).

        Examples
        --------
        >>> from sknnlite import TinyNetRegressor
        >>> Y = [[0.0, 1.0], [1.0, 0.0]]
        >>> reg = TinyNetRegressor((8,), epochs=5, random_state=0)
        >>> reg = reg.fit([[0.0], [1.0]], Y)
        >>> reg.predict([[0.5]]).shape
        (1, 2)
        """
        outputs = self._forward(X)
        if _encoders.targets_encoded(self):
            return _encoders.decoded(self, outputs)
        return outputs.ravel() if self._y_ndim == 1 else outputs

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R^2 of ``predict(X)`` against y.

        As scikit-learn's regressors (the uniform average over target
        columns); a subclass may define SciKeras' ``scorer(y_true, y_pred,
        **kwargs)`` instead.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True values for X.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            R^2 of ``predict(X)``.

        Examples
        --------
        >>> from sknnlite import TinyNetRegressor
        >>> from sklearn.metrics import r2_score
        >>> X, y = [[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0]
        >>> reg = TinyNetRegressor((8,), epochs=50, random_state=0).fit(X, y)
        >>> bool(reg.score(X, y) == r2_score(y, reg.predict(X)))
        True
        """
        if _encoders.targets_encoded(self) or callable(getattr(self, "scorer", None)):
            return self._encoded_score(np.asarray(y), self.predict(X), sample_weight)
        return super().score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
