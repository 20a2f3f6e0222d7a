"""One compiled training loop for several architectures: widths rounded up, activations chosen at run time.

A grid search over ``hidden_layer_sizes`` and ``activation`` compiles a
training loop per architecture (0.5-1 s each on a 2-core CPU, where a warm
fit of a small network takes 15-100 ms). Here an architecture trains in a
network whose hidden widths are rounded up to one of a few sizes
(``PADDED_WIDTHS``) and whose hidden activation is picked from a few
(``SHARED_ACTIVATIONS``, scikit-learn's MLP's four) by a variable that a
``switch`` in the compiled step reads, so
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
normalization.

Where the extra arithmetic per epoch passes ``MAX_EXTRA_WORK_PER_EPOCH``
(breast_cancer-sized data), a shared loop is rented, not bought: an
architecture trains in one while the time that costs it beyond its exact
network adds up to less than compiling its own loop would
(``COMPILE_SECONDS``), then gets its exact loop. A grid search fits each
architecture a few times and so compiles a handful of shared loops instead
of one per architecture; a script fitting one architecture over and over
pays at most about one compilation's time for having shared.
"""

import collections
import dataclasses
import itertools
import threading

import numpy as np

# Hidden widths are rounded up to the first of these that holds them; wider layers stay as they are.
PADDED_WIDTHS = (64, 128, 256)
# The activations one shared loop chooses from at run time (scikit-learn's MLP's four); each is a branch
# compiled into the loop, so the list is short. Other element-wise activations get a loop of their own.
SHARED_ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
# Activations that mix the units of a layer, which padding units would join.
NOT_ELEMENTWISE = frozenset({"softmax", "log_softmax"})
# Keras optimizers whose step for an element depends only on that element's gradient and state.
ELEMENTWISE_OPTIMIZERS = frozenset(
    {"adadelta", "adagrad", "adam", "adamax", "adamw", "ftrl", "lion", "nadam", "rmsprop", "sgd"}
)
# A shared loop is always used where its extra work per epoch (the padding's multiply-adds, an activation
# counted as ACTIVATION_COST of them per unit) stays below this: measured on a 2-core CPU, a 150-epoch fit
# on 166 rows of 5 features took 23 ms in a shared loop against 20 ms (and a compilation of about 1 s
# saved per architecture that shares it); on 569 rows of 30 features, 200 epochs with 10 units took
# 0.11 s against 0.06 s, with 100 units 0.18 s against 0.14 s. Per epoch, not per fit, so a short and a
# long fit of the same data share a loop.
MAX_EXTRA_WORK_PER_EPOCH = 2**20
ACTIVATION_COST = 8
# About what compiling a new architecture's loop costs on a 2-core CPU (measured 0.9-1.4 s on
# breast_cancer-sized networks), the most a shared loop's extra time may cost an architecture.
COMPILE_SECONDS = 1.0
# On TensorFlow, turning the shared step (its activation switch, with gradients) into an XLA program takes
# time that grows with the step's activations: measured on a 2-core CPU, slots x summed hidden widths of
# 33k took 2.7 s to compile, 131k 7-9 s, 262k 9-14 s, 1M (a (512, 512) network, batch 1024) 47 s, where
# the exact network's loop took 1.0 s at any of them. Past this many, an architecture trains exactly.
# (JAX compiles the same shared step in about its exact time.)
TENSORFLOW_MAX_SHARED_STEP_VALUES = 2**16
# Architectures whose shared-loop costs are remembered (least recently fitted ones forgotten).
LEDGER_SIZE = 1024

# (architecture, objective) -> seconds its fits in shared loops took beyond its exact network's.
_extra_seconds = collections.OrderedDict()
_ledger_lock = threading.Lock()


def padded_width(units):
    """``units`` rounded up to the first of ``PADDED_WIDTHS`` that holds it (unchanged above them)."""
    return next((width for width in PADDED_WIDTHS if units <= width), units)


def program_architecture(architecture, objective, n_rows, tensorflow_slots=None):
    """The architecture of the network that trains ``architecture``: shared where that is exact and pays.

    ``tensorflow_slots``: on TensorFlow, the rows of the compiled step's minibatch, which
    bound the shared step's size (``TENSORFLOW_MAX_SHARED_STEP_VALUES``).
    """
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
    if tensorflow_slots is not None and tensorflow_slots * sum(padded) > TENSORFLOW_MAX_SHARED_STEP_VALUES:
        return architecture
    program = dataclasses.replace(architecture, hidden_layer_sizes=padded, activation=activations)
    per_row = _work_per_row(program) - _work_per_row(architecture)
    # Forward and backward: about 3x the multiply-adds of a forward pass.
    if 3 * n_rows * per_row > MAX_EXTRA_WORK_PER_EPOCH and _extra_seconds_of(architecture, objective) >= (
        COMPILE_SECONDS
    ):
        return architecture
    return program


def record_fit(architecture, objective, program, seconds):
    """Count what a fit of ``seconds`` in the shared ``program`` cost ``architecture`` over its own network.

    The share of the time that is the padding's and the unchosen
    activations' arithmetic; fits that compiled a loop are not counted
    (their time is mostly the compilation).
    """
    if program == architecture:
        return
    extra = seconds * (1 - _work_per_row(architecture) / _work_per_row(program))
    key = (architecture, objective)
    with _ledger_lock:
        _extra_seconds[key] = _extra_seconds.pop(key, 0.0) + extra
        while len(_extra_seconds) > LEDGER_SIZE:
            _extra_seconds.popitem(last=False)


def _extra_seconds_of(architecture, objective):
    with _ledger_lock:
        return _extra_seconds.get((architecture, objective), 0.0)


def _work_per_row(architecture):
    """Multiply-adds per row of a forward pass, an activation counted as ``ACTIVATION_COST``."""
    return _n_weights(architecture) + ACTIVATION_COST * sum(architecture.hidden_layer_sizes)


def _n_weights(architecture):
    sizes = (architecture.n_features, *architecture.hidden_layer_sizes, architecture.n_outputs)
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
