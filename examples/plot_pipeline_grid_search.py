"""
A Pipeline and GridSearchCV on a real dataset
=============================================

``TinyNetClassifier`` behind a ``StandardScaler`` on scikit-learn's breast
cancer data, tuned over activation and learning rate with a 3-fold grid
search, next to scikit-learn's own ``MLPClassifier`` with the same
architecture.
"""

# %%
import time
import warnings

import keras
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknnlite import TinyNetClassifier

# Keras (and TensorFlow) would load on the first fit, about 3 s once per
# process; loading them up front makes the timings below compare training.
print("Keras", keras.__version__, "on", keras.backend.backend())

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

activations = ["relu", "tanh", "sigmoid"]
learning_rates = [1e-3, 1e-2, 1e-1]
searches = {}
for name, net, prefix in [  # MLP's activation names differ: sigmoid is "logistic"
    (
        "sknnlite",
        TinyNetClassifier(hidden_layer_sizes=(20,), epochs=50, random_state=0),
        "tinynetclassifier",
    ),
    (
        "MLPClassifier",
        MLPClassifier(hidden_layer_sizes=(20,), max_iter=50, random_state=0),
        "mlpclassifier",
    ),
]:
    key = "learning_rate" if name == "sknnlite" else "learning_rate_init"
    names = (
        activations
        if name == "sknnlite"
        else [a.replace("sigmoid", "logistic") for a in activations]
    )
    grid = {f"{prefix}__activation": names, f"{prefix}__{key}": learning_rates}
    start = time.perf_counter()
    # Both get the same 50-epoch budget, too few for the small learning rates to
    # converge: the search is there to find that out, so neither prints a
    # ConvergenceWarning per candidate and fold.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(make_pipeline(StandardScaler(), net), grid, cv=3).fit(
            X_train, y_train
        )
    elapsed = time.perf_counter() - start
    searches[name] = search
    accuracy = search.score(X_test, y_test)
    print(f"{name}: test accuracy {accuracy:.3f}, {elapsed:.1f} s; best parameters")
    for key, value in search.best_params_.items():
        print(f"    {key.split('__')[-1]}: {value}")

# %%
fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
labels = [f"{a}, lr={lr:g}" for a in activations for lr in learning_rates]
positions = np.arange(len(labels))
for offset, (name, search) in zip((-0.2, 0.2), searches.items(), strict=True):
    ax.bar(
        positions + offset, search.cv_results_["mean_test_score"], width=0.4, label=name
    )
ax.set(
    title="Breast cancer: mean CV accuracy per candidate",
    xlabel="candidate",
    ylabel="accuracy",
)
ax.set_xticks(positions, labels)
ax.tick_params(axis="x", labelrotation=45)
plt.setp(ax.get_xticklabels(), ha="right", rotation_mode="anchor")
ax.set_ylim(0.8, 1.0)
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
plt.show()

# %%
# The same search as a heatmap: sknnlite's mean CV accuracy for each
# activation and learning rate (GridSearchCV varies the last parameter fastest).
scores = (
    searches["sknnlite"]
    .cv_results_["mean_test_score"]
    .reshape(len(activations), len(learning_rates))
)
fig, ax = plt.subplots(figsize=(5.5, 4), layout="constrained")
image = ax.imshow(scores, cmap="viridis", vmin=0.8, vmax=1.0)
for row, col in np.ndindex(scores.shape):
    ax.text(
        col,
        row,
        f"{scores[row, col]:.3f}",
        ha="center",
        va="center",
        color="white" if scores[row, col] < 0.9 else "black",
    )
ax.set_xticks(range(len(learning_rates)), [f"{lr:g}" for lr in learning_rates])
ax.set_yticks(range(len(activations)), activations)
ax.set(title="sknnlite: mean CV accuracy", xlabel="learning rate", ylabel="activation")
plt.show()
