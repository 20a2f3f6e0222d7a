"""The fit procedure's steps and bookkeeping, apart from the estimator's scikit-learn surface.

``BaseTinyNet._fit`` runs these as named steps: a new network (or the
fitted one, continued), the held-out rows, MLP's stopping plan, the checks
on how training ended (errors and ``ConvergenceWarning``), and the fitted
attributes that tell the training story (``loss_curve_``, ``n_iter_``,
``validation_scores_``, ...). ``restore_on_error`` leaves an estimator as
it was when any step raises.
"""

import functools
import math
import sys
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from . import _custom_model, _encoders, _optimizers, _parameters
from ._diagnostics import diagnose, divergence_message, final_learning_rate
from ._network import backend_float_dtype, initial_batch_norm, initial_weights, keras_weights
from ._stopping import StoppingPlan, Validation
from ._training.records import TrainingState
from ._validation_split import validation_rows


def restore_on_error(fit):
    """Leave the estimator exactly as it was if ``fit`` raises.

    ``validate_data`` records ``n_features_in_`` before training starts, so a
    failure later in ``fit`` would otherwise leave a previously fitted
    estimator half-updated.
    """

    @functools.wraps(fit)
    def wrapper(self, *args, **kwargs):
        saved = dict(self.__dict__)
        try:
            return fit(self, *args, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    return wrapper


def _caller_level():
    """The ``stacklevel`` that points a warning at the line that called into sknnlite."""
    frame, level = sys._getframe(1), 1
    while frame is not None and _is_library_frame(frame):
        frame, level = frame.f_back, level + 1
    return level


def _is_library_frame(frame):
    module = frame.f_globals.get("__name__", "")
    return module.split(".")[0] == "sknnlite" or module == "sklearn.base"


def new_network(estimator, X, y, hidden, rng, copy_model=True):
    """Architecture (None for a custom model), objective and initial state for a fresh fit.

    Records ``out_activation_`` and which kind of network the estimator now holds. ``copy_model``
    False (``initialize``) uses a ``keras.Model`` given as ``model=`` itself, not a copy.
    """
    dtype = backend_float_dtype(X.dtype.name)
    if estimator._build_fn() is None:
        n_outputs, loss, output_activation, sparse = estimator._target_layout()
        architecture = _parameters.architecture(
            estimator, X.shape[1], hidden, n_outputs, output_activation, dtype
        )
        output_activation = architecture.output_activation
        coefs, intercepts = initial_weights(rng, (X.shape[1], *hidden, n_outputs))
        batch_norm = initial_batch_norm(hidden) if estimator.batch_normalization else None
        weights = keras_weights(coefs, intercepts, batch_norm, dtype)
        dropped = ("_custom_model", "_adapted_model", "_output_layout", "_unencoded_X")  # a build function's
        for name in (*dropped, *_custom_model.BUILD_FN_ATTRIBUTES):
            estimator.__dict__.pop(name, None)
    else:
        architecture = None
        model = _custom_model.build(estimator, X, y, rng, copy_instance=copy_model)
        _custom_model.use_given_settings(
            estimator, model, several_outputs=_encoders.targets_encoded(estimator)
        )
        adapted, summed_loss = _encoders.prepare(estimator, model)
        dtype = _custom_model.variable_dtype(model)
        if summed_loss is None:
            n_outputs, loss, output_activation, sparse = estimator._target_layout(model)
        else:
            loss, sparse = summed_loss, False
        output_activation = None
        weights = model.get_weights()
        estimator.__dict__["_custom_model"] = model
        estimator.__dict__.pop("_adapted_model", None)
        if adapted is not None:
            estimator.__dict__["_adapted_model"] = adapted
        estimator._custom_compiled = getattr(model, "optimizer", None) is not None
    objective = _parameters.objective(estimator, loss, sparse, dtype)
    estimator.out_activation_ = output_activation
    return architecture, objective, TrainingState(weights)


def held_out(estimator, X, targets, sample_weight, y_score, rng):
    """Split off what this fit does not train on: MLP's early-stopping set or Keras' ``validation_split``.

    Returns ``X, rows, targets, sample_weight, validation, logged``: the
    training rows of X (``rows``: indices into X, which early stopping does
    not copy; else None), their targets and weights, the early-stopping set
    (or None) and the set ``validation_split`` logs ``val_loss`` on (or None).
    """
    if estimator.early_stopping and estimator.optimizer != "lbfgs":  # MLP's lbfgs trains on all the data
        rows, targets, sample_weight, validation = _hold_out(
            estimator, X, targets, sample_weight, y_score, rng
        )
        return X, rows, targets, sample_weight, validation, None
    validation_split = _parameters.fit_setting(estimator, "validation_split")
    if validation_split > 0:
        X, targets, sample_weight, logged = _split_last(X, targets, sample_weight, validation_split)
        return X, None, targets, sample_weight, None, logged
    return X, None, targets, sample_weight, None, None


def _hold_out(estimator, X, targets, sample_weight, y_score, rng):
    """Split off MLP's early-stopping validation set.

    Returns the training rows of X (indices: X itself is not copied), their
    targets and weights, and the validation set (rows of X too) with its scorer.
    """
    rows, val_rows = validation_rows(
        X.shape[0], estimator.validation_fraction, rng, stratify=estimator._stratify_labels(y_score)
    )
    targets, targets_val = targets[rows], targets[val_rows]
    sample_weight, w_val, y_val = sample_weight[rows], sample_weight[val_rows], y_score[val_rows]
    if val_rows.shape[0] < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' or the size of "
            f"your dataset: early_stopping holds out {val_rows.shape[0]} of {y_score.shape[0]} "
            "samples and scores need at least 2."
        )

    def score(outputs):
        return estimator._validation_score(outputs, y_val, w_val)

    return rows, targets, sample_weight, Validation(X, score, targets_val, w_val, rows=val_rows)


def _split_last(X, targets, sample_weight, fraction):
    """Keras' ``validation_split``: the last ``fraction`` of the rows, before any shuffling."""
    n_samples = X.shape[0]
    split_at = math.floor(n_samples * (1.0 - fraction))
    if split_at in (0, n_samples):
        raise ValueError(
            f"validation_split={fraction} of {n_samples} samples leaves "
            f"{'no training' if split_at == 0 else 'no validation'} sample; give more data or change "
            "validation_split (it holds out the last rows, as in Keras)."
        )
    held_out = Validation(X[split_at:], None, targets[split_at:], sample_weight[split_at:])
    return X[:split_at], targets[:split_at], sample_weight[:split_at], held_out


def stopping_plan(estimator, n_samples, validation, continuing, incremental):
    """MLP's stopping rule and learning-rate schedule for this call (see ``_stopping.py``)."""
    rate = learning_rate = _parameters.initial_learning_rate(estimator)
    if continuing and incremental and estimator.learning_rate_schedule != "constant":
        rate = estimator._scheduled_learning_rate  # partial_fit goes on where the schedule was
    return StoppingPlan(
        tol=estimator.tol,
        n_iter_no_change=estimator.n_iter_no_change,
        schedule=estimator.learning_rate_schedule,
        learning_rate=learning_rate,
        power_t=estimator.power_t,
        samples_seen=estimator.t_ if continuing else 0,  # invscaling counts them over warm starts, as MLP
        samples_per_epoch=n_samples,
        validation=validation,
        rate=rate,
    )


def check_run(estimator, run, plan, epochs, incremental, continuing, objective):
    """Raise or warn about how training ended: interrupted, diverged, not converged.

    ``objective``: what trained, whose Keras schedule (if any) the final rate is read from.
    """
    loss_curve = run.loss_curve
    if run.interrupted:
        if not loss_curve:  # not one epoch finished: nothing to keep
            raise KeyboardInterrupt
        # As scikit-learn's MLP: keep what was reached, warn, and return normally.
        warnings.warn(
            f"{type(estimator).__name__}: training interrupted by user after {len(loss_curve)} of "
            f"{epochs} epochs; the estimator keeps the weights it had reached.",
            UserWarning,
            stacklevel=_caller_level(),
        )
    diverged = not np.isfinite(loss_curve[-1])
    if diverged and not (plan.best_score is not None and np.isfinite(plan.best_score)):
        raise ValueError(divergence_message(loss_curve[-1], len(loss_curve), plan.learning_rate))
    # The optimizer's step count runs on over warm starts and partial_fit calls, and so does the decay.
    schedule = _optimizers.schedule_from_key(objective.learning_rate_schedule)
    if schedule is None:
        estimator.final_learning_rate_ = final_learning_rate(
            plan.rate, estimator.learning_rate_decay, run.n_steps
        )
    else:
        estimator.final_learning_rate_ = _optimizers.rate_at(schedule, run.n_steps)
    estimator._scheduled_learning_rate = plan.rate
    if incremental:
        if not continuing:
            estimator.diagnostics_ = {"messages": []}
        return
    measured, messages = diagnose(
        loss_curve,
        learning_rate=plan.learning_rate,
        final_rate=estimator.final_learning_rate_,
        learning_rate_decay=estimator.learning_rate_decay,
        schedule=None if schedule is None else schedule.get("class_name"),
        n_steps=run.n_steps,
        epochs=epochs,
        stopped=plan.stopped or run.interrupted,
        failure=plan.failure,
        early_stopping=plan.validation is not None,
        tol=estimator.tol,
        n_iter_no_change=estimator.n_iter_no_change,
    )
    if diverged:  # with early stopping: the best epoch's weights were kept
        messages.insert(0, divergence_message(loss_curve[-1], len(loss_curve), plan.learning_rate, kept=True))
    for message in messages:
        warnings.warn(
            f"{type(estimator).__name__}: {message}", ConvergenceWarning, stacklevel=_caller_level()
        )
    estimator.diagnostics_ = {**measured, "messages": messages}


def record_run(estimator, run, plan, n_samples, continuing, incremental):
    """The fitted attributes that tell the training story, as scikit-learn's MLP names them."""
    history = {name: list(values) for name, values in run.history.items()}
    if continuing:
        history = {name: estimator.history_.get(name, []) + values for name, values in history.items()}
    estimator.history_ = history
    estimator.loss_curve_ = history["loss"]
    estimator.n_iter_ = len(run.loss_curve)  # epochs of this call; loss_curve_ and t_ accumulate, as in MLP
    estimator._current_epoch = (
        estimator.current_epoch if incremental and continuing else 0
    ) + estimator.n_iter_
    # t_ counts training samples seen, as in scikit-learn's MLP.
    estimator.t_ = (estimator.t_ if continuing else 0) + n_samples * len(run.loss_curve)
    if plan.validation is not None:
        # Warm starts go on adding to the scores, as in MLP.
        earlier = (estimator.validation_scores_ or []) if continuing else []
        estimator.validation_scores_ = earlier + plan.scores
        estimator.best_validation_score_ = max(
            plan.best_score, estimator.best_validation_score_ if earlier else -np.inf
        )
        estimator.best_loss_ = None
    else:
        estimator.validation_scores_ = None
        estimator.best_validation_score_ = None
        estimator.best_loss_ = float(np.nanmin(estimator.loss_curve_))
    estimator.loss_ = float(estimator.loss_curve_[-1])  # as in scikit-learn's MLP: the last training loss


def record_initialized(estimator):
    """The training record of an initialized, untrained network."""
    estimator.history_ = {"loss": []}
    estimator.loss_curve_ = estimator.history_["loss"]
    estimator.n_iter_ = estimator.t_ = estimator._current_epoch = 0
    estimator.validation_scores_ = estimator.best_validation_score_ = estimator.best_loss_ = (
        estimator.loss_
    ) = None
    estimator.final_learning_rate_ = estimator._scheduled_learning_rate = _parameters.initial_learning_rate(
        estimator
    )
    estimator.diagnostics_ = {"messages": []}
