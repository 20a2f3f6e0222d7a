"""Prediction: the fitted network's outputs for X, a chunk of rows at a time.

The built-in MLP predicts with NumPy from ``coefs_`` and ``intercepts_``
(``_network.forward``: no TensorFlow, JAX or PyTorch import, so a pickled
model predicts anywhere scikit-learn runs); a custom model predicts through
Keras. Chunks keep the hidden activations' memory bounded whatever the
number of rows. On a multi-core machine, many chunks run on parallel threads,
each with a one-thread BLAS: NumPy's element-wise steps (bias, activation)
are single-threaded, so this, not BLAS's own threads, is what uses every
core on a narrow network.

On a machine where the Keras backend in use has an accelerator (a GPU),
large batches of dense rows go through the Keras model there instead, in
chunks of ``_DEVICE_CHUNK_ROWS`` rows. Only a backend the process has
imported already counts: prediction never imports one itself.
"""

import concurrent.futures
import functools
import itertools
import sys

import numpy as np
import threadpoolctl
from scipy import sparse
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _encoders, _parameters
from ._input import CHUNK_ROWS, map_in_chunks
from ._network import forward as numpy_forward


def forward(estimator, X, pre_activation=False):
    """Network outputs for X (before the output activation, if asked), in the network's dtype."""
    check_is_fitted(estimator)
    X = validate_data(estimator, X, reset=False, **estimator._X_options())
    X = estimator._check_X_shape(_encoders.encode_features(estimator, X, first_call=False))
    if estimator._architecture is None:
        return _custom_forward(estimator, X)
    a = estimator._architecture
    if not sparse.issparse(X) and _worth_the_device(a, X.shape[0]) and _accelerator() is not None:
        return _device_forward(estimator, X, pre_activation)
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

    chunk_rows = _parameters.predict_chunk_rows(estimator)
    threads = _parallel_chunks(X.shape[0], chunk_rows or CHUNK_ROWS)
    if chunk_rows is None:
        # The default chunk is shared among the threads: the live activations stay about one
        # chunk's, however many cores (``predict__batch_size`` is each thread's chunk).
        chunk_rows = max(CHUNK_ROWS // threads, _MIN_THREAD_CHUNK_ROWS) if threads > 1 else CHUNK_ROWS
    # Sparse chunks stay sparse (the first layer multiplies them as they are).
    if threads <= 1:
        return map_in_chunks(outputs, X, chunk_rows, densify=False)
    with _blas_controller().limit(limits=1, user_api="blas"):
        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            return map_in_chunks(outputs, X, chunk_rows, densify=False, mapper=pool.map)


# Threads pay (measured: 2 cores, float32, relu (64, 64) and (512, 512)) from about
# this many chunks per thread; below, one thread and BLAS's own.
_CHUNKS_PER_THREAD = 2
# Smaller chunks than this lose more to the per-call overhead than threads win.
_MIN_THREAD_CHUNK_ROWS = 512


@functools.cache
def _blas_controller():
    return threadpoolctl.ThreadpoolController()


def _parallel_chunks(n_rows, chunk_rows):
    """Threads for ``n_rows`` rows in chunks of ``chunk_rows``: BLAS's current thread count, if
    there are chunks enough for them (a joblib worker limited to one BLAS thread gets one)."""
    n_chunks = -(-n_rows // chunk_rows)
    if n_chunks < 2 * _CHUNKS_PER_THREAD:
        return 1
    libraries = _blas_controller().select(user_api="blas").lib_controllers
    threads = max((library.num_threads for library in libraries), default=1)
    return min(threads, n_chunks // _CHUNKS_PER_THREAD)


# An accelerator pays (transfers, Keras dispatch) from about this many multiply-adds per call: some 30-60 ms
# of NumPy on a 2- to 16-core CPU. Smaller calls, a single row above all, stay in NumPy.
_DEVICE_MIN_MULTIPLY_ADDS = 1 << 27
# Rows per chunk sent to the accelerator (Keras' model.predict was fastest at 65536 on an H200).
_DEVICE_CHUNK_ROWS = 65536


def _worth_the_device(architecture, n_rows):
    widths = (architecture.n_features, *architecture.hidden_layer_sizes, architecture.n_outputs)
    return n_rows * sum(a * b for a, b in itertools.pairwise(widths)) >= _DEVICE_MIN_MULTIPLY_ADDS


def _accelerator():
    """The accelerator of the Keras backend in use (a device description), or None.

    Looks only at packages this process imported already (fitting imports
    them; loading a pickle does not), so prediction never imports one.
    """
    keras = sys.modules.get("keras")
    if keras is None:
        return None
    backend = keras.backend.backend()
    if backend not in sys.modules:  # "tensorflow", "jax" and "torch" name their packages
        return None
    return _backend_accelerator(backend)


@functools.cache
def _backend_accelerator(backend):
    if backend == "jax":
        import jax

        device = jax.devices()[0]
        return None if device.platform == "cpu" else str(device)
    if backend == "torch":
        import torch

        return torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_logical_devices("GPU")
        return gpus[0].name if gpus else None
    return None


def _device_forward(estimator, X, pre_activation):
    """The built-in MLP's outputs computed by its Keras model on the backend's default device."""
    import keras

    model = keras_model(estimator)
    *body, last = model.layers
    dtype = estimator._architecture.dtype

    def outputs(rows):
        hidden = keras.ops.convert_to_tensor(np.asarray(rows, dtype=dtype))
        for layer in body:
            hidden = layer(hidden, training=False)
        z = keras.ops.add(keras.ops.matmul(hidden, last.kernel), last.bias)
        return keras.ops.convert_to_numpy(z if pre_activation else last.activation(z))

    chunk_rows = _parameters.predict_chunk_rows(estimator) or _DEVICE_CHUNK_ROWS
    return map_in_chunks(outputs, X, chunk_rows)


def _custom_forward(estimator, X):
    import keras

    model, dtype = _encoders.training_model(estimator), estimator._objective.dtype

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
