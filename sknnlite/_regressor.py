"""TinyNetRegressor: a Keras MLP for regression behind scikit-learn's API."""

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import validate_data

from ._base import BaseTinyNet, _restore_on_error
from ._names import REGRESSION_LOSSES, canonical_loss_name

# Losses defined only for positive predictions, and the output that keeps them so.
_POSITIVE_OUTPUTS = {"poisson": "exponential", "mean_squared_logarithmic_error": "softplus"}


class TinyNetRegressor(RegressorMixin, BaseTinyNet):
    """Multilayer perceptron regressor built and trained with Keras 3.

    The network is a plain MLP, input -> hidden ``Dense`` layers -> a linear
    ``Dense`` output, built at :meth:`fit` time and trained with a Keras
    optimizer on a Keras loss.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        Units per hidden layer; ``()`` gives a linear model (no hidden layer).
    activation : str or callable, default="relu"
        Hidden activation: any Keras activation name (``"tanh"``,
        ``"softsign"``, ``"sigmoid"``, ``"hard_sigmoid"``, ``"relu"``,
        ``"softplus"``, ``"linear"``, ``"elu"``, ``"selu"``, ``"gelu"``,
        ``"swish"``, ...) or a callable on tensors.
    output_activation : str, callable or None, default=None
        Output activation; None means ``"linear"``, except for losses that
        need positive predictions: ``"poisson"`` gets ``"exponential"`` (the
        log link of a Poisson GLM) and ``"msle"`` gets ``"softplus"`` (Keras
        clips negative predictions there, which stops the gradient).
    loss : str or callable, default="mse"
        A Keras regression loss: ``"mse"``, ``"mae"``, ``"mape"``,
        ``"msle"``, ``"huber"``, ``"log_cosh"``, ``"poisson"``,
        ``"cosine_similarity"`` (or their long names), or a callable
        ``loss(y_true, y_pred)``.
    optimizer : str, default="adam"
        A Keras optimizer name: ``"sgd"``, ``"rmsprop"``, ``"adagrad"``,
        ``"adadelta"``, ``"adam"``, ``"adamax"``, ``"nadam"``, ``"adamw"``,
        ``"ftrl"``, ``"lion"``, ``"adafactor"``.
    learning_rate : float, default=0.001
        Initial learning rate.
    learning_rate_decay : float, default=0.0
        Inverse-time decay per optimizer step, Keras' legacy ``decay``
        argument: ``lr_t = learning_rate / (1 + learning_rate_decay * t)``.
    alpha : float, default=0.0
        L2 penalty ``alpha * sum(kernel ** 2)`` added to every minibatch
        loss (Keras' ``L2`` regularizer on each Dense kernel).
    batch_size : int, default=32
        Minibatch size, capped at the number of samples.
    epochs : int, default=200
        Passes over the training data.
    shuffle : bool, default=True
        Whether to shuffle the samples every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights and the shuffling. An int makes ``fit``
        reproducible: same weights and predictions, in one process or
        several. Seeding is local to the fit; no global state is changed.
    verbose : int, default=0
        0 is silent, 1 shows Keras' progress bar over epochs, 2 prints one
        line per epoch.

    Attributes
    ----------
    model_ : keras.Model
        The trained network (built from the fitted weights on first access).
    coefs_ : list of ndarray
        Kernel of each Dense layer, ``coefs_[i]`` of shape (fan_in, units).
    intercepts_ : list of ndarray
        Bias of each Dense layer.
    history_ : dict
        Metric name -> list of per-epoch values (``"loss"``).
    loss_curve_ : list of float
        Training loss after every epoch, as in ``MLPRegressor``.
    n_iter_ : int
        Number of epochs run.
    t_ : int
        Number of optimizer steps taken.
    final_learning_rate_ : float
        The learning rate at the end of training (after
        ``learning_rate_decay``).
    diagnostics_ : dict
        What the convergence diagnostics measured (``final_learning_rate``,
        ``learning_rate_fraction``, ``recent_loss_trend``, ``loss_range``)
        and ``messages``, the causes found (each also issued as a
        ``ConvergenceWarning``); empty when training converged.
    loss_ : str or callable
        The loss trained on.
    out_activation_ : str or callable
        The output activation used.
    n_outputs_ : int
        Number of targets.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit; only when ``X`` has string
        column names (a pandas DataFrame).

    See Also
    --------
    TinyNetClassifier : The classifier with the same network.
    sklearn.neural_network.MLPRegressor : scikit-learn's NumPy MLP.

    Notes
    -----
    Predictions are computed in float64 with NumPy from the trained weights,
    so ``predict`` does not need TensorFlow and gives each row the same value
    whatever batch it is in.

    Examples
    --------
    >>> import numpy as np
    >>> from sknnlite import TinyNetRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(size=(500, 4))
    >>> y = X[:, 3] - X[:, 2]
    >>> reg = TinyNetRegressor(hidden_layer_sizes=(), learning_rate=0.01,
    ...                        epochs=100, random_state=0).fit(X, y)
    >>> np.round(reg.coefs_[0].ravel(), 2) + 0.0
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
        super().__init__(
            hidden_layer_sizes,
            activation=activation,
            output_activation=output_activation,
            loss=loss,
            optimizer=optimizer,
            learning_rate=learning_rate,
            learning_rate_decay=learning_rate_decay,
            alpha=alpha,
            batch_size=batch_size,
            epochs=epochs,
            shuffle=shuffle,
            random_state=random_state,
            verbose=verbose,
        )

    @_fit_context(prefer_skip_nested_validation=True)
    @_restore_on_error
    def fit(self, X, y):
        """Fit the network to data matrix X and target(s) y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.

        Returns
        -------
        self : TinyNetRegressor
            The fitted estimator.
        """
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=[np.float64, np.float32])
        self._y_ndim = y.ndim
        targets = y.reshape(y.shape[0], -1)
        self.n_outputs_ = targets.shape[1]
        output_activation = _POSITIVE_OUTPUTS.get(canonical_loss_name(self.loss), "linear")
        return self._fit_network(
            X, targets, n_outputs=self.n_outputs_, loss=self.loss, output_activation=output_activation
        )

    def predict(self, X):
        """Predict with the trained network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predicted values, float64, shaped like the ``y`` given to fit.
        """
        outputs = self._forward(X)
        return outputs.ravel() if self._y_ndim == 1 else outputs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
