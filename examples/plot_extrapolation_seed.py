"""
The extrapolation seed: why Adam(decay=0.1) never finds the exact weights
=========================================================================

A single ``Dense(1)`` layer should learn ``y = x3 - x2`` exactly (weights
``[0, 0, -1, 1]``), yet the original question's ``Adam(decay=0.1)`` never
gets there: the legacy decay divides the learning rate by ``1 + 0.1 * step``,
so after a few hundred steps it is effectively zero. sknnlite reproduces the
failure with ``learning_rate_decay=0.1``, explains it with a
``ConvergenceWarning``, and a fixed learning rate of 0.01 fixes it.
"""

# %%
import textwrap
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sknnlite import TinyNetRegressor
from sknnlite.datasets import make_extrapolation

X, y, exact = make_extrapolation(24_000, return_coef=True, random_state=0)
X_test, y_test = make_extrapolation(10_000, random_state=1)
seed = dict(hidden_layer_sizes=(), batch_size=8, epochs=20, random_state=0)

# %%
# The question: Keras' default learning rate with decay 0.1.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", ConvergenceWarning)
    decayed = TinyNetRegressor(
        learning_rate=0.001, learning_rate_decay=0.1, **seed
    ).fit(X, y)
for warning in caught:
    print(textwrap.fill(str(warning.message), 88))
print(f"final learning rate: {decayed.final_learning_rate_:.3g}")

# %%
# The answer: a fixed learning rate of 0.01.
fixed = TinyNetRegressor(learning_rate=0.01, **seed).fit(X, y)
for name, model in [("decay 0.1", decayed), ("fixed 0.01", fixed)]:
    rmse = np.sqrt(np.mean((model.predict(X_test) - y_test) ** 2))
    print(
        f"{name:>10}: weights {np.round(model.coefs_[0].ravel(), 4)},",
        f"held-out RMSE {rmse:.2e}",
    )

# %%
# Learned weights next to the exact solution.
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
positions = np.arange(len(exact))
ax.bar(positions - 0.3, exact, width=0.3, label="exact")
ax.bar(positions, decayed.coefs_[0].ravel(), width=0.3, label="Adam, decay 0.1")
ax.bar(positions + 0.3, fixed.coefs_[0].ravel(), width=0.3, label="Adam, fixed lr 0.01")
ax.set(title="Learned weights vs the exact solution", xlabel="input", ylabel="weight")
ax.set_xticks(positions, [f"x{i}" for i in positions])
ax.axhline(0, color="black", linewidth=0.8)
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
plt.show()
