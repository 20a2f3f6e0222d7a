"""
Training diagnostics: what each ConvergenceWarning means
========================================================

After every fit sknnlite looks at the loss curve and the final learning rate
and, when training did not converge, says why. This example triggers each
cause on purpose and prints the message and what was measured.
"""

# %%
import textwrap
import warnings

import matplotlib.pyplot as plt
from sklearn.exceptions import ConvergenceWarning

from sknnlite import TinyNetClassifier, TinyNetRegressor
from sknnlite.datasets import make_extrapolation, make_noisy_sine, make_sum_threshold

X_line, y_line = make_extrapolation(2_400, random_state=0)
X_sum, y_sum = make_sum_threshold(250, random_state=0)
X_sine, y_sine = make_noisy_sine(300, random_state=0)

# The first seed: Adam(decay=0.1) on batches of 8 (300 steps per epoch), and its fix, a
# fixed rate 0.01.
line = dict(hidden_layer_sizes=(), batch_size=8, epochs=25, random_state=0)
cases = {
    "decayed learning rate": (
        TinyNetRegressor(learning_rate_decay=0.1, **line),
        X_line,
        y_line,
    ),
    "fixed learning rate 0.01": (
        TinyNetRegressor(learning_rate=0.01, **line),
        X_line,
        y_line,
    ),
    "too few epochs": (
        TinyNetClassifier(hidden_layer_sizes=(20,), epochs=10, random_state=0),
        X_sum,
        y_sum,
    ),
    # Inputs far below zero: with this seed every ReLU unit starts switched off.
    "dead ReLU units": (
        TinyNetClassifier(hidden_layer_sizes=(3,), epochs=5, random_state=8),
        X_sum - 10,
        y_sum,
    ),
    "converged": (
        TinyNetRegressor(
            hidden_layer_sizes=(32,),
            activation="tanh",
            learning_rate=0.01,
            epochs=600,
            random_state=0,
        ),
        X_sine,
        y_sine,
    ),
}


# %%
# Each message is printed wrapped, and each measurement rounded to 3 significant digits.
def show(message):
    print(textwrap.indent(textwrap.fill(str(message), 84), "    "))


curves = {}
for name, (model, X, y) in cases.items():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X, y)
    curves[name] = model.loss_curve_
    print(f"== {name}")
    measured = {
        key: float(f"{value:.3g}") if isinstance(value, float) else value
        for key, value in model.diagnostics_.items()
        if key != "messages"
    }
    show(f"measured: {measured}")
    for warning in caught:
        show(warning.message)
    if not caught:
        show("no warning: training converged")

# %%
# A loss that becomes NaN stops training at once with an error naming the
# likely cause; a previously fitted estimator is left as it was.
try:
    TinyNetRegressor(
        hidden_layer_sizes=(), optimizer="sgd", learning_rate=1e30, epochs=5
    ).fit(X_line, y_line * 1e6)
except ValueError as error:
    print("== diverging loss")
    show(error)

# %%
# Each cause on its own epoch axis: the decayed rate's loss stalls where the fixed
# rate's keeps falling, the short fit is still falling when it stops, the dead units'
# loss does not move at all, and the converged fit flattens until the stopping rule ends
# it.
panels = [
    (
        "decayed learning rate",
        ["decayed learning rate", "fixed learning rate 0.01"],
        "mse",
        "log",
    ),
    ("too few epochs", ["too few epochs"], "crossentropy", "linear"),
    ("dead ReLU units", ["dead ReLU units"], "crossentropy", "linear"),
    ("converged", ["converged"], "mse", "log"),
]
fig, axes = plt.subplots(2, 2, figsize=(9, 6), layout="constrained")
for ax, (title, names, loss, yscale) in zip(axes.ravel(), panels, strict=True):
    for name in names:
        curve = curves[name]
        ax.plot(
            range(1, len(curve) + 1),
            curve,
            marker="." if len(curve) < 30 else None,
            label=name,
        )
    ax.set(title=title, xlabel="epoch", ylabel=f"training loss ({loss})", yscale=yscale)
    if len(names) > 1:
        ax.legend(loc="center right", fontsize="small")
# On an axis of its own size the dead units' 0.04% would look like learning: show +-10%
# of the start.
start = curves["dead ReLU units"][0]
axes[1, 0].set_ylim(0.9 * start, 1.1 * start)
fig.suptitle("Loss curves behind the diagnostics")
plt.show()
