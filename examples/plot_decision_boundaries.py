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
import matplotlib.pyplot as plt
import numpy as np

from sknnlite import TinyNetClassifier
from sknnlite.datasets import make_xor

X, y = make_xor(300, noise=0.2, random_state=0)
ACTIVATIONS = ["relu", "tanh", "sigmoid", "softplus", "hard_sigmoid", "linear"]
grid_x, grid_y = np.meshgrid(np.linspace(-1.6, 1.6, 120), np.linspace(-1.6, 1.6, 120))
grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])

fig, axes = plt.subplots(2, 3, figsize=(10, 6.5), sharex=True, sharey=True)
for ax, activation in zip(axes.ravel(), ACTIVATIONS, strict=False):
    clf = TinyNetClassifier(
        hidden_layer_sizes=(16,), activation=activation, learning_rate=0.01, epochs=150, random_state=0
    ).fit(X, y)
    proba = clf.predict_proba(grid)[:, 1].reshape(grid_x.shape)
    ax.contourf(grid_x, grid_y, proba, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.7)
    for label, marker in zip(clf.classes_, ["o", "s"], strict=False):
        rows = y == label
        ax.scatter(
            X[rows, 0], X[rows, 1], s=10, marker=marker, edgecolor="k", linewidth=0.3, label=f"class {label}"
        )
    ax.set(title=f"{activation}: accuracy {clf.score(X, y):.2f}", xlabel="x0", ylabel="x1")
    print(f"{activation:>12}: training accuracy {clf.score(X, y):.3f}")
axes[0, 0].legend(loc="lower left")
fig.suptitle("XOR: TinyNetClassifier's P(class 1) per hidden activation")
fig.tight_layout()
plt.show()
