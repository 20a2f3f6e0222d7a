"""ONNX export through skl2onnx: converters for TinyNetClassifier and TinyNetRegressor.

After :func:`register_converters`, ``skl2onnx.to_onnx`` converts a fitted
estimator, or a pipeline holding one, as it converts scikit-learn's MLP; the
model then predicts in onnxruntime (or any ONNX runtime) without Python.
The graph is the built-in network's forward pass in ONNX's standard
operators (opset 13 and later): the same kernels, biases, batch
normalization (folded into the kernels) and activations as ``predict``, then
the classifier's mapping from outputs to probabilities and labels.

Importing this module needs neither TensorFlow nor skl2onnx; registering
needs skl2onnx (``pip install "sknnlite[onnx]"``).
"""

import math

import numpy as np

from . import _encoders
from ._network import BATCH_NORM_EPSILON

__all__ = ["SUPPORTED_ACTIVATIONS", "register_converters"]

_OPSET = 13  # Clip, ReduceSum and Softmax with their current signatures
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _clip(g, x, low, high):
    return g.op("Clip", [x, g.const(low), g.const(high)])


# Written with the elementary operators onnxruntime implements for float64 too (its Elu, Selu,
# Softplus, Softsign, HardSigmoid, LeakyRelu, Shrink and Erf kernels are float32 only).
def _where_positive(g, x, negative_part):
    return g.op("Where", [g.op("Greater", [x, g.const(0.0)]), x, negative_part])


def _expm1_of_negative_part(g, x):  # exp(min(x, 0)) - 1
    return g.op("Sub", [g.op("Exp", [g.op("Min", [x, g.const(0.0)])]), g.const(1.0)])


def _softplus(g, x):  # log(1 + exp(x)), as max(x, 0) + log(1 + exp(-|x|)) so it cannot overflow
    tail = g.op("Log", [g.op("Add", [g.const(1.0), g.op("Exp", [g.op("Neg", [g.op("Abs", [x])])])])])
    return g.op("Add", [g.op("Relu", [x]), tail])


def _hard_sigmoid(g, x, slope, offset):  # clip(slope * x + offset, 0, 1)
    return _clip(g, g.op("Add", [g.op("Mul", [x, g.const(slope)]), g.const(offset)]), 0.0, 1.0)


def _shrink(g, x, bias, threshold):
    below = g.op(
        "Where", [g.op("Less", [x, g.const(-threshold)]), g.op("Add", [x, g.const(bias)]), g.const(0.0)]
    )
    return g.op("Where", [g.op("Greater", [x, g.const(threshold)]), g.op("Sub", [x, g.const(bias)]), below])


def _gelu(g, x):  # the exact form, Keras' default; onnxruntime's Erf is float32 only, so erf runs in float32
    from onnx import TensorProto

    scaled = g.op("Div", [x, g.const(math.sqrt(2.0))])
    erf = g.op("Erf", [g.op("Cast", [scaled], to=TensorProto.FLOAT)])
    erf = g.op("Cast", [erf], to=g.proto)
    return g.op("Mul", [g.op("Mul", [x, g.const(0.5)]), g.op("Add", [erf, g.const(1.0)])])


def _squareplus(g, x):  # (x + sqrt(x^2 + 4)) / 2
    root = g.op("Sqrt", [g.op("Add", [g.op("Mul", [x, x]), g.const(4.0)])])
    return g.op("Mul", [g.op("Add", [x, root]), g.const(0.5)])


def _sparse_plus(g, x):  # 0 below -1, x above 1, (x + 1)^2 / 4 between
    shifted = g.op("Add", [x, g.const(1.0)])
    middle = g.op("Mul", [g.op("Mul", [shifted, shifted]), g.const(0.25)])
    upper = g.op("Where", [g.op("GreaterOrEqual", [x, g.const(1.0)]), x, middle])
    return g.op("Where", [g.op("LessOrEqual", [x, g.const(-1.0)]), g.const(0.0), upper])


def _silu(g, x):  # x / (1 + exp(-x)): onnxruntime 1.20 fuses x * sigmoid(x) into a float32-only kernel
    return g.op("Div", [x, g.op("Add", [g.const(1.0), g.op("Exp", [g.op("Neg", [x])])])])


def _hard_silu(g, x):
    return g.op("Mul", [x, _hard_sigmoid(g, x, 1.0 / 6.0, 0.5)])


# Keras' activations (with Keras' default arguments) in ONNX operators, as _network.NUMPY_ACTIVATIONS.
_ACTIVATIONS = {
    "linear": lambda g, x: x,
    "relu": lambda g, x: g.op("Relu", [x]),
    "relu6": lambda g, x: _clip(g, x, 0.0, 6.0),
    "leaky_relu": lambda g, x: g.op(
        "Where", [g.op("GreaterOrEqual", [x, g.const(0.0)]), x, g.op("Mul", [x, g.const(0.2)])]
    ),
    "tanh": lambda g, x: g.op("Tanh", [x]),
    "sigmoid": lambda g, x: g.op("Sigmoid", [x]),
    "hard_sigmoid": lambda g, x: _hard_sigmoid(g, x, 1.0 / 6.0, 0.5),
    "sparse_sigmoid": lambda g, x: _hard_sigmoid(g, x, 0.5, 0.5),
    "softsign": lambda g, x: g.op("Div", [x, g.op("Add", [g.const(1.0), g.op("Abs", [x])])]),
    "softplus": _softplus,
    "elu": lambda g, x: _where_positive(g, x, _expm1_of_negative_part(g, x)),
    "celu": lambda g, x: _where_positive(g, x, _expm1_of_negative_part(g, x)),
    "selu": lambda g, x: g.op(
        "Mul",
        [
            _where_positive(g, x, g.op("Mul", [_expm1_of_negative_part(g, x), g.const(_SELU_ALPHA)])),
            g.const(_SELU_SCALE),
        ],
    ),
    "gelu": _gelu,
    "silu": _silu,
    "swish": _silu,
    "hard_silu": _hard_silu,
    "hard_swish": _hard_silu,
    "hard_tanh": lambda g, x: _clip(g, x, -1.0, 1.0),
    "mish": lambda g, x: g.op("Mul", [x, g.op("Tanh", [_softplus(g, x)])]),
    "exponential": lambda g, x: g.op("Exp", [x]),
    "log_sigmoid": lambda g, x: g.op("Neg", [_softplus(g, g.op("Neg", [x]))]),
    "tanh_shrink": lambda g, x: g.op("Sub", [x, g.op("Tanh", [x])]),
    "soft_shrink": lambda g, x: _shrink(g, x, 0.5, 0.5),
    "hard_shrink": lambda g, x: _shrink(g, x, 0.0, 0.5),
    "squareplus": _squareplus,
    "sparse_plus": _sparse_plus,
    "softmax": lambda g, x: g.op("Softmax", [x], axis=-1),
    "log_softmax": lambda g, x: g.op("LogSoftmax", [x], axis=-1),
}

#: Activation names the converters express in ONNX operators (hidden and output layers).
SUPPORTED_ACTIVATIONS = tuple(sorted(_ACTIVATIONS))


class _Graph:
    """Adds nodes and constants of one dtype to skl2onnx's container, with unique names."""

    def __init__(self, scope, container, dtype):
        from onnx import TensorProto

        self.scope, self.container, self.dtype = scope, container, np.dtype(dtype)
        self.proto = TensorProto.DOUBLE if self.dtype == np.float64 else TensorProto.FLOAT

    def const(self, value, dtype=None):
        from onnx import TensorProto

        value = np.asarray(value, dtype=dtype or self.dtype)
        name = self.scope.get_unique_variable_name("sknnlite_const")
        if value.dtype.kind in "US":
            proto, content = TensorProto.STRING, [str(v).encode() for v in value.ravel()]
        elif value.dtype == np.int64:
            proto, content = TensorProto.INT64, value.ravel().tolist()
        else:
            proto, content = self.proto, value.ravel().tolist()
        self.container.add_initializer(name, proto, list(value.shape), content)
        return name

    def op(self, op_type, inputs, output=None, **attributes):
        output = output or self.scope.get_unique_variable_name(f"sknnlite_{op_type.lower()}")
        self.container.add_node(
            op_type,
            inputs,
            [output],
            name=self.scope.get_unique_operator_name(f"Sknnlite{op_type}"),
            op_version=_OPSET,
            **attributes,
        )
        return output


def _check_convertible(estimator):
    """Raise what the converters cannot express, naming what they can."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    name = type(estimator).__name__
    if estimator._architecture is None:
        raise ValueError(
            f"sknnlite's ONNX converter exports the built-in network; this {name} trains a custom Keras "
            "model (model=). Export that model with Keras itself (estimator.model_.export(path, "
            "format='onnx') where the backend supports it), or use the built-in network."
        )
    if _encoders.targets_encoded(estimator) or _encoders.features_encoded(estimator):
        raise ValueError(
            f"sknnlite's ONNX converter does not export a {name} with a target or feature encoder."
        )
    if getattr(estimator, "_one_hot", False):
        raise ValueError(
            f"sknnlite's ONNX converter does not export a {name} fitted on one-hot targets; fit it on labels."
        )
    a = estimator._architecture
    for role, activation in (("activation", a.activation), ("output_activation", a.output_activation)):
        if not (isinstance(activation, str) and activation in _ACTIVATIONS):
            raise ValueError(
                f"sknnlite's ONNX converter cannot express {role}={activation!r} in ONNX operators; "
                f"supported: {', '.join(SUPPORTED_ACTIVATIONS)}."
            )
    classes = getattr(estimator, "classes_", None)
    if classes is not None and not estimator._multilabel:
        if len(classes) < 2:
            raise ValueError(f"sknnlite's ONNX converter needs at least two classes; this {name} saw one.")
        if classes.dtype.kind not in "biuUSO":
            raise ValueError(
                f"sknnlite's ONNX converter exports integer, boolean or string labels; classes_ has dtype "
                f"{classes.dtype}."
            )


def _network_outputs(g, estimator, X):
    """The built-in network's outputs for the input variable ``X``, in the graph's dtype."""
    a = estimator._architecture
    last = len(estimator.coefs_) - 1
    batch_norm = estimator._batch_norm
    for i, (W, b) in enumerate(zip(estimator.coefs_, estimator.intercepts_, strict=True)):
        W, b = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
        if batch_norm and i < last:  # folded: (a W + b - mean) / sqrt(var + eps) * gamma + beta
            gamma, beta, mean, variance = (np.asarray(v, dtype=np.float64) for v in batch_norm[i])
            scale = gamma / np.sqrt(variance + BATCH_NORM_EPSILON)
            W, b = W * scale, (b - mean) * scale + beta
        X = g.op("Add", [g.op("MatMul", [X, g.const(W)]), g.const(b)])
        X = _ACTIVATIONS[a.output_activation if i == last else a.activation](g, X)
    return X


def _float_input(g, variable):
    """The input's name, cast to the graph's float dtype (float32) where it is not float."""
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    if isinstance(variable.type, (FloatTensorType, DoubleTensorType)):
        return variable.full_name
    return g.op("Cast", [variable.full_name], to=g.proto)


def _numpy_dtype(onnx_type):
    from skl2onnx.common.data_types import DoubleTensorType

    return np.float64 if isinstance(onnx_type, DoubleTensorType) else np.float32


def _classifier_shapes(operator):
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )

    estimator = operator.raw_operator
    _check_convertible(estimator)
    n = operator.inputs[0].get_first_dimension()
    n_columns = len(estimator.classes_)
    nocl = operator.scope_inst.get_options(estimator, dict(nocl=False))["nocl"]
    if estimator._multilabel:
        label = Int64TensorType([n, n_columns])
    elif nocl or estimator.classes_.dtype.kind in "biu":
        label = Int64TensorType([n])
    else:
        label = StringTensorType([n])
    operator.outputs[0].type = label
    double = _numpy_dtype(operator.inputs[0].type) == np.float64 and not _zipmap(
        operator.scope_inst, estimator
    )
    operator.outputs[1].type = (DoubleTensorType if double else FloatTensorType)([n, n_columns])


def _zipmap(scope, estimator):
    """Whether skl2onnx's ZipMap follows (it takes float32 probabilities only)."""
    return scope.get_options(estimator, dict(zipmap=True))["zipmap"] is not False


def _convert_classifier(scope, operator, container):
    from onnx import TensorProto

    estimator = operator.raw_operator
    g = _Graph(scope, container, _numpy_dtype(operator.inputs[0].type))
    outputs = _network_outputs(g, estimator, _float_input(g, operator.inputs[0]))
    label_name, proba_name = operator.outputs[0].full_name, operator.outputs[1].full_name
    encoding = estimator._encoding
    scores = outputs
    if encoding.low != 0.0:  # targets in [low, 1] (-1/+1 for hinge losses) onto [0, 1]
        scores = g.op("Div", [g.op("Sub", [scores, g.const(encoding.low)]), g.const(1.0 - encoding.low)])
    scores = _clip(g, scores, 0.0, 1.0)
    to_float = g.dtype == np.float64 and _zipmap(scope, estimator)

    def emit_probabilities(proba):
        if to_float:
            return g.op("Cast", [proba], output=proba_name, to=TensorProto.FLOAT)
        return g.op("Identity", [proba], output=proba_name)

    if estimator._multilabel:
        emit_probabilities(scores)
        g.op("Cast", [g.op("Greater", [scores, g.const(0.5)])], output=label_name, to=TensorProto.INT64)
        return
    if encoding.kind == "binary":
        proba = g.op("Concat", [g.op("Sub", [g.const([[1.0]]), scores]), scores], axis=1)
    else:  # rows normalised to sum to 1; a row of zeros is uniform (TargetEncoding.proba)
        totals = g.op("ReduceSum", [scores, g.const([1], dtype=np.int64)], keepdims=1)
        positive = g.op("Greater", [totals, g.const(0.0)])
        safe = g.op("Where", [positive, totals, g.const(1.0)])
        uniform = g.const(1.0 / len(estimator.classes_))
        proba = g.op("Where", [positive, g.op("Div", [scores, safe]), uniform])
    emit_probabilities(proba)
    index = g.op("ArgMax", [proba], axis=1, keepdims=0)
    if scope.get_options(estimator, dict(nocl=False))["nocl"]:
        g.op("Identity", [index], output=label_name)
        return
    classes = estimator.classes_
    classes = classes.astype(np.int64) if classes.dtype.kind in "biu" else classes.astype(str)
    g.op("Gather", [g.const(classes, dtype=classes.dtype), index], output=label_name, axis=0)


def _regressor_shapes(operator):
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    estimator = operator.raw_operator
    _check_convertible(estimator)
    n = operator.inputs[0].get_first_dimension()
    kind = DoubleTensorType if _numpy_dtype(operator.inputs[0].type) == np.float64 else FloatTensorType
    operator.outputs[0].type = kind([n, estimator.n_outputs_])


def _convert_regressor(scope, operator, container):
    estimator = operator.raw_operator
    g = _Graph(scope, container, _numpy_dtype(operator.inputs[0].type))
    outputs = _network_outputs(g, estimator, _float_input(g, operator.inputs[0]))
    g.op("Identity", [outputs], output=operator.outputs[0].full_name)


def register_converters():
    """Register sknnlite's estimators with skl2onnx, so ``skl2onnx.to_onnx`` converts them.

    Call it once per process before converting. Classifiers take
    skl2onnx's usual options: ``zipmap`` (``True``, ``False`` or
    ``"columns"``) for the probabilities' form and ``nocl`` for class
    indices instead of labels. The built-in network converts with any
    activation in :data:`SUPPORTED_ACTIVATIONS`, float32 or float64 input,
    binary, multiclass and multilabel targets; a custom Keras model, target
    or feature encoders and one-hot targets are refused with a message.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime
    >>> from skl2onnx import to_onnx
    >>> from sknnlite import TinyNetClassifier
    >>> from sknnlite.onnx import register_converters
    >>> register_converters()
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]], dtype=np.float32)
    >>> clf = TinyNetClassifier((8,), epochs=5, random_state=0)
    >>> clf = clf.fit(X, ["a", "a", "b", "b"])
    >>> onx = to_onnx(clf, X[:1], options={"zipmap": False})
    >>> session = onnxruntime.InferenceSession(onx.SerializeToString())
    >>> labels, proba = session.run(None, {"X": X})
    >>> bool((labels == clf.predict(X)).all())
    True
    >>> bool(np.allclose(proba, clf.predict_proba(X), atol=1e-5))
    True
    """
    from skl2onnx import update_registered_converter

    from ._classifier import TinyNetClassifier
    from ._regressor import TinyNetRegressor

    update_registered_converter(
        TinyNetClassifier,
        "SknnliteTinyNetClassifier",
        _classifier_shapes,
        _convert_classifier,
        options={"zipmap": [True, False, "columns"], "nocl": [False, True]},
    )
    update_registered_converter(
        TinyNetRegressor, "SknnliteTinyNetRegressor", _regressor_shapes, _convert_regressor
    )
