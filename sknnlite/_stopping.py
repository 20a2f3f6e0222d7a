"""When training stops, and how the learning rate moves between epochs: scikit-learn's MLP rules.

After every epoch MLP compares the training loss (or, with early stopping,
the validation score) with the best so far: an epoch that does not improve
it by ``tol`` counts, an epoch that does resets the count, and a count above
``n_iter_no_change`` ends training. With ``learning_rate_schedule="adaptive"``
it divides the learning rate by 5 instead, and stops only once the rate is
at most 1e-6; ``"invscaling"`` sets the rate to
``learning_rate / (t + 1) ** power_t`` after every epoch, ``t`` counting the
training samples seen.

The compiled training loop applies the training-loss rule inside the graph
(``training_loop_can_stop``); everything else runs here, as a Keras callback
called after every epoch.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from ._input import dense_rows, map_in_chunks
from ._training.keras_objects import fresh_metric  # the copy training uses: unregistered Metric classes too

# MLP's adaptive schedule: divide the rate by this, and stop once it is at most MIN_LEARNING_RATE.
ADAPTIVE_DIVISOR = 5.0
MIN_LEARNING_RATE = 1e-6


@dataclass
class NoImprovement:
    """MLP's count of epochs in a row without improvement by ``tol``.

    For a loss (lower is better) an epoch counts when ``loss > best - tol``;
    for a score when ``score < best + tol``. A NaN never counts and never
    becomes the best, as in MLP.
    """

    tol: float
    n_iter_no_change: float
    higher_is_better: bool = False
    best: float = math.inf
    count: int = 0

    def __post_init__(self):
        if self.higher_is_better:
            self.best = -math.inf

    def update(self, value):
        """Record one epoch's value; True when the count has passed ``n_iter_no_change``."""
        if self.higher_is_better:
            stalled, better = value < self.best + self.tol, value > self.best
        else:
            stalled, better = value > self.best - self.tol, value < self.best
        self.count = self.count + 1 if stalled else 0
        if better:
            self.best = value
        return self.count > self.n_iter_no_change


@dataclass
class Validation:
    """Held-out rows: inputs, ``score(outputs)`` (None: only logged), network targets and weights.

    With ``rows`` the inputs are ``X[rows]``, read a chunk at a time (X is the whole training input).
    """

    X: object
    score: object
    targets: np.ndarray
    sample_weight: np.ndarray
    rows: np.ndarray | None = None


@dataclass
class StoppingPlan:
    """How one call to ``fit`` ends and schedules its learning rate.

    ``validation`` is None to watch the training loss, or a
    :class:`Validation` whose ``score(outputs)`` scores the network's
    outputs on its rows (early stopping). ``logged`` is a held-out set that
    is only reported as ``val_loss`` / ``val_<metric>`` (Keras'
    ``validation_split``); the training-loss rule still applies.
    ``learning_rate`` is the estimator's parameter, ``rate`` the rate
    training starts from (partial_fit continues a schedule's).
    Filled in while training: ``stopped`` (the rule ended training),
    ``rate`` (the rate the next epoch would use), ``scores`` and
    ``best_score`` (with validation).
    """

    tol: float
    n_iter_no_change: float
    schedule: str = "constant"
    learning_rate: float = 0.001
    power_t: float = 0.5
    samples_seen: int = 0
    samples_per_epoch: int = 0
    validation: Validation | None = None
    rate: float | None = None
    logged: Validation | None = None
    stopped: bool = False
    failure: str | None = None  # why an optimizer with its own criterion (lbfgs) did not converge
    scores: list = field(default_factory=list)
    best_score: float | None = None

    def __post_init__(self):
        if self.rate is None:
            self.rate = self.learning_rate
        self.start()

    @property
    def watches_training_loss(self):
        """Whether the training-loss rule is on: ``tol=0`` trains every epoch."""
        return self.validation is None and self.tol > 0

    @property
    def training_loop_can_stop(self):
        """True when the compiled loop's in-graph rule is all this plan needs."""
        return self.validation is None and self.logged is None and self.schedule == "constant"

    def callback(self, set_learning_rate, loss=None, metrics=()):
        """A Keras callback applying the plan after every epoch.

        Put first among the callbacks: with a validation set it adds
        ``val_loss`` (``loss`` on the held-out rows) and ``val_<metric>`` to
        the epoch's logs, which later callbacks (Keras' ``EarlyStopping``,
        ``ModelCheckpoint``) and ``history_`` then see.
        """
        return _stopping_callback(self, set_learning_rate, loss, metrics)

    def after_epoch(self, loss, model, logs=None, loss_fn=None, metrics=()):
        """Apply the rules after one epoch; True when training should stop."""
        diverged = not math.isfinite(loss)
        if self.validation is None:
            triggered = self.watches_training_loss and self._rule.update(loss)
            if self.logged is not None and logs is not None and loss_fn is not None:
                outputs = None if diverged else _outputs(model, self.logged)
                logs.update(_validation_logs(self.logged, outputs, loss_fn, metrics))
        else:
            score, outputs = self._score(model, diverged)
            if logs is not None and loss_fn is not None:
                logs.update(_validation_logs(self.validation, outputs, loss_fn, metrics))
            triggered = self._rule.update(score)
        self.samples_seen += self.samples_per_epoch
        if self.schedule == "invscaling":
            self.rate = self.learning_rate / (self.samples_seen + 1) ** self.power_t
        if not triggered:
            return False
        if self.schedule == "adaptive" and self.rate > MIN_LEARNING_RATE:
            self.rate /= ADAPTIVE_DIVISOR
            self._rule.count = 0
            return False
        self.stopped = True
        return True

    def start(self):
        self._rule = NoImprovement(
            self.tol, self.n_iter_no_change, higher_is_better=self.validation is not None
        )
        self._best_weights = None
        self.scores, self.best_score, self.stopped = [], None, False

    def _score(self, model, diverged):
        """Score the validation set; a diverged epoch scores NaN, as in MLP (its weights are not kept)."""
        current, outputs = math.nan, None
        if not diverged:
            outputs = _outputs(model, self.validation)
            if np.isfinite(outputs).all():
                current = float(self.validation.score(outputs.astype(np.float64)))
        self.scores.append(current)
        if current > (self.best_score if self.best_score is not None else -math.inf):
            self.best_score, self._best_weights = current, model.get_weights()
        return current, outputs

    def finish(self, model):
        """Put the best epoch's weights back, with early stopping."""
        if self._best_weights is not None:
            model.set_weights(self._best_weights)
        if self.validation is not None and self.best_score is None:
            self.best_score = -math.inf


def _outputs(model, held_out):
    """The model's outputs on held-out rows, a chunk at a time."""
    import keras

    def predict(rows):
        return keras.ops.convert_to_numpy(model(rows, training=False))

    if held_out.rows is None:
        return np.asarray(map_in_chunks(predict, held_out.X))
    return np.asarray(
        map_in_chunks(lambda chunk: predict(dense_rows(held_out.X, chunk)), held_out.rows, densify=False)
    )


def _validation_logs(held_out, outputs, loss_fn, metrics):
    """``val_loss`` and ``val_<metric>`` on held-out rows, as Keras' ``model.fit`` logs them."""
    if outputs is None:
        return {"val_loss": math.nan, **{f"val_{m.name}": math.nan for m in metrics}}
    v = held_out
    logs = {"val_loss": float(loss_fn(v.targets, outputs, sample_weight=v.sample_weight))}
    for metric in metrics:
        fresh = fresh_metric(metric)
        fresh.update_state(v.targets, outputs, sample_weight=v.sample_weight)
        logs[f"val_{metric.name}"] = float(fresh.result())
    return logs


def _stopping_callback(plan, set_learning_rate, loss_fn, metrics):
    import keras

    class MLPStopping(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            plan.start()

        def on_epoch_end(self, epoch, logs=None):
            rate = plan.rate
            loss = float((logs or {}).get("loss", math.nan))
            if plan.after_epoch(loss, self.model, logs, loss_fn, metrics):
                self.model.stop_training = True
            if plan.rate != rate:
                set_learning_rate(plan.rate)

        def on_train_end(self, logs=None):
            plan.finish(self.model)

    return MLPStopping()
