"""
Decision boundaries per hidden activation
=========================================

The tutorial's tour of activations, seen in two dimensions: XOR-like data
(:func:`~sknnlite.datasets.make_xor`) needs a hidden layer, and the shape of
the boundary a ``Dense(16) -> Dense(1, sigmoid)`` network draws depends on
its hidden activation. ``linear`` cannot solve XOR at all, and
``hard_sigmoid``, whose gradient is zero outside [-3, 3] and small inside,
has not left the linear solution after these 150 epochs.
"""

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sknnlite import TinyNetClassifier
from sknnlite.datasets import make_xor

X, y = make_xor(300, noise=0.2, random_state=0)
ACTIVATIONS = ["relu", "tanh", "sigmoid", "softplus", "hard_sigmoid", "linear"]
grid_x, grid_y = np.meshgrid(np.linspace(-1.6, 1.6, 120), np.linspace(-1.6, 1.6, 120))
grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])

fig, axes = plt.subplots(
    2, 3, figsize=(11, 6.5), sharex=True, sharey=True, layout="constrained"
)
for ax, activation in zip(axes.ravel(), ACTIVATIONS, strict=False):
    clf = TinyNetClassifier(
        hidden_layer_sizes=(16,),
        activation=activation,
        learning_rate=0.01,
        epochs=150,
        random_state=0,
    )
    # One budget of 150 epochs for every activation; the slow ones not converging in it
    # is the point (the printed line says which), not a ConvergenceWarning per panel.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    proba = clf.predict_proba(grid)[:, 1].reshape(grid_x.shape)
    filled = ax.contourf(
        grid_x, grid_y, proba, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.7
    )
    for label, marker in zip(clf.classes_, ["o", "s"], strict=False):
        rows = y == label
        ax.scatter(
            X[rows, 0],
            X[rows, 1],
            s=10,
            marker=marker,
            edgecolor="k",
            linewidth=0.3,
            label=f"class {label}",
        )
    ax.set(
        title=f"{activation}: accuracy {clf.score(X, y):.2f}", xlabel="x0", ylabel="x1"
    )
    converged = (
        "converged"
        if clf.diagnostics_["converged"]
        else "still training after 150 epochs"
    )
    print(f"{activation:>12}: training accuracy {clf.score(X, y):.3f}, {converged}")
fig.colorbar(filled, ax=axes, label="P(class 1)", shrink=0.8)
fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside lower center", ncol=2)
fig.suptitle("XOR: TinyNetClassifier's P(class 1) per hidden activation")
plt.show()
