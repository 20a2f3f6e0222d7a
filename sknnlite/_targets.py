"""How the classifier encodes class labels for each loss, and decodes outputs.

The user passes labels of any type; the loss decides what the network sees:

======================================================  ===========================  ==========
loss                                                    targets                      output
======================================================  ===========================  ==========
sparse_categorical_crossentropy ("auto", multiclass)    integer codes                softmax
binary_crossentropy ("auto", binary), focal variant     0/1 (one-hot if multiclass)  sigmoid
categorical_crossentropy, focal, kl_divergence,         one-hot                      softmax
poisson, categorical_hinge, cosine_similarity
hinge, squared_hinge                                    -1/+1 (one-hot in {-1, 1})   tanh
mse, mae, msle, huber, log_cosh                         0/1 (one-hot if multiclass)  sigmoid /
                                                                                     softmax
a callable of unknown kind                              one-hot                      softmax
======================================================  ===========================  ==========
"""

from dataclasses import dataclass

import numpy as np

from ._names import canonical_loss_name

_PLUS_MINUS_LOSSES = {"hinge", "squared_hinge"}
_SIGMOID_LOSSES = {"binary_crossentropy", "binary_focal_crossentropy"}
# Losses that compare one output per sample with a 0/1 (or -1/+1) target.
_SINGLE_OUTPUT_LOSSES = (
    _SIGMOID_LOSSES
    | _PLUS_MINUS_LOSSES
    | {
        "mean_squared_error",
        "mean_absolute_error",
        "mean_squared_logarithmic_error",
        "huber",
        "log_cosh",
    }
)


@dataclass(frozen=True)
class TargetEncoding:
    """The encoding of ``n_classes`` labels that one loss needs.

    Attributes
    ----------
    kind : {"codes", "binary", "onehot", "multilabel"}
        Integer codes (one column), a single 0/1 or -1/+1 column, one
        column per class, or one independent 0/1 (-1/+1) column per label.
    low : float
        The value standing for "not this class" (0 or -1); "this class" is 1.
    loss : str or callable
        The Keras loss to train with ("auto" resolved).
    output_activation : str
        The output activation that suits the loss.
    n_classes : int
    """

    kind: str
    low: float
    loss: object
    output_activation: str
    n_classes: int

    @property
    def n_outputs(self):
        return 1 if self.kind == "binary" else self.n_classes

    def encode(self, codes):
        """Encode integer class codes (0..n_classes-1), or a label indicator matrix, as float targets."""
        codes = np.asarray(codes)
        if self.kind == "codes":
            return codes.astype(np.float32)
        if self.kind == "multilabel":
            target = codes.astype(np.float32)
        elif self.kind == "binary":
            target = codes.astype(np.float32)[:, None]
        else:
            target = np.zeros((codes.shape[0], self.n_classes), dtype=np.float32)
            target[np.arange(codes.shape[0]), codes] = 1.0
        if self.low != 0.0:
            target = target * (1.0 - self.low) + self.low
        return target

    def proba(self, outputs):
        """Turn network outputs into class probabilities (rows sum to 1).

        Outputs are mapped from the target range ``[low, 1]`` onto ``[0, 1]``
        and clipped; softmax and sigmoid outputs pass unchanged. A row whose
        scores are all zero gets the uniform distribution.
        """
        scores = np.clip((outputs - self.low) / (1.0 - self.low), 0.0, 1.0)
        if self.kind == "multilabel":
            return scores
        if self.kind == "binary":
            p = scores[:, 0]
            return np.column_stack([1.0 - p, p])
        totals = scores.sum(axis=1, keepdims=True)
        uniform = np.full_like(scores, 1.0 / scores.shape[1])
        return np.where(totals > 0, scores / np.where(totals > 0, totals, 1.0), uniform)


def encoding_for(loss, n_classes):
    """Choose the target encoding and output activation for a loss.

    Parameters
    ----------
    loss : str or callable
        The classifier's ``loss`` parameter.
    n_classes : int
        Number of classes, at least 2.

    Returns
    -------
    TargetEncoding
    """
    if loss == "auto":
        loss = "binary_crossentropy" if n_classes <= 2 else "sparse_categorical_crossentropy"
    encoding = _encoding_for(loss, n_classes)
    if n_classes == 1 and encoding.output_activation == "softmax":
        # A single class (fitted as scikit-learn's MLP does): a softmax over one output is constant
        # and Keras warns about it; a sigmoid learns "this class" like any one-vs-rest output, and a
        # categorical crossentropy becomes its binary form, as it divides the output by its sum
        # (0 / 0 once the sigmoid underflows: a NaN loss on large inputs).
        loss = _SINGLE_CLASS_LOSSES.get(canonical_loss_name(encoding.loss), encoding.loss)
        encoding = TargetEncoding(encoding.kind, encoding.low, loss, "sigmoid", n_classes)
    return encoding


_SINGLE_CLASS_LOSSES = {
    "categorical_crossentropy": "binary_crossentropy",
    "categorical_focal_crossentropy": "binary_focal_crossentropy",
}


def _encoding_for(loss, n_classes):
    name = canonical_loss_name(loss)
    if name == "mean_absolute_percentage_error":
        raise ValueError(
            "loss='mape' cannot train a classifier: it divides by the target, and encoded "
            "class targets are 0 for every class but one. Use 'auto', a crossentropy, "
            "'hinge' or 'mse' instead."
        )
    low = -1.0 if name in _PLUS_MINUS_LOSSES else 0.0
    if name == "sparse_categorical_crossentropy":
        return TargetEncoding("codes", 0.0, loss, "softmax", n_classes)
    if name in _SINGLE_OUTPUT_LOSSES:
        if name in _PLUS_MINUS_LOSSES:
            activation = "tanh"
        elif name in _SIGMOID_LOSSES or n_classes == 2:
            activation = "sigmoid"
        else:
            activation = "softmax"
        kind = "binary" if n_classes == 2 else "onehot"
        return TargetEncoding(kind, low, loss, activation, n_classes)
    return TargetEncoding("onehot", low, loss, "softmax", n_classes)


def multilabel_encoding_for(loss, n_labels):
    """The encoding of a label indicator matrix: one sigmoid (tanh for hinge losses) output per label.

    Parameters
    ----------
    loss : str or callable
        The classifier's ``loss``; "auto" is binary crossentropy.
    n_labels : int
        Number of label columns.

    Returns
    -------
    TargetEncoding
    """
    if loss == "auto":
        loss = "binary_crossentropy"
    name = canonical_loss_name(loss)
    if name not in _SINGLE_OUTPUT_LOSSES:
        raise ValueError(
            f"loss={loss!r} compares one distribution over classes per sample; multilabel targets "
            "need a loss per label: 'auto' (binary crossentropy), 'hinge', 'squared_hinge', 'mse', "
            "'mae', 'huber' or 'log_cosh'."
        )
    low, activation = (-1.0, "tanh") if name in _PLUS_MINUS_LOSSES else (0.0, "sigmoid")
    return TargetEncoding("multilabel", low, loss, activation, n_labels)
