"""TensorFlow's XLA-compiled loop: many epochs in one call, on dense data padded to static shapes.

Measured 3-4x faster per step than the plain graph loop on small networks,
for a compile about 0.2 s longer than its trace. Rows are padded with
weight 0 (``padding.py``), so it serves networks without batch
normalization or dropout, which would see the padding rows.
"""

from .compiled_loop import _XLA_MAX_EPOCHS_PER_CALL, training_loss_rule
from .row_order import epoch_keys
from .tensorflow_steps import minibatch_step, scalar_argument_specs


def compile_xla_loop(trainer, slots, capacity):
    """The XLA-compiled multi-epoch loop for padded dense data of ``capacity`` rows, ``slots`` per step.

    Same steps as the plain graph loop (``tensorflow_graph.py``) with static shapes: each epoch
    orders the ``n`` real rows at random (the padding last) and takes
    minibatches of ``batch_size`` (an argument) in ``slots`` rows each;
    rows past the step's own, and the padding, weigh 0, which adds nothing
    to the loss or the gradients (the weighted mean divides by the batch's
    weight).
    """
    import tensorflow as tf

    dtype = tf.as_dtype(trainer.objective.dtype)
    n_features = trainer.model.inputs[0].shape[-1]
    n_outputs = trainer.target_width
    y_shape = [capacity] if trainer.objective.sparse_targets else [capacity, n_outputs]
    buffer_size = _XLA_MAX_EPOCHS_PER_CALL

    train_minibatch = minibatch_step(trainer)

    def train_step(X, y, w, order, step, batch_size):
        batch = tf.slice(order, [step * batch_size], [slots])
        own = tf.range(slots) < batch_size  # the slots past this step's rows weigh 0
        w_batch = tf.where(own, tf.gather(w, batch), tf.zeros([], dtype))
        return train_minibatch(tf.gather(X, batch), tf.gather(y, batch), w_batch)

    @tf.function(
        jit_compile=True,
        input_signature=[
            tf.TensorSpec([capacity, n_features], dtype),
            tf.TensorSpec(y_shape, dtype),
            tf.TensorSpec([capacity], dtype),
            tf.TensorSpec([], tf.int32),
            *scalar_argument_specs(dtype),
        ],
    )
    def run_epochs(X, y, w, n, batch_size, start, stop, seed, shuffle, tol, patience, best, count):
        steps = (n + batch_size - 1) // batch_size
        total_weight = tf.reduce_sum(w)
        padding = tf.range(capacity) >= n

        def more(epoch, epoch_loss, losses, best, count):
            return (epoch < stop) & tf.math.is_finite(epoch_loss) & (tf.cast(count, dtype) <= patience)

        def one_epoch(epoch, epoch_loss, losses, best, count):
            keys = tf.where(shuffle, epoch_keys(capacity, seed, epoch), tf.range(capacity, dtype=tf.int64))
            order = tf.argsort(tf.where(padding, tf.constant(1 << 32, tf.int64), keys), stable=True)
            _, total = tf.while_loop(
                lambda step, total: step < steps,
                lambda step, total: (step + 1, total + train_step(X, y, w, order, step, batch_size)),
                (tf.constant(0), tf.constant(0.0, dtype)),
            )
            epoch_loss = tf.math.divide_no_nan(total, total_weight)
            losses = tf.tensor_scatter_nd_update(losses, [[epoch - start]], [epoch_loss])
            best, count = training_loss_rule(tf, epoch_loss, tol, best, count)
            return epoch + 1, epoch_loss, losses, best, count

        epoch, _, losses, best, count = tf.while_loop(
            more,
            one_epoch,
            (start, tf.constant(0.0, dtype), tf.zeros([buffer_size], dtype), best, count),
        )
        return losses, epoch - start, best, count

    def run(X, y, w, n, batch_size, start, stop, *rest):
        losses, done, best, count = run_epochs(X, y, w, n, batch_size, start, stop, *rest)
        return losses[: int(done)], best, count

    run.compiled = run_epochs
    return run
