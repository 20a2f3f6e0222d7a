"""One compiled training loop for several hidden-layer widths: widths rounded up, padding units kept at zero.

A grid search over ``hidden_layer_sizes`` compiles a training loop per
architecture (0.5-1 s each on a 2-core CPU, where a warm fit of a small
network takes 15-100 ms). Here an architecture trains in a network whose
hidden widths are rounded up to one of a few sizes (``PADDED_WIDTHS``), so
(10,), (20,) and (50,) share one loop. The extra units start with zero
weights in and out, and stay exactly zero: an activation with ``f(0) == 0``
gives them zero outputs, so their outgoing weights get zero gradients, and
zero outgoing weights give their incoming weights zero gradients; an
optimizer acting element by element turns zero gradients into zero steps,
and the L2 penalty of zeros is zero. The real units compute what the exact
network computes, up to float rounding (matrix products sum over more,
zero, terms).

Left exact: activations that are not zero at zero or not element-wise
(sigmoid, softplus, softmax, ...), optimizers that mix elements (Adafactor's
factored moments, a user's optimizer class), dropout and batch
normalization, and fits where the padding's extra arithmetic would cost more
than a compilation saves.
"""

import dataclasses
import itertools

import numpy as np

# Hidden widths are rounded up to the first of these that holds them; wider layers stay as they are.
PADDED_WIDTHS = (64, 128, 256)
# Activations with f(0) == 0, element-wise, with a finite derivative at 0.
ZERO_AT_ZERO = frozenset(
    {
        "celu",
        "elu",
        "gelu",
        "hard_shrink",
        "hard_silu",
        "hard_swish",
        "hard_tanh",
        "leaky_relu",
        "linear",
        "mish",
        "relu",
        "relu6",
        "selu",
        "silu",
        "soft_shrink",
        "softsign",
        "swish",
        "tanh",
        "tanh_shrink",
    }
)
# Keras optimizers whose step for an element depends only on that element's gradient and state.
ELEMENTWISE_OPTIMIZERS = frozenset(
    {"adadelta", "adagrad", "adam", "adamax", "adamw", "ftrl", "lion", "nadam", "rmsprop", "sgd"}
)
# Padding is skipped where its extra multiply-adds over the whole fit would pass this (about 0.2 s
# on a 2-core CPU, against 0.5-1 s for a compilation).
MAX_EXTRA_MULTIPLY_ADDS = 2**31


def padded_width(units):
    """``units`` rounded up to the first of ``PADDED_WIDTHS`` that holds it (unchanged above them)."""
    return next((width for width in PADDED_WIDTHS if units <= width), units)


def program_architecture(architecture, objective, n_rows, epochs):
    """The architecture of the network that trains ``architecture``: padded where that is exact and cheap."""
    if (
        architecture.dropout
        or architecture.batch_normalization
        or architecture.activation not in ZERO_AT_ZERO
        or objective.optimizer not in ELEMENTWISE_OPTIMIZERS
    ):
        return architecture
    padded = tuple(padded_width(units) for units in architecture.hidden_layer_sizes)
    if padded == architecture.hidden_layer_sizes:
        return architecture
    # Forward and backward passes: about three multiply-adds per weight, row and epoch.
    extra = 3 * n_rows * epochs * (_n_weights(architecture, padded) - _n_weights(architecture))
    if extra > MAX_EXTRA_MULTIPLY_ADDS:
        return architecture
    return dataclasses.replace(architecture, hidden_layer_sizes=padded)


def _n_weights(architecture, hidden=None):
    sizes = (architecture.n_features, *(hidden or architecture.hidden_layer_sizes), architecture.n_outputs)
    return sum(a * b + b for a, b in itertools.pairwise(sizes))


def embed(array, shape, fill):
    """``array`` in the leading corner of an array of ``shape`` that holds ``fill`` elsewhere.

    ``fill`` is a number or an array of ``shape``; ``array`` itself comes back if it has ``shape``.
    """
    array = np.asarray(array)
    if array.shape == tuple(shape):
        return array
    padded = np.array(np.broadcast_to(fill, shape), dtype=array.dtype)
    padded[tuple(slice(0, n) for n in array.shape)] = array
    return padded


def corner(array, shape):
    """The leading ``shape`` block of ``array`` (what :func:`embed` put there)."""
    if array.shape == tuple(shape):
        return array
    return np.array(array[tuple(slice(0, n) for n in shape)])
