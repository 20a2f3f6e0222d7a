"""JAX's loop for dense X too large to pad and copy whole: a block of rows per ``jax.jit`` call.

As TensorFlow's blocked loop (``tensorflow_blocked.py``): past
``padding._XLA_MAX_VALUES`` values, each epoch orders the rows as every
engine does and runs them in blocks of whole minibatches
(``padding.block_rows``), each gathered from X in NumPy, padded to the
block's size with rows of weight 0, and trained in one compiled call that
carries the epoch's loss sum on. The steps are the padded jit loop's
(``jax_loop.py``), so the weights are the same to float rounding, and
neither the host nor the device ever holds a copy of X. Before it, such
data trained through ``model.fit``, one Python dispatch per minibatch.
"""

import numpy as np

from .._input import training_rows
from .compiled_loop import scalar, training_loss_rule
from .jax_steps import minibatch_step, read_values, variable_groups, write_values
from .padding import block_rows, padded_arrays
from .row_order import epoch_order


def blocked_epochs(trainer, X, batch_size):
    """``run_epochs`` for the ``JaxLoopTrainer`` ``trainer`` on large dense X, or None past the budget.

    The compiled block is kept with the trainer's loops and counted against
    the process's budget of compiled loops (``compiled_loop``).
    """
    rows_per_block = block_rows(X, batch_size)
    key = ("blocked", rows_per_block, batch_size)
    if not trainer._within_budget(trainer._loops, key):
        return None
    run_block = trainer._cached_loop(
        trainer._loops, key, lambda: _compile_block(trainer, rows_per_block, batch_size)
    )
    groups, dtype = variable_groups(trainer), trainer.objective.dtype

    def run_epochs(X, rows, y, w, start, stop, batch_size, seed, shuffle, tol, patience, best, count):
        import jax.numpy as jnp

        n = y.shape[0]
        total_weight = jnp.sum(jnp.asarray(w, dtype))
        alpha = scalar(trainer.alpha_value, dtype)
        values = read_values(groups)
        losses, epoch = [], int(start)
        best, count = np.asarray(best, dtype), np.asarray(count, "int32")
        epoch_loss = np.asarray(0.0, dtype)
        while epoch < stop and np.isfinite(epoch_loss) and count <= patience:
            order = epoch_order(n, seed, epoch) if shuffle else None
            total = jnp.zeros((), dtype)
            for first in range(0, n, rows_per_block):
                block = slice(first, first + rows_per_block)
                if order is not None:
                    block = order[block]
                real = min(rows_per_block, n - first)
                parts = padded_arrays(training_rows(X, rows, block), y[block], w[block], rows_per_block)
                arrays = _device_arrays(parts, dtype)
                # JAX dispatches calls without waiting for them: wait for the previous block, so at most
                # two blocks' arrays live at a time (gathered ahead, they could add up to a copy of X).
                total.block_until_ready()
                values, total = run_block(values, *arrays, scalar(real), alpha, total)
            safe_weight = jnp.where(total_weight > 0, total_weight, 1)
            epoch_loss = np.asarray(jnp.where(total_weight > 0, total / safe_weight, 0))
            losses.append(epoch_loss)
            best, count = training_loss_rule(np, epoch_loss, tol, best, count)
            epoch += 1
        write_values(groups, values)
        return np.asarray(losses, dtype), best, count

    return run_epochs


def _device_arrays(parts, dtype):
    """The block's X, y and w as JAX arrays (on the default device)."""
    import jax.numpy as jnp

    return tuple(jnp.asarray(part, dtype) for part in parts)


def _compile_block(trainer, rows_per_block, batch_size):
    """A jit call over a padded block of ``rows_per_block`` rows: its ``n`` real rows' steps, in order."""
    import jax

    step = minibatch_step(trainer)

    def run_block(values, X, y, w, n, alpha, total):
        def train_step(i, carry):
            *variables, total = carry
            first = i * batch_size

            def take(array):
                return jax.lax.dynamic_slice_in_dim(array, first, batch_size)

            # Rows past n are padding of weight 0: they add nothing to the loss or the gradients.
            *variables, loss_sum = step(*variables, take(X), take(y), take(w), alpha)
            return (*variables, total + loss_sum)

        steps = (n + batch_size - 1) // batch_size
        *values, total = jax.lax.fori_loop(0, steps, train_step, (*values, total))
        return tuple(values), total

    return jax.jit(run_block)
