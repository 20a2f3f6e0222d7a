"""Keras models with several inputs or outputs, and SciKeras' ``feature_encoder`` / ``target_encoder``.

sknnlite trains on one X matrix and one target matrix, a row per sample.
Data in another structure (a list or dict of arrays, one per input or
output; arrays of any shape) is flattened into such a matrix, a block of
columns per array, and its ``Layout`` kept. The user's model trains inside
an adapter that splits X's blocks into the model's inputs and joins its
outputs into one matrix, under a loss that is the sum of the per-output
losses (Keras' multi-output loss), so every engine, sample weighting and
stopping rule work unchanged. The user's model stays the fitted ``model_``.
"""

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np


class Layout(NamedTuple):
    """How a matrix's columns hold structured data: ``kind`` ``"array"``, ``"list"`` or ``"dict"``,
    and per block its key (position or name) and the shape of one sample's array."""

    kind: str
    keys: tuple
    shapes: tuple

    @property
    def widths(self):
        return tuple(int(np.prod(shape, dtype=np.int64)) for shape in self.shapes)

    @property
    def plain(self):
        """One array of one value per column: a matrix as it is."""
        return self.kind == "array" and len(self.shapes[0]) == 1


def _blocks(data):
    """``(kind, keys, arrays)`` of a structure: an array, a list/tuple or a dict of arrays."""
    if isinstance(data, dict):
        return "dict", tuple(data), [np.asarray(value) for value in data.values()]
    if isinstance(data, (list, tuple)):
        return "list", tuple(range(len(data))), [np.asarray(value) for value in data]
    return "array", (0,), [np.asarray(data)]


def flatten(data, what):
    """A structure of arrays (the same number of rows each) as ``(matrix, Layout)``.

    ``what`` names the data in errors ("the feature_encoder's output").
    """
    kind, keys, arrays = _blocks(data)
    if not arrays:
        raise ValueError(f"{what} is empty; it must be an array, or a list or dict of arrays.")
    rows = {array.shape[0] if array.ndim else None for array in arrays}
    if len(rows) != 1 or None in rows:
        shapes = {key: array.shape for key, array in zip(keys, arrays, strict=True)}
        raise ValueError(
            f"{what} must hold arrays of the same number of rows (samples); got shapes {shapes}."
        )
    n_rows = rows.pop()
    for key, array in zip(keys, arrays, strict=True):
        if array.dtype.kind not in "biuf":
            raise ValueError(f"{what} must be numeric for Keras; block {key!r} has dtype {array.dtype}.")
    layout = Layout(kind, keys, tuple(tuple(array.shape[1:]) or (1,) for array in arrays))
    matrix = np.concatenate([array.reshape(n_rows, -1).astype(np.float64, copy=False) for array in arrays], 1)
    return matrix, layout


def unflatten(matrix, layout):
    """The structure ``layout`` describes, from its matrix (blocks are views of ``matrix``)."""
    ends = np.cumsum(layout.widths)
    arrays = [
        matrix[:, end - width : end].reshape(matrix.shape[0], *shape)
        for end, width, shape in zip(ends, layout.widths, layout.shapes, strict=True)
    ]
    if layout.kind == "dict":
        return dict(zip(layout.keys, arrays, strict=True))
    if layout.kind == "list":
        return arrays
    return arrays[0]


def model_outputs(model):
    """The model's outputs as a Layout (their names as keys where the model has a dict of outputs)."""
    outputs = model.outputs
    shapes = tuple(tuple(int(size) for size in tensor.shape[1:]) or (1,) for tensor in outputs)
    if any(size is None for shape in shapes for size in shape):
        raise ValueError(
            "Every output of the model must have a fixed shape (besides the batch); got "
            f"{[tuple(tensor.shape) for tensor in outputs]}."
        )
    if isinstance(getattr(model, "_outputs_struct", None), dict):
        return Layout("dict", tuple(model._outputs_struct), shapes)
    return Layout("list" if len(outputs) > 1 else "array", tuple(range(len(outputs))), shapes)


def model_inputs(model, features):
    """The feature Layout (None: X as it is), checked against the model's number of inputs."""
    n_inputs = len(model.inputs)
    given = len(features.keys) if features is not None else 1
    if given != n_inputs:
        raise ValueError(
            f"The model has {n_inputs} input(s) ({[tensor.name for tensor in model.inputs]}) but X gives "
            f"{given}. Give the estimator a feature_encoder property returning a scikit-learn transformer "
            "whose transform(X) returns one array per input (a list, or a dict keyed by input name), e.g. "
            "FunctionTransformer(lambda X: [X[:, :2], X[:, 2:]]), as in SciKeras."
        )
    return features


def adapter(model, features, outputs):
    """A Keras model from X's matrix (``features`` Layout; None: X as the model takes it) to one
    matrix of ``model``'s outputs (``outputs`` Layout)."""
    import keras

    if features is None:  # X as it is, the model's one input
        flat = inputs = keras.Input(tuple(model.inputs[0].shape[1:]), dtype=model.inputs[0].dtype)
    else:
        flat = keras.Input((sum(features.widths),), dtype=model.inputs[0].dtype)
        ends = np.cumsum(features.widths)
        parts = [
            keras.layers.Reshape(shape)(flat[:, int(end) - width : int(end)])
            for end, width, shape in zip(ends, features.widths, features.shapes, strict=True)
        ]
        inputs = _structure(parts, features)
    produced = model(inputs)
    if isinstance(produced, dict):
        produced = [produced[key] for key in outputs.keys]
    elif not isinstance(produced, (list, tuple)):
        produced = [produced]
    columns = [
        keras.layers.Reshape((width,))(tensor) for tensor, width in zip(produced, outputs.widths, strict=True)
    ]
    joined = columns[0] if len(columns) == 1 else keras.layers.Concatenate()(columns)
    return keras.Model(flat, joined, name=f"sknnlite_adapter_for_{model.name}")


def _structure(parts, layout):
    if layout.kind == "dict":
        return dict(zip(layout.keys, parts, strict=True))
    return list(parts) if layout.kind == "list" else parts[0]


def output_losses(model, outputs, default):
    """One loss per output and its weight: the model's compiled ones, else ``default(width)``."""
    compiled = getattr(model, "loss", None) if getattr(model, "optimizer", None) is not None else None
    weights = (getattr(getattr(model, "_compile_config", None), "config", None) or {}).get("loss_weights")
    names = list(getattr(model, "output_names", None) or outputs.keys)
    losses = _per_output(compiled, outputs, names, "loss")
    weights = _per_output(weights, outputs, names, "loss_weights")
    losses = [
        default(width) if loss is None else loss for loss, width in zip(losses, outputs.widths, strict=True)
    ]
    return losses, [1.0 if weight is None else float(weight) for weight in weights]


def _per_output(value, outputs, names, what):
    """A compile setting (one for all outputs, a list, or a dict by output name) as one per output."""
    n = len(outputs.keys)
    if isinstance(value, Mapping):  # Keras may hold it wrapped (TensorFlow's trackable dict and list)
        keys = outputs.keys if outputs.kind == "dict" else names
        return [value.get(key) for key in keys]
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != n:
            raise ValueError(f"The model is compiled with {len(value)} {what} for {n} outputs.")
        return list(value)
    return [value] * n


class SummedLoss:
    """A per-sample loss on the joined matrices: the weighted sum of each output's loss on its block.

    ``targets`` and ``outputs`` are the Layouts of the target and output
    matrices (a block each per output; a sparse crossentropy's target block
    is one column of class codes where its output block has one per class).
    Picklable, as the fitted estimator holds it.
    """

    __name__ = "summed_output_losses"

    def __init__(self, losses, weights, targets, outputs):
        self.losses, self.weights, self.targets, self.outputs = list(losses), list(weights), targets, outputs

    @property
    def target_width(self):
        """Columns of the target matrix (the training loops' y)."""
        return sum(self.targets.widths)

    def __call__(self, y_true, y_pred):
        from keras import ops

        total = 0.0
        target_ends, output_ends = np.cumsum(self.targets.widths), np.cumsum(self.outputs.widths)
        for j, (loss, weight) in enumerate(zip(self.losses, self.weights, strict=True)):
            t_end, t_width, t_shape = int(target_ends[j]), self.targets.widths[j], self.targets.shapes[j]
            o_end, o_width, o_shape = int(output_ends[j]), self.outputs.widths[j], self.outputs.shapes[j]
            true = ops.reshape(y_true[:, t_end - t_width : t_end], (-1, *t_shape))
            pred = ops.reshape(y_pred[:, o_end - o_width : o_end], (-1, *o_shape))
            value = _loss_function(loss)(true, pred)
            while len(value.shape) > 1:
                value = ops.mean(value, axis=-1)
            total = total + weight * value
        return total


def _loss_function(loss):
    import keras

    if isinstance(loss, keras.losses.Loss):
        return loss.call
    if isinstance(loss, str):
        return keras.losses.get(loss)
    return loss
