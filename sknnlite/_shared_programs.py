"""One compiled training loop for several architectures: widths rounded up, activations chosen at run time.

A grid search over ``hidden_layer_sizes`` and ``activation`` compiles a
training loop per architecture (0.5-1 s each on a 2-core CPU, where a warm
fit of a small network takes 15-100 ms). Here an architecture trains in a
network whose hidden widths are rounded up to one of a few sizes
(``PADDED_WIDTHS``) and whose hidden activation is picked from a few
(``SHARED_ACTIVATIONS``, scikit-learn's MLP's four) by a variable, so
(10,), (20,) and (50,) with relu, tanh, logistic or identity share one loop.
Each hidden layer multiplies its outputs by a 0/1 mask, so the extra units
output 0: their outgoing weights get zero gradients, and, starting at zero,
so do their incoming weights (their error signal comes through the zero
outgoing weights, and through the mask). An optimizer acting element by
element turns zero gradients into zero steps, and the L2 penalty of zeros is
zero, so the extra units stay exactly zero. The real units compute what the
exact network computes, up to float rounding (matrix products sum over
more, zero, terms).

Left exact: activations that are not element-wise (softmax, log_softmax) or
are the user's own callables, optimizers that mix elements (Adafactor's
factored moments, a user's optimizer class), dropout and batch
normalization, and data large enough that the extra arithmetic per epoch
passes ``MAX_EXTRA_WORK_PER_EPOCH``.
"""

import dataclasses
import itertools

import numpy as np

# Hidden widths are rounded up to the first of these that holds them; wider layers stay as they are.
PADDED_WIDTHS = (64, 128, 256)
# The activations one shared loop chooses from at run time (scikit-learn's MLP's four): each is computed
# at every step, so the list is short, and each must be finite for finite inputs (the unchosen ones are
# multiplied by 0). Other element-wise activations get a loop of their own.
SHARED_ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
# Activations that mix the units of a layer, which padding units would join.
NOT_ELEMENTWISE = frozenset({"softmax", "log_softmax"})
# Keras optimizers whose step for an element depends only on that element's gradient and state.
ELEMENTWISE_OPTIMIZERS = frozenset(
    {"adadelta", "adagrad", "adam", "adamax", "adamw", "ftrl", "lion", "nadam", "rmsprop", "sgd"}
)
# A shared loop is used where its extra work per epoch (the padding's multiply-adds, and the unchosen
# activations, each counted as ACTIVATION_COST multiply-adds per unit) stays below this: measured on a
# 2-core CPU, a 150-epoch fit on 166 rows of 5 features took 33 ms in a shared loop against 20 ms (and a
# compilation of about 1 s saved per architecture that shares it); on 379 rows of 30 features,
# 110 ms against 40 ms. Per epoch, not per fit, so a short and a long fit of the same data share a loop.
MAX_EXTRA_WORK_PER_EPOCH = 2**20
ACTIVATION_COST = 8


def padded_width(units):
    """``units`` rounded up to the first of ``PADDED_WIDTHS`` that holds it (unchanged above them)."""
    return next((width for width in PADDED_WIDTHS if units <= width), units)


def program_architecture(architecture, objective, n_rows):
    """The architecture of the network that trains ``architecture``: padded where that is exact and cheap."""
    activation = architecture.activation
    if (
        architecture.dropout
        or architecture.batch_normalization
        or not isinstance(activation, str)
        or activation in NOT_ELEMENTWISE
        or not architecture.hidden_layer_sizes
        or objective.optimizer not in ELEMENTWISE_OPTIMIZERS
    ):
        return architecture
    padded = tuple(padded_width(units) for units in architecture.hidden_layer_sizes)
    activations = SHARED_ACTIVATIONS if activation in SHARED_ACTIVATIONS else (activation,)
    per_row = _n_weights(architecture, padded) - _n_weights(architecture)
    per_row += ACTIVATION_COST * sum(padded) * (len(activations) - 1)
    if 3 * n_rows * per_row > MAX_EXTRA_WORK_PER_EPOCH:  # forward and backward: about 3x
        return architecture
    return dataclasses.replace(architecture, hidden_layer_sizes=padded, activation=activations)


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
