"""``optimizer="lbfgs"``: scikit-learn MLP's full-batch quasi-Newton solver, through SciPy's L-BFGS-B.

Keras has no L-BFGS. On small datasets it is MLP's best solver (and the one
most of scikit-learn's own MLP examples use), so it is provided here: SciPy
minimizes the whole-data loss (the same weighted loss and ``alpha`` penalty
as the stochastic optimizers) over the network's trainable weights, with
the loss and its gradient computed by the Keras backend (TensorFlow's
``GradientTape``, JAX's ``value_and_grad`` or PyTorch's autograd). As in MLP, ``epochs`` caps
the iterations, ``max_fun`` the loss evaluations and ``tol`` is the
projected-gradient tolerance.
"""

from dataclasses import dataclass

import numpy as np
from scipy import optimize, sparse

from .keras_objects import make_loss, penalized_kernels
from .records import TrainingRun, TrainingState


def train(architecture, objective, X, y, sample_weight, state, options, plan):
    """Full-batch L-BFGS of the built-in MLP from ``state``: the engine for ``optimizer="lbfgs"``.

    ``options.epochs`` caps the iterations and ``options.max_fun`` the loss
    evaluations; ``plan.tol`` is the projected-gradient tolerance. Sets
    ``plan.stopped`` (converged) and, if not, ``plan.failure``.
    """
    model = architecture.build(initializer="zeros")  # the weights are set next
    model.set_weights(state.weights)
    loss = make_loss(objective.loss, dict(objective.loss_params), objective.dtype, objective.loss_scale)
    if options.alpha > 0:
        loss.penalty = (float(options.alpha), penalized_kernels(model))
    result = minimize(
        model,
        loss,
        X,
        np.asarray(y, dtype=objective.dtype),
        sample_weight,
        max_iter=options.epochs,
        max_fun=options.max_fun,
        tol=plan.tol,
        verbose=options.verbose,
    )
    plan.stopped = result.converged
    if not result.converged:
        plan.failure = (
            f"lbfgs failed to converge after {result.n_iter} iteration(s) ({result.message}). Raise "
            "epochs (its iteration limit) or max_fun, or scale the inputs (e.g. StandardScaler)."
        )
    return TrainingRun(TrainingState(result.weights), {"loss": result.loss_curve}, result.n_iter)


@dataclass
class LbfgsResult:
    """What one L-BFGS run produced: final weights, the loss after every iteration, the outcome."""

    weights: list
    loss_curve: list
    n_iter: int
    converged: bool
    message: str


def minimize(model, loss, X, y, sample_weight, *, max_iter, max_fun, tol, verbose=0):
    """Minimize ``loss`` over ``model``'s trainable weights on the whole of (X, y).

    The model starts from the weights it holds; on return it holds the
    best weights found.
    """
    variables = model.trainable_variables
    shapes = [tuple(v.shape) for v in variables]
    sizes = [int(np.prod(shape)) for shape in shapes]
    dtype = np.dtype(model.trainable_variables[0].dtype)
    value_and_gradient = _value_and_gradient(model, loss, X, y, sample_weight)

    def unflatten(theta):
        parts = np.split(np.asarray(theta, dtype=dtype), np.cumsum(sizes)[:-1])
        return [part.reshape(shape) for part, shape in zip(parts, shapes, strict=True)]

    curve, last = [], []

    def fun(theta):
        value, gradients = value_and_gradient(unflatten(theta))
        last[:] = [float(value)]
        return float(value), np.concatenate([np.asarray(g, dtype=np.float64).ravel() for g in gradients])

    def record(*_):
        # L-BFGS-B's line search ends by evaluating the point it accepts: the last value is its loss.
        curve.append(last[0])
        if verbose:
            print(f"Iteration {len(curve)}, loss = {curve[-1]:.8f}", flush=True)

    theta0 = np.concatenate([np.asarray(v.numpy(), dtype=np.float64).ravel() for v in variables])
    result = optimize.minimize(
        fun,
        theta0,
        method="L-BFGS-B",
        jac=True,
        callback=record,
        options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol},
    )
    for variable, value in zip(variables, unflatten(result.x), strict=True):
        variable.assign(value)
    if not curve:  # stopped before a first iteration: record where it is
        curve.append(float(result.fun))
    return LbfgsResult(model.get_weights(), curve, int(result.nit), result.status == 0, str(result.message))


def _value_and_gradient(model, loss, X, y, sample_weight):
    """``values -> (loss, gradients)`` at the given trainable weight values, on the Keras backend."""
    import keras

    if keras.backend.backend() == "tensorflow":
        return _tensorflow_value_and_gradient(model, loss, X, y, sample_weight)
    if keras.backend.backend() == "jax":
        return _jax_value_and_gradient(model, loss, X, y, sample_weight)
    if keras.backend.backend() == "torch":
        return _torch_value_and_gradient(model, loss, X, y, sample_weight)
    raise ValueError(
        "optimizer='lbfgs' runs on Keras' TensorFlow, JAX and PyTorch backends, "
        f"not on {keras.backend.backend()!r}."
    )


def _tensorflow_value_and_gradient(model, loss, X, y, sample_weight):
    import tensorflow as tf

    dtype = model.trainable_variables[0].dtype
    if sparse.issparse(X):  # a first Dense layer multiplies a SparseTensor directly
        X = X.tocoo()
        X = tf.sparse.reorder(
            tf.SparseTensor(np.column_stack([X.row, X.col]).astype(np.int64), X.data.astype(dtype), X.shape)
        )
    else:
        X = tf.convert_to_tensor(X, dtype)
    y, w = tf.convert_to_tensor(y, dtype), tf.convert_to_tensor(sample_weight, dtype)
    variables = model.trainable_variables

    @tf.function
    def compute():
        with tf.GradientTape() as tape:
            value = loss(y, model(X, training=False), sample_weight=w)
            if model.losses:
                value += tf.add_n(model.losses)
        return value, tape.gradient(value, variables)

    def value_and_gradient(values):
        for variable, value in zip(variables, values, strict=True):
            variable.assign(value)
        value, gradients = compute()
        return value.numpy(), [g.numpy() for g in gradients]

    return value_and_gradient


def _jax_value_and_gradient(model, loss, X, y, sample_weight):
    import jax
    import keras

    variables = model.trainable_variables
    dtype = variables[0].dtype
    X = X.toarray() if sparse.issparse(X) else X
    X, y, w = (np.asarray(a, dtype=dtype) for a in (X, y, sample_weight))

    def objective(values):
        # Inside the scope every read of a variable (the model's and the penalty's) sees `values`.
        with keras.StatelessScope(state_mapping=list(zip(variables, values, strict=True))):
            value = loss(y, model(X, training=False), sample_weight=w)
            return value + sum(model.losses) if model.losses else value

    compiled = jax.jit(jax.value_and_grad(objective))

    def value_and_gradient(values):
        value, gradients = compiled(values)
        return np.asarray(value), [np.asarray(g) for g in gradients]

    return value_and_gradient


def _torch_value_and_gradient(model, loss, X, y, sample_weight):
    import torch

    variables = model.trainable_variables
    parameters = [v.value for v in variables]
    device, dtype = parameters[0].device, parameters[0].dtype
    X = X.toarray() if sparse.issparse(X) else X
    X, y, w = (
        torch.as_tensor(np.asarray(a, dtype=variables[0].dtype), device=device) for a in (X, y, sample_weight)
    )

    def value_and_gradient(values):
        with torch.no_grad():
            for parameter, value in zip(parameters, values, strict=True):
                parameter.copy_(torch.as_tensor(value, dtype=dtype))
        value = loss(y, model(X, training=False), sample_weight=w)
        if model.losses:
            value = value + sum(model.losses)
        gradients = torch.autograd.grad(value, parameters)
        return value.detach().cpu().numpy(), [g.cpu().numpy() for g in gradients]

    return value_and_gradient
