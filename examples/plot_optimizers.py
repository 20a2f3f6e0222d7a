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
import matplotlib.pyplot as plt

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
    ).fit(X, y)
    curves[name] = clf.loss_curve_
    print(f"{name:>8}: final loss {clf.loss_curve_[-1]:.3f}, training accuracy {clf.score(X, y):.3f}")

# %%
# At one learning rate the adaptive methods (RMSprop, Adam and its relatives)
# move fastest; plain SGD, Adagrad and Adadelta barely move in 100 epochs, which
# is what the tutorial's ranking showed.
fig, ax = plt.subplots(figsize=(7, 4))
for name, curve in curves.items():
    ax.plot(range(1, len(curve) + 1), curve, label=name)
ax.set(title="Training loss per optimizer (learning rate 0.001)", xlabel="epoch", ylabel="crossentropy")
ax.legend(ncol=2)
plt.show()
