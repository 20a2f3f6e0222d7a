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
# "Still decreasing": the trend over the last epochs would lower the loss by
# more than this fraction of everything it has dropped so far, within as many
# epochs again.
STILL_DECREASING_FRACTION = 0.01


def final_learning_rate(learning_rate, learning_rate_decay, n_steps):
    """The rate the inverse-time decay has reached after ``n_steps`` optimizer steps."""
    return learning_rate / (1.0 + learning_rate_decay * n_steps)


def diagnose(loss_curve, *, learning_rate, learning_rate_decay, n_steps, epochs):
    """Measure a finished fit and explain what kept it from converging.

    Parameters
    ----------
    loss_curve : list of float
        Finite training loss per epoch.
    learning_rate, learning_rate_decay : float
        The estimator's parameters.
    n_steps : int
        Optimizer steps taken, over all calls (the decay counts them all).
    epochs : int
        Epochs asked for.

    Returns
    -------
    measured : dict
        ``final_learning_rate``, ``learning_rate_fraction`` (final / initial),
        ``recent_loss_trend`` (projected drop over the trend window as a
        fraction of the drop so far; NaN when there were too few epochs) and
        ``loss_range`` (max - min of the loss curve).
    messages : list of str
        One sentence per cause found; empty when training converged.
    """
    curve = np.asarray(loss_curve, dtype=float)
    final_lr = final_learning_rate(learning_rate, learning_rate_decay, n_steps)
    fraction = final_lr / learning_rate if learning_rate > 0 else 0.0
    measured = {
        "final_learning_rate": final_lr,
        "learning_rate_fraction": fraction,
        "recent_loss_trend": _recent_trend(curve),
        "loss_range": float(curve.max() - curve.min()),
    }
    messages = []
    if learning_rate == 0:
        messages.append(
            "learning_rate=0: the optimizer never changes the weights. Use a positive learning_rate."
        )
    elif learning_rate_decay > 0 and fraction < DECAYED_FRACTION:
        messages.append(
            f"The effective learning rate decayed to {final_lr:.3g}, {fraction:.2%} of learning_rate="
            f"{learning_rate:g}, after {n_steps} optimizer steps: "
            f"learning_rate_decay={learning_rate_decay:g} divides the rate by (1 + decay * step), so "
            "training all but stopped and the weights may be far from a solution. "
            "Use learning_rate_decay=0 (a fixed rate) or a much smaller decay."
        )
    flat = measured["loss_range"] <= FLAT_FRACTION * max(abs(curve[0]), 1e-12)
    if learning_rate > 0 and len(curve) >= 2 and flat:
        messages.append(
            f"The training loss hardly changed over {len(curve)} epochs (it stayed near {curve[0]:.6g}): "
            "the network is not learning. Typical causes: every ReLU unit is dead (try activation='tanh' "
            "or 'leaky_relu', and scale the inputs) or the output activation saturates or clips for these "
            "targets (check output_activation and loss)."
        )
    elif measured["recent_loss_trend"] > STILL_DECREASING_FRACTION:
        messages.append(
            f"The training loss was still decreasing at the last epoch (its recent trend would lower it by "
            f"{measured['recent_loss_trend']:.1%} of the drop so far): training stopped before converging. "
            f"Raise epochs (now {epochs}) or the learning rate."
        )
    return measured, messages


def _recent_trend(curve):
    """Projected loss drop over the last epochs, relative to the drop so far."""
    window = max(4, min(20, len(curve) // 5))
    total_drop = curve[0] - curve[-1]
    if len(curve) < 2 * window or total_drop <= 0:
        return math.nan
    recent = curve[-window:]
    slope = np.polyfit(np.arange(window), recent, 1)[0]
    return float(-slope * window / total_drop)


def divergence_message(loss, epoch, learning_rate):
    """The error for a loss that became NaN or infinite."""
    return (
        f"Training diverged: the loss became {loss} at epoch {epoch}, so training stopped there. The "
        f"learning rate ({learning_rate:g}) is probably too high for this optimizer, or the inputs are not "
        "scaled (try sklearn.preprocessing.StandardScaler in a Pipeline)."
    )
