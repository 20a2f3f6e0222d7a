"""Static shapes for the compiled loops: X, y and weights padded to a capacity, minibatches to slots.

XLA and ``jax.jit`` compile for fixed shapes. Padding the rows (weight 0)
to one of a few capacities and each minibatch to a few slot counts lets the
folds of a cross-validation, and the refit on all the rows, share one
compiled loop.
"""

import math

import numpy as np

# XLA needs static shapes: X is padded to a capacity of about 8 sizes per doubling of the rows (powers
# of 4 up to _SHARED_CAPACITY), so folds and resamples of one dataset share a compilation. Larger X
# than this many values keeps the plain loop, where a padded copy would cost more memory than
# per-step overhead costs time.
_XLA_MAX_VALUES = 1 << 24
# Dense X above that trains a block of rows at a time (tensorflow_blocked.py, jax_blocked.py): about this
# many values per block, gathered from X in NumPy, so fit never holds a copy of X.
_BLOCK_VALUES = 1 << 20


def block_rows(X, batch_size):
    """Rows per block of the blocked loops: whole minibatches, about ``_BLOCK_VALUES`` values of X."""
    return max(1, _BLOCK_VALUES // (math.prod(X.shape[1:]) * batch_size)) * batch_size


def past_xla_size(X, n_rows):
    """Whether ``n_rows`` rows of X hold more than ``_XLA_MAX_VALUES`` values (then trained in blocks)."""
    return n_rows * math.prod(X.shape[1:]) > _XLA_MAX_VALUES


# Capacities up to here are powers of 4: each epoch sorts the capacity's rows, which measured 5-13%
# of a warm fit on breast_cancer and digits at 4096 rows, against a compilation of about 1 s saved
# when a refit on all the rows shares the folds' loop.
_SHARED_CAPACITY = 4096


def _rounded_up(n):
    """``n`` rounded up to one of about 8 sizes per doubling."""
    granularity = max(1, 1 << max(0, n.bit_length() - 4))
    return -(-n // granularity) * granularity


def padded_shapes(n, batch_size):
    """A compiled loop's static shapes for ``n`` rows in minibatches of ``batch_size``: ``(slots, capacity)``.

    Each step takes ``slots`` rows (``batch_size`` rounded up; the rows past
    the step's own weigh 0), so batch sizes that round alike share a loop, as
    cross-validation folds of fewer than 200 rows do with ``batch_size="auto"``.
    The ``capacity`` rows (padding rows weighing 0) hold every step's slots:
    up to ``_SHARED_CAPACITY`` rows it is the next power of 4, so a dataset,
    its cross-validation folds and the refit on all of it (a ratio of
    k / (k - 1) in rows) usually share a loop (scikit-learn's toy datasets
    do; not 250 rows, whose folds are one minibatch of ``batch_size="auto"``
    and whose refit is two); larger data rounds up more finely.
    """
    slots = _rounded_up(batch_size)
    steps = -(-n // batch_size)
    needed = (steps - 1) * batch_size + slots
    if needed > _SHARED_CAPACITY:
        return slots, _rounded_up(needed)
    capacity = 4 ** max(3, math.ceil(math.log(needed, 4) - 1e-9))
    # A dataset of a single minibatch (under 200 rows with batch_size="auto") fills the capacity, so its
    # folds and refit share the slots too (measured: 0-8% slower warm fits on iris, wine, the tutorial).
    return (capacity if steps == 1 and capacity <= 256 else slots), capacity


def padded_arrays(X, y, sample_weight, capacity):
    """X, y and sample_weight with ``capacity`` rows for a static-shape loop; padding rows weigh 0."""
    n = y.shape[0]
    weights = np.where(np.arange(capacity) < n, _pad_rows(sample_weight, capacity), 0)
    return _pad_rows(X, capacity), _pad_rows(y, capacity), weights


def _pad_rows(array, capacity):
    """``array`` with copies of its first row appended up to ``capacity`` rows (finite values, weight 0)."""
    array = np.asarray(array)
    missing = capacity - array.shape[0]
    if missing == 0:
        return array
    return np.concatenate([array, np.repeat(array[:1], missing, axis=0)])
