"""The Keras objects an ``Objective`` stands for: optimizer, loss with MLP's penalty, schedule, metrics."""

import copy
from collections.abc import Mapping, Sequence

from .._routing import optimizer_kwargs


def make_optimizer(optimizer, learning_rate, params):
    """A new Keras optimizer from its name or class, a learning rate (or schedule) and its other arguments."""
    import keras

    config = {"learning_rate": learning_rate, **optimizer_kwargs(optimizer, params)}
    if isinstance(optimizer, str):
        return keras.optimizers.get({"class_name": optimizer, "config": config})
    return optimizer.from_config(config)


def single_loss(loss):
    """A compiled model's loss for its one output: Keras also takes a one-entry list or dict of them."""
    if isinstance(loss, Mapping) and len(loss) == 1:
        return next(iter(loss.values()))
    if isinstance(loss, Sequence) and not isinstance(loss, str) and len(loss) == 1:
        return loss[0]
    return loss


def make_loss(loss, params, dtype, scale=1.0):
    """The loss as a Keras ``Loss`` computing scikit-learn's MLP objective on a minibatch.

    The weighted mean divides by the sum of the weights, so a sample of
    weight 2 counts exactly as the same sample given twice. ``scale``
    multiplies each sample's loss (the number of labels, for multilabel
    targets, whose loss MLP sums over the labels where Keras averages).
    Setting the returned loss's ``penalty`` to ``(alpha, kernels)`` adds
    MLP's L2 penalty (the trainers do).
    """
    import keras
    from keras import ops

    # Keras exports no name for the wrapper its string losses use; it lives here since Keras 3.0.
    from keras.src.losses.losses import LossFunctionWrapper

    if isinstance(loss, keras.losses.Loss):
        fn = loss.call
    elif isinstance(loss, str):
        fn = keras.losses.get(loss)
    else:
        fn = loss
    if scale != 1.0:
        unscaled = fn

        def fn(y_true, y_pred, **kwargs):
            return unscaled(y_true, y_pred, **kwargs) * scale

    class PenalizedLoss(LossFunctionWrapper):
        penalty = None  # (alpha variable, kernels)

        def __call__(self, y_true, y_pred, sample_weight=None):
            # Keras weighs the samples' losses (reduction "none"); the mean is taken here, as Keras'
            # "mean_with_sample_weight" takes it but for its divide_no_nan, which returns float32 for
            # float64 on PyTorch (Keras 3.15), so float64 training got float32 losses and gradients.
            weighted = super().__call__(y_true, y_pred, sample_weight)
            if sample_weight is None:
                shape = ops.convert_to_tensor(ops.shape(weighted), dtype="int32")
                divisor = ops.cast(ops.prod(shape), weighted.dtype)
            else:
                divisor = ops.sum(ops.cast(sample_weight, weighted.dtype))
            value = safe_divide(ops.sum(weighted), divisor)
            if self.penalty is None:
                return value
            return value + l2_penalty(*self.penalty, y_pred, sample_weight, value.dtype)

    return PenalizedLoss(fn, reduction="none", dtype=dtype, **params)


def safe_divide(numerator, denominator):
    """``numerator / denominator``, 0 where the denominator is 0, in the operands' dtype.

    Keras' ``ops.divide_no_nan`` computes float64 in float32 on PyTorch (Keras 3.15).
    """
    from keras import ops

    positive = denominator != 0
    return ops.where(positive, ops.divide(numerator, ops.where(positive, denominator, 1)), 0)


def l2_penalty(alpha, kernels, y_pred, sample_weight, dtype):
    """scikit-learn's MLP penalty on a minibatch: ``alpha / 2 * sum(W ** 2) / sum(sample_weight)``.

    Dividing by the minibatch's weight makes ``alpha`` mean what it means in
    MLP whatever the batch size.
    """
    from keras import ops

    if sample_weight is None:
        total = ops.cast(ops.shape(y_pred)[0], dtype)
    else:
        total = ops.sum(ops.cast(sample_weight, dtype))
    squares = sum(ops.sum(ops.square(ops.cast(kernel, dtype))) for kernel in kernels)
    return safe_divide(0.5 * alpha * squares, total)


def penalized_kernels(model):
    """Kernels of the model's Dense layers (the built-in MLP's ``alpha`` penalty)."""
    import keras

    return [layer.kernel for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def make_metrics(metrics, sparse_targets, n_outputs):
    """Keras metric objects; "accuracy" resolved to the variant that fits the targets, as Keras does."""
    import keras

    made = []
    for identifier in metrics:
        if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
            if n_outputs == 1 and not sparse_targets:
                metric = keras.metrics.BinaryAccuracy(name=identifier)
            elif sparse_targets:
                metric = keras.metrics.SparseCategoricalAccuracy(name=identifier)
            else:
                metric = keras.metrics.CategoricalAccuracy(name=identifier)
        else:
            # A metric object given as a parameter is copied: its state belongs to this training.
            metric = fresh_metric(keras.metrics.get(identifier))
            if not isinstance(metric, keras.metrics.Metric):
                metric = keras.metrics.MeanMetricWrapper(metric, name=getattr(metric, "__name__", None))
            if isinstance(identifier, str):
                metric.name = identifier
        made.append(metric)
    return made


def fresh_metric(metric):
    """A new metric of the same class and configuration (a function is returned as it is).

    Built from the class itself, not through Keras' registry, so a user's
    unregistered ``keras.metrics.Metric`` subclass copies too.
    """
    import keras

    if isinstance(metric, keras.metrics.Metric):
        return type(metric).from_config(metric.get_config())
    return copy.deepcopy(metric)


def inverse_time_decay(dtype="float32"):
    """Keras' legacy ``decay``: lr_t = lr / (1 + decay * t), t = steps taken; computed in ``dtype``.

    Keras' own ``InverseTimeDecay`` with ``decay_steps=1``, whose rate and
    decay become variables, set before every fit, so one compiled step serves
    them all; :func:`attach_schedule` creates them as optimizer variables,
    which compiled steps receive as state (JAX's jit would otherwise freeze
    them as constants). Being Keras' class, a model saved or pickled with this
    optimizer loads anywhere, without sknnlite (with the values of the moment).
    """
    import keras

    schedule = keras.optimizers.schedules.InverseTimeDecay(0.001, decay_steps=1.0, decay_rate=0.0)
    schedule.dtype = dtype
    return schedule


def attach_schedule(schedule, optimizer):
    """Make the schedule's rate and decay optimizer variables (see ``inverse_time_decay``)."""
    dtype = schedule.dtype
    schedule.initial = optimizer.add_variable((), dtype=dtype, name="sknnlite_learning_rate")
    schedule.decay = optimizer.add_variable((), dtype=dtype, name="sknnlite_learning_rate_decay")
    schedule.initial_learning_rate, schedule.decay_rate = schedule.initial, schedule.decay
    # Keras' get_config would copy the variables themselves; the config holds their current values.
    schedule.get_config = lambda: {
        "initial_learning_rate": float(schedule.initial.numpy()),
        "decay_steps": 1.0,
        "decay_rate": float(schedule.decay.numpy()),
        "staircase": False,
        "name": schedule.name,
    }
