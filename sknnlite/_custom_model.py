"""Networks from a model build function (SciKeras' ``model=``), and what sknnlite requires of them.

The build function is called as SciKeras calls it (``meta``,
``compile_kwargs``, ``model__*`` arguments; ``_routing.build_model``), its
fitted attributes are set as SciKeras sets them, and the model must have
one input and one output.
"""

from . import _optimizers, _parameters, _routing
from ._training.keras_objects import make_optimizer
from ._training.records import SEED_BOUND

# SciKeras' fitted attributes beyond sknnlite's own, set while a build function is used (its ``meta``).
BUILD_FN_ATTRIBUTES = (
    "X_dtype_",
    "X_shape_",
    "n_outputs_expected_",
    "n_classes_",
    "target_type_",
    "y_dtype_",
    "y_ndim_",
)


def build(estimator, X, y, rng):
    """The build function's model for X and y, called as SciKeras calls it (and its fitted attributes set)."""
    n_outputs, loss, _, _ = estimator._target_layout()
    meta = {
        "n_features_in_": X.shape[1],
        "X_dtype_": X.dtype,
        "X_shape_": X.shape,
        "n_outputs_expected_": n_outputs,
        **estimator._target_meta(y),
    }
    if hasattr(estimator, "feature_names_in_"):
        meta["feature_names_in_"] = estimator.feature_names_in_
    compile_kwargs = {
        "optimizer": make_optimizer(
            _optimizers.optimizer_key(estimator.optimizer),
            _optimizers.rate_or_schedule(_parameters.learning_rate_setting(estimator)),
            _parameters.optimizer_params(estimator),
        ),
        "loss": loss,
        "metrics": _parameters.as_list(estimator.metrics),
    }
    provided = {
        "n_features_in": X.shape[1],
        "n_outputs": n_outputs,
        "meta": meta,
        "compile_kwargs": compile_kwargs,
    }
    for name, value in meta.items():  # SciKeras' fitted attributes, read by _keras_build_fn methods
        setattr(estimator, name, value)
    return _routing.build_model(
        estimator._build_fn(),
        _routing.routed(estimator._routed_params(), "model"),
        provided,
        estimator.get_params(deep=False),
        int(rng.randint(0, SEED_BOUND)),
        bare_params=[
            name
            for name in estimator._extra_params()
            if not _routing.is_routed(name) and name not in estimator._library_param_names()
        ],
    )


def check_single_input_and_output(model):
    """sknnlite feeds one X to one input and scores one output; say how to restructure other models."""
    inputs, outputs = getattr(model, "inputs", None) or [], getattr(model, "outputs", None) or []
    if len(inputs) > 1:
        raise ValueError(
            f"The model has {len(inputs)} inputs ({[tensor.name for tensor in inputs]}); sknnlite feeds one "
            "array X to one input. Give the model one input for all the columns and split it inside "
            "(e.g. keras.layers.Lambda(lambda x: x[:, :k])), or stack the groups into one array."
        )
    if len(outputs) > 1:
        raise ValueError(
            f"The model has {len(outputs)} outputs; sknnlite trains and predicts one output. Concatenate "
            "them into one output layer (keras.layers.Concatenate) and give y one column per output."
        )


def variable_dtype(model):
    """The float dtype a Keras model computes in (its weights'), e.g. "float32"."""
    import keras

    weights = model.trainable_weights
    return keras.backend.standardize_dtype(weights[0].dtype) if weights else keras.config.floatx()
