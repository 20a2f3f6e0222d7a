"""The built-in MLP's training loop on the JAX backend: many epochs per ``jax.jit`` call.

``model.fit`` on JAX dispatches one compiled step per minibatch from Python,
which costs more than the step itself on a small network (measured: 0.28 s
for 150 epochs of the iris-sized W2 fit, against 0.016 s for TensorFlow's
XLA loop). This loop runs whole epochs inside one XLA computation through
Keras' stateless API (``model.stateless_call``, ``optimizer.stateless_apply``),
with the same static shapes, padding, row order, loss, penalty and stopping
rule as TensorFlow's XLA loop (``tensorflow_xla.py``), sharing what the
two backends allow.

Dense X of more than ``padding._XLA_MAX_VALUES`` values trains a block of
rows per call (``jax_blocked.py``). Fits these loops do not serve (dropout,
batch normalization, metrics, user callbacks, sparse X) go through
``model.fit``.
"""

import collections

from scipy import sparse

from .compiled_loop import _XLA_MAX_EPOCHS_PER_CALL, StepPenaltyTrainer, scalar, training_loss_rule
from .jax_blocked import blocked_epochs
from .jax_steps import minibatch_step, read_values, variable_groups, write_values
from .keras_fit import fit_trainer_for
from .keras_objects import penalized_kernels
from .padding import padded_arrays, padded_shapes, past_xla_size
from .pool import lend_trainer
from .row_order import epoch_keys_array


def serves(architecture, objective):
    """Whether the jit loop trains this network on the current backend (else ``model.fit``).

    Dropout and batch normalization would see the padding rows; metrics
    keep Keras' stateful objects, which the pure loop does not carry.
    """
    import keras

    return (
        keras.backend.backend() == "jax"
        and not architecture.dropout
        and not architecture.batch_normalization
        and not objective.metrics
    )


def jax_trainer_for(architecture, objective):
    """A jit-loop trainer for the built-in MLP (JAX backend), lent by the pool (``with ... as``)."""
    return lend_trainer(("jax", architecture, objective), lambda: JaxLoopTrainer(architecture, objective))


class JaxLoopTrainer(StepPenaltyTrainer):
    """Trains the built-in MLP in jit-compiled calls of many epochs (JAX backend).

    The model's and optimizer's Keras variables hold the state between calls,
    as in the other trainers: each call reads them, runs, and writes them
    back, so callbacks between epochs (early stopping's validation score,
    the learning-rate plan) see the weights reached.
    """

    def __init__(self, architecture, objective):
        super().__init__(architecture, objective)
        kernels = penalized_kernels(self.model)
        # The penalty is added inside the loop from the traced kernels.
        self.kernel_positions = [
            i for i, v in enumerate(self.model.trainable_variables) if any(v is k for k in kernels)
        ]
        self._loops = collections.OrderedDict()  # (batch size, capacity) -> loop

    def train(self, X, y, sample_weight, state, options, plan, callbacks=(), rows=None):
        """Train from ``state`` until ``plan`` stops it; return the new state and the per-epoch history.

        ``rows``: train on ``X[rows]`` (``model.fit`` takes them a minibatch at a time).
        """
        import jax.numpy as jnp

        o, dtype = options, self.objective.dtype
        n = y.shape[0]
        batch_size = min(o.batch_size, n)
        shapes = padded_shapes(n, batch_size)
        served = not callbacks and self._padded_loop_serves(X, n, shapes, self._loops)
        blocked = None
        if not callbacks and not served and not sparse.issparse(X) and past_xla_size(X, n):
            blocked = blocked_epochs(self, X, batch_size)
        if blocked is not None:
            self.load(state, o, plan)
            data = (X, rows, y, sample_weight)
            return self._train_loop(blocked, data, (batch_size, o.seed, bool(o.shuffle)), o, plan, callbacks)
        if not served:
            with fit_trainer_for(self.architecture, self.objective, o.alpha) as fallback:
                fallback.select(self.activation)
                return fallback.train(X, y, sample_weight, state, o, plan, callbacks, rows=rows)
        if rows is not None:
            X = X[rows]
        self.load(state, o, plan)
        # One compiled loop per shape, sharing the process budget with TensorFlow's XLA loops.
        loop = self._cached_loop(self._loops, shapes, lambda: self._compile(*shapes))
        data = tuple(jnp.asarray(part, dtype) for part in padded_arrays(X, y, sample_weight, shapes[1]))
        batching = (scalar(o.seed), scalar(bool(o.shuffle), bool))
        return self._train_loop(loop, (*data, scalar(n), scalar(batch_size)), batching, o, plan, callbacks)

    def _compile(self, slots, capacity):
        """The jit-compiled loop over epochs for padded data of ``capacity`` rows, ``slots`` rows per step
        (see the XLA loop)."""
        import jax
        import jax.numpy as jnp

        dtype = self.objective.dtype
        minibatch = minibatch_step(self)

        def run_epochs(
            variables, X, y, w, n, batch_size, start, stop, seed, shuffle, alpha, tol, patience, best, count
        ):
            steps = (n + batch_size - 1) // batch_size
            total_weight = jnp.sum(w)
            padding = jnp.arange(capacity) >= n

            def train_step(step, carry):
                trainable, non_trainable, optimizer_variables, total, order = carry
                rows = jax.lax.dynamic_slice_in_dim(order, step * batch_size, slots)
                w_batch = jnp.where(jnp.arange(slots) < batch_size, w[rows], 0)  # past the step's rows: 0
                *variables, loss_sum = minibatch(
                    trainable, non_trainable, optimizer_variables, X[rows], y[rows], w_batch, alpha
                )
                return *variables, total + loss_sum, order

            def more(carry):
                epoch, epoch_loss, _, _, count, _ = carry
                return (epoch < stop) & jnp.isfinite(epoch_loss) & (count.astype(dtype) <= patience)

            def one_epoch(carry):
                epoch, _, losses, best, count, variables = carry
                keys = jnp.where(
                    shuffle,
                    epoch_keys_array(jnp, capacity, seed, epoch, "uint32"),
                    jnp.arange(capacity, dtype="uint32"),
                )
                order = jnp.lexsort((keys, padding))  # the real rows in the epoch's order, padding last
                *variables, total, _ = jax.lax.fori_loop(
                    0, steps, train_step, (*variables, jnp.zeros((), dtype), order)
                )
                epoch_loss = jnp.where(
                    total_weight > 0, total / jnp.where(total_weight > 0, total_weight, 1), 0
                )
                losses = losses.at[epoch - start].set(epoch_loss)
                best, count = training_loss_rule(jnp, epoch_loss, tol, best, count)
                return epoch + 1, epoch_loss, losses, best, count, tuple(variables)

            initial = (start, jnp.zeros((), dtype), jnp.zeros(_XLA_MAX_EPOCHS_PER_CALL, dtype), best, count)
            epoch, _, losses, best, count, variables = jax.lax.while_loop(
                more, one_epoch, (*initial, variables)
            )
            return losses, epoch - start, best, count, variables

        compiled = jax.jit(run_epochs)
        groups = variable_groups(self)

        def run(X, y, w, n, batch_size, start, stop, seed, shuffle, tol, patience, best, count):
            values = read_values(groups)
            losses, done, best, count, values = compiled(
                values,
                X,
                y,
                w,
                n,
                batch_size,
                start,
                stop,
                seed,
                shuffle,
                scalar(self.alpha_value, dtype),
                tol,
                patience,
                best,
                count,
            )
            write_values(groups, values)
            return losses[: int(done)], best, count

        return run
