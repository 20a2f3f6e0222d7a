"""TensorFlow's loop for dense X too large to copy: a block of rows per graph call, gathered in NumPy.

``tf.convert_to_tensor`` copies a NumPy array (measured: twice X's size at
its peak), so above ``padding._XLA_MAX_VALUES`` values each epoch orders the
rows as the plain loop does and runs them in blocks of whole minibatches,
and fit never holds a copy of X.
"""

import numpy as np

from .._input import training_rows
from .compiled_loop import training_loss_rule
from .padding import block_rows
from .row_order import epoch_order
from .tensorflow_steps import minibatch_step


def blocked_epochs(trainer):
    """``run_epochs`` for large dense X held in NumPy: the plain loop's steps, a block of rows per call.

    Each epoch orders the rows as the plain loop does and runs them in
    blocks of whole minibatches (``padding.block_rows``), each
    gathered in NumPy and run in one graph call that carries the epoch's
    loss sum on; the same steps in the same order as the plain loop, so the
    same weights, without a tensor copy of X.
    """
    import tensorflow as tf

    if trainer.run_block is None:
        trainer.run_block = _compile_block(trainer)
    run_block, dtype = trainer.run_block, tf.as_dtype(trainer.objective.dtype)

    def run_epochs(X, rows, y, w, start, stop, batch_size, seed, shuffle, tol, patience, best, count):
        n = y.shape[0]
        rows_per_block = block_rows(X, batch_size)
        total_weight = tf.reduce_sum(tf.convert_to_tensor(w, dtype))
        losses, epoch, epoch_loss = [], int(start), tf.constant(0.0, dtype)
        while epoch < stop and tf.math.is_finite(epoch_loss) and tf.cast(count, dtype) <= patience:
            order = epoch_order(n, seed, epoch) if shuffle else None
            total = tf.constant(0.0, dtype)
            for first in range(0, n, rows_per_block):
                block = slice(first, first + rows_per_block)
                if order is not None:
                    block = order[block]
                # One block's arrays live at a time: they are freed when the call returns.
                total = run_block(*_block_tensors(X, rows, y, w, block, dtype), batch_size, total)
            epoch_loss = tf.math.divide_no_nan(total, total_weight)
            losses.append(float(epoch_loss))
            best, count = training_loss_rule(tf, epoch_loss, tol, best, count)
            epoch += 1
        return np.asarray(losses, dtype=trainer.objective.dtype), best, count

    return run_epochs


def _compile_block(trainer):
    """A graph call over a block of rows in order: its minibatches' steps, the loss sum carried on."""
    import tensorflow as tf

    dtype = tf.as_dtype(trainer.objective.dtype)
    train_minibatch = minibatch_step(trainer)
    input_shape = tuple(trainer.model.inputs[0].shape[1:])
    y_shape = [None] if trainer.objective.sparse_targets else [None, trainer.target_width]

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, *input_shape], dtype),
            tf.TensorSpec(y_shape, dtype),
            tf.TensorSpec([None], dtype),
            tf.TensorSpec([], tf.int32),
            tf.TensorSpec([], dtype),
        ]
    )
    def run_block(X, y, w, batch_size, total):
        for step in tf.range((tf.shape(X)[0] + batch_size - 1) // batch_size):
            batch = slice(step * batch_size, (step + 1) * batch_size)
            total += train_minibatch(X[batch], y[batch], w[batch])
        return total

    return run_block


def _block_tensors(X, rows, y, w, block, dtype):
    """Tensors of the training rows ``block`` (positions in the training set) of X, y and w."""
    import tensorflow as tf

    parts = (training_rows(X, rows, block), y[block], w[block])
    return tuple(tf.convert_to_tensor(part, dtype) for part in parts)
