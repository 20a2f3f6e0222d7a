"""Training the MLP with Keras.

Building and tracing a Keras model costs far more than training a tiny one,
so on the TensorFlow backend every fit of the same architecture reuses one
model, one optimizer and one compiled training loop that runs all epochs in
a single graph call (measured in ``benchmarks/RESULTS.md``). Each fit resets the
weights and the optimizer state, so results do not depend on what ran
before. Other Keras backends train through ``model.fit``.
"""

import collections
import dataclasses
import math
import threading
from dataclasses import dataclass

import numpy as np

from ._network import build_keras_model, keras_weights

# Architectures kept compiled per thread; each holds a small Keras model.
_CACHE_SIZE = 16
_local = threading.local()


@dataclass(frozen=True)
class Architecture:
    """Everything that fixes the shapes and the graph of a training loop."""

    n_features: int
    hidden_layer_sizes: tuple
    activation: object
    n_outputs: int
    output_activation: object
    loss: object
    optimizer: str
    sparse_targets: bool
    dtype: str = "float32"


@dataclass
class TrainingRun:
    """What one fit produced."""

    coefs: list
    intercepts: list
    loss_curve: list
    n_steps: int


@dataclass(frozen=True)
class TrainingOptions:
    """How one fit trains: initial weights, schedule, minibatching, seed, verbosity."""

    coefs: list
    intercepts: list
    epochs: int
    batch_size: int
    shuffle: bool
    learning_rate: float
    learning_rate_decay: float
    alpha: float
    seed: np.ndarray
    verbose: int


def train(architecture, X, y, options):
    """Train from ``options.coefs`` / ``options.intercepts`` and return the trained weights.

    Training stops early, after the epoch where it happened, if the loss
    becomes NaN or infinite; ``loss_curve`` then ends with that value.
    """
    import keras

    if keras.backend.backend() == "tensorflow":
        trainer = _cached_graph_trainer(architecture)
    else:
        trainer = _KerasFitTrainer(architecture)
    return trainer.train(X, y, dataclasses.replace(options, batch_size=min(options.batch_size, X.shape[0])))


def _cached_graph_trainer(architecture):
    cache = getattr(_local, "trainers", None)
    if cache is None:
        cache = _local.trainers = collections.OrderedDict()
    trainer = cache.pop(architecture, None)
    if trainer is None:
        trainer = _GraphLoopTrainer(architecture)
    cache[architecture] = trainer
    while len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)
    return trainer


def _inverse_time_decay(learning_rate, decay):
    """Keras' legacy ``decay``: lr_t = lr / (1 + decay * t), t = steps taken."""
    import keras

    class InverseTimeDecay(keras.optimizers.schedules.LearningRateSchedule):
        def __init__(self):
            self.initial = keras.Variable(learning_rate, dtype="float32", trainable=False)
            self.decay = keras.Variable(decay, dtype="float32", trainable=False)

        def __call__(self, step):
            return self.initial / (1.0 + self.decay * keras.ops.cast(step, "float32"))

        def get_config(self):
            return {}

    return InverseTimeDecay()


def _make_optimizer(name, schedule):
    import keras

    return keras.optimizers.get({"class_name": name, "config": {"learning_rate": schedule}})


def _report_epoch(progress, verbose, epoch, epochs, loss):
    if verbose == 1:
        progress.update(epoch + 1, values=[("loss", loss)], finalize=epoch + 1 == epochs)
    else:
        print(f"Epoch {epoch + 1}/{epochs} - loss: {loss:.6g}", flush=True)


def _training_run(dense_layers, loss_curve, optimizer):
    """Read the trained weights (as float64) and the step count off the Keras objects."""
    return TrainingRun(
        coefs=[np.asarray(layer.kernel.numpy(), dtype=np.float64) for layer in dense_layers],
        intercepts=[np.asarray(layer.bias.numpy(), dtype=np.float64) for layer in dense_layers],
        loss_curve=[float(v) for v in loss_curve],
        n_steps=int(optimizer.iterations.numpy()),
    )


class _GraphLoopTrainer:
    """One Keras model, optimizer and compiled multi-epoch loop (TensorFlow)."""

    def __init__(self, architecture):
        import keras
        import tensorflow as tf

        self.architecture = architecture
        a = architecture
        self.model = build_keras_model(
            a.n_features, a.hidden_layer_sizes, a.activation, a.n_outputs, a.output_activation, dtype=a.dtype
        )
        self.dense_layers = list(self.model.layers)
        self.schedule = _inverse_time_decay(0.001, 0.0)
        self.optimizer = _make_optimizer(a.optimizer, self.schedule)
        self.optimizer.build(self.model.trainable_variables)
        self.initial_optimizer_state = [v.numpy() for v in self.optimizer.variables]
        dtype = tf.as_dtype(a.dtype)
        self.alpha = tf.Variable(0.0, dtype=dtype, trainable=False)
        loss_fn = keras.losses.get(a.loss) if isinstance(a.loss, str) else a.loss
        model, optimizer, alpha = self.model, self.optimizer, self.alpha
        kernels = [layer.kernel for layer in self.dense_layers]
        y_shape = [None] if a.sparse_targets else [None, a.n_outputs]

        @tf.function(
            input_signature=[
                tf.TensorSpec([None, a.n_features], dtype),
                tf.TensorSpec(y_shape, dtype),
                tf.TensorSpec([], tf.int32),
                tf.TensorSpec([], tf.int32),
                tf.TensorSpec([], tf.int32),
                tf.TensorSpec([2], tf.int32),
                tf.TensorSpec([], tf.bool),
            ]
        )
        def run_epochs(X, y, start, stop, batch_size, seed, shuffle):
            n = tf.shape(X)[0]
            steps = (n + batch_size - 1) // batch_size
            n_float = tf.cast(n, dtype)
            losses = tf.TensorArray(dtype, size=stop - start)
            epoch = start
            epoch_loss = tf.constant(0.0, dtype)
            while epoch < stop and tf.math.is_finite(epoch_loss):
                order = tf.range(n)
                if shuffle:
                    order = tf.random.experimental.stateless_shuffle(
                        order, seed=tf.stack([seed[0], seed[1] + epoch])
                    )
                total = tf.constant(0.0, dtype)
                for step in tf.range(steps):
                    batch = order[step * batch_size : (step + 1) * batch_size]
                    X_batch = tf.gather(X, batch)
                    y_batch = tf.gather(y, batch)
                    with tf.GradientTape() as tape:
                        predicted = model(X_batch, training=True)
                        loss = tf.reduce_mean(loss_fn(y_batch, predicted))
                        loss += alpha * tf.add_n([tf.reduce_sum(tf.square(k)) for k in kernels])
                    gradients = tape.gradient(loss, model.trainable_variables)
                    optimizer.apply(gradients, model.trainable_variables)
                    total += loss * tf.cast(tf.shape(batch)[0], dtype)
                epoch_loss = total / n_float
                losses = losses.write(epoch - start, epoch_loss)
                epoch += 1
            return losses.stack()[: epoch - start]

        self.run_epochs = run_epochs

    def train(self, X, y, options):
        import keras
        import tensorflow as tf

        o, dtype = options, self.architecture.dtype
        for layer, W, b in zip(self.dense_layers, o.coefs, o.intercepts, strict=True):
            layer.kernel.assign(W.astype(dtype))
            layer.bias.assign(b.astype(dtype))
        for variable, value in zip(self.optimizer.variables, self.initial_optimizer_state, strict=True):
            variable.assign(value)
        self.schedule.initial.assign(o.learning_rate)
        self.schedule.decay.assign(o.learning_rate_decay)
        self.alpha.assign(o.alpha)

        data = (tf.convert_to_tensor(X, dtype), tf.convert_to_tensor(y, dtype))
        batching = (tf.constant(o.batch_size), tf.constant(o.seed, tf.int32), tf.constant(bool(o.shuffle)))
        if o.verbose:
            progress = keras.utils.Progbar(o.epochs, verbose=1) if o.verbose == 1 else None
            loss_curve = []
            for epoch in range(o.epochs):
                loss = float(self.run_epochs(*data, tf.constant(epoch), tf.constant(epoch + 1), *batching)[0])
                loss_curve.append(loss)
                _report_epoch(progress, o.verbose, epoch, o.epochs, loss)
                if not math.isfinite(loss):
                    break
        else:
            losses = self.run_epochs(*data, tf.constant(0), tf.constant(o.epochs), *batching)
            loss_curve = [float(v) for v in losses.numpy()]

        return _training_run(self.dense_layers, loss_curve, self.optimizer)


class _KerasFitTrainer:
    """Portable training through ``model.fit``, for JAX and PyTorch backends."""

    def __init__(self, architecture):
        self.architecture = architecture

    def train(self, X, y, options):
        import keras

        a, o = self.architecture, options
        model = build_keras_model(
            a.n_features,
            a.hidden_layer_sizes,
            a.activation,
            a.n_outputs,
            a.output_activation,
            o.alpha,
            a.dtype,
        )
        model.set_weights(keras_weights(o.coefs, o.intercepts, a.dtype))
        optimizer = _make_optimizer(a.optimizer, _inverse_time_decay(o.learning_rate, o.learning_rate_decay))
        model.compile(optimizer=optimizer, loss=a.loss)
        batches = _shuffled_batches(X, y, o.batch_size, o.shuffle, np.random.RandomState(o.seed[0]))
        history = model.fit(
            batches,
            epochs=o.epochs,
            shuffle=False,
            verbose=o.verbose,
            callbacks=[keras.callbacks.TerminateOnNaN()],
        )
        return _training_run(model.layers, history.history["loss"], optimizer)


def _shuffled_batches(X, y, batch_size, shuffle, rng):
    """A ``keras.utils.PyDataset`` of minibatches, reshuffled every epoch."""
    import keras

    class ShuffledBatches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.order = rng.permutation(X.shape[0]) if shuffle else np.arange(X.shape[0])

        def __len__(self):
            return math.ceil(X.shape[0] / batch_size)

        def __getitem__(self, index):
            rows = self.order[index * batch_size : (index + 1) * batch_size]
            return X[rows], y[rows]

        def on_epoch_end(self):
            if shuffle:
                self.order = rng.permutation(X.shape[0])

    return ShuffledBatches()
