"""Prediction: the fitted network's outputs for X, a chunk of rows at a time.

The built-in MLP predicts with NumPy from ``coefs_`` and ``intercepts_``
(``_network.forward``: no TensorFlow, JAX or PyTorch import, so a pickled
model predicts anywhere scikit-learn runs); a custom model predicts through
Keras. Chunks keep the hidden activations' memory bounded whatever the
number of rows. (Device prediction, when it comes, lives here.)
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _parameters
from ._input import CHUNK_ROWS, map_in_chunks
from ._network import forward as numpy_forward


def forward(estimator, X, pre_activation=False):
    """Network outputs for X (before the output activation, if asked), in the network's dtype."""
    check_is_fitted(estimator)
    X = estimator._check_X_shape(validate_data(estimator, X, reset=False, **estimator._X_options()))
    if estimator._architecture is None:
        return _custom_forward(estimator, X)
    a = estimator._architecture
    output_activation = "linear" if pre_activation else a.output_activation

    def outputs(rows):
        return numpy_forward(
            rows,
            estimator.coefs_,
            estimator.intercepts_,
            a.activation,
            output_activation,
            estimator._batch_norm,
        )

    # Sparse chunks stay sparse (the first layer multiplies them as they are).
    return map_in_chunks(outputs, X, _parameters.predict_chunk_rows(estimator) or CHUNK_ROWS, densify=False)


def _custom_forward(estimator, X):
    import keras

    model, dtype = keras_model(estimator), estimator._objective.dtype

    def outputs(rows):
        return keras.ops.convert_to_numpy(model(rows.astype(dtype), training=False))

    chunk_rows = _parameters.predict_chunk_rows(estimator) or CHUNK_ROWS
    return map_in_chunks(outputs, X, chunk_rows).astype(np.float64).reshape(X.shape[0], -1)


def keras_model(estimator):
    """The fitted network as a ``keras.Model`` (``BaseTinyNet.model_``); the built-in MLP's is built once."""
    check_is_fitted(estimator)
    if estimator._architecture is None:
        return estimator.__dict__["_custom_model"]
    model = estimator.__dict__.get("_keras_model")
    if model is None:
        model = estimator._architecture.build()
        model.set_weights(estimator._state.weights)
        estimator.__dict__["_keras_model"] = model
    return model
