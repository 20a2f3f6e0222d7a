"""Training a Keras model on (X, y, sample_weight).

Building and tracing a Keras model costs far more than training a tiny one,
so on the TensorFlow backend the built-in MLP reuses a model, an optimizer
and a compiled training loop per architecture, lent to one fit at a time by
a pool that every thread of the process draws from; the loop runs
all epochs in a single graph call, XLA-compiled for dense X (measured in
``benchmarks/RESULTS.md``).
Every call loads the estimator's own weights and optimizer state first and
reads them back afterwards, so results never depend on what ran before and
``warm_start`` / ``partial_fit`` continue exactly where they stopped.

Other Keras backends, and fits with user callbacks (which may hook every
batch), train through ``model.fit`` with the same loss, weighting, seeds and
callbacks.
"""

import collections
import contextlib
import copy
import itertools
import math
import threading
import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from ._input import dense_rows, training_rows
from ._network import build_keras_model
from ._optimizers import build_schedule, schedule_from_key
from ._routing import optimizer_kwargs
from ._shared_programs import corner, embed

# Trainers kept idle for reuse, all threads together; each holds a small Keras model.
_CACHE_SIZE = 16
# A graph call cannot be interrupted: epochs run in calls of about this many seconds, so
# Ctrl-C stops a long fit soon, with the weights of the last finished call.
_CALL_SECONDS = 0.25
# XLA needs static shapes: the compiled loop's losses buffer holds this many epochs per call,
_XLA_MAX_EPOCHS_PER_CALL = 512
# and X is padded to a capacity of about 8 sizes per doubling of the rows, so folds and
# resamples of one dataset share a compilation. Larger X than this many values keeps the plain
# loop, where a padded copy would cost more memory than per-step overhead costs time.
_XLA_MAX_VALUES = 1 << 24
# Dense X above that trains a block of rows at a time: tf.convert_to_tensor copies a NumPy array
# (measured: twice X's size at its peak), so each epoch gathers its rows in NumPy about this many
# values per block and runs each block in one graph call, and fit never holds a copy of X.
_BLOCK_VALUES = 1 << 20
_XLA_LOOPS_KEPT = 8
# TensorFlow keeps every XLA executable for the life of the process (its compilation cache is
# never pruned): a test process aborted with "LLVM ERROR: Unable to allocate section memory" after
# about 400 compiled loops. After this many, new shapes train in the plain graph loop.
_XLA_MAX_COMPILATIONS = 64
_xla_compilations = [0]  # per process, all threads


@dataclass(frozen=True)
class Architecture:
    """The built-in MLP: everything that fixes its layers and shapes."""

    n_features: int
    hidden_layer_sizes: tuple
    activation: object
    n_outputs: int
    output_activation: object
    dropout: float = 0.0
    batch_normalization: bool = False
    dtype: str = "float32"

    def build(self, initializer="glorot_uniform"):
        """The Keras model; trainers, which load their weights before every step, ask for
        ``initializer="zeros"``: on JAX a random initializer compiles for every new layer shape
        (measured 0.3 s per architecture, zeros 0.06 s)."""
        return build_keras_model(
            self.n_features,
            self.hidden_layer_sizes,
            self.activation,
            self.n_outputs,
            self.output_activation,
            dropout=self.dropout,
            batch_normalization=self.batch_normalization,
            dtype=self.dtype,
            kernel_initializer=initializer,
        )


@dataclass(frozen=True)
class Objective:
    """What the optimizer minimises and how: loss, optimizer, metrics, target layout."""

    loss: object
    loss_params: tuple = ()
    optimizer: str = "adam"
    optimizer_params: tuple = ()
    learning_rate_schedule: str | None = None  # a Keras schedule's config as JSON (it sets every step's rate)
    metrics: tuple = ()
    sparse_targets: bool = False
    dtype: str = "float32"
    loss_scale: float = 1.0


@dataclass(frozen=True)
class TrainingOptions:
    """How one call trains: schedule, minibatching, seed, verbosity."""

    epochs: int
    batch_size: int
    shuffle: bool
    learning_rate_decay: float
    alpha: float
    seed: np.ndarray
    verbose: int = 0
    initial_epoch: int = 0


@dataclass
class TrainingState:
    """What training carries from one call to the next.

    ``weights`` are in ``keras.Model.get_weights`` order; ``optimizer_state``
    holds the optimizer's variables (step count, moments), None for a fresh
    optimizer.
    """

    weights: list
    optimizer_state: list | None = None


@dataclass(frozen=True)
class _Filled:
    """An array whose elements are all one value, kept as that value and the shape.

    A fresh optimizer's slots (Adam's moments: zeros the size of the weights)
    are kept this way, so a wide first layer does not hold them twice.
    """

    value: object
    shape: tuple
    dtype: object

    @classmethod
    def compact(cls, array):
        array = np.asarray(array)
        if array.size > 1 and (array == array.flat[0]).all():
            return cls(array.flat[0], array.shape, array.dtype)
        return array

    def array(self):
        return np.full(self.shape, self.value, dtype=self.dtype)


@dataclass
class TrainingRun:
    """What one call produced."""

    state: TrainingState
    history: dict
    n_steps: int
    interrupted: bool = False

    @property
    def loss_curve(self):
        return self.history["loss"]


def make_optimizer(optimizer, learning_rate, params):
    """A new Keras optimizer from its name or class, a learning rate (or schedule) and its other arguments."""
    import keras

    config = {"learning_rate": learning_rate, **optimizer_kwargs(optimizer, params)}
    if isinstance(optimizer, str):
        return keras.optimizers.get({"class_name": optimizer, "config": config})
    return optimizer.from_config(config)


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
            value = super().__call__(y_true, y_pred, sample_weight)
            if self.penalty is None:
                return value
            return value + _l2_penalty(*self.penalty, y_pred, sample_weight, value.dtype)

    return PenalizedLoss(fn, reduction="mean_with_sample_weight", dtype=dtype, **params)


def _l2_penalty(alpha, kernels, y_pred, sample_weight, dtype):
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
    return ops.divide_no_nan(0.5 * alpha * squares, total)


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


def _inverse_time_decay(dtype="float32"):
    """Keras' legacy ``decay``: lr_t = lr / (1 + decay * t), t = steps taken; computed in ``dtype``.

    Keras' own ``InverseTimeDecay`` with ``decay_steps=1``, whose rate and
    decay become variables, set before every fit, so one compiled step serves
    them all; :func:`_attach_schedule` creates them as optimizer variables,
    which compiled steps receive as state (JAX's jit would otherwise freeze
    them as constants). Being Keras' class, a model saved or pickled with this
    optimizer loads anywhere, without sknnlite (with the values of the moment).
    """
    import keras

    schedule = keras.optimizers.schedules.InverseTimeDecay(0.001, decay_steps=1.0, decay_rate=0.0)
    schedule.dtype = dtype
    return schedule


def _attach_schedule(schedule, optimizer):
    """Make the schedule's rate and decay optimizer variables (see ``_inverse_time_decay``)."""
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


def _state_variables_and_selectors(model):
    """The model's weights that training state holds, and its activation-selecting layers.

    The weights are ``model.weights`` but the selectors' variables, in
    ``get_weights`` order; each selector comes with the position among them
    of the kernel of the Dense layer before it, whose units it masks.
    """
    from ._network import selected_activation_class

    selector_type = selected_activation_class()
    selectors, skipped = [], set()
    for before, layer in itertools.pairwise(model.layers):
        if isinstance(layer, selector_type):
            selectors.append((layer, before.kernel))
            skipped.update((id(layer.choice), id(layer.mask)))
    variables = [v for v in model.weights if id(v) not in skipped]
    positions = {id(v): i for i, v in enumerate(variables)}
    return variables, [(layer, positions[id(kernel)]) for layer, kernel in selectors]


def _optimizer_references(variables, optimizer):
    """For each optimizer variable, the position in ``variables`` of the weight it is a slot of, or None.

    Keras names a slot variable after its weight's path (``add_variable_from_reference``).
    """
    prefixes = [(v.path.replace("/", "_") + "_", i) for i, v in enumerate(variables)]
    references = []
    for variable in optimizer.variables:
        matches = [(len(prefix), i) for prefix, i in prefixes if variable.name.startswith(prefix)]
        references.append(max(matches)[1] if matches else None)
    return references


def _seed_states(model):
    """The state variables of the model's random layers (Dropout)."""
    return [v for v in model.variables if v.path.endswith("seed_generator_state")]


def _reseed(model, seed):
    for i, state in enumerate(_seed_states(model)):
        state.assign(np.array([seed + i, 0], dtype=state.dtype))


def _tf_scalar_variable(dtype):
    """A scalar TensorFlow variable the compiled loop reads at every call."""
    import tensorflow as tf

    return tf.Variable(0.0, dtype=dtype, trainable=False)


def penalized_kernels(model):
    """Kernels of the model's Dense layers (the built-in MLP's ``alpha`` penalty)."""
    import keras

    return [layer.kernel for layer in model.layers if isinstance(layer, keras.layers.Dense)]


class _OwnRetracingFilter:
    """Drop TensorFlow's "triggered tf.function retracing" warning about this module's loop.

    Every custom model gets its own compiled loop by design (one trace per
    fit), which TensorFlow's heuristic reports as excessive retracing.
    Warnings about any other function pass through.
    """

    def filter(self, record):
        message = record.getMessage()
        return not ("retracing" in message and "GraphLoopTrainer." in message and "run_epochs" in message)


def _install_retracing_filter():
    import logging

    logger = logging.getLogger("tensorflow")
    if not any(isinstance(f, _OwnRetracingFilter) for f in logger.filters):
        logger.addFilter(_OwnRetracingFilter())


def graph_trainer_for(architecture, objective):
    """A compiled trainer for the built-in MLP (TensorFlow backend), lent by the pool (``with ... as``).

    Without batch normalization or dropout the loop is XLA-compiled (rows
    padded with weight 0 cannot change any other row's gradient). Batch
    statistics would see the padding, and dropout would draw its masks for
    the padding rows too, changing the draws of the real rows from the
    plain loop's; both keep the plain graph loop.
    """

    def make():
        xla = not architecture.batch_normalization and not architecture.dropout
        return GraphLoopTrainer(architecture.build(initializer="zeros"), objective, xla=xla)

    return lend_trainer((architecture, objective), make)


def fit_trainer_for(architecture, objective, alpha):
    """A ``model.fit`` trainer for the built-in MLP (other backends), lent by the pool (``with ... as``).

    Keras compiles a model's train step once, so reusing the model keeps
    repeated fits from compiling (and caching) a new step each time.
    """

    def make():
        return KerasFitTrainer(architecture.build(initializer="zeros"), objective, schedule=True, alpha=alpha)

    return lend_trainer(("model.fit", architecture, objective, alpha), make)


def compilation_count():
    """How many training loops this process has compiled (XLA and JAX loops, all threads)."""
    return _xla_compilations[0]


class TrainerPool:
    """Trainers kept for reuse by every thread of the process, each lent to one fit at a time.

    A trainer holds a Keras model and optimizer whose variables a fit
    overwrites, so two fits never share one; but a trainer, with the loops it
    compiled, goes back to the pool when its fit ends, for the next fit of
    its architecture on any thread, so the refit after threaded
    ``GridSearchCV`` workers compiles nothing. While every trainer of an
    architecture is out, a thread waits for one to come back rather than
    make (and compile) another, unless that architecture's last fit took
    longer than its first one's extra time (mostly compilation): on 2 cores
    a compilation beside another measured 2.8 s against 1.8 s alone, and
    slowed 30 ms fits running beside it 2-3x, so short fits run one after
    the other and long ones side by side.
    """

    def __init__(self):
        self._idle = collections.OrderedDict()  # key -> idle trainers; least recently returned key first
        self._seconds = collections.OrderedDict()  # key -> [first lend's seconds, a later one's or None]
        self._holders = collections.defaultdict(list)  # key -> the threads holding its trainers
        self._returned = threading.Condition()

    @contextlib.contextmanager
    def lend(self, key, make):
        """An idle trainer for ``key`` (else ``make()``), returned to the pool when the block ends."""
        try:
            hash(key)
        except TypeError:  # unhashable routed parameter values: no reuse
            yield make()
            return
        trainer = self._take(key)
        started = time.perf_counter()
        try:
            if trainer is None:
                trainer = make()
            yield trainer
        finally:
            self._give_back(key, trainer, time.perf_counter() - started)

    def _take(self, key):
        """An idle trainer for ``key``, or None (then the caller makes one); marks this thread a holder."""
        me = threading.get_ident()
        with self._returned:
            while True:
                idle = self._idle.get(key)
                holders = self._holders[key]
                seconds = self._seconds.get(key)
                if idle:
                    trainer = idle.pop()
                    break
                if not holders or me in holders or (seconds and seconds[1] and 2 * seconds[1] >= seconds[0]):
                    trainer = None
                    break
                self._returned.wait()
            holders.append(me)
            return trainer

    def _give_back(self, key, trainer, seconds):
        with self._returned:
            self._holders[key].remove(threading.get_ident())
            if not self._holders[key]:
                del self._holders[key]
            if trainer is not None:
                self._idle.setdefault(key, []).append(trainer)
                self._idle.move_to_end(key)
                while sum(map(len, self._idle.values())) > _CACHE_SIZE:
                    oldest_key, oldest = next(iter(self._idle.items()))
                    oldest.pop(0)
                    if not oldest:
                        del self._idle[oldest_key]
            times = self._seconds.pop(key, None)
            self._seconds[key] = [seconds, None] if times is None else [times[0], seconds]
            while len(self._seconds) > 64 * _CACHE_SIZE:
                self._seconds.popitem(last=False)
            self._returned.notify_all()

    def idle(self):
        """The idle trainers, least recently returned first (tests)."""
        with self._returned:
            return [trainer for trainers in self._idle.values() for trainer in trainers]


_pool = TrainerPool()


def lend_trainer(key, make):
    """The process's pool lends a trainer for ``key`` (``with lend_trainer(...) as trainer``)."""
    return _pool.lend(key, make)


class _EpochProgress:
    """Progress over epochs: Keras' bar (verbose=1) or one line per epoch (verbose=2)."""

    def __init__(self, epochs, initial_epoch, verbose):
        import keras

        self.epochs, self.initial_epoch = epochs, initial_epoch
        self.bar = keras.utils.Progbar(epochs, verbose=1) if verbose == 1 else None

    def report(self, epoch, logs):
        done = epoch + 1 - self.initial_epoch
        values = list(logs.items())
        if self.bar is not None:
            self.bar.update(done, values=values, finalize=done == self.epochs)
        else:  # scikit-learn's MLP line, with any metrics after the loss
            text = ", ".join(f"{name} = {value:.8f}" for name, value in values)
            print(f"Iteration {done}, {text}", flush=True)


class _Trainer:
    """What both training engines share: the model, optimizer, loss and state I/O."""

    def __init__(self, model, objective, schedule=True, use_model_optimizer=False, penalty=None):
        self.model = model
        self.objective = objective
        self.schedule = self.alpha = None
        # A user's Keras schedule sets the rate at every step; nothing here sets it.
        self.user_schedule = objective.learning_rate_schedule is not None and not use_model_optimizer
        if use_model_optimizer:  # a SciKeras-style build function compiled the model
            self.optimizer = model.optimizer
            self.loss = make_loss(model.loss, {}, objective.dtype, objective.loss_scale)
            self.owns_optimizer = False
        else:
            # A schedule lets one compiled loop serve every learning rate and decay; a plain
            # rate stays settable by Keras callbacks such as ReduceLROnPlateau.
            schedule = schedule and not self.user_schedule
            self.schedule = _inverse_time_decay(objective.dtype) if schedule else None
            learning_rate = self.schedule if schedule else 0.001
            if self.user_schedule:
                learning_rate = build_schedule(schedule_from_key(objective.learning_rate_schedule))
            params = dict(objective.optimizer_params)
            self.optimizer = make_optimizer(objective.optimizer, learning_rate, params)
            if schedule:
                _attach_schedule(self.schedule, self.optimizer)
            self.loss = make_loss(
                objective.loss, dict(objective.loss_params), objective.dtype, objective.loss_scale
            )
            self.owns_optimizer = True
            if penalty is not None:
                # "variable": one compiled loop serves every alpha (assigned per fit); a number is
                # fixed for this trainer (model.fit evaluates the loss where, on JAX, only the model's
                # variables are state, so a variable's new value would not reach a compiled step).
                if penalty == "variable":
                    self.alpha = _tf_scalar_variable(objective.dtype)
                    penalty = self.alpha
                self.loss.penalty = (penalty, penalized_kernels(model))
        self.optimizer.build(model.trainable_variables)
        self.fresh_optimizer_state = [_Filled.compact(v.numpy()) for v in self.optimizer.variables]
        # The shapes of the weights being trained, where a padded network (``_shared_programs``) trains
        # them in the leading corner of its own; and the weight each optimizer variable belongs to.
        self._state_variables, self._selectors = _state_variables_and_selectors(model)
        self._trained_shapes = [tuple(v.shape) for v in self._state_variables]
        self._references = _optimizer_references(self._state_variables, self.optimizer)
        self.activation = None  # the activation a shared loop trains (see select)
        n_outputs = model.outputs[0].shape[-1] if getattr(model, "outputs", None) else 1
        self.metrics = make_metrics(objective.metrics, objective.sparse_targets, n_outputs)

    def select(self, activation):
        """Set the hidden activation that the next calls train (a model shared by several activations)."""
        self.activation = activation

    def load(self, state, options, plan):
        """Load the estimator's state (a fresh optimizer if it has none) and this call's settings."""
        self.load_state(TrainingState(state.weights, state.optimizer_state or self.fresh_optimizer_state))
        self._set_selectors()
        if self.schedule is not None:
            self.schedule.decay.assign(options.learning_rate_decay)
        self.set_learning_rate(plan.rate)
        if self.alpha is not None:
            self.alpha.assign(options.alpha)
        _reseed(self.model, int(options.seed[1]))

    def set_learning_rate(self, value):
        """Set the rate the next step starts from (before the inverse-time decay)."""
        if self.schedule is not None:
            self.schedule.initial.assign(value)
        elif self.owns_optimizer and not self.user_schedule:
            self.optimizer.learning_rate = value

    def load_state(self, state):
        """Put ``state`` (weights and optimizer variables) back into the model and optimizer.

        A padded network takes each array in the leading corner of its variable; its padding holds
        zero weights and a fresh optimizer's values.
        """
        self._trained_shapes = [np.shape(w) for w in state.weights]
        for variable, value in zip(self._state_variables, state.weights, strict=True):
            variable.assign(embed(value, variable.shape, 0))
        parts = (
            self.optimizer.variables,
            state.optimizer_state,
            self.fresh_optimizer_state,
            self._references,
        )
        for variable, value, fresh, reference in zip(*parts, strict=True):
            value = value.array() if isinstance(value, _Filled) else value
            if reference is not None:
                value = embed(value, variable.shape, fresh.value if isinstance(fresh, _Filled) else fresh)
            variable.assign(value)

    def state(self):
        """The weights and optimizer variables in the shapes of the weights being trained."""
        shapes = self._trained_shapes
        optimizer_state = [
            corner(np.array(v.numpy()), shapes[reference]) if reference is not None else np.array(v.numpy())
            for v, reference in zip(self.optimizer.variables, self._references, strict=True)
        ]
        weights = [
            corner(np.asarray(v.numpy()), shape)
            for v, shape in zip(self._state_variables, shapes, strict=True)
        ]
        return TrainingState(weights=weights, optimizer_state=optimizer_state)

    def _set_selectors(self):
        """Point a shared model's hidden layers at the selected activation and mask their padding units."""
        for layer, kernel_position in self._selectors:
            layer.choice.assign(layer.activations.index(self.activation))
            units = self._trained_shapes[kernel_position][-1]
            layer.mask.assign((np.arange(layer.mask.shape[0]) < units).astype(layer.mask.dtype))

    def steps(self):
        return int(self.optimizer.iterations.numpy())


class _CompiledLoopTrainer(_Trainer):
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

        rule_off = (_scalar(0.0, dtype), _scalar(np.inf, dtype), _scalar(np.inf, dtype), _scalar(0, "int32"))
        # Keras' CallbackList hands callbacks a copy of the logs: the last one reads what they added.
        seen = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.logs.append(logs))
        seen.logs = []
        hooks = [plan.callback(self.set_learning_rate, self.loss, self.metrics), *callbacks, seen]
        hooks = keras.callbacks.CallbackList(hooks, model=self.model)
        progress = _EpochProgress(o.epochs, first, o.verbose) if o.verbose else None
        self.model.stop_training = False
        interrupted = False
        hooks.on_train_begin()
        try:
            for epoch in range(first, last):
                hooks.on_epoch_begin(epoch)
                for metric in self.metrics:
                    metric.reset_state()
                losses = run_epochs(*data, _scalar(epoch), _scalar(epoch + 1), *batching, *rule_off)
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
            and not _past_xla_size(X, n_rows)
            and (key in loops or _xla_compilations[0] < _XLA_MAX_COMPILATIONS)
        )

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
        tol = _scalar(plan.tol if plan.watches_training_loss else 0.0, dtype)
        patience = _scalar(plan.n_iter_no_change, dtype)
        best, count = _scalar(np.inf, dtype), _scalar(0)
        epoch, chunk = first, 1
        try:
            while epoch < last:
                stop = min(last, epoch + chunk)
                started = time.perf_counter()
                values, best, count = run_epochs(
                    *data, _scalar(epoch), _scalar(stop), *batching, tol, patience, best, count
                )
                elapsed = time.perf_counter() - started
                losses.extend(float(v) for v in np.asarray(values))
                epoch += len(values)
                if int(count) > plan.n_iter_no_change:  # the rule stopped the loop
                    plan.stopped = True
                    break
                if epoch < stop or not math.isfinite(losses[-1]):  # stopped at a non-finite loss
                    break
                chunk = min(_XLA_MAX_EPOCHS_PER_CALL, max(1, int(chunk * _CALL_SECONDS / max(elapsed, 1e-6))))
        except KeyboardInterrupt:
            return True
        return False


class GraphLoopTrainer(_CompiledLoopTrainer):
    """A compiled loop that runs many epochs per graph call (TensorFlow only).

    ``penalize`` adds the built-in MLP's ``alpha`` L2 penalty on the Dense
    kernels; a custom model's own regularizers count through ``model.losses``.
    """

    def __init__(self, model, objective, penalize=True, use_model_optimizer=False, xla=False):

        penalty = "variable" if penalize else None
        super().__init__(model, objective, use_model_optimizer=use_model_optimizer, penalty=penalty)
        _install_retracing_filter()
        self.run_epochs = self._compile(sparse_input=False)
        self._run_epochs_sparse = None  # compiled on the first sparse X
        self._run_block = None  # compiled on the first X trained in blocks
        self.xla = xla
        self._xla_loops = collections.OrderedDict()  # (batch size, capacity) -> compiled loop

    def _minibatch_step(self):
        """One optimizer step on a minibatch for the compiled loops; returns the weighted loss sum."""
        import tensorflow as tf

        dtype = tf.as_dtype(self.objective.dtype)
        model, optimizer, loss_fn, metrics = self.model, self.optimizer, self.loss, self.metrics

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

    def _xla_loop(self, slots, capacity):
        """The XLA-compiled multi-epoch loop for padded dense data of ``capacity`` rows, ``slots`` per step.

        Same steps as :meth:`_compile`'s loop with static shapes: each epoch
        orders the ``n`` real rows at random (the padding last) and takes
        minibatches of ``batch_size`` (an argument) in ``slots`` rows each;
        rows past the step's own, and the padding, weigh 0, which adds nothing
        to the loss or the gradients (the weighted mean divides by the batch's
        weight). Measured 3-4x faster per step than the plain graph loop on
        small networks, for a compile about 0.2 s longer than its trace.
        """
        return self._cached_loop(
            self._xla_loops, (slots, capacity), lambda: self._compile_xla(slots, capacity)
        )

    def _compile_xla(self, slots, capacity):
        import tensorflow as tf

        dtype = tf.as_dtype(self.objective.dtype)
        n_features = self.model.inputs[0].shape[-1]
        n_outputs = self.model.outputs[0].shape[-1]
        y_shape = [capacity] if self.objective.sparse_targets else [capacity, n_outputs]
        buffer_size = _XLA_MAX_EPOCHS_PER_CALL

        minibatch_step = self._minibatch_step()

        def train_step(X, y, w, order, step, batch_size):
            batch = tf.slice(order, [step * batch_size], [slots])
            own = tf.range(slots) < batch_size  # the slots past this step's rows weigh 0
            w_batch = tf.where(own, tf.gather(w, batch), tf.zeros([], dtype))
            return minibatch_step(tf.gather(X, batch), tf.gather(y, batch), w_batch)

        @tf.function(
            jit_compile=True,
            input_signature=[
                tf.TensorSpec([capacity, n_features], dtype),
                tf.TensorSpec(y_shape, dtype),
                tf.TensorSpec([capacity], dtype),
                tf.TensorSpec([], tf.int32),
                *_scalar_argument_specs(dtype),
            ],
        )
        def run_epochs(X, y, w, n, batch_size, start, stop, seed, shuffle, tol, patience, best, count):
            steps = (n + batch_size - 1) // batch_size
            total_weight = tf.reduce_sum(w)
            padding = tf.range(capacity) >= n

            def more(epoch, epoch_loss, losses, best, count):
                return (epoch < stop) & tf.math.is_finite(epoch_loss) & (tf.cast(count, dtype) <= patience)

            def one_epoch(epoch, epoch_loss, losses, best, count):
                keys = tf.where(
                    shuffle, _epoch_keys(capacity, seed, epoch), tf.range(capacity, dtype=tf.int64)
                )
                order = tf.argsort(tf.where(padding, tf.constant(1 << 32, tf.int64), keys), stable=True)
                _, total = tf.while_loop(
                    lambda step, total: step < steps,
                    lambda step, total: (step + 1, total + train_step(X, y, w, order, step, batch_size)),
                    (tf.constant(0), tf.constant(0.0, dtype)),
                )
                epoch_loss = tf.math.divide_no_nan(total, total_weight)
                losses = tf.tensor_scatter_nd_update(losses, [[epoch - start]], [epoch_loss])
                best, count = _training_loss_rule(epoch_loss, tol, best, count)
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

    def _compile(self, sparse_input):
        """The compiled multi-epoch loop, for dense X or for CSR X (given as its three arrays).

        CSR rows are taken one minibatch at a time inside the graph, so a
        sparse matrix is never densified whole.
        """
        import keras
        import tensorflow as tf

        dtype = tf.as_dtype(self.objective.dtype)
        model = self.model
        minibatch_step = self._minibatch_step()
        input_shape = tuple(model.inputs[0].shape[1:])  # (n_features,), or (height, width, channels), ...
        n_features = input_shape[-1]
        n_outputs = model.outputs[0].shape[-1]
        y_shape = [None] if self.objective.sparse_targets else [None, n_outputs]
        if sparse_input:
            X_spec = (
                tf.TensorSpec([None], tf.int64),
                tf.TensorSpec([None], tf.int64),
                tf.TensorSpec([None], dtype),
            )
            # A first Dense layer multiplies a tf.SparseTensor directly (work in proportion to the
            # non-zeros, as MLP's sparse product); any other first layer gets the dense rows.
            multiplies_sparse = isinstance(model.layers[0], keras.layers.Dense)

            def n_rows(X):
                return tf.shape(X[0], out_type=tf.int32)[0] - 1

            def take_rows(X, rows):
                indptr, indices, values = X
                rows = tf.cast(rows, tf.int64)
                positions = tf.ragged.range(tf.gather(indptr, rows), tf.gather(indptr, rows + 1))
                where = tf.stack(
                    [positions.value_rowids(), tf.gather(indices, positions.flat_values)], axis=1
                )
                shape = tf.stack([tf.size(rows, out_type=tf.int64), tf.constant(n_features, tf.int64)])
                batch_values = tf.gather(values, positions.flat_values)
                if multiplies_sparse:  # canonical order: rows in turn, sorted columns within each
                    return tf.SparseTensor(where, batch_values, shape)
                return tf.scatter_nd(where, batch_values, shape)

        else:
            X_spec = tf.TensorSpec([None, *input_shape], dtype)

            def n_rows(X):
                return tf.shape(X)[0]

            take_rows = tf.gather

        @tf.function(
            input_signature=[
                X_spec,
                tf.TensorSpec(y_shape, dtype),
                tf.TensorSpec([None], dtype),
                *_scalar_argument_specs(dtype),
            ]
        )
        def run_epochs(X, y, w, start, stop, batch_size, seed, shuffle, tol, patience, best, count):
            # tol > 0 applies MLP's training-loss rule (see _stopping.py and _training_loss_rule).
            n = n_rows(X)
            steps = (n + batch_size - 1) // batch_size
            total_weight = tf.reduce_sum(w)
            losses = tf.TensorArray(dtype, size=stop - start)
            epoch = start
            epoch_loss = tf.constant(0.0, dtype)
            while epoch < stop and tf.math.is_finite(epoch_loss) and tf.cast(count, dtype) <= patience:
                order = tf.range(n)
                if shuffle:
                    order = tf.argsort(_epoch_keys(n, seed, epoch), stable=True)
                total = tf.constant(0.0, dtype)
                for step in tf.range(steps):
                    batch = order[step * batch_size : (step + 1) * batch_size]
                    total += minibatch_step(take_rows(X, batch), tf.gather(y, batch), tf.gather(w, batch))
                epoch_loss = tf.math.divide_no_nan(total, total_weight)
                losses = losses.write(epoch - start, epoch_loss)
                best, count = _training_loss_rule(epoch_loss, tol, best, count)
                epoch += 1
            return losses.stack()[: epoch - start], best, count

        return run_epochs

    def train(self, X, y, sample_weight, state, options, plan, callbacks=(), rows=None):
        """Train from ``state`` until ``plan`` stops it; return the new state and the per-epoch history.

        ``rows``: train on ``X[rows]`` (early stopping's training part), taken
        a minibatch or block at a time where X is large.
        """
        import tensorflow as tf

        o, dtype = options, self.objective.dtype
        self.load(state, o, plan)
        batch_size = min(o.batch_size, y.shape[0])
        if not sparse.issparse(X) and _past_xla_size(X, y.shape[0]):
            data = (X, rows, y, sample_weight)
            batching = (batch_size, o.seed, bool(o.shuffle))
            return self._train_loop(self._blocked_epochs(), data, batching, o, plan, callbacks)
        if rows is not None:
            X = X[rows]
        shapes = padded_shapes(y.shape[0], batch_size)
        if self.xla and self._padded_loop_serves(X, y.shape[0], shapes, self._xla_loops):
            run_epochs = self._xla_loop(*shapes)
            padded = _padded_arrays(X, y, sample_weight, shapes[1])
            data = (
                *(tf.convert_to_tensor(part, dtype) for part in padded),
                tf.constant(y.shape[0]),
                tf.constant(batch_size),
            )
            batching = (tf.constant(o.seed, tf.int32), tf.constant(bool(o.shuffle)))
            return self._train_loop(run_epochs, data, batching, o, plan, callbacks)
        if sparse.issparse(X):
            if self._run_epochs_sparse is None:
                self._run_epochs_sparse = self._compile(sparse_input=True)
            run_epochs = self._run_epochs_sparse
            X = tuple(
                tf.convert_to_tensor(part, kind)
                for part, kind in zip((X.indptr, X.indices, X.data), (tf.int64, tf.int64, dtype), strict=True)
            )
        else:
            run_epochs = self.run_epochs
            X = tf.convert_to_tensor(X, dtype)
        data = (X, tf.convert_to_tensor(y, dtype), tf.convert_to_tensor(sample_weight, dtype))
        batching = (tf.constant(batch_size), tf.constant(o.seed, tf.int32), tf.constant(bool(o.shuffle)))
        return self._train_loop(run_epochs, data, batching, o, plan, callbacks)

    def _blocked_epochs(self):
        """``run_epochs`` for large dense X held in NumPy: the plain loop's steps, a block of rows per call.

        Each epoch orders the rows as the plain loop does and runs them in
        blocks of whole minibatches (about ``_BLOCK_VALUES`` values), each
        gathered in NumPy and run in one graph call that carries the epoch's
        loss sum on; the same steps in the same order as the plain loop, so the
        same weights, without a tensor copy of X.
        """
        import tensorflow as tf

        if self._run_block is None:
            self._run_block = self._compile_block()
        run_block, dtype = self._run_block, tf.as_dtype(self.objective.dtype)

        def run_epochs(X, rows, y, w, start, stop, batch_size, seed, shuffle, tol, patience, best, count):
            n = y.shape[0]
            block_rows = max(1, _BLOCK_VALUES // (math.prod(X.shape[1:]) * batch_size)) * batch_size
            total_weight = tf.reduce_sum(tf.convert_to_tensor(w, dtype))
            losses, epoch, epoch_loss = [], int(start), tf.constant(0.0, dtype)
            while epoch < stop and tf.math.is_finite(epoch_loss) and tf.cast(count, dtype) <= patience:
                order = epoch_order(n, seed, epoch) if shuffle else None
                total = tf.constant(0.0, dtype)
                for first in range(0, n, block_rows):
                    block = slice(first, first + block_rows)
                    if order is not None:
                        block = order[block]
                    # One block's arrays live at a time: they are freed when the call returns.
                    total = run_block(*_block_tensors(X, rows, y, w, block, dtype), batch_size, total)
                epoch_loss = tf.math.divide_no_nan(total, total_weight)
                losses.append(float(epoch_loss))
                best, count = _training_loss_rule(epoch_loss, tol, best, count)
                epoch += 1
            return np.asarray(losses, dtype=self.objective.dtype), best, count

        return run_epochs

    def _compile_block(self):
        """A graph call over a block of rows in order: its minibatches' steps, the loss sum carried on."""
        import tensorflow as tf

        dtype = tf.as_dtype(self.objective.dtype)
        minibatch_step = self._minibatch_step()
        input_shape = tuple(self.model.inputs[0].shape[1:])
        y_shape = [None] if self.objective.sparse_targets else [None, self.model.outputs[0].shape[-1]]

        @tf.function(
            input_signature=[
                tf.TensorSpec([None, *input_shape], dtype),
                tf.TensorSpec(y_shape, dtype),
                tf.TensorSpec([None], dtype),
                tf.TensorSpec([], tf.int32),
                tf.TensorSpec([], dtype),
            ]
        )
        def run_block(X, y, w, batch_size, total):
            for step in tf.range((tf.shape(X)[0] + batch_size - 1) // batch_size):
                batch = slice(step * batch_size, (step + 1) * batch_size)
                total += minibatch_step(X[batch], y[batch], w[batch])
            return total

        return run_block

    def traced_loops(self):
        """How many times each compiled loop of this trainer was traced (tests: one trace serves all fits)."""
        loops = [self.run_epochs, *(run.compiled for run in self._xla_loops.values())]
        return [loop.experimental_get_tracing_count() for loop in loops]


class KerasFitTrainer(_Trainer):
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


def _past_xla_size(X, n_rows):
    """Whether ``n_rows`` rows of X hold more than ``_XLA_MAX_VALUES`` values (then trained in blocks)."""
    return n_rows * math.prod(X.shape[1:]) > _XLA_MAX_VALUES


def _block_tensors(X, rows, y, w, block, dtype):
    """Tensors of the training rows ``block`` (positions in the training set) of X, y and w."""
    import tensorflow as tf

    parts = (training_rows(X, rows, block), y[block], w[block])
    return tuple(tf.convert_to_tensor(part, dtype) for part in parts)


def _epoch_keys(size, seed, epoch):
    """Sort keys putting rows ``0 .. size - 1`` in the epoch's random order (distinct int64 keys).

    A hash of the row index, the seed and the epoch in exact integer
    arithmetic: TensorFlow's stateless random ops draw other numbers under XLA
    than without it when the seed is not a constant, and the XLA loop must
    order rows as the plain loop does (sparse X trains as its dense copy). A
    row's key does not depend on ``size``, so padding rows sorted last leave
    the real rows' order unchanged.
    """
    import tensorflow as tf

    seed = tf.bitwise.bitwise_and(tf.cast(seed, tf.int64), _LOW_32_BITS)
    first = _mix32(seed[0])
    second = _mix32(
        tf.bitwise.bitwise_xor(
            tf.bitwise.bitwise_and(seed[1] + tf.cast(epoch, tf.int64), _LOW_32_BITS), first
        )
    )
    rows = tf.range(size, dtype=tf.int64)
    return _mix32(tf.bitwise.bitwise_xor(_mix32(tf.bitwise.bitwise_xor(rows, first)), second))


_LOW_32_BITS = 0xFFFFFFFF


def _mix32(x):
    """A bijection of 32-bit integers (held in int64) that scatters nearby values (a common integer hash)."""
    import tensorflow as tf

    for _ in range(2):
        x = tf.bitwise.bitwise_and(
            tf.bitwise.bitwise_xor(tf.bitwise.right_shift(x, 16), x) * 0x45D9F3B, _LOW_32_BITS
        )
    return tf.bitwise.bitwise_xor(tf.bitwise.right_shift(x, 16), x)


def epoch_keys_array(xp, size, seed, epoch, dtype="int64"):
    """:func:`_epoch_keys` with array operators, for ``xp`` NumPy or ``jax.numpy``.

    ``model.fit`` (NumPy, ``int64``) and the JAX loop (``uint32``: JAX has no
    64-bit integers without x64) order rows with it, as the TensorFlow loops do.
    """
    mask, first, second = _epoch_mixers(xp, seed, epoch, dtype)
    rows = xp.arange(size, dtype=dtype)
    return _mix32_array(_mix32_array(rows ^ first, mask) ^ second, mask)


def _epoch_mixers(xp, seed, epoch, dtype):
    """The 32-bit mask and the two values of ``(seed, epoch)`` the row hash mixes in (:func:`_epoch_keys`)."""
    # An array, not a Python int: without x64, JAX reads a Python int as int32, where 2**32 - 1 overflows.
    mask = xp.asarray(_LOW_32_BITS, dtype=dtype)
    seed = xp.asarray(seed).astype(dtype) & mask
    first = _mix32_array(seed[0], mask)
    second = _mix32_array(((seed[1] + xp.asarray(epoch).astype(dtype)) & mask) ^ first, mask)
    return mask, first, second


def epoch_order(size, seed, epoch):
    """The epoch's row order in NumPy: ``argsort`` of :func:`epoch_keys_array`, its keys mixed in place.

    Large X trains from NumPy (``model.fit``, the blocked loop), where each
    temporary of ``size`` int64 keys costs 8 bytes per row.
    """
    mask, first, second = _epoch_mixers(np, seed, epoch, "int64")
    keys = np.arange(size, dtype=np.int64)
    keys ^= first
    _mix32_in_place(keys, mask)
    keys ^= second
    _mix32_in_place(keys, mask)
    return np.argsort(keys, kind="stable")


def _mix32_in_place(x, mask):
    """:func:`_mix32_array` on a NumPy array, overwriting it."""
    for _ in range(2):
        x ^= x >> 16
        x *= 0x45D9F3B
        x &= mask
    x ^= x >> 16


def _mix32_array(x, mask):
    """:func:`_mix32` with array operators (the products fit in int64; uint32 wraps by itself)."""
    for _ in range(2):
        x = (((x >> 16) ^ x) * 0x45D9F3B) & mask
    return (x >> 16) ^ x


def _scalar(value, dtype="int32"):
    """A 0-d NumPy array: one argument type for TensorFlow's signatures and JAX's jit (no retrace)."""
    return np.asarray(value, dtype=dtype)


def _scalar_argument_specs(dtype):
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


def _training_loss_rule(epoch_loss, tol, best, count):
    """MLP's training-loss rule after an epoch, in the graph: the new best loss and stalled-epoch count.

    With ``tol > 0`` an epoch whose loss is not below ``best - tol`` counts;
    the loops stop when the count exceeds ``patience``.
    """
    import tensorflow as tf

    stalled = tf.logical_and(tol > 0, epoch_loss > best - tol)
    return tf.minimum(best, epoch_loss), tf.where(stalled, count + 1, 0)


# Capacities up to here are powers of 4: each epoch sorts the capacity's rows, which measured 5-13%
# of a warm fit on breast_cancer and digits at 4096 rows, against a compilation of about 1 s saved
# when a refit on all the rows shares the folds' loop.
_SHARED_CAPACITY = 4096


def _rounded_up(n):
    """``n`` rounded up to one of about 8 sizes per doubling."""
    granularity = max(1, 1 << max(0, n.bit_length() - 4))
    return -(-n // granularity) * granularity


def padded_shapes(n, batch_size):
    """A compiled loop's static shapes for ``n`` rows in minibatches of ``batch_size``: ``(slots, capacity)``.

    Each step takes ``slots`` rows (``batch_size`` rounded up; the rows past
    the step's own weigh 0), so batch sizes that round alike share a loop, as
    cross-validation folds of fewer than 200 rows do with ``batch_size="auto"``.
    The ``capacity`` rows (padding rows weighing 0) hold every step's slots:
    up to ``_SHARED_CAPACITY`` rows it is the next power of 4, so a dataset,
    its cross-validation folds and the refit on all of it (a ratio of
    k / (k - 1) in rows) usually share a loop (scikit-learn's toy datasets
    do; not 250 rows, whose folds are one minibatch of ``batch_size="auto"``
    and whose refit is two); larger data rounds up more finely.
    """
    slots = _rounded_up(batch_size)
    steps = -(-n // batch_size)
    needed = (steps - 1) * batch_size + slots
    if needed > _SHARED_CAPACITY:
        return slots, _rounded_up(needed)
    capacity = 4 ** max(3, math.ceil(math.log(needed, 4) - 1e-9))
    # A dataset of a single minibatch (under 200 rows with batch_size="auto") fills the capacity, so its
    # folds and refit share the slots too (measured: 0-8% slower warm fits on iris, wine, the tutorial).
    return (capacity if steps == 1 and capacity <= 256 else slots), capacity


def _padded_arrays(X, y, sample_weight, capacity):
    """X, y and sample_weight with ``capacity`` rows for a static-shape loop; padding rows weigh 0."""
    n = y.shape[0]
    weights = np.where(np.arange(capacity) < n, _pad_rows(sample_weight, capacity), 0)
    return _pad_rows(X, capacity), _pad_rows(y, capacity), weights


def _pad_rows(array, capacity):
    """``array`` with copies of its first row appended up to ``capacity`` rows (finite values, weight 0)."""
    array = np.asarray(array)
    missing = capacity - array.shape[0]
    if missing == 0:
        return array
    return np.concatenate([array, np.repeat(array[:1], missing, axis=0)])


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

    class EpochProgress(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.progress = _EpochProgress(epochs, initial_epoch, verbose)

        def on_epoch_end(self, epoch, logs=None):
            self.progress.report(epoch, {k: float(v) for k, v in (logs or {}).items()})

    return EpochProgress()


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
