"""Training through ``model.fit``: any Keras backend, every callback hook.

The engine for what the compiled loops do not serve: other backends' fits
with callbacks or metrics, custom models with callbacks, and the fallback of
the JAX loop. Same loss, weighting, row order and stopping plan as the loops.
"""

import contextlib
import math

import numpy as np

from .._input import dense_rows
from .interrupts import InterruptsBetweenCalls
from .pool import lend_trainer
from .records import TrainingRun
from .row_order import epoch_order
from .trainer import EpochProgress, Trainer


def fit_trainer_for(architecture, objective, alpha):
    """A ``model.fit`` trainer for the built-in MLP (other backends), lent by the pool (``with ... as``).

    Keras compiles a model's train step once, so reusing the model keeps
    repeated fits from compiling (and caching) a new step each time.
    """

    def make():
        return KerasFitTrainer(architecture.build(initializer="zeros"), objective, schedule=True, alpha=alpha)

    return lend_trainer(("model.fit", architecture, objective, alpha), make)


class KerasFitTrainer(Trainer):
    """Training through ``model.fit``: any Keras backend, every callback hook."""

    def __init__(self, model, objective, schedule=False, use_model_optimizer=False, alpha=0.0):
        super().__init__(
            model,
            objective,
            schedule=schedule,
            use_model_optimizer=use_model_optimizer,
            penalty=float(alpha) if alpha > 0 else None,
        )
        # The model may be the user's (a build function's): saved or pickled, it carries the compile
        # configuration the user gave it (None: uncompiled), not sknnlite's training loss and schedule,
        # so it loads anywhere.
        user_config = model.get_compile_config()
        self.model.compile(optimizer=self.optimizer, loss=self.loss, metrics=self.metrics or None)
        self.model.get_compile_config = lambda: user_config

    def train(self, X, y, sample_weight, state, options, plan, callbacks=(), rows=None):
        """Train from ``state`` until ``plan`` stops it; return the new state and the per-epoch history.

        ``rows``: train on ``X[rows]``, taken a minibatch at a time.
        """
        import keras

        o = options
        self.load(state, o, plan)
        batches = _shuffled_batches(
            X, rows, y, sample_weight, min(o.batch_size, y.shape[0]), o.shuffle, o.seed, o.initial_epoch
        )
        snapshot = _epoch_snapshot(self)
        stopping = plan.callback(self.set_learning_rate, self.loss, self.metrics)
        hooks = [batches.epoch_callback(), stopping, *callbacks, keras.callbacks.TerminateOnNaN(), snapshot]
        if o.verbose:
            hooks.append(_progress_callback(o.epochs, o.initial_epoch, o.verbose))
        interrupted = False
        try:
            with InterruptsBetweenCalls() as interrupts, _torch_random_state(int(o.seed[1])):
                # Ctrl-C raises between steps, from a callback, never inside a step's call.
                hooks.append(
                    keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: interrupts.check())
                )
                self.model.fit(
                    batches,
                    epochs=o.initial_epoch + o.epochs,
                    initial_epoch=o.initial_epoch,
                    shuffle=False,
                    verbose=0,
                    callbacks=hooks,
                )
        except KeyboardInterrupt:
            interrupted = True
            # Mid-epoch the variables may hold a half-written step (on JAX, donated buffers):
            # go back to the end of the last finished epoch.
            if snapshot.state is not None:
                self.load_state(snapshot.state)
            for hook in [stopping, *callbacks]:
                hook.on_train_end()
        # Keras' History callback (model.history) holds the finished epochs, also after an interrupt.
        finished = getattr(self.model, "history", None)
        recorded = finished.history if finished is not None else {}
        history = {name: [float(v) for v in values] for name, values in recorded.items()}
        history = {"loss": history.pop("loss", []), **history}  # loss first, as the graph loop has it
        return TrainingRun(self.state(), history, self.steps(), interrupted)


@contextlib.contextmanager
def _torch_random_state(seed):
    """On PyTorch, PyTorch's global generators seeded with ``seed`` for the block, and restored after it.

    Keras' PyTorch backend draws an unseeded layer's randomness (a build function's ``Dropout()``) from
    PyTorch's global generator, not from the seed state that ``Trainer.load`` sets, so without this two
    fits with one ``random_state`` differed, and fitting moved the user's own PyTorch random state.
    """
    import keras

    if keras.backend.backend() != "torch":
        yield
        return
    import torch

    devices = [torch.cuda.current_device()] if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def _epoch_snapshot(trainer):
    """A callback keeping the trainer's state as of the last finished epoch."""
    import keras

    class EpochSnapshot(keras.callbacks.Callback):
        state = None

        def on_epoch_end(self, epoch, logs=None):
            self.state = trainer.state()

    return EpochSnapshot()


def _progress_callback(epochs, initial_epoch, verbose):
    import keras

    class ProgressCallback(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.progress = EpochProgress(epochs, initial_epoch, verbose)

        def on_epoch_end(self, epoch, logs=None):
            self.progress.report(epoch, {k: float(v) for k, v in (logs or {}).items()})

    return ProgressCallback()


def _shuffled_batches(X, rows, y, sample_weight, batch_size, shuffle, seed, initial_epoch):
    """A ``keras.utils.PyDataset`` of weighted minibatches, reshuffled every epoch.

    Epoch ``e``'s order depends only on ``(seed, e)``, so training continued
    from epoch ``e`` shuffles as one long run would, and is the compiled
    loops' order, so every engine sees the rows in the same order.
    """
    import keras

    class ShuffledBatches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.set_epoch(initial_epoch)

        def set_epoch(self, epoch):
            self.epoch = epoch
            if not shuffle:
                self.order = np.arange(y.shape[0])
            else:
                self.order = epoch_order(y.shape[0], seed, epoch)

        def __len__(self):
            return math.ceil(y.shape[0] / batch_size)

        def __getitem__(self, index):
            batch = self.order[index * batch_size : (index + 1) * batch_size]
            return dense_rows(X, batch if rows is None else rows[batch]), y[batch], sample_weight[batch]

        def epoch_callback(self):
            """A callback giving the batches Keras' epoch number (Keras also calls
            ``PyDataset.on_epoch_end`` once before the first epoch, so counting those calls is off by one)."""
            return keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: self.set_epoch(epoch))

    return ShuffledBatches()
