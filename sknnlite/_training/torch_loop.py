"""The built-in MLP's training loop on the PyTorch backend: plain PyTorch steps, no ``model.fit``.

``model.fit`` on PyTorch runs every minibatch through Keras' data adapter,
layer calls, metrics and callbacks (measured 1.4-2.2 ms a step for a
``(64, 64)`` network at batch 32 on a 2-core CPU). This loop reads the Keras
variables' own tensors and steps them with PyTorch's autograd: the forward
pass is each ``Dense`` layer's matmul, bias and Keras activation, the loss
is the objective's Keras loss function with MLP's weighted mean and L2
penalty, and the update is the Keras optimizer's own (``optimizer.apply``),
so schedules, momentum and every optimizer's arithmetic are Keras'.

Rows come in the engines' shared order (``row_order``), a block of whole
minibatches at a time gathered from X in NumPy (dense or sparse, no copy of
X), on the device the model's variables live on. The stopping rule and the
loss bookkeeping are the other loops' (``compiled_loop``), so results match
them to float rounding. Fits it does not serve (dropout, batch
normalization, metrics, callbacks) go through ``model.fit``.
"""

import numpy as np

from .._input import dense_rows
from .compiled_loop import StepPenaltyTrainer, training_loss_rule
from .padding import block_rows
from .pool import lend_trainer
from .row_order import epoch_order


def serves(architecture, objective):
    """Whether this loop trains the network on the current backend (else ``model.fit``).

    Dropout and batch normalization have training-time state of their own;
    metrics keep Keras' stateful objects, updated by ``model.fit``.
    """
    import keras

    return (
        keras.backend.backend() == "torch"
        and not architecture.dropout
        and not architecture.batch_normalization
        and not objective.metrics
    )


def torch_trainer_for(architecture, objective):
    """A PyTorch-loop trainer for the built-in MLP, lent by the pool (``with ... as``)."""
    return lend_trainer(("torch", architecture, objective), lambda: TorchLoopTrainer(architecture, objective))


class TorchLoopTrainer(StepPenaltyTrainer):
    """Trains the built-in MLP in plain PyTorch steps on the Keras variables' tensors.

    The Keras variables hold the state between calls, as in the other
    trainers, so callbacks between epochs (early stopping's validation
    score, the learning-rate plan) see the weights reached.
    """

    def __init__(self, architecture, objective):
        super().__init__(architecture, objective)
        self.dense_layers = [layer for layer in self.model.layers if hasattr(layer, "kernel")]

    def train(self, X, y, sample_weight, state, options, plan, callbacks=(), rows=None):
        """Train from ``state`` until ``plan`` stops it; return the new state and the per-epoch history.

        ``rows``: train on ``X[rows]``, gathered a block at a time. ``callbacks`` run between epochs
        (``engine`` sends fits with a user's callbacks, which may hook every batch, to ``model.fit``).
        """
        o = options
        self.load(state, o, plan)
        batch_size = min(o.batch_size, y.shape[0])
        run_epochs = self._epochs(X, batch_size)
        batching = (batch_size, o.seed, bool(o.shuffle))
        return self._train_loop(run_epochs, (X, rows, y, sample_weight), batching, o, plan, callbacks)

    def _epochs(self, X, batch_size):
        """``run_epochs`` for ``_train_loop``: whole epochs of minibatch steps, a block of rows at a time.

        A call interrupted by Ctrl-C leaves the variables as the call found them (as a
        compiled call would), so the fit ends with the weights of its last finished call.
        """
        import torch

        rows_per_block = block_rows(X, batch_size)
        dtype = self.objective.dtype
        step = self._step_function()

        def run_epochs(X, rows, y, w, start, stop, batch_size, seed, shuffle, tol, patience, best, count):
            n = y.shape[0]
            total_weight = float(np.sum(w, dtype=dtype))
            device = self.parameters[0].device
            started_from = self.state()
            losses, epoch = [], int(start)
            best, count = np.asarray(best, dtype), np.asarray(count, "int32")
            epoch_loss = np.asarray(0.0, dtype)
            try:
                while epoch < stop and np.isfinite(epoch_loss) and count <= patience:
                    order = epoch_order(n, seed, epoch) if shuffle else None
                    total = torch.zeros((), dtype=getattr(torch, dtype), device=device)
                    for first in range(0, n, rows_per_block):
                        block = slice(first, first + rows_per_block)
                        if order is not None:
                            block = order[block]
                        X_rows = block if rows is None else rows[block]
                        X_block, y_block, w_block = (
                            torch.as_tensor(np.asarray(part, dtype), device=device)
                            for part in (dense_rows(X, X_rows), y[block], w[block])
                        )
                        for i in range(0, X_block.shape[0], batch_size):
                            batch = slice(i, i + batch_size)
                            total += step(X_block[batch], y_block[batch], w_block[batch])
                    epoch_loss = np.asarray(float(total) / total_weight if total_weight > 0 else 0.0, dtype)
                    losses.append(epoch_loss)
                    best, count = training_loss_rule(np, epoch_loss, tol, best, count)
                    epoch += 1
            except KeyboardInterrupt:
                self.load_state(started_from)
                raise
            return np.asarray(losses, dtype), best, count

        return run_epochs

    @property
    def parameters(self):
        """The trainable variables' PyTorch tensors (``torch.nn.Parameter``), in the optimizer's order."""
        return [v.value for v in self.model.trainable_variables]

    def _step_function(self):
        """``step(X, y, w)``: one optimizer step on a minibatch; returns its weighted loss sum (a tensor)."""
        import torch

        variables = self.model.trainable_variables
        parameters = self.parameters
        layers = [(layer.kernel.value, layer.bias.value, layer.activation) for layer in self.dense_layers]
        kernels = [kernel for kernel, _, _ in layers]
        loss_fn, optimizer = self.plain_loss, self.optimizer

        def step(X, y, w):
            hidden = X
            for kernel, bias, activation in layers:
                hidden = activation(torch.addmm(bias, hidden, kernel))
            weight = torch.sum(w)
            # A minibatch of weight-0 rows counts 0, penalty included; dividing by its 0 even in the
            # branch torch.where drops would make the gradients NaN.
            positive = weight > 0
            divisor = torch.where(positive, weight, 1)
            # MLP's objective: the weighted mean of the samples' losses (as make_loss's reduction, done
            # here on the tensors: Keras' Loss.__call__ costs more than the step's arithmetic) ...
            loss = torch.sum(loss_fn.call(y, hidden) * w) / divisor
            if self.alpha_value > 0:  # ... plus alpha / 2 * sum(W ** 2) / the minibatch's weight
                squares = sum(torch.sum(kernel * kernel) for kernel in kernels)
                loss = loss + torch.where(positive, 0.5 * self.alpha_value * squares / divisor, 0)
            gradients = torch.autograd.grad(loss, parameters)
            with torch.no_grad():
                optimizer.apply(list(gradients), variables)
            return loss.detach() * weight

        return step
