"""SciKeras' ``feature_encoder`` / ``target_encoder`` hooks, and models with several inputs or outputs.

A subclass's ``feature_encoder`` property returns a scikit-learn transformer
whose ``transform(X)`` gives what the model takes (a list or dict of arrays
for several inputs, a reshaped array); ``target_encoder`` likewise for y
(one array per output), with ``inverse_transform(outputs)`` giving
predictions back (``return_proba=True`` for a classifier's probabilities)
and an optional ``get_metadata()`` whose items become fitted attributes and
the build function's ``meta``, as in SciKeras. A classifier given a
``multiclass-multioutput`` y and a model with an output per column uses
sknnlite's own :class:`MultiOutputLabelEncoder`. The data travel flattened
(``_structured.py``).
"""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.multiclass import type_of_target, unique_labels

from . import _structured
from ._names import CATEGORICAL_LOSSES, canonical_loss_name


def encode_features(estimator, X, first_call):
    """X as the model takes it, as one matrix: through ``feature_encoder``, or X itself."""
    if first_call:
        for name in ("feature_encoder_", "_feature_layout", "_encoder_metadata", "_unencoded_X"):
            estimator.__dict__.pop(name, None)
        encoder = estimator.feature_encoder
        if encoder is None:
            return X
        estimator.__dict__["_unencoded_X"] = (X.shape, X.dtype)  # for the build function's meta
        estimator.feature_encoder_ = encoder.fit(X)
        _set_metadata(estimator, estimator.feature_encoder_)
    elif getattr(estimator, "_feature_layout", None) is None:
        return X
    matrix = _through(estimator, "feature_encoder_", "_feature_layout", X, first_call)
    return matrix.astype(X.dtype if X.dtype.kind == "f" else np.float64, copy=False)


def targets_encoded(estimator):
    """Whether the fitted estimator's targets go through a target encoder."""
    return "target_encoder_" in estimator.__dict__


def features_encoded(estimator):
    """Whether X goes through a subclass's feature encoder (else ``feature_encoder_`` is the identity)."""
    return "feature_encoder_" in estimator.__dict__


def target_encoder_for(estimator, y):
    """The target encoder a fresh fit uses: the ``target_encoder`` property's, sknnlite's for a
    classifier's ``multiclass-multioutput`` y with a model build function, or None (sknnlite's own
    encoding of y, inside the estimator)."""
    encoder = estimator.target_encoder
    if encoder is None and estimator._is_multioutput_classification(y):
        encoder = MultiOutputLabelEncoder()
    if encoder is not None and estimator._build_fn() is None:
        raise ValueError(
            "A target_encoder (or a multiclass-multioutput y) needs model= a Keras model or build function "
            "whose outputs take the encoded targets; the built-in MLP encodes y itself."
        )
    return encoder


def drop_target_encoder(estimator):
    """A fresh fit without a target encoder: forget a former fit's."""
    for name in ("target_encoder_", "_target_blocks"):
        estimator.__dict__.pop(name, None)


def encode_targets(estimator, y, first_call, encoder=None):
    """``(targets, y)``: the target matrix through the target encoder (``encoder``, fitted if new)."""
    if first_call:
        estimator.target_encoder_ = encoder.fit(y)
        _set_metadata(estimator, estimator.target_encoder_)
    return _through(estimator, "target_encoder_", "_target_blocks", y, first_call), y


def _through(estimator, encoder_name, layout_name, data, first_call):
    """``data`` through a fitted encoder as one matrix; its Layout recorded (first call) or checked."""
    what = f"The {encoder_name[:-1]}'s transform({'X' if encoder_name.startswith('feature') else 'y'})"
    matrix, layout = _structured.flatten(getattr(estimator, encoder_name).transform(data), what)
    if first_call:
        setattr(estimator, layout_name, layout)
    elif layout != getattr(estimator, layout_name):
        raise ValueError(
            f"{what} gives {layout}, but it gave {getattr(estimator, layout_name)} when the network was "
            "fitted."
        )
    return matrix


def prepare(estimator, model):
    """The adapter the model trains in and its summed loss: ``(adapter or None, loss or None)``.

    None, None where the model takes X and gives the targets as they are.
    """
    features = getattr(estimator, "_feature_layout", None)
    encoded = getattr(estimator, "_target_blocks", None)
    outputs = _structured.model_outputs(model)
    _structured.model_inputs(model, features)
    estimator._output_layout = None
    if features is None and encoded is None and outputs.kind == "array":
        return None, None
    summed = None
    if encoded is not None or outputs.kind != "array":
        if encoded is None:
            encoded = estimator._output_target_blocks(outputs)
        if len(encoded.keys) != len(outputs.keys):
            raise ValueError(
                f"The target_encoder gives {len(encoded.keys)} target array(s) but the model has "
                f"{len(outputs.keys)} output(s); they must match one to one (SciKeras' n_outputs_expected_)."
            )
        losses, weights = _structured.output_losses(model, outputs, estimator._default_output_loss)
        targets = estimator._network_target_blocks(encoded, outputs, losses)
        summed = _structured.SummedLoss(losses, weights, targets, outputs)
    estimator._output_layout = outputs
    adapted = _structured.adapter(model, features, outputs)
    if getattr(model, "optimizer", None) is not None:
        adapted.compile(optimizer=model.optimizer, loss=summed or model.loss)
    return adapted, summed


def training_model(estimator):
    """The model a custom fit trains: the adapter where there is one (rebuilt after unpickling)."""
    model = estimator.__dict__["_custom_model"]
    if getattr(estimator, "_output_layout", None) is None:
        return model
    adapted = estimator.__dict__.get("_adapted_model")
    if adapted is None:
        adapted = _structured.adapter(
            model, getattr(estimator, "_feature_layout", None), estimator._output_layout
        )
        loss = estimator._objective.loss
        if getattr(model, "optimizer", None) is not None:
            adapted.compile(optimizer=model.optimizer, loss=loss if _is_summed(loss) else model.loss)
        estimator.__dict__["_adapted_model"] = adapted
    return adapted


def _is_summed(loss):
    return isinstance(loss, _structured.SummedLoss)


def decoded(estimator, outputs, **kwargs):
    """Predictions from the joined outputs, through ``target_encoder_.inverse_transform``."""
    return estimator.target_encoder_.inverse_transform(
        _structured.unflatten(outputs, estimator._output_layout), **kwargs
    )


def _set_metadata(estimator, encoder):
    """SciKeras' ``get_metadata``: its items become fitted attributes (and the build function's ``meta``)."""
    metadata = getattr(encoder, "get_metadata", dict)()
    for name, value in metadata.items():
        setattr(estimator, name, value)
    estimator.__dict__.setdefault("_encoder_metadata", {}).update(metadata)


class MultiOutputLabelEncoder(TransformerMixin, BaseEstimator):
    """sknnlite's target encoder for a ``multiclass-multioutput`` y: one model output per column.

    Each column has its own classes (``classes_`` is a list, as for
    scikit-learn's ``MultiOutputClassifier``); ``transform`` gives a list of
    class codes, one array per column; ``inverse_transform`` takes the
    model's outputs (one sigmoid unit for two classes, or one unit per class)
    back to labels, or with ``return_proba=True`` to a list of probability
    arrays of shape ``(n_samples, n_classes)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sknnlite import MultiOutputLabelEncoder
    >>> encoder = MultiOutputLabelEncoder()
    >>> encoder = encoder.fit([["a", 0], ["b", 2], ["a", 1]])
    >>> [classes.tolist() for classes in encoder.classes_]
    [['a', 'b'], ['0', '1', '2']]
    >>> [codes.tolist() for codes in encoder.transform([["b", 1]])]
    [[1], [1]]
    >>> outputs = [np.array([[0.9]]), np.array([[0.1, 0.2, 0.7]])]
    >>> encoder.inverse_transform(outputs).tolist()
    [['b', '2']]
    """

    def fit(self, y):
        y = np.asarray(y)
        self.classes_ = [unique_labels(column) for column in y.T]
        self.n_classes_ = [len(classes) for classes in self.classes_]
        self.n_outputs_ = self.n_outputs_expected_ = y.shape[1]
        return self

    def transform(self, y):
        y = np.asarray(y)
        if y.ndim != 2 or y.shape[1] != len(self.classes_):
            raise ValueError(
                f"y must have {len(self.classes_)} columns of labels, as in fit; got shape {y.shape}."
            )
        codes = []
        for j, (column, classes) in enumerate(zip(y.T, self.classes_, strict=True)):
            unseen = np.setdiff1d(column, classes)
            if unseen.size:
                raise ValueError(
                    f"y's column {j} has labels {unseen.tolist()} not seen in fit: {classes.tolist()}."
                )
            codes.append(np.searchsorted(classes, column))
        return codes

    def inverse_transform(self, outputs, return_proba=False):
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        proba = [class_probabilities(np.asarray(out).reshape(len(out), -1)) for out in outputs]
        if return_proba:
            return proba
        return np.column_stack(
            [classes[np.argmax(p, axis=1)] for classes, p in zip(self.classes_, proba, strict=True)]
        )

    def get_metadata(self):
        return {
            "classes_": self.classes_,
            "n_classes_": self.n_classes_,
            "n_outputs_": self.n_outputs_,
            "n_outputs_expected_": self.n_outputs_expected_,
        }


def class_probabilities(outputs):
    """One column per class: a single sigmoid unit ``p`` is ``[1 - p, p]``."""
    return np.column_stack([1.0 - outputs[:, 0], outputs[:, 0]]) if outputs.shape[1] == 1 else outputs


def is_multiclass_multioutput(y):
    return np.ndim(y) == 2 and type_of_target(y) == "multiclass-multioutput"


def categorical(loss):
    """Whether a loss takes one-hot targets (else class codes)."""
    return canonical_loss_name(loss) in CATEGORICAL_LOSSES
