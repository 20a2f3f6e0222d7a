import keras
import numpy as np
import pytest

from sknnlite._names import ACTIVATIONS, keras_release_needed
from sknnlite._network import (
    NUMPY_ACTIVATIONS,
    apply_activation,
    build_keras_model,
    forward,
    initial_weights,
    keras_weights,
)

Z = np.linspace(-7, 7, 57).reshape(3, 19)


@pytest.mark.parametrize("name", sorted(NUMPY_ACTIVATIONS))
def test_numpy_activations_match_keras(name):
    if keras_release_needed(name) is not None:
        pytest.skip(f"Keras {keras.__version__} predates {name}")
    expected = keras.ops.convert_to_numpy(keras.activations.get(name)(keras.ops.convert_to_tensor(Z)))
    np.testing.assert_allclose(NUMPY_ACTIVATIONS[name](Z), expected, rtol=1e-6, atol=1e-7)


def test_numpy_table_only_names_accepted_activations():
    assert set(NUMPY_ACTIVATIONS) <= ACTIVATIONS


def double_tanh(x):
    return 2.0 * keras.ops.tanh(x)


def test_callable_activations_run_through_keras_in_float64():
    out = apply_activation(double_tanh, Z)
    assert out.dtype == np.float64
    # Keras 3.15 on JAX promotes float64 with a Python float to float32 inside ops.tanh.
    rtol = 1e-12 if keras.backend.backend() == "tensorflow" else 1e-6
    np.testing.assert_allclose(out, 2 * np.tanh(Z), rtol=rtol)


@pytest.mark.parametrize("activation", ["relu", "tanh", "gelu", double_tanh])
def test_forward_matches_the_keras_model(activation):
    rng = np.random.RandomState(0)
    coefs, intercepts = initial_weights(rng, (4, 6, 3))
    intercepts = [b + rng.normal(size=b.shape) for b in intercepts]
    model = build_keras_model(4, (6,), activation, 3, "softmax")
    model.set_weights(keras_weights(coefs, intercepts))
    X = rng.normal(size=(10, 4))
    expected = keras.ops.convert_to_numpy(model(X.astype(np.float32)))
    np.testing.assert_allclose(forward(X, coefs, intercepts, activation, "softmax"), expected, atol=1e-5)


def test_initial_weights_are_glorot_uniform_with_zero_biases():
    coefs, intercepts = initial_weights(np.random.RandomState(0), (50, 30, 2))
    assert [W.shape for W in coefs] == [(50, 30), (30, 2)]
    assert np.abs(coefs[0]).max() <= np.sqrt(6 / 80)
    assert all(not b.any() for b in intercepts)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear", "softplus"])
def test_forward_keeps_numpys_dtype_rule_and_values(activation):
    # Bias and activation are applied in place where the dtype allows: the values and the
    # dtype NumPy gives X and the weights together are what the plain expression gives.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(7, 3)).astype(np.float32)
    coefs = [rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=(4, 2)).astype(np.float32)]
    for intercept_dtype in (np.float32, np.float64):
        intercepts = [rng.normal(size=4).astype(intercept_dtype), rng.normal(size=2).astype(intercept_dtype)]
        hidden = apply_activation(activation, X @ coefs[0] + intercepts[0])
        expected = apply_activation(activation, hidden @ coefs[1] + intercepts[1])
        out = forward(X, coefs, intercepts, activation, activation)
        assert out.dtype == expected.dtype == np.result_type(np.float32, intercept_dtype)
        np.testing.assert_array_equal(out, expected)
