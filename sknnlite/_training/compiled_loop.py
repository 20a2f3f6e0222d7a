"""The driver of every compiled multi-epoch loop: epochs in timed calls, callbacks between epochs.

An engine (TensorFlow's graph and XLA loops, the blocked loop, JAX's jit
loop) compiles ``run_epochs``; ``CompiledLoopTrainer`` runs it, in calls of
about ``_CALL_SECONDS`` (a compiled call cannot be interrupted, so Ctrl-C,
held back to the end of the call by ``interrupts``, stops a long fit soon,
with the weights of the last finished call), or one
epoch per call where callbacks, metrics or progress output need the epochs
one by one. It also keeps the per-process budget of compiled loops.
"""

import collections
import math
import time

import numpy as np
from scipy import sparse

from .interrupts import InterruptsBetweenCalls
from .keras_objects import make_loss, penalized_kernels
from .padding import past_xla_size
from .records import TrainingRun
from .trainer import EpochProgress, Trainer

# A graph call cannot be interrupted: epochs run in calls of about this many seconds, so
# Ctrl-C stops a long fit soon, with the weights of the last finished call.
_CALL_SECONDS = 0.25
# XLA needs static shapes: the compiled loop's losses buffer holds this many epochs per call.
_XLA_MAX_EPOCHS_PER_CALL = 512
# Compiled loops each trainer keeps, least recently used dropped.
_XLA_LOOPS_KEPT = 8
# TensorFlow keeps every XLA executable for the life of the process (its compilation cache is
# never pruned): a test process aborted with "LLVM ERROR: Unable to allocate section memory" after
# about 400 compiled loops. After this many, new shapes train in the plain graph loop.
_XLA_MAX_COMPILATIONS = 64


_xla_compilations = [0]  # per process, all threads


def compilation_count():
    """How many training loops this process has compiled (XLA and JAX loops, all threads)."""
    return _xla_compilations[0]


def training_loss_rule(xp, epoch_loss, tol, best, count):
    """MLP's training-loss rule after an epoch: the new best loss and stalled-epoch count.

    With ``tol > 0`` an epoch whose loss is not below ``best - tol`` counts;
    the loops stop when the count exceeds ``patience``. ``xp`` is the array
    module of the loop: ``tf`` (graph code), ``jax.numpy`` or NumPy.
    """
    stalled = (tol > 0) & (epoch_loss > best - tol)
    return xp.minimum(best, epoch_loss), xp.where(stalled, count + 1, xp.zeros_like(count))


def scalar(value, dtype="int32"):
    """A 0-d NumPy array: one argument type for TensorFlow's signatures and JAX's jit (no retrace)."""
    return np.asarray(value, dtype=dtype)


class CompiledLoopTrainer(Trainer):
    """Drives a compiled multi-epoch loop ``run_epochs`` (TensorFlow's graph or XLA loop, JAX's jit loop).

    ``run_epochs(*data, start, stop, *batching, tol, patience, best, count)``
    trains epochs ``start`` to ``stop`` (fewer when the training-loss rule or a
    non-finite loss stops it) and returns the epoch losses with the rule's
    ``best`` and ``count``; ``metrics`` are updated inside it.
    """

    def _train_loop(self, run_epochs, data, batching, o, plan, callbacks):
        """Run the epochs through ``run_epochs``: in timed calls, or one per call for callbacks."""
        import keras

        dtype = self.objective.dtype
        history = collections.defaultdict(list)
        first, last = o.initial_epoch, o.initial_epoch + o.epochs
        if not (o.verbose or callbacks or self.metrics) and plan.training_loop_can_stop:
            interrupted = self._run_in_timed_calls(
                run_epochs, data, batching, first, last, history["loss"], plan
            )
            return TrainingRun(self.state(), dict(history), self.steps(), interrupted)

        rule_off = (scalar(0.0, dtype), scalar(np.inf, dtype), scalar(np.inf, dtype), scalar(0, "int32"))
        # Keras' CallbackList hands callbacks a copy of the logs: the last one reads what they added.
        seen = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.logs.append(logs))
        seen.logs = []
        hooks = [plan.callback(self.set_learning_rate, self.loss, self.metrics), *callbacks, seen]
        hooks = keras.callbacks.CallbackList(hooks, model=self.model)
        progress = EpochProgress(o.epochs, first, o.verbose) if o.verbose else None
        self.model.stop_training = False
        interrupted = False
        hooks.on_train_begin()
        try:
            with InterruptsBetweenCalls() as interrupts:
                for epoch in range(first, last):
                    hooks.on_epoch_begin(epoch)
                    for metric in self.metrics:
                        metric.reset_state()
                    losses = run_epochs(*data, scalar(epoch), scalar(epoch + 1), *batching, *rule_off)
                    loss = float(losses[0][0])
                    logs = {"loss": loss, **{m.name: float(m.result()) for m in self.metrics}}
                    hooks.on_epoch_end(epoch, logs)
                    logs = {**logs, **{name: float(value) for name, value in seen.logs[-1].items()}}
                    for name, value in logs.items():
                        history[name].append(value)
                    if progress is not None:
                        progress.report(epoch, logs)
                    if not math.isfinite(loss) or self.model.stop_training:
                        break
                    interrupts.check()
        except KeyboardInterrupt:
            interrupted = True
        hooks.on_train_end()
        return TrainingRun(self.state(), dict(history), self.steps(), interrupted)

    @staticmethod
    def _padded_loop_serves(X, n_rows, key, loops):
        """Whether a static-shape loop (see ``padded_shapes``) may train ``n_rows`` rows of ``X``.

        Dense ``X`` of no more than ``_XLA_MAX_VALUES`` values in those rows,
        whose loop for ``key`` (slots, capacity) is in ``loops`` or still
        fits the per-process compilation budget.
        """
        return (
            not sparse.issparse(X)
            and not past_xla_size(X, n_rows)
            and CompiledLoopTrainer._within_budget(loops, key)
        )

    @staticmethod
    def _within_budget(loops, key):
        """Whether the loop for ``key`` is compiled already or still fits the per-process budget."""
        return key in loops or _xla_compilations[0] < _XLA_MAX_COMPILATIONS

    @staticmethod
    def _cached_loop(loops, key, compile_loop):
        """``loops[key]``, compiled on first use (counted against the process budget); least recently
        used ones beyond ``_XLA_LOOPS_KEPT`` are dropped."""
        loop = loops.pop(key, None)
        if loop is None:
            loop = compile_loop()
            _xla_compilations[0] += 1
        loops[key] = loop
        while len(loops) > _XLA_LOOPS_KEPT:
            loops.popitem(last=False)
        return loop

    def _run_in_timed_calls(self, run_epochs, data, batching, first, last, losses, plan):
        """Run epochs ``first`` to ``last`` in graph calls of about ``_CALL_SECONDS`` each.

        Appends the epoch losses to ``losses``; returns True if a KeyboardInterrupt stopped it.
        The training-loss rule's state (best loss, epochs without improvement) runs on from
        call to call.
        """
        dtype = self.objective.dtype
        tol = scalar(plan.tol if plan.watches_training_loss else 0.0, dtype)
        patience = scalar(plan.n_iter_no_change, dtype)
        best, count = scalar(np.inf, dtype), scalar(0)
        epoch, chunk = first, 1
        try:
            with InterruptsBetweenCalls() as interrupts:
                while epoch < last:
                    stop = min(last, epoch + chunk)
                    started = time.perf_counter()
                    values, best, count = run_epochs(
                        *data, scalar(epoch), scalar(stop), *batching, tol, patience, best, count
                    )
                    elapsed = time.perf_counter() - started
                    losses.extend(float(v) for v in np.asarray(values))
                    epoch += len(values)
                    if int(count) > plan.n_iter_no_change:  # the rule stopped the loop
                        plan.stopped = True
                        break
                    if epoch < stop or not math.isfinite(losses[-1]):  # stopped at a non-finite loss
                        break
                    interrupts.check()
                    chunk = min(
                        _XLA_MAX_EPOCHS_PER_CALL, max(1, int(chunk * _CALL_SECONDS / max(elapsed, 1e-6)))
                    )
        except KeyboardInterrupt:
            return True
        return False


class StepPenaltyTrainer(CompiledLoopTrainer):
    """A compiled loop over the built-in MLP whose step adds the L2 penalty itself (JAX's, PyTorch's).

    The step takes the penalty from the kernels it is stepping, so its loss is
    ``plain_loss`` (the objective's loss without it) plus ``alpha_value``'s
    penalty; ``self.loss`` (with the penalty on the model's variables) serves
    eager uses such as the validation loss.
    """

    def __init__(self, architecture, objective):
        super().__init__(architecture.build(initializer="zeros"), objective)
        self.architecture = architecture
        self.plain_loss = make_loss(
            objective.loss, dict(objective.loss_params), objective.dtype, objective.loss_scale
        )
        self.alpha_value = 0.0

    def load(self, state, options, plan):
        """Load the state and settings (``Trainer.load``), and the call's ``alpha`` for the step."""
        super().load(state, options, plan)
        self.alpha_value = float(options.alpha)
        self.loss.penalty = (self.alpha_value, penalized_kernels(self.model)) if options.alpha > 0 else None
