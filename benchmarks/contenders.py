"""The models each workload is timed on: sknnlite and its baselines.

Every factory returns a fresh, unfitted estimator-like object with
``fit(X, y)`` and ``predict(X)`` (plain Keras is wrapped minimally so it can
be timed the same way). Architectures, batch sizes and epochs match.
"""

import numpy as np


def sknnlite(
    task, hidden, *, epochs, batch_size, optimizer, learning_rate, activation="relu", random_state=0
):
    from sknnlite import TinyNetClassifier, TinyNetRegressor

    cls = TinyNetClassifier if task == "classification" else TinyNetRegressor
    return cls(
        hidden_layer_sizes=hidden,
        activation=activation,
        optimizer=optimizer,
        learning_rate=learning_rate,
        epochs=epochs,
        batch_size=batch_size,
        tol=0.0,  # every epoch runs, as for MLP below: equal work
        random_state=random_state,
    )


def mlp(task, hidden, *, epochs, batch_size, optimizer, learning_rate, activation="relu", random_state=0):
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    cls = MLPClassifier if task == "classification" else MLPRegressor
    # scikit-learn's MLP has sgd and adam only; every epoch runs (no early stop).
    return cls(
        hidden_layer_sizes=hidden,
        activation=activation if activation != "linear" else "identity",
        solver="adam" if optimizer != "sgd" else "sgd",
        learning_rate_init=learning_rate,
        alpha=0.0,
        max_iter=epochs,
        batch_size=batch_size,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        random_state=random_state,
    )


def _keras_model(task, n_features, n_outputs, hidden, activation, optimizer, learning_rate):
    import keras

    layers = [keras.Input((n_features,))]
    layers += [keras.layers.Dense(units, activation=activation) for units in hidden]
    if task == "classification":
        layers.append(keras.layers.Dense(n_outputs, activation="softmax"))
        loss = "sparse_categorical_crossentropy"
    else:
        layers.append(keras.layers.Dense(n_outputs))
        loss = "mse"
    model = keras.Sequential(layers)
    model.compile(
        optimizer=keras.optimizers.get({"class_name": optimizer, "config": {"learning_rate": learning_rate}}),
        loss=loss,
    )
    return model


class PlainKeras:
    """A Keras model built and trained with ``model.fit`` as its docs show.

    ``fit_options`` adds settings beyond the defaults (the tuned variant);
    ``random_state`` seeds Keras globally, as a plain Keras script would.
    """

    def __init__(
        self,
        task,
        hidden,
        *,
        epochs,
        batch_size,
        optimizer,
        learning_rate,
        activation="relu",
        random_state=0,
        **fit_options,
    ):
        self.task, self.hidden, self.epochs, self.batch_size = task, hidden, epochs, batch_size
        self.optimizer, self.learning_rate, self.activation = optimizer, learning_rate, activation
        self.random_state, self.fit_options = random_state, fit_options

    def fit(self, X, y):
        import keras

        keras.utils.set_random_seed(self.random_state)
        compile_options = {
            k: v for k, v in self.fit_options.items() if k in ("steps_per_execution", "jit_compile")
        }
        n_outputs = int(y.max()) + 1 if self.task == "classification" else 1
        self.model = _keras_model(
            self.task, X.shape[1], n_outputs, self.hidden, self.activation, self.optimizer, self.learning_rate
        )
        if compile_options:
            self.model.compile(optimizer=self.model.optimizer, loss=self.model.loss, **compile_options)
        self.model.fit(X.astype("float32"), y, epochs=self.epochs, batch_size=self.batch_size, verbose=0)
        return self

    def predict(self, X, batch_size=None):
        out = self.model.predict(X.astype("float32"), verbose=0, batch_size=batch_size)
        return out.argmax(axis=1) if self.task == "classification" else out.ravel()


def plain_keras(task, hidden, **options):
    return PlainKeras(task, hidden, **options)


def plain_keras_tuned(task, hidden, **options):
    """The fastest plain ``model.fit`` setting measured in PERF-NOTES: many steps per call."""
    return PlainKeras(task, hidden, steps_per_execution=64, **options)


def scikeras(
    task, hidden, *, epochs, batch_size, optimizer, learning_rate, activation="relu", random_state=0
):
    from scikeras.wrappers import KerasClassifier, KerasRegressor

    def build(meta):
        n_outputs = meta["n_classes_"] if task == "classification" else 1
        return _keras_model(
            task, meta["n_features_in_"], n_outputs, hidden, activation, optimizer, learning_rate
        )

    cls = KerasClassifier if task == "classification" else KerasRegressor
    return cls(model=build, epochs=epochs, batch_size=batch_size, verbose=0, random_state=random_state)


def keras_wrapper(
    task, hidden, *, epochs, batch_size, optimizer, learning_rate, activation="relu", random_state=0
):
    import keras
    from keras.wrappers import SKLearnClassifier, SKLearnRegressor

    def build(X, y):
        keras.utils.set_random_seed(random_state)  # the wrapper has no seed of its own
        n_outputs = y.shape[1] if task == "classification" else 1
        # Keras' classifier one-hot encodes y; the model must match.
        model = _keras_model(task, X.shape[1], n_outputs, hidden, activation, optimizer, learning_rate)
        if task == "classification":
            model.compile(optimizer=model.optimizer, loss="categorical_crossentropy")
        return model

    cls = SKLearnClassifier if task == "classification" else SKLearnRegressor
    return cls(model=build, fit_kwargs={"epochs": epochs, "batch_size": batch_size, "verbose": 0})


# Keras' optimizer defaults as PyTorch arguments, so skorch steps as Keras does (RMSprop's rho is
# PyTorch's alpha; Keras' epsilon is 1e-7 everywhere).
_TORCH_OPTIMIZERS = {
    "sgd": ("SGD", {}),
    "rmsprop": ("RMSprop", {"alpha": 0.9, "eps": 1e-7}),
    "adam": ("Adam", {"eps": 1e-7}),
}


class TorchMLP:
    """The same network as a PyTorch module for skorch (a class, so skorch can route its arguments)."""

    def __new__(cls, n_features, n_outputs, hidden, activation, classification):
        import torch

        activations = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}
        layers, width = [], n_features
        for units in hidden:
            layers += [torch.nn.Linear(width, units), activations[activation]()]
            width = units
        layers.append(torch.nn.Linear(width, n_outputs))
        if classification:
            layers.append(torch.nn.Softmax(dim=-1))  # skorch's classifier takes probabilities
        return torch.nn.Sequential(*layers)


def skorch_net(
    task,
    hidden,
    *,
    epochs,
    batch_size,
    optimizer,
    learning_rate,
    activation="relu",
    random_state=0,
    n_features=None,
    n_outputs=None,
):
    """skorch's ``NeuralNetClassifier`` / ``NeuralNetRegressor`` with the same network and training.

    skorch holds out 20% of the rows for validation by default and does not shuffle: both are set to
    what the other contenders do (train on every row, shuffled each epoch). ``n_features`` and
    ``n_outputs`` are the module's sizes, known from the data (``SkorchNet`` fills them in at fit).
    """
    import torch
    from skorch import NeuralNetClassifier, NeuralNetRegressor

    torch.manual_seed(random_state)  # skorch has no seed of its own
    name, options = _TORCH_OPTIMIZERS[optimizer]
    cls = NeuralNetClassifier if task == "classification" else NeuralNetRegressor
    return cls(
        TorchMLP,
        module__n_features=n_features,
        module__n_outputs=n_outputs,
        module__hidden=hidden,
        module__activation=activation,
        module__classification=task == "classification",
        criterion=torch.nn.NLLLoss if task == "classification" else torch.nn.MSELoss,
        optimizer=getattr(torch.optim, name),
        **{f"optimizer__{key}": value for key, value in options.items()},
        lr=learning_rate,
        max_epochs=epochs,
        batch_size=batch_size,
        train_split=None,
        iterator_train__shuffle=True,
        verbose=0,
    )


class SkorchNet:
    """``skorch_net`` sized from the data at fit, with float32 inputs as PyTorch needs."""

    def __init__(self, task, hidden, **options):
        self.task, self.hidden, self.options = task, hidden, options

    def fit(self, X, y):
        classification = self.task == "classification"
        n_outputs = int(y.max()) + 1 if classification else 1
        self.net = skorch_net(
            self.task, self.hidden, n_features=X.shape[1], n_outputs=n_outputs, **self.options
        )
        target = y.astype("int64") if classification else y.astype("float32").reshape(-1, 1)
        self.net.fit(X.astype("float32"), target)
        return self

    def predict(self, X, batch_size=None):
        if batch_size is not None:
            self.net.set_params(batch_size=batch_size)
        out = self.net.predict(X.astype("float32"))
        return out if self.task == "classification" else out.ravel()


def skorch(task, hidden, **options):
    return SkorchNet(task, hidden, **options)


class NumpyAdam:
    """Minibatch Adam for a linear model in NumPy: the floor for W1's loop."""

    def __init__(self, *, epochs, batch_size, learning_rate, random_state=0, **_):
        self.epochs, self.batch_size, self.learning_rate = epochs, batch_size, learning_rate
        self.random_state = random_state

    def fit(self, X, y):
        rng = np.random.RandomState(self.random_state)
        w = np.zeros(X.shape[1] + 1)
        m, v = np.zeros_like(w), np.zeros_like(w)
        Xb = np.column_stack([X, np.ones(len(X))])
        t = 0
        for _ in range(self.epochs):
            order = rng.permutation(len(X))
            for start in range(0, len(X), self.batch_size):
                rows = order[start : start + self.batch_size]
                grad = 2 * Xb[rows].T @ (Xb[rows] @ w - y[rows]) / len(rows)
                t += 1
                m = 0.9 * m + 0.1 * grad
                v = 0.999 * v + 0.001 * grad**2
                w -= self.learning_rate * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-7)
        self.w = w
        return self

    def predict(self, X):
        return np.column_stack([X, np.ones(len(X))]) @ self.w


class LeastSquares:
    """The closed-form solution: W1's floor."""

    def __init__(self, random_state=0):
        del random_state  # deterministic

    def fit(self, X, y):
        self.w = np.linalg.lstsq(np.column_stack([X, np.ones(len(X))]), y, rcond=None)[0]
        return self

    def predict(self, X):
        return np.column_stack([X, np.ones(len(X))]) @ self.w


CONTENDERS = {
    "sknnlite": sknnlite,
    "MLP (scikit-learn)": mlp,
    "Keras model.fit": plain_keras,
    "Keras model.fit (steps_per_execution=64)": plain_keras_tuned,
    "SciKeras": scikeras,
    "keras.wrappers": keras_wrapper,
    "skorch": skorch,
}
