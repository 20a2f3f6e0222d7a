"""
Loss curves per optimizer on the tutorial's task
================================================

The tutorial's second seed tours Keras' optimizers on one task: five uniform
inputs, class ``sum > 2.5``, ``Dense(20, relu) -> Dense(2, softmax)``. Each
optimizer is one parameter of :class:`~sknnlite.TinyNetClassifier`; this
example trains the same network with each at the learning rate 0.001 (Keras' default
for most of them) and plots the training loss per epoch (``loss_curve_``).
"""

# %%
import warnings

import matplotlib.pyplot as plt
from sklearn.exceptions import ConvergenceWarning

from sknnlite import TinyNetClassifier
from sknnlite.datasets import make_sum_threshold

X, y = make_sum_threshold(250, random_state=0)
OPTIMIZERS = ["sgd", "rmsprop", "adagrad", "adadelta", "adam", "adamax", "nadam"]

curves = {}
for name in OPTIMIZERS:
    clf = TinyNetClassifier(
        hidden_layer_sizes=(20,),
        loss="categorical_crossentropy",
        optimizer=name,
        learning_rate=0.001,
        epochs=100,
        random_state=0,
    )
    # The same 100 epochs for every optimizer: which ones converge in them is what this
    # example compares, so it prints what diagnostics_ found instead of one
    # ConvergenceWarning per slow optimizer.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    curves[name] = clf.loss_curve_
    # The first clause of what the fit would have warned about, or that the stopping
    # rule ended it.
    messages = clf.diagnostics_["messages"]
    outcome = (
        messages[0].split(":")[0]
        if messages
        else f"converged after {clf.n_iter_} epochs"
    )
    print(f"{name:>8}: final loss {curves[name][-1]:.3f},", end=" ")
    print(f"training accuracy {clf.score(X, y):.3f}")
    print(f"          {outcome}")

# %%
# At one learning rate the adaptive methods (RMSprop, Adam and its relatives) move
# fastest; plain SGD and Adagrad barely move in 100 epochs, and Adadelta's loss moves so
# little that the stopping rule ends it after a dozen epochs, which is what the
# tutorial's ranking showed. Adadelta's short, flat curve lies on SGD's and Adagrad's,
# so it is drawn on top with markers and labelled where it stops.
fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
styles = ["-", "--", "-.", ":"]
for i, (name, curve) in enumerate(curves.items()):
    epochs = range(1, len(curve) + 1)
    if name == "adadelta":
        ax.plot(
            epochs,
            curve,
            "o-",
            color="black",
            markersize=4,
            linewidth=2,
            zorder=5,
            label=name,
        )
        ax.annotate(
            f"adadelta stops at epoch {len(curve)}",
            (len(curve), curve[-1]),
            xytext=(6, 0.36),
            arrowprops={"arrowstyle": "->"},
        )
    else:
        ax.plot(epochs, curve, styles[i % len(styles)], label=name)
ax.set(
    title="Training loss per optimizer (learning rate 0.001)",
    xlabel="epoch",
    ylabel="crossentropy",
)
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), title="optimizer")
plt.show()
