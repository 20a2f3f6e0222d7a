import numpy as np
import pytest

from sknnlite import TinyNetRegressor
from sknnlite.datasets import make_extrapolation


def _extrapolation(n=4000, seed=0):
    # The first seed: four inputs, target x3 - x2, exact weights [0, 0, -1, 1].
    return make_extrapolation(n, random_state=seed)


def test_fixed_learning_rate_finds_the_exact_linear_solution():
    X, y = _extrapolation(24000)
    reg = TinyNetRegressor(hidden_layer_sizes=(), learning_rate=0.01, batch_size=8, epochs=1, random_state=0)
    reg.fit(X, y)
    np.testing.assert_allclose(reg.coefs_[0].ravel(), [0, 0, -1, 1], atol=0.01)
    X_test, y_test = _extrapolation(1000, seed=1)
    assert np.sqrt(np.mean((reg.predict(X_test) - y_test) ** 2)) < 0.01


def test_legacy_decay_reproduces_the_first_seeds_failure():
    X, y = _extrapolation(24000)
    reg = TinyNetRegressor(
        hidden_layer_sizes=(), learning_rate_decay=0.1, batch_size=8, epochs=1, random_state=0
    ).fit(X, y)
    assert np.abs(reg.coefs_[0].ravel() - [0, 0, -1, 1]).max() > 0.2
    assert reg.t_ == 24000 and reg.final_learning_rate_ == pytest.approx(0.001 / (1 + 0.1 * 3000))


@pytest.mark.parametrize("y_shape", [(200,), (200, 1), (200, 3)])
def test_predict_has_the_shape_of_the_fitted_target(y_shape):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 3))
    y = rng.normal(size=y_shape)
    reg = TinyNetRegressor(hidden_layer_sizes=(8,), epochs=3, random_state=0).fit(X, y)
    assert reg.predict(X).shape == y_shape
    assert reg.predict(X).dtype == np.float64
    assert reg.n_outputs_ == (1 if len(y_shape) == 1 else y_shape[1])


def test_multi_output_regression_learns_each_target():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(500, 2))
    Y = np.column_stack([X[:, 0] + X[:, 1], X[:, 0] - X[:, 1]])
    reg = TinyNetRegressor(hidden_layer_sizes=(), learning_rate=0.05, epochs=60, random_state=0).fit(X, Y)
    assert reg.score(X, Y) > 0.99


@pytest.mark.parametrize(
    "loss", ["mse", "mae", "mape", "msle", "huber", "log_cosh", "poisson", "mean_squared_error"]
)
def test_regression_losses_train(loss):
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(300, 3))
    y = 1.0 + X.sum(axis=1)
    reg = TinyNetRegressor(hidden_layer_sizes=(16,), loss=loss, learning_rate=0.01, epochs=40, random_state=0)
    reg.fit(X, y)
    assert reg.loss_curve_[-1] < reg.loss_curve_[0]
    assert reg.score(X, y) > 0.8


def test_classification_losses_are_not_regression_losses():
    with pytest.raises(ValueError, match="'loss' parameter of TinyNetRegressor must be"):
        TinyNetRegressor(loss="hinge").fit([[0.0], [1.0]], [0.0, 1.0])


def test_float64_data_lets_adam_settle_on_the_exact_solution():
    import keras

    if keras.backend.backend() == "torch":
        # Where Adam's last steps leave the weights depends on every rounding on the way: PyTorch's Keras Adam
        # updates its moments as m * b1 + g * (1 - b1) (TensorFlow's and JAX's: m + (g - m) * (1 - b1)).
        # Measured on seeds 0, 1, 2: RMSE 2e-5, 2e-7, 2e-4 (TensorFlow 3e-7, 3e-7, 8e-21).
        pytest.skip("the float64 settling of this seed is measured on TensorFlow and JAX")
    # Seed 0 is where float32 training stopped mid-jitter (held-out RMSE 0.02).
    X, y = _extrapolation(240_000)
    reg = TinyNetRegressor(hidden_layer_sizes=(), learning_rate=0.01, batch_size=8, epochs=1, random_state=0)
    reg.fit(X, y)
    X_test, y_test = _extrapolation(1000, seed=1)
    assert np.sqrt(np.mean((reg.predict(X_test) - y_test) ** 2)) < 1e-5


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_network_computes_in_the_dtype_of_X(dtype):
    X, y = _extrapolation(200)
    reg = TinyNetRegressor(hidden_layer_sizes=(4,), epochs=2, random_state=0).fit(X.astype(dtype), y)
    assert reg.model_.layers[0].kernel.dtype == np.dtype(dtype).name
    assert reg.predict(X).dtype == np.float64


@pytest.mark.parametrize("loss", ["binary_crossentropy", "binary_focal_crossentropy"])
def test_regression_onto_values_in_the_unit_interval_as_scikeras_autoencoders(loss):
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(200, 6))
    Y = X[:, :3]  # reconstruct part of the input, values in [0, 1]
    reg = TinyNetRegressor((16,), loss=loss, learning_rate=0.01, epochs=100, random_state=0).fit(X, Y)
    assert reg.out_activation_ == "sigmoid"
    predicted = reg.predict(X)
    assert predicted.min() >= 0 and predicted.max() <= 1
    assert reg.score(X, Y) > 0.8
    with pytest.raises(ValueError, match=r"regresses onto values in \[0, 1\].*ranges from -0.99"):
        TinyNetRegressor(loss=loss).fit(X, Y * 2 - 1)


@pytest.mark.parametrize("loss", ["categorical_crossentropy", "kl_divergence"])
def test_regression_onto_distributions(loss):
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(200, 4))
    Y = np.exp(X[:, :3]) / np.exp(X[:, :3]).sum(axis=1, keepdims=True)
    reg = TinyNetRegressor((16,), loss=loss, learning_rate=0.01, epochs=50, random_state=0).fit(X, Y)
    assert reg.out_activation_ == "softmax"
    np.testing.assert_allclose(reg.predict(X).sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="rows that are distributions"):
        TinyNetRegressor(loss=loss).fit(X, Y - 0.5)
