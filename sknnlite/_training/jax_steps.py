"""What JAX's loops share: one optimizer step on a minibatch, a pure function of the variables."""

from .keras_objects import l2_penalty


def minibatch_step(trainer):
    """``step(trainable, non_trainable, optimizer_variables, X, y, w, alpha)`` for a ``JaxLoopTrainer``.

    Returns the three variable lists after one optimizer step on the
    minibatch and its weighted loss sum. MLP's L2 penalty is computed from the
    traced kernels, so ``alpha`` is an argument and one compiled loop serves
    every value.
    """
    import jax
    import jax.numpy as jnp

    model, optimizer, loss_fn = trainer.model, trainer.optimizer, trainer.plain_loss
    dtype, kernel_positions = trainer.objective.dtype, trainer.kernel_positions

    def minibatch_loss(trainable, non_trainable, X, y, w, alpha):
        predicted, non_trainable = model.stateless_call(trainable, non_trainable, X, training=True)
        loss = loss_fn(y, predicted, sample_weight=w)
        kernels = [trainable[i] for i in kernel_positions]
        loss = jnp.asarray(loss, dtype) + l2_penalty(alpha, kernels, predicted, w, dtype)
        return loss, non_trainable

    gradient = jax.value_and_grad(minibatch_loss, has_aux=True)

    def step(trainable, non_trainable, optimizer_variables, X, y, w, alpha):
        (loss, non_trainable), grads = gradient(trainable, non_trainable, X, y, w, alpha)
        trainable, optimizer_variables = optimizer.stateless_apply(optimizer_variables, grads, trainable)
        return trainable, non_trainable, optimizer_variables, loss * jnp.sum(w)

    return step


def variable_groups(trainer):
    """The Keras variables a compiled step reads and writes: trainable, non-trainable, optimizer's."""
    return (
        trainer.model.trainable_variables,
        trainer.model.non_trainable_variables,
        trainer.optimizer.variables,
    )


def read_values(groups):
    """The variables' current values, grouped as ``groups``."""
    return tuple([v.value for v in group] for group in groups)


def write_values(groups, values):
    """Assign ``values`` (as ``read_values`` gives them) back to the variables."""
    for group, new in zip(groups, values, strict=True):
        for variable, value in zip(group, new, strict=True):
            variable.assign(value)
