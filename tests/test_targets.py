import numpy as np
import pytest

from sknnlite._targets import encoding_for

CODES = np.array([0, 1, 2, 1])


@pytest.mark.parametrize(
    ("loss", "n_classes", "kind", "low", "activation"),
    [
        ("auto", 2, "binary", 0.0, "sigmoid"),
        ("auto", 3, "codes", 0.0, "softmax"),
        ("sparse_categorical_crossentropy", 2, "codes", 0.0, "softmax"),
        ("binary_crossentropy", 2, "binary", 0.0, "sigmoid"),
        ("binary_crossentropy", 3, "onehot", 0.0, "sigmoid"),
        ("categorical_crossentropy", 2, "onehot", 0.0, "softmax"),
        ("kl_divergence", 3, "onehot", 0.0, "softmax"),
        ("kld", 3, "onehot", 0.0, "softmax"),
        ("poisson", 3, "onehot", 0.0, "softmax"),
        ("cosine_similarity", 2, "onehot", 0.0, "softmax"),
        ("hinge", 2, "binary", -1.0, "tanh"),
        ("squared_hinge", 3, "onehot", -1.0, "tanh"),
        ("mse", 2, "binary", 0.0, "sigmoid"),
        ("mae", 3, "onehot", 0.0, "softmax"),
    ],
)
def test_encoding_follows_the_loss(loss, n_classes, kind, low, activation):
    encoding = encoding_for(loss, n_classes)
    assert (encoding.kind, encoding.low, encoding.output_activation) == (kind, low, activation)


def test_auto_resolves_to_a_keras_loss():
    assert encoding_for("auto", 2).loss == "binary_crossentropy"
    assert encoding_for("auto", 5).loss == "sparse_categorical_crossentropy"


def test_encode_values():
    np.testing.assert_array_equal(encoding_for("auto", 3).encode(CODES), [0, 1, 2, 1])
    np.testing.assert_array_equal(encoding_for("hinge", 2).encode([0, 1, 1]), [[-1], [1], [1]])
    onehot_pm1 = encoding_for("hinge", 3).encode(CODES)
    np.testing.assert_array_equal(onehot_pm1[0], [1, -1, -1])
    np.testing.assert_array_equal(encoding_for("categorical_crossentropy", 3).encode(CODES)[2], [0, 0, 1])


@pytest.mark.parametrize("loss", ["auto", "hinge", "categorical_crossentropy", "mse"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_proba_of_perfect_outputs_recovers_the_classes(loss, n_classes):
    encoding = encoding_for(loss, n_classes)
    codes = np.arange(n_classes)
    targets = encoding.encode(codes)
    if encoding.kind == "codes":
        targets = np.eye(n_classes)
    outputs = targets.reshape(n_classes, -1)
    proba = encoding.proba(outputs)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(proba.argmax(axis=1), codes)


def test_proba_of_all_zero_scores_is_uniform():
    proba = encoding_for("hinge", 3).proba(-np.ones((2, 3)))
    np.testing.assert_allclose(proba, 1 / 3)


def test_mape_is_rejected_with_the_reason():
    with pytest.raises(ValueError, match="divides by the target"):
        encoding_for("mape", 2)
