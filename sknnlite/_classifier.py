"""TinyNetClassifier: a Keras MLP classifier behind scikit-learn's API."""

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import validate_data

from ._base import BaseTinyNet, _restore_on_error
from ._names import CLASSIFICATION_LOSSES
from ._targets import encoding_for


class TinyNetClassifier(ClassifierMixin, BaseTinyNet):
    """Multilayer perceptron classifier built and trained with Keras 3.

    The network is a plain MLP, input -> hidden ``Dense`` layers -> output
    ``Dense``. Labels may be of any type scikit-learn accepts (ints, strings,
    bools); the classifier encodes them as the loss needs (integer codes,
    one-hot, 0/1 or -1/+1) and picks the matching output activation, so
    ``predict`` always returns the original labels.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        Units per hidden layer; ``()`` gives a linear (logistic) model.
    activation : str or callable, default="relu"
        Hidden activation: any Keras activation name (``"tanh"``,
        ``"softsign"``, ``"sigmoid"``, ``"hard_sigmoid"``, ``"relu"``,
        ``"softplus"``, ``"linear"``, ``"elu"``, ``"selu"``, ``"gelu"``,
        ``"swish"``, ...) or a callable on tensors.
    output_activation : str, callable or None, default=None
        Output activation; None chooses it from the loss: softmax for
        categorical losses, sigmoid for binary crossentropy and regression
        losses, tanh for ``"hinge"`` and ``"squared_hinge"``.
    loss : str or callable, default="auto"
        A Keras loss. ``"auto"`` is binary crossentropy for two classes and
        sparse categorical crossentropy otherwise. Also accepted:
        ``"binary_crossentropy"``, ``"categorical_crossentropy"``,
        ``"sparse_categorical_crossentropy"``, the focal variants,
        ``"hinge"``, ``"squared_hinge"``, ``"categorical_hinge"``,
        ``"kl_divergence"``, ``"poisson"``, ``"cosine_similarity"``,
        ``"mse"``, ``"mae"``, ``"msle"``, ``"huber"``, ``"log_cosh"``, or a
        callable ``loss(y_true, y_pred)`` (trained on one-hot targets).
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
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    model_ : keras.Model
        The trained network (built from the fitted weights on first access).
    coefs_ : list of ndarray
        Kernel of each Dense layer, ``coefs_[i]`` of shape (fan_in, units).
    intercepts_ : list of ndarray
        Bias of each Dense layer.
    history_ : dict
        Metric name -> list of per-epoch values (``"loss"``).
    loss_curve_ : list of float
        Training loss after every epoch, as in ``MLPClassifier``.
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
        The loss trained on (``"auto"`` resolved).
    out_activation_ : str or callable
        The output activation used.
    n_outputs_ : int
        Number of network outputs (1 for a single 0/1 or -1/+1 output).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit; only when ``X`` has string
        column names (a pandas DataFrame).

    See Also
    --------
    TinyNetRegressor : The regressor with the same network.
    sklearn.neural_network.MLPClassifier : scikit-learn's NumPy MLP.

    Notes
    -----
    ``predict_proba`` maps the outputs from the target range onto [0, 1]
    and normalizes the rows; for softmax and sigmoid outputs these are the
    network's probabilities, for tanh (hinge losses) they are scores.

    Examples
    --------
    >>> import numpy as np
    >>> from sknnlite import TinyNetClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(size=(250, 5))
    >>> y = np.where(X.sum(axis=1) > 2.5, 1, -1)
    >>> clf = TinyNetClassifier(hidden_layer_sizes=(20,), activation="tanh",
    ...                         loss="hinge", random_state=0).fit(X, y)
    >>> clf.classes_
    array([-1,  1])
    >>> bool(clf.score(X, y) > 0.9)
    True
    """

    _parameter_constraints: dict = {
        **BaseTinyNet._parameter_constraints,
        "loss": [StrOptions(CLASSIFICATION_LOSSES), callable],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        activation="relu",
        output_activation=None,
        loss="auto",
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
        """Fit the network to data matrix X and class labels y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels: ints, strings or bools, at least two classes.

        Returns
        -------
        self : TinyNetClassifier
            The fitted estimator.
        """
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        target_type = type_of_target(y, input_name="y")
        if target_type not in ("binary", "multiclass"):
            raise ValueError(
                f"TinyNetClassifier supports binary and multiclass targets, got {target_type!r}."
            )
        label_encoder = LabelEncoder()
        codes = label_encoder.fit_transform(y)
        classes = label_encoder.classes_
        if len(classes) < 2:
            raise ValueError(
                "TinyNetClassifier needs samples of at least 2 classes in the data, but the "
                f"data contains only one class: {classes[0]!r}."
            )
        encoding = encoding_for(self.loss, len(classes))
        self.classes_ = classes
        self._encoding = encoding
        self.n_outputs_ = encoding.n_outputs
        return self._fit_network(
            X,
            encoding.encode(codes),
            n_outputs=encoding.n_outputs,
            loss=encoding.loss,
            output_activation=encoding.output_activation,
        )

    def predict_proba(self, X):
        """Class probabilities for the rows of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to 1; columns follow ``classes_``.
        """
        outputs = self._forward(X)  # checks fitting before _encoding is read
        return self._encoding.proba(outputs)

    def predict(self, X):
        """Predict class labels for the rows of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = False
        return tags
