"""TinyNetClassifier: a Keras MLP classifier behind scikit-learn's API."""

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import validate_data

from . import _encoders, _persistence
from ._base import BaseTinyNet, _store_init_arguments, _trains_incrementally
from ._docs import fill_docstring, with_examples
from ._fit_procedure import restore_on_error
from ._names import CATEGORICAL_LOSSES, CLASSIFICATION_LOSSES, canonical_loss_name
from ._targets import encoding_for, multilabel_encoding_for
from ._training.keras_objects import single_loss

_TARGET_TYPES = ("binary", "multiclass", "multilabel-indicator")


def _reject_unseen_labels(y, known, explanation):
    unseen = np.setdiff1d(unique_labels(y), known)
    if unseen.size:
        raise ValueError(f"y contains labels {unseen.tolist()} {explanation}")


@_persistence.loadable
@fill_docstring
class TinyNetClassifier(ClassifierMixin, BaseTinyNet):
    """Multilayer perceptron classifier built and trained with Keras 3.

    The network is a plain MLP, input -> hidden ``Dense`` layers -> output
    ``Dense``. Labels may be of any type scikit-learn accepts (ints, strings,
    bools); the classifier encodes them as the loss needs (integer codes,
    one-hot, 0/1 or -1/+1) and picks the matching output activation, so
    ``predict`` always returns the original labels. A label indicator
    matrix ``y`` (multilabel) trains one sigmoid output per label.

    Parameters
    ----------
    {network}
    output_activation : str, callable or None, default=None
        Output activation; None chooses it from the loss: softmax for
        categorical losses, sigmoid for binary crossentropy and regression
        losses, tanh for ``"hinge"`` and ``"squared_hinge"``.
    loss : str or callable, default="auto"
        A Keras loss. ``"auto"`` is binary crossentropy for two classes (and
        per label for multilabel targets) and sparse categorical
        crossentropy otherwise. Also accepted: ``"binary_crossentropy"``,
        ``"categorical_crossentropy"``, ``"sparse_categorical_crossentropy"``,
        the focal variants, ``"hinge"``, ``"squared_hinge"``,
        ``"categorical_hinge"``, ``"kl_divergence"``, ``"poisson"``,
        ``"cosine_similarity"``, ``"mse"``, ``"mae"``, ``"msle"``,
        ``"huber"``, ``"log_cosh"``, or a callable ``loss(y_true, y_pred)``
        (trained on one-hot targets).
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, ``{label: weight}``; "balanced"
        weighs each class inversely to its frequency in ``y``. Multiplies
        ``sample_weight``.
    {training}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (for multilabel targets, the label column indices).
    {attributes}
    n_outputs_ : int
        Number of target columns (1, or the number of labels for multilabel
        targets), as in scikit-learn's MLP.

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
        "class_weight": [None, dict, StrOptions({"balanced"})],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        activation="relu",
        output_activation=None,
        loss="auto",
        class_weight=None,
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
        """Fit the network to data matrix X and class labels y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels (ints, strings or bools, at least two classes), or
            a label indicator matrix for multilabel classification.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss (None: all 1). An integer
            weight counts as that many copies of the sample.

        Returns
        -------
        self : TinyNetClassifier
            The fitted estimator.

        Examples
        --------
        >>> from sknnlite import TinyNetClassifier
        >>> clf = TinyNetClassifier((8,), epochs=5, class_weight="balanced")
        >>> clf.fit([[0.0], [0.1], [1.0]], ["a", "a", "b"]).classes_
        array(['a', 'b'], dtype='<U1')
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(_trains_incrementally)
    @_fit_context(prefer_skip_nested_validation=True)
    @restore_on_error
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch over the given data, continuing from the current state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, all from ``classes``.
        classes : array-like of shape (n_classes,), default=None
            Every class label the estimator will see; required on the first
            call, as for ``SGDClassifier``; later calls may repeat it, and a
            different set raises a ValueError.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss.

        Returns
        -------
        self : TinyNetClassifier
            The updated estimator.

        Examples
        --------
        >>> from sknnlite import TinyNetClassifier
        >>> clf = TinyNetClassifier((8,), random_state=0)
        >>> clf = clf.partial_fit([[0.0], [1.0]], [0, 1], classes=[0, 1, 2])
        >>> clf = clf.partial_fit([[2.0]], [2])
        >>> clf.classes_, len(clf.loss_curve_)
        (array([0, 1, 2]), 2)
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _check_training_data(self, X, y, reset):
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            multi_output=True,
            **self._X_options(),
        )
        if self.target_encoder is not None if reset else _encoders.targets_encoded(self):
            return X, y  # the target encoder reads y as it is (SciKeras)
        if y.ndim == 2 and y.shape[1] == 1:
            y = validate_data(self, y=y, reset=False)  # column vector: ravel with scikit-learn's warning
        if y.dtype == object and len({isinstance(label, str) for label in y.ravel().tolist()}) > 1:
            raise ValueError(
                "Mix of label input types (string and number): y holds both strings and numbers; "
                "give every label the same type."
            )
        check_classification_targets(y)
        target_type = type_of_target(y, input_name="y")
        if target_type == "multiclass-multioutput" and self._build_fn() is not None:
            return X, y  # one model output per column (MultiOutputLabelEncoder)
        if target_type not in _TARGET_TYPES:
            raise ValueError(
                f"TinyNetClassifier supports binary, multiclass and multilabel-indicator targets, "
                f"got {target_type!r}"
                + (
                    "; a multiclass-multioutput y needs model= a Keras model with one output per column."
                    if target_type == "multiclass-multioutput"
                    else "."
                )
            )
        return X, y

    def _is_multioutput_classification(self, y):
        return self._build_fn() is not None and _encoders.is_multiclass_multioutput(y)

    def _encoded_target_attributes(self, y, first_call):
        if not first_call:
            return
        if "classes_" not in self._encoder_metadata:
            self.classes_ = unique_labels(y) if y.ndim == 1 else [unique_labels(column) for column in y.T]
        if "n_outputs_" not in self._encoder_metadata:
            self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        self._multilabel, self._one_hot, self._encoding = False, False, None

    def _native_multioutput(self):
        return isinstance(self.__dict__.get("target_encoder_"), _encoders.MultiOutputLabelEncoder)

    def _default_output_loss(self, width):
        if self.loss != "auto":
            return self.loss
        return "binary_crossentropy" if width == 1 else "sparse_categorical_crossentropy"

    def _output_target_blocks(self, outputs):
        raise ValueError(
            f"The model has {len(outputs.keys)} outputs; a classifier trains several outputs on a "
            "multiclass-multioutput y (one column of labels per output), or through a target_encoder "
            "giving one array per output."
        )

    def _network_target_blocks(self, encoded, outputs, losses):
        if not self._native_multioutput():
            return encoded
        one_hot = []
        for j, (width, n_classes) in enumerate(zip(outputs.widths, self.n_classes_, strict=True)):
            if width != n_classes and not (width == 1 and n_classes <= 2):
                raise ValueError(
                    f"Output {j} of the model has {width} unit(s) for y's column {j} with {n_classes} "
                    f"classes {self.classes_[j].tolist()}; give it {n_classes} (softmax)"
                    + (" or 1 (sigmoid)." if n_classes <= 2 else ".")
                )
            one_hot.append(width > 1 and _encoders.categorical(losses[j]))
        self._one_hot_outputs = one_hot
        shapes = tuple((n if hot else 1,) for n, hot in zip(self.n_classes_, one_hot, strict=True))
        return type(encoded)(encoded.kind, encoded.keys, shapes)

    def _one_hot_classes(self, y):
        """Whether y is one-hot rows under a categorical loss: SciKeras' way of giving classes."""
        return (
            y.ndim == 2
            and canonical_loss_name(self.loss) in CATEGORICAL_LOSSES
            and np.isin(y, (0, 1)).all()
            and (y.sum(axis=1) == 1).all()
        )

    def _encode_targets(self, y, first_call, classes=None):
        one_hot = self._one_hot_classes(y) if first_call else getattr(self, "_one_hot", False)
        if one_hot:  # classes are the columns; a row's class is where its 1 is
            if first_call and classes is None:
                classes = np.arange(y.shape[1])
            if y.ndim != 2 or y.shape[1] != len(classes if first_call else self.classes_):
                raise ValueError("y must be one-hot rows with one column per class, as in the first fit.")
            y = y.argmax(axis=1)
        multilabel = y.ndim == 2
        if first_call:
            self._one_hot = one_hot
            labels = np.arange(y.shape[1]) if multilabel else unique_labels(y)
            if classes is not None and not multilabel:
                labels = unique_labels(np.asarray(classes))
                _reject_unseen_labels(y, labels, f"that are not in classes={labels.tolist()}.")
            self.classes_ = labels
            self._multilabel = multilabel
            self.n_outputs_ = y.shape[1] if multilabel else 1
            self._encoding = (
                multilabel_encoding_for(self.loss, len(labels))
                if multilabel
                else encoding_for(self.loss, len(labels))
            )
        else:
            if classes is not None and not np.array_equal(unique_labels(np.asarray(classes)), self.classes_):
                # The message of scikit-learn's MLP and SGDClassifier.
                raise ValueError(
                    f"`classes={np.asarray(classes).tolist()!r}` is not the same as on last call to "
                    f"partial_fit, was: {self.classes_.tolist()!r}"
                )
            self._check_continued_labels(y, multilabel)
        if multilabel:
            return y, y
        codes = np.searchsorted(self.classes_, y)
        return codes, codes

    def _check_continued_labels(self, y, multilabel):
        if multilabel != self._multilabel or (multilabel and y.shape[1] != len(self.classes_)):
            raise ValueError(
                f"y has the wrong layout for the fitted classifier: it was fitted on "
                f"{'a label indicator matrix' if self._multilabel else 'class labels'} "
                f"with classes_={self.classes_.tolist()}."
            )
        if multilabel:
            return
        _reject_unseen_labels(
            y,
            self.classes_,
            f"not seen in the first fit; classes_={self.classes_.tolist()}. Pass every label in "
            "classes= on the first partial_fit call.",
        )

    def _fit(self, X, y, sample_weight, *, incremental, classes=None, train=True):
        if incremental and not hasattr(self, "_state") and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if train and not incremental and self.warm_start and hasattr(self, "_state"):
            labels = unique_labels(np.asarray(y)) if np.ndim(y) == 1 else None
            if labels is not None and not np.array_equal(labels, self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as in the previous "
                    f"call to fit. Previously got {self.classes_}, `y` has {labels}."
                )
        return super()._fit(X, y, sample_weight, incremental=incremental, classes=classes, train=train)

    def _training_sample_weight(self, sample_weight, X, y, incremental):
        sample_weight = super()._training_sample_weight(sample_weight, X, y, incremental)
        if self.class_weight is None:
            return sample_weight
        if _encoders.targets_encoded(self):
            raise ValueError(
                "class_weight is not supported for targets through a target_encoder (or several outputs); "
                "use sample_weight."
            )
        if self._multilabel:
            raise ValueError("class_weight is not supported for multilabel targets; use sample_weight.")
        if isinstance(self.class_weight, str) and self.class_weight == "balanced" and incremental:
            raise ValueError(
                "class_weight='balanced' needs the class frequencies of the whole data, which "
                "partial_fit does not see; compute them once with "
                "sklearn.utils.class_weight.compute_class_weight and pass the dict."
            )
        present = unique_labels(y)
        weights = compute_class_weight(self.class_weight, classes=present, y=y)
        return sample_weight * weights[np.searchsorted(present, y)].astype(sample_weight.dtype)

    def _network_targets(self, codes):
        if not _encoders.targets_encoded(self):
            return self._encoding.encode(codes)
        if not self._native_multioutput():
            return codes
        columns = [
            np.eye(n_classes)[column.astype(int)] if hot else column[:, None]
            for column, n_classes, hot in zip(codes.T, self.n_classes_, self._one_hot_outputs, strict=True)
        ]
        return np.concatenate(columns, axis=1)

    def _target_layout(self, model=None):
        if _encoders.targets_encoded(self):  # before the model is built: what compile_kwargs offer
            n_outputs = self._encoder_metadata.get("n_outputs_expected_") or len(self._target_blocks.keys)
            if not self._native_multioutput():  # the user's encoder: the loss as given (SciKeras)
                return n_outputs, None if self.loss == "auto" else self.loss, None, False
            losses = [self._default_output_loss(1 if n <= 2 else n) for n in self.n_classes_]
            return n_outputs, losses, None, False
        encoding = self._encoding
        if model is not None and not self._multilabel:
            width = model.outputs[0].shape[-1]
            compiled_loss = (
                single_loss(getattr(model, "loss", None)) if getattr(model, "optimizer", None) else None
            )
            if isinstance(compiled_loss, str):
                encoding = encoding_for(compiled_loss, len(self.classes_))
            elif self.loss == "auto":
                auto = "binary_crossentropy" if width == 1 else "sparse_categorical_crossentropy"
                encoding = encoding_for(auto, len(self.classes_))
            if width != encoding.n_outputs:
                raise ValueError(
                    f"The model build function returned a model with {width} output(s); loss "
                    f"{encoding.loss!r} on {len(self.classes_)} classes needs {encoding.n_outputs}."
                )
            self._encoding = encoding
        sparse = encoding.kind == "codes"
        return encoding.n_outputs, encoding.loss, encoding.output_activation, sparse

    def _target_meta(self, y):
        if _encoders.targets_encoded(self):
            return {"target_type_": type_of_target(y), "y_dtype_": y.dtype, "y_ndim_": y.ndim}
        return {
            "classes_": self.classes_,
            "n_classes_": len(self.classes_),
            "n_outputs_": self.n_outputs_,
            # From the declared classes, not this batch's labels (partial_fit may see a subset first).
            "target_type_": (
                "multilabel-indicator"
                if self._multilabel
                else "binary"
                if len(self.classes_) <= 2
                else "multiclass"
            ),
            "y_dtype_": y.dtype,
            "y_ndim_": y.ndim,
        }

    def _loss_scale(self):
        # scikit-learn's MLP sums the per-label log-losses of multilabel targets where Keras
        # averages them; summing keeps a learning rate meaning the same for any number of labels.
        return float(len(self.classes_)) if self._multilabel else 1.0

    def _stratify_labels(self, codes):
        return None if self._multilabel or _encoders.targets_encoded(self) else codes

    def _validation_score(self, outputs, y_true, sample_weight):
        if _encoders.targets_encoded(self):
            return self._encoded_score(y_true, _encoders.decoded(self, outputs), sample_weight)
        return accuracy_score(
            y_true, self._decode(self._encoding.proba(outputs)), sample_weight=sample_weight
        )

    def _decode(self, proba):
        """Class codes (or the indicator matrix) from probabilities."""
        if self._multilabel:
            return (proba > 0.5).astype(int)
        return np.argmax(proba, axis=1)

    def predict_proba(self, X):
        """Class probabilities for the rows of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to 1; columns follow ``classes_``. For multilabel
            targets, the probability of each label, independently.

        Examples
        --------
        >>> from sknnlite import TinyNetClassifier
        >>> clf = TinyNetClassifier((8,), epochs=5, random_state=0)
        >>> clf = clf.fit([[0.0], [1.0], [2.0]], [0, 1, 2])
        >>> proba = clf.predict_proba([[0.5]])
        >>> proba.shape, round(float(proba.sum()), 6)
        ((1, 3), 1.0)
        """
        outputs = self._forward(X)  # checks fitting before _encoding is read
        if _encoders.targets_encoded(self):
            return _encoders.decoded(self, outputs, return_proba=True)
        return self._encoding.proba(outputs)

    def predict_log_proba(self, X):
        """Logarithm of the class probabilities for the rows of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            ``np.log(predict_proba(X))``: columns follow ``classes_`` (for
            multilabel targets, one column per label).

        Examples
        --------
        >>> import numpy as np
        >>> from sknnlite import TinyNetClassifier
        >>> X, y = [[0.0], [1.0], [2.0]], ["a", "b", "c"]
        >>> clf = TinyNetClassifier((8,), epochs=5, random_state=0).fit(X, y)
        >>> log_proba = clf.predict_log_proba(X)
        >>> bool(np.allclose(np.exp(log_proba), clf.predict_proba(X)))
        True
        """
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):  # a probability of exactly 0 is -inf, as in MLP
            if isinstance(proba, list):  # one array per output
                return [np.log(p) for p in proba]
            return np.log(proba)

    def decision_function(self, X):
        """Confidence scores: the output layer's values before its activation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes, one score per sample, positive for
            ``classes_[1]``; otherwise one per class (per label for
            multilabel targets), largest for the predicted class.

        Examples
        --------
        >>> from sknnlite import TinyNetClassifier
        >>> X, y = [[0.0], [1.0], [2.0], [3.0]], ["low", "low", "high", "high"]
        >>> clf = TinyNetClassifier((8,), epochs=5, random_state=0).fit(X, y)
        >>> scores = clf.decision_function(X)
        >>> is_second_class = clf.predict(X) == clf.classes_[1]
        >>> scores.shape, bool(((scores > 0) == is_second_class).all())
        ((4,), True)
        """
        proba = self.predict_proba(X)  # checks fitting and X
        if _encoders.targets_encoded(self):
            raise ValueError(
                "decision_function is not defined for targets through a target_encoder (or several "
                "outputs); use predict_proba."
            )
        if self._architecture is not None:
            # sigmoid(0) = 0.5 and tanh(0) = 0: a single output's pre-activation is
            # positive exactly when classes_[1] (or the label) is predicted.
            scores = self._forward(X, pre_activation=True)
        else:
            with np.errstate(divide="ignore"):
                if self._encoding.kind in ("binary", "multilabel"):
                    p = proba[:, 1:] if self._encoding.kind == "binary" else proba
                    scores = np.log(p) - np.log1p(-p)
                else:
                    scores = np.log(proba)
        if self._encoding.kind == "binary":
            return scores[:, 0]
        if len(self.classes_) == 2 and not self._multilabel:  # two outputs: scikit-learn wants one score
            return scores[:, 1] - scores[:, 0]
        return scores

    def predict(self, X):
        """Predict class labels for the rows of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Labels from ``classes_`` (an indicator matrix for multilabel
            targets).

        Examples
        --------
        >>> from sknnlite import TinyNetClassifier
        >>> Y = [[1, 0], [0, 1], [1, 1], [0, 0]]
        >>> clf = TinyNetClassifier((8,), epochs=5, random_state=0)
        >>> clf = clf.fit([[0.0], [1.0], [2.0], [3.0]], Y)
        >>> clf.predict([[0.0], [3.0]]).shape
        (2, 2)
        """
        if _encoders.targets_encoded(self):
            return _encoders.decoded(self, self._forward(X))
        decoded = self._decode(self.predict_proba(X))
        if getattr(self, "_one_hot", False):  # one-hot rows back, as they were given
            return np.eye(len(self.classes_), dtype=int)[decoded]
        return decoded if self._multilabel else self.classes_[decoded]

    def score(self, X, y, sample_weight=None):
        """Mean accuracy of ``predict(X)`` against y.

        With several outputs (a ``multiclass-multioutput`` y), the fraction of
        rows whose every label is right, as scikit-learn's
        ``MultiOutputClassifier``. A subclass may define SciKeras' ``scorer(y_true,
        y_pred, **kwargs)`` instead.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True labels for X.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            Mean accuracy.

        Examples
        --------
        >>> from sknnlite import TinyNetClassifier
        >>> import numpy as np
        >>> X, y = [[0.0], [1.0], [2.0], [3.0]], np.array([0, 0, 1, 1])
        >>> clf = TinyNetClassifier((8,), epochs=5, random_state=0).fit(X, y)
        >>> bool(clf.score(X, y) == np.mean(clf.predict(X) == y))
        True
        """
        if _encoders.targets_encoded(self) or callable(getattr(self, "scorer", None)):
            return self._encoded_score(np.asarray(y), self.predict(X), sample_weight)
        return super().score(X, y, sample_weight=sample_weight)

    def _default_scorer(self, y, y_pred, sample_weight):
        if np.ndim(y) == 2 and np.ndim(y_pred) == 2:  # MultiOutputClassifier's: every output right
            return float(np.average(np.all(y == y_pred, axis=1), weights=sample_weight))
        return float(accuracy_score(y, y_pred, sample_weight=sample_weight))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        return tags

    # -- members shared with TinyNetRegressor, restated with classifier examples ------

    def get_params(self, deep=True):
        return super().get_params(deep=deep)

    get_params.__doc__ = with_examples(
        BaseTinyNet.get_params,
        """
        >>> from sknnlite import TinyNetClassifier
        >>> clf = TinyNetClassifier(loss="hinge", optimizer__momentum=0.9)
        >>> params = clf.get_params()
        >>> params["loss"], params["optimizer__momentum"]
        ('hinge', 0.9)
        """,
    )

    def set_params(self, **params):
        return super().set_params(**params)

    set_params.__doc__ = with_examples(
        BaseTinyNet.set_params,
        """
        >>> from sknnlite import TinyNetClassifier
        >>> clf = TinyNetClassifier().set_params(optimizer="sgd")
        >>> clf.set_params(optimizer__momentum=0.9).optimizer__momentum
        0.9
        """,
    )

    def initialize(self, X, y=None):
        return super().initialize(X, y)

    def _stand_in_targets(self, X):
        raise ValueError("TinyNetClassifier.initialize needs y: its labels set classes_ and the outputs.")

    initialize.__doc__ = with_examples(
        BaseTinyNet.initialize,
        """
        >>> from sknnlite import TinyNetClassifier
        >>> clf = TinyNetClassifier((4,), random_state=0)
        >>> clf = clf.initialize([[0.0], [1.0]], ["no", "yes"])
        >>> clf.classes_.tolist(), clf.predict_proba([[0.5]]).shape, clf.n_iter_
        (['no', 'yes'], (1, 2), 0)
        """,
    )

    current_epoch = property(
        BaseTinyNet.current_epoch.fget,
        doc=with_examples(
            BaseTinyNet.current_epoch,
            """
            >>> from sknnlite import TinyNetClassifier
            >>> clf = TinyNetClassifier((4,), random_state=0)
            >>> X, y = [[0.0], [1.0]], ["a", "b"]
            >>> clf = clf.partial_fit(X, y, classes=["a", "b"])
            >>> clf.partial_fit([[0.5]], ["a"]).current_epoch
            2
            """,
        ),
    )

    feature_encoder_ = property(
        BaseTinyNet.feature_encoder_.fget,
        BaseTinyNet.feature_encoder_.fset,
        BaseTinyNet.feature_encoder_.fdel,
        doc=with_examples(
            BaseTinyNet.feature_encoder_,
            """
            >>> from sknnlite import TinyNetClassifier
            >>> clf = TinyNetClassifier((4,), epochs=5)
            >>> clf = clf.fit([[0.0], [1.0]], ["a", "b"])
            >>> clf.feature_encoder_.transform([[0.5]])
            [[0.5]]
            """,
        ),
    )

    model_ = property(
        BaseTinyNet.model_.fget,
        doc=with_examples(
            BaseTinyNet.model_,
            """
            >>> from sknnlite import TinyNetClassifier
            >>> clf = TinyNetClassifier((4,), epochs=5)
            >>> clf = clf.fit([[0.0], [1.0]], ["a", "b"])
            >>> [layer.activation.__name__ for layer in clf.model_.layers]
            ['relu', 'sigmoid']
            """,
        ),
    )

    def save(self, path):
        return super().save(path)

    save.__doc__ = with_examples(
        BaseTinyNet.save,
        """
        >>> import pathlib, tempfile
        >>> from sknnlite import TinyNetClassifier
        >>> clf = TinyNetClassifier((4,), epochs=5, random_state=0)
        >>> clf = clf.fit([[0.0], [1.0]], ["no", "yes"])
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "clf.keras"
        >>> clf.save(path)
        >>> TinyNetClassifier.load(path).classes_
        array(['no', 'yes'], dtype='<U3')
        """,
    )

    @classmethod
    def load(cls, path, *, trusted=None, custom_objects=None, allow_pickle=False):
        return super().load(path, trusted=trusted, custom_objects=custom_objects, allow_pickle=allow_pickle)

    load.__func__.__doc__ = with_examples(
        BaseTinyNet.load,
        """
        >>> import pathlib, tempfile
        >>> import numpy as np
        >>> from sknnlite import TinyNetClassifier
        >>> X, y = [[0.0], [1.0], [2.0]], ["a", "b", "b"]
        >>> clf = TinyNetClassifier((4,), epochs=5, random_state=0).fit(X, y)
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "clf.keras"
        >>> clf.save(path)
        >>> loaded = TinyNetClassifier.load(path)
        >>> bool(np.array_equal(loaded.predict_proba(X), clf.predict_proba(X)))
        True
        """,
    )

    feature_encoder = property(
        BaseTinyNet.feature_encoder.fget,
        doc=with_examples(
            BaseTinyNet.feature_encoder,
            """
            >>> import keras
            >>> from sklearn.preprocessing import FunctionTransformer
            >>> from sknnlite import TinyNetClassifier
            >>> class TwoInputClassifier(TinyNetClassifier):
            ...     @property
            ...     def feature_encoder(self):
            ...         return FunctionTransformer(lambda X: [X[:, :1], X[:, 1:]])
            >>> def build():
            ...     a, b = keras.Input((1,)), keras.Input((1,))
            ...     joined = keras.layers.Concatenate()([a, b])
            ...     out = keras.layers.Dense(1, activation="sigmoid")(joined)
            ...     return keras.Model([a, b], out)
            >>> clf = TwoInputClassifier(model=build, epochs=5)
            >>> clf = clf.fit([[0.0, 1.0], [1.0, 0.0]], ["no", "yes"])
            >>> clf.predict([[0.5, 0.5]]).shape
            (1,)
            """,
        ),
    )

    target_encoder = property(
        BaseTinyNet.target_encoder.fget,
        doc=with_examples(
            BaseTinyNet.target_encoder,
            """
            >>> import keras
            >>> from sknnlite import MultiOutputLabelEncoder, TinyNetClassifier
            >>> class TwoOutputClassifier(TinyNetClassifier):
            ...     @property
            ...     def target_encoder(self):  # one output per column of labels
            ...         return MultiOutputLabelEncoder()
            >>> def build():
            ...     inputs = keras.Input((1,))
            ...     heads = [
            ...         keras.layers.Dense(n, activation="softmax")(inputs)
            ...         for n in (2, 3)
            ...     ]
            ...     return keras.Model(inputs, heads)
            >>> y = [["cat", "small"], ["dog", "large"], ["cat", "medium"]]
            >>> clf = TwoOutputClassifier(model=build, epochs=5)
            >>> clf = clf.fit([[0.0], [1.0], [2.0]], y)
            >>> [classes.tolist() for classes in clf.classes_]
            [['cat', 'dog'], ['large', 'medium', 'small']]
            """,
        ),
    )
