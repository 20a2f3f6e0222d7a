"""
Training diagnostics: what each ConvergenceWarning means
========================================================

After every fit sknnlite looks at the loss curve and the final learning rate
and, when training did not converge, says why. This example triggers each
cause on purpose and prints the message and what was measured.
"""

# %%
import warnings

import matplotlib.pyplot as plt
from sklearn.exceptions import ConvergenceWarning

from sknnlite import TinyNetClassifier, TinyNetRegressor
from sknnlite.datasets import make_extrapolation, make_noisy_sine, make_sum_threshold

X_line, y_line = make_extrapolation(24_000, random_state=0)
X_sum, y_sum = make_sum_threshold(250, random_state=0)
X_sine, y_sine = make_noisy_sine(300, random_state=0)

cases = {
    "decayed learning rate": (
        TinyNetRegressor(
            hidden_layer_sizes=(), learning_rate_decay=0.1, batch_size=8, epochs=1, random_state=0
        ),
        X_line,
        y_line,
    ),
    "too few epochs": (TinyNetClassifier(hidden_layer_sizes=(20,), epochs=10, random_state=0), X_sum, y_sum),
    # Inputs far below zero: with this seed every ReLU unit starts switched off.
    "dead ReLU units": (
        TinyNetClassifier(hidden_layer_sizes=(3,), epochs=5, random_state=8),
        X_sum - 10,
        y_sum,
    ),
    "converged": (
        TinyNetRegressor(
            hidden_layer_sizes=(32,), activation="tanh", learning_rate=0.01, epochs=600, random_state=0
        ),
        X_sine,
        y_sine,
    ),
}

# %%
curves = {}
for name, (model, X, y) in cases.items():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X, y)
    curves[name] = model.loss_curve_
    print(f"== {name}")
    print("   measured:", {k: v for k, v in model.diagnostics_.items() if k != "messages"})
    for warning in caught:
        print("   ", warning.message)
    if not caught:
        print("    no warning: training converged")

# %%
# A loss that becomes NaN stops training at once with an error naming the
# likely cause; a previously fitted estimator is left as it was.
try:
    TinyNetRegressor(hidden_layer_sizes=(), optimizer="sgd", learning_rate=1e30, epochs=5).fit(
        X_line, y_line * 1e6
    )
except ValueError as error:
    print("== diverging loss\n   ", error)

# %%
fig, ax = plt.subplots(figsize=(7, 4))
for name, curve in curves.items():
    if len(curve) > 1:
        ax.plot(range(1, len(curve) + 1), [c / curve[0] for c in curve], label=name)
ax.set(
    title="Loss curves behind the diagnostics", xlabel="epoch", ylabel="loss / first-epoch loss", yscale="log"
)
ax.legend()
plt.show()
