"""The multilayer perceptron: its NumPy forward pass and its Keras twin.

Prediction runs in NumPy, in the network's dtype, from the trained weights: it needs no
TensorFlow import, costs microseconds per call instead of a Keras dispatch,
and gives every row the same result whatever batch it is predicted in.
"""

import functools
import itertools
import math

import numpy as np
from scipy import sparse, special

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _relu6(z):
    return np.clip(z, 0.0, 6.0)


def _softplus(z):
    return np.logaddexp(0.0, z)


def _elu(z):
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))


# NumPy versions of Keras' activations with their Keras default arguments;
# user callables go through Keras ops.
NUMPY_ACTIVATIONS = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0),
    "relu6": _relu6,
    "leaky_relu": lambda z: np.where(z >= 0, z, 0.2 * z),
    "tanh": np.tanh,
    "sigmoid": special.expit,
    "hard_sigmoid": lambda z: _relu6(z + 3.0) / 6.0,
    "sparse_sigmoid": lambda z: np.clip(0.5 * (z + 1.0), 0.0, 1.0),
    "softsign": lambda z: z / (1.0 + np.abs(z)),
    "softplus": _softplus,
    "elu": _elu,
    "celu": _elu,
    "selu": lambda z: _SELU_SCALE * np.where(z > 0, z, _SELU_ALPHA * np.expm1(np.minimum(z, 0.0))),
    "gelu": lambda z: 0.5 * z * (1.0 + special.erf(z / math.sqrt(2.0))),
    "silu": lambda z: z * special.expit(z),
    "swish": lambda z: z * special.expit(z),
    "hard_silu": lambda z: z * _relu6(z + 3.0) / 6.0,
    "hard_swish": lambda z: z * _relu6(z + 3.0) / 6.0,
    "hard_tanh": lambda z: np.clip(z, -1.0, 1.0),
    "mish": lambda z: z * np.tanh(_softplus(z)),
    "exponential": np.exp,
    "log_sigmoid": lambda z: -_softplus(-z),
    "tanh_shrink": lambda z: z - np.tanh(z),
    "soft_shrink": lambda z: np.where(z > 0.5, z - 0.5, np.where(z < -0.5, z + 0.5, 0.0)),
    "hard_shrink": lambda z: np.where(np.abs(z) > 0.5, z, 0.0),
    "squareplus": lambda z: 0.5 * (z + np.sqrt(z * z + 4.0)),
    "sparse_plus": lambda z: np.where(z <= -1, 0.0, np.where(z >= 1, z, 0.25 * (z + 1.0) ** 2)),
    "softmax": _softmax,
    "log_softmax": _log_softmax,
}


# The common hidden activations, written into their input (``forward``'s fresh arrays): a
# temporary less per layer, which is most of a narrow layer's time after the matmul.
_IN_PLACE_ACTIVATIONS = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0, out=z),
    "tanh": lambda z: np.tanh(z, out=z),
    "sigmoid": lambda z: special.expit(z, out=z),
}


def apply_activation(activation, z):
    """Apply a Keras activation (name or callable) to a float array, keeping its dtype."""
    if isinstance(activation, str) and activation in NUMPY_ACTIVATIONS:
        return NUMPY_ACTIVATIONS[activation](z)
    import keras

    fn = keras.activations.get(activation)
    out = fn(keras.ops.convert_to_tensor(z, dtype=z.dtype.name))
    return np.asarray(keras.ops.convert_to_numpy(out), dtype=z.dtype)


# Keras' BatchNormalization default.
BATCH_NORM_EPSILON = 1e-3


def forward(X, coefs, intercepts, activation, output_activation, batch_norm=None):
    """Outputs of the MLP for the rows of ``X`` (a float array or a SciPy sparse matrix).

    As in scikit-learn's MLP, the result has the dtype NumPy gives ``X`` and
    the weights together: float32 for float32 data and a float32 network.
    ``batch_norm`` holds, per hidden layer, the (gamma, beta, moving_mean,
    moving_variance) of its BatchNormalization, applied as at inference;
    dropout is the identity at inference.
    """
    a = X if sparse.issparse(X) else np.asarray(X)
    last = len(coefs) - 1
    for i, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
        a = np.asarray(a @ W)  # a sparse X gives a dense first layer
        if np.result_type(a, b) == a.dtype:
            a += b  # the product is a fresh array: add in place
        else:
            a = a + b
        if batch_norm and i < last:
            gamma, beta, mean, variance = batch_norm[i]
            a = (a - mean) / np.sqrt(variance + BATCH_NORM_EPSILON) * gamma + beta
        name = output_activation if i == last else activation
        if isinstance(name, str) and name in _IN_PLACE_ACTIVATIONS and a.dtype.kind == "f":
            a = _IN_PLACE_ACTIVATIONS[name](a)
        else:
            a = apply_activation(name, a)
    return a


def glorot_uniform(rng, fan_in, fan_out):
    """Keras' default Dense kernel initializer, drawn from a NumPy generator."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def initial_weights(rng, layer_sizes):
    """Fresh Glorot-uniform kernels and zero biases for the given layer sizes."""
    coefs = [glorot_uniform(rng, n_in, n_out) for n_in, n_out in itertools.pairwise(layer_sizes)]
    intercepts = [np.zeros(n_out) for n_out in layer_sizes[1:]]
    return coefs, intercepts


def initial_batch_norm(hidden_layer_sizes):
    """Fresh BatchNormalization weights: gamma 1, beta 0, moving mean 0, moving variance 1."""
    return [(np.ones(n), np.zeros(n), np.zeros(n), np.ones(n)) for n in hidden_layer_sizes]


def backend_float_dtype(name):
    """``name``, or ``"float32"`` for float64 where the backend has no float64.

    JAX without ``jax_enable_x64`` truncates every float64 array to float32 and
    warns each time; the network computes in float32 there from the start.
    """
    if name != "float64":
        return name
    import keras

    if keras.backend.backend() != "jax":
        return name
    import jax

    return name if jax.config.jax_enable_x64 else "float32"


def keras_weights(coefs, intercepts, batch_norm=None, dtype="float32"):
    """The weights in the ``keras.Model.get_weights`` order of :func:`build_keras_model`."""
    weights = []
    for i, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
        weights += [W, b]
        if batch_norm and i < len(batch_norm):
            weights += list(batch_norm[i])
    return [np.asarray(w, dtype=dtype) for w in weights]


def split_weights(weights, n_layers, batch_normalization):
    """Inverse of :func:`keras_weights`: ``(coefs, intercepts, batch_norm)`` in the network's dtype."""
    weights = [np.asarray(w) for w in weights]
    coefs, intercepts, batch_norm = [], [], []
    position = 0
    for i in range(n_layers):
        coefs.append(weights[position])
        intercepts.append(weights[position + 1])
        position += 2
        if batch_normalization and i < n_layers - 1:
            batch_norm.append(tuple(weights[position : position + 4]))
            position += 4
    return coefs, intercepts, batch_norm


def build_keras_model(
    n_features,
    hidden_layer_sizes,
    activation,
    n_outputs,
    output_activation,
    *,
    dropout=0.0,
    batch_normalization=False,
    dtype="float32",
    kernel_initializer="glorot_uniform",
):
    """A ``keras.Sequential`` MLP computing in ``dtype``, its kernels drawn by ``kernel_initializer``.

    Each hidden layer is ``Dense`` (then ``BatchNormalization`` before the
    activation, if asked) then ``Dropout`` if ``dropout > 0``; the output is
    a ``Dense`` layer with ``output_activation``. A tuple of activation names
    gives each hidden layer a :func:`selected_activation_class` layer instead.
    """
    import keras

    options = dict(dtype=dtype, kernel_initializer=kernel_initializer)
    layers = [keras.Input(shape=(n_features,), dtype=dtype)]
    for units in hidden_layer_sizes:
        if isinstance(activation, tuple):  # a loop shared by several networks (_training/shared_programs)
            layers.append(keras.layers.Dense(units, **options))
            layers.append(selected_activation_class()(activation, dtype=dtype))
        elif batch_normalization:
            layers.append(keras.layers.Dense(units, **options))
            layers.append(keras.layers.BatchNormalization(dtype=dtype))
            layers.append(keras.layers.Activation(activation, dtype=dtype))
        else:
            layers.append(keras.layers.Dense(units, activation=activation, **options))
        if dropout > 0:
            layers.append(keras.layers.Dropout(dropout, seed=0, dtype=dtype))
    layers.append(keras.layers.Dense(n_outputs, activation=output_activation, **options))
    return keras.Sequential(layers)


@functools.cache
def selected_activation_class():
    """The Keras layer applying one of several activations, chosen at run time, times a 0/1 mask per unit.

    The choice is an index variable read by a ``keras.ops.switch``, so the
    compiled step computes only the chosen activation, exactly. (A one-hot
    blend of all of them, ``sum(choice[i] * f_i(z))``, measured 15-45%
    slower per warm fit: 0.13 s against 0.11 s on breast_cancer with 10
    units, 0.24 s against 0.18 s with 100; 30 against 23 ms on the
    tutorial's task.)
    """
    import keras

    class SelectedActivation(keras.layers.Layer):
        """``activations[choice](z) * mask``, with ``choice`` and ``mask`` set before each fit.

        A compiled training loop reads both at every call, so one program
        trains a network with any of ``activations`` and any number of units up
        to the layer's width: the masked units output 0, so their weights get
        zero gradients (see ``_training/shared_programs.py``).
        """

        def __init__(self, activations, **kwargs):
            super().__init__(**kwargs)
            self.activations = tuple(activations)

        def build(self, input_shape):
            self.choice = self.add_weight(
                shape=(), dtype="int32", initializer="zeros", trainable=False, name="activation_choice"
            )
            self.mask = self.add_weight(
                shape=(input_shape[-1],), initializer="ones", trainable=False, name="unit_mask"
            )

        def call(self, z):
            functions = [keras.activations.get(name) for name in self.activations]
            if len(functions) == 1:
                outputs = functions[0](z)
            else:
                # Each branch in z's dtype: inside a switch on JAX, Keras' tanh gave float32 for float64 z.
                branches = [lambda z, f=function: keras.ops.cast(f(z), z.dtype) for function in functions]
                outputs = keras.ops.switch(keras.ops.convert_to_tensor(self.choice), branches, z)
            return outputs * self.mask

        def compute_output_shape(self, input_shape):
            return input_shape

    return SelectedActivation
