"""What TensorFlow's loops share: the minibatch step and the compiled loops' argument specs."""


def minibatch_step(trainer):
    """One optimizer step on a minibatch for the compiled loops; returns the weighted loss sum."""
    import tensorflow as tf

    dtype = tf.as_dtype(trainer.objective.dtype)
    model, optimizer, loss_fn, metrics = trainer.model, trainer.optimizer, trainer.loss, trainer.metrics

    def step(X_batch, y_batch, w_batch):
        with tf.GradientTape() as tape:
            predicted = model(X_batch, training=True)
            loss = tf.cast(loss_fn(y_batch, predicted, sample_weight=w_batch), dtype)
            if model.losses:
                loss += tf.cast(tf.add_n(model.losses), dtype)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply(gradients, model.trainable_variables)
        for metric in metrics:
            metric.update_state(y_batch, predicted, sample_weight=w_batch)
        return loss * tf.reduce_sum(w_batch)

    return step


def scalar_argument_specs(dtype):
    """Specs of both compiled loops' arguments after X, y and w.

    Three int32 scalars (the epoch range, and the batch size or the XLA loop's
    real row count), the seed, ``shuffle``, then ``tol``, ``patience``,
    ``best`` and ``count`` of the training-loss rule.
    """
    import tensorflow as tf

    return (
        tf.TensorSpec([], tf.int32),
        tf.TensorSpec([], tf.int32),
        tf.TensorSpec([], tf.int32),
        tf.TensorSpec([2], tf.int32),
        tf.TensorSpec([], tf.bool),
        tf.TensorSpec([], dtype),
        tf.TensorSpec([], dtype),
        tf.TensorSpec([], dtype),
        tf.TensorSpec([], tf.int32),
    )


# The compiled loops' qualified names, as TensorFlow's retracing warning prints them.
_OWN_LOOPS = ("GraphLoopTrainer._compile.<locals>.run_epochs", "compile_xla_loop.<locals>.run_epochs")


class _OwnRetracingFilter:
    """Drop TensorFlow's "triggered tf.function retracing" warning about the graph and XLA loops.

    Every custom model gets its own compiled loop by design (one trace per
    fit), which TensorFlow's heuristic reports as excessive retracing.
    Warnings about any other function pass through.
    """

    def filter(self, record):
        message = record.getMessage()
        return not ("retracing" in message and any(loop in message for loop in _OWN_LOOPS))


def install_retracing_filter():
    import logging

    logger = logging.getLogger("tensorflow")
    if not any(isinstance(f, _OwnRetracingFilter) for f in logger.filters):
        logger.addFilter(_OwnRetracingFilter())
