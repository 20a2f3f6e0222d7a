"""Names of the Keras activations, losses and optimizers that sknnlite accepts.

The lists are static so that parameter validation (and ``import sknnlite``)
does not need to import Keras; ``tests/test_names.py`` checks that every name
resolves in the installed Keras.
"""

# Element-wise activations (plus softmax-like row-wise ones). Left out:
# ``threshold`` needs arguments a name cannot carry; ``glu`` halves its input,
# which Keras' Dense does not account for; Keras' ``sparsemax`` does not
# return rows summing to 1 (Keras 3.15, TensorFlow backend).
ACTIVATIONS = frozenset(
    {
        "celu",
        "elu",
        "exponential",
        "gelu",
        "hard_shrink",
        "hard_sigmoid",
        "hard_silu",
        "hard_swish",
        "hard_tanh",
        "leaky_relu",
        "linear",
        "log_sigmoid",
        "log_softmax",
        "mish",
        "relu",
        "relu6",
        "selu",
        "sigmoid",
        "silu",
        "soft_shrink",
        "softmax",
        "softplus",
        "softsign",
        "sparse_plus",
        "sparse_sigmoid",
        "squareplus",
        "swish",
        "tanh",
        "tanh_shrink",
    }
)

# Activations Keras added after the oldest Keras sknnlite supports (3.7), with the release that has them.
ACTIVATIONS_SINCE = {"sparse_plus": "3.8", "sparse_sigmoid": "3.8"}


def keras_release_needed(activation):
    """The Keras release the named ``activation`` needs, if the installed Keras is older; else None."""
    needed = ACTIVATIONS_SINCE.get(activation) if isinstance(activation, str) else None
    if needed is None:
        return None
    import keras
    from sklearn.utils.fixes import parse_version

    return needed if parse_version(keras.__version__) < parse_version(needed) else None


def check_keras_has(parameter, activation):
    """Raise a ValueError when the installed Keras is older than the named ``activation``."""
    needed = keras_release_needed(activation)
    if needed is not None:
        import keras

        raise ValueError(
            f"{parameter}={activation!r} needs Keras >= {needed}; Keras {keras.__version__} is installed. "
            f"Upgrade Keras (pip install -U keras) or choose another {parameter}."
        )


OPTIMIZERS = frozenset(
    {
        "adadelta",
        "adafactor",
        "adagrad",
        "adam",
        "adamax",
        "adamw",
        "ftrl",
        "lion",
        "nadam",
        "rmsprop",
        "sgd",
    }
)

# Keras' short aliases mapped to the canonical function names.
LOSS_ALIASES = {
    "bce": "binary_crossentropy",
    "kld": "kl_divergence",
    "mae": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error",
    "mse": "mean_squared_error",
    "msle": "mean_squared_logarithmic_error",
}

REGRESSION_LOSSES = frozenset(
    {
        # Regression onto values in [0, 1] (SciKeras' autoencoder tutorial) or onto distributions.
        "bce",
        "binary_crossentropy",
        "binary_focal_crossentropy",
        "categorical_crossentropy",
        "kl_divergence",
        "kld",
        "cosine_similarity",
        "huber",
        "log_cosh",
        "mae",
        "mape",
        "mean_absolute_error",
        "mean_absolute_percentage_error",
        "mean_squared_error",
        "mean_squared_logarithmic_error",
        "mse",
        "msle",
        "poisson",
    }
)

# Losses comparing a distribution over classes: they take one-hot targets, and with them a 0/1 matrix
# whose rows hold one 1 is one-hot classes (SciKeras' convention), not multilabel targets.
CATEGORICAL_LOSSES = frozenset(
    {"categorical_crossentropy", "categorical_focal_crossentropy", "kl_divergence", "categorical_hinge"}
)

CLASSIFICATION_LOSSES = frozenset(
    {
        "auto",
        "bce",
        "binary_crossentropy",
        "binary_focal_crossentropy",
        "categorical_crossentropy",
        "categorical_focal_crossentropy",
        "categorical_hinge",
        "hinge",
        "kl_divergence",
        "kld",
        "sparse_categorical_crossentropy",
        "squared_hinge",
    }
    # Regression losses are valid on encoded targets too (the tutorial tours
    # them on a classification task); mape is accepted here only so that fit
    # can reject it with the reason instead of a bare "not in the list".
    | REGRESSION_LOSSES
)


def canonical_loss_name(loss):
    """Return Keras' canonical function name for a loss name or callable.

    Unknown callables give ``None``.
    """
    if isinstance(loss, str):
        return LOSS_ALIASES.get(loss, loss)
    name = getattr(loss, "__name__", None) or getattr(loss, "name", None)
    if isinstance(name, str):
        name = LOSS_ALIASES.get(name, name)
        if name in CLASSIFICATION_LOSSES:
            return name
    return None
