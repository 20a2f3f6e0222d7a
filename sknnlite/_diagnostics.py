"""Why a fit did not converge, in words a user can act on.

The first seed's user could not tell why training failed: the learning rate
had decayed to almost nothing. After every fit the estimator measures the
loss curve and the final learning rate, and warns with the cause.
"""

import math

import numpy as np

# The final learning rate below this fraction of the initial one means
# training had all but stopped.
DECAYED_FRACTION = 0.01
# "Not learning": the loss moved by less than this fraction of its start (a
# network whose hidden units are all dead still fits its output bias, so the
# loss is flat but not constant).
FLAT_FRACTION = 1e-3


def final_learning_rate(learning_rate, learning_rate_decay, n_steps):
    """The rate the inverse-time decay has reached after ``n_steps`` optimizer steps."""
    return learning_rate / (1.0 + learning_rate_decay * n_steps)


def diagnose(
    loss_curve,
    *,
    learning_rate,
    final_rate,
    learning_rate_decay,
    n_steps,
    schedule=None,
    epochs,
    stopped,
    failure=None,
    early_stopping=False,
    tol=1e-4,
    n_iter_no_change=10,
):
    """Measure a finished fit and explain what kept it from converging.

    Parameters
    ----------
    loss_curve : list of float
        Training loss per epoch (finite but, with early stopping, perhaps the last).
    learning_rate, learning_rate_decay : float
        The estimator's parameters (the initial rate).
    final_rate : float
        The learning rate reached at the last step (schedule and decay applied).
    n_steps : int
        Optimizer steps taken, over all calls (the decay counts them all).
    schedule : str or None
        The class name of a Keras learning-rate schedule setting the rate, if one does
        (``learning_rate`` is then its initial rate).
    epochs : int
        Epochs asked for.
    stopped : bool
        Whether MLP's stopping rule (or the user) ended training before ``epochs``.
    failure : str or None
        Why an optimizer with its own convergence test (lbfgs) did not converge.
    early_stopping : bool
        Whether the rule watched a validation score instead of the training loss.
    tol, n_iter_no_change : float
        The rule's parameters, for the message.

    Returns
    -------
    measured : dict
        ``final_learning_rate``, ``learning_rate_fraction`` (final / initial),
        ``loss_range`` (max - min of the loss curve) and ``converged``
        (whether the stopping rule ended training).
    messages : list of str
        One sentence per cause found; empty when training converged.
    """
    curve = np.asarray(loss_curve, dtype=float)
    curve = curve[np.isfinite(curve)]
    fraction = final_rate / learning_rate if learning_rate > 0 else 0.0
    measured = {
        "final_learning_rate": final_rate,
        "learning_rate_fraction": fraction,
        "loss_range": float(curve.max() - curve.min()) if curve.size else math.nan,
        "converged": bool(stopped),
    }
    messages = []
    if learning_rate == 0:
        messages.append(
            "learning_rate=0: the optimizer never changes the weights. Use a positive learning_rate."
        )
    elif learning_rate_decay > 0 and fraction < DECAYED_FRACTION:
        messages.append(
            f"The effective learning rate decayed to {final_rate:.3g}, {fraction:.2%} of learning_rate="
            f"{learning_rate:g}, after {n_steps} optimizer steps: "
            f"learning_rate_decay={learning_rate_decay:g} divides the rate by (1 + decay * step), so "
            "training all but stopped and the weights may be far from a solution. "
            "Use learning_rate_decay=0 (a fixed rate) or a much smaller decay."
        )
    elif schedule is not None and fraction < DECAYED_FRACTION:
        messages.append(
            f"The effective learning rate decayed to {final_rate:.3g}, {fraction:.2%} of its initial "
            f"{learning_rate:g}, after {n_steps} optimizer steps: the {schedule} schedule brought training "
            "to an all but standstill, and the weights may be far from a solution. Use a fixed rate or a "
            "schedule that decays more slowly (a larger decay_steps, a decay_rate nearer 1)."
        )
    # A loss that starts at 0 (a single class under a softmax) has nothing to learn: not "flat".
    flat = curve.size >= 2 and curve[0] != 0 and measured["loss_range"] <= FLAT_FRACTION * abs(curve[0])
    if learning_rate > 0 and flat:
        messages.append(
            f"The training loss hardly changed over {len(curve)} epochs (it stayed near {curve[0]:.6g}): "
            "the network is not learning. Typical causes: every ReLU unit is dead (try activation='tanh' "
            "or 'leaky_relu', and scale the inputs) or the output activation saturates or clips for these "
            "targets (check output_activation and loss)."
        )
    elif failure is not None:
        messages.append(failure)
    elif not stopped and len(loss_curve) >= epochs and not messages:
        ran_out = f"Maximum epochs ({epochs}) reached and the optimization hasn't converged yet: "
        if tol == 0 and not early_stopping:  # the training-loss rule is off
            messages.append(
                ran_out + "tol=0 turns the training-loss stopping rule off, so every epoch ran and nothing "
                "checked whether the loss had settled. Raise epochs, or set tol > 0 to stop once the loss "
                "stops improving."
            )
        else:
            watched = "validation score" if early_stopping else "training loss"
            messages.append(
                ran_out + f"the {watched} was still improving, never failing to improve by tol={tol:g} for "
                f"more than n_iter_no_change={n_iter_no_change:g} epochs in a row (scikit-learn's MLP "
                "stopping rule). Raise epochs or the learning rate."
            )
    return measured, messages


def divergence_message(loss, epoch, learning_rate, kept=False):
    """The error (or, with early stopping, the warning) for a loss that became NaN or infinite."""
    outcome = (
        "training stopped there and the weights of the best validation epoch are kept"
        if kept
        else "so training stopped there"
    )
    return (
        f"Training diverged: the loss became {loss} at epoch {epoch}, {outcome}. The "
        f"learning rate ({learning_rate:g}) is probably too high for this optimizer, or the inputs are not "
        "scaled (try sklearn.preprocessing.StandardScaler in a Pipeline)."
    )
