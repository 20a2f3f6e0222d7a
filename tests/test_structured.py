"""Structured data (lists and dicts of arrays) flattened into matrices, the adapter model and summed loss."""

import keras
import numpy as np
import pytest

from sknnlite._structured import Layout, SummedLoss, adapter, flatten, model_outputs, unflatten


@pytest.mark.parametrize(
    "data, kind",
    [
        (np.arange(6.0), "array"),
        ([np.arange(6.0), np.arange(36.0).reshape(6, 2, 3)], "list"),
        ({"a": np.ones((6, 2)), "b": np.zeros((6, 1))}, "dict"),
    ],
)
def test_flatten_and_unflatten_give_back_the_structure(data, kind):
    matrix, layout = flatten(data, "data")
    assert layout.kind == kind and matrix.shape[0] == 6
    back = unflatten(matrix, layout)
    if kind == "array":
        pairs = [(data, back)]
    elif kind == "list":
        pairs = list(zip(data, back, strict=True))
    else:
        pairs = [(data[key], back[key]) for key in data]
    for original, restored in pairs:
        np.testing.assert_array_equal(restored.reshape(original.shape), original)


def test_flatten_refuses_blocks_of_different_lengths_or_non_numbers():
    with pytest.raises(ValueError, match="same number of rows"):
        flatten([np.ones(3), np.ones(4)], "The target_encoder's transform(y)")
    with pytest.raises(ValueError, match="must be numeric"):
        flatten([np.array(["a", "b"])], "The target_encoder's transform(y)")


def _two_output_model():
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(4, activation="tanh")(inputs)
    binary = keras.layers.Dense(1, activation="sigmoid")(hidden)
    classes = keras.layers.Dense(3, activation="softmax")(hidden)
    return keras.Model(inputs, [binary, classes])


def test_the_summed_loss_is_keras_multi_output_loss():
    rng = np.random.RandomState(0)
    model = _two_output_model()
    model.compile(
        optimizer="sgd",
        loss=["binary_crossentropy", "sparse_categorical_crossentropy"],
        loss_weights=[1.0, 0.5],
    )
    X = rng.uniform(size=(20, 3)).astype("float32")
    y = [rng.randint(0, 2, 20).astype("float32"), rng.randint(0, 3, 20).astype("float32")]
    expected = model.evaluate(X, y, verbose=0, batch_size=20)[0]
    outputs = model_outputs(model)
    targets, target_layout = flatten(y, "y")
    loss = SummedLoss(model.loss, [1.0, 0.5], target_layout, outputs)
    joined = keras.ops.convert_to_numpy(adapter(model, None, outputs)(X))
    value = keras.ops.convert_to_numpy(loss(targets.astype("float32"), joined))
    np.testing.assert_allclose(value.mean(), expected, rtol=1e-5)
    assert loss.target_width == 2 and outputs.widths == (1, 3)


def test_the_adapter_splits_x_into_the_inputs_and_joins_the_outputs():
    a, b = keras.Input((2,)), keras.Input((1,))
    model = keras.Model([a, b], [keras.layers.Dense(1)(a), keras.layers.Dense(2)(b)])
    X = np.arange(12.0, dtype="float32").reshape(4, 3)
    features = Layout("list", (0, 1), ((2,), (1,)))
    joined = keras.ops.convert_to_numpy(adapter(model, features, model_outputs(model))(X))
    direct = [keras.ops.convert_to_numpy(out) for out in model([X[:, :2], X[:, 2:]])]
    np.testing.assert_allclose(joined, np.column_stack(direct), rtol=1e-6)
