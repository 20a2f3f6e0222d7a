import warnings

import keras
import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sknnlite import TinyNetClassifier
from sknnlite.datasets import make_sum_threshold


def _blobs(n_classes, n=240):
    rng = np.random.RandomState(0)
    y = np.arange(n) % n_classes
    X = rng.normal(scale=0.4, size=(n, 2)) + np.column_stack([np.cos(y * 2.1), np.sin(y * 2.1)]) * 3
    return X, y


def test_the_tutorial_model_learns_the_sum_threshold():
    X, y = make_sum_threshold(500, random_state=0)
    clf = TinyNetClassifier(hidden_layer_sizes=(20,), optimizer="rmsprop", epochs=150, random_state=0)
    clf.fit(X[:250], y[:250])
    assert clf.score(X[250:], y[250:]) > 0.9


def test_hinge_with_plus_minus_one_labels_as_in_the_tutorial():
    X, y = make_sum_threshold(250, random_state=0)
    y_pm1 = np.where(y == 1, 1, -1)
    clf = TinyNetClassifier(hidden_layer_sizes=(20,), activation="tanh", loss="hinge", random_state=0)
    clf.fit(X, y_pm1)
    assert set(np.unique(clf.predict(X))) == {-1, 1}
    assert clf.out_activation_ == "tanh"
    assert clf.score(X, y_pm1) > 0.9


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["no", "yes"]),
        np.array([False, True]),
        np.array([3, 7]),
        np.array(["a", "b", "c"]),
        np.array([-5, 0, 9]),
    ],
)
def test_predict_returns_the_original_labels(labels):
    X, codes = _blobs(len(labels))
    y = labels[codes]
    clf = TinyNetClassifier(hidden_layer_sizes=(8,), learning_rate=0.01, epochs=30, random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, np.unique(labels))
    assert clf.predict(X).dtype == y.dtype
    assert clf.score(X, y) > 0.95


LOSSES = [
    "auto",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "sparse_categorical_crossentropy",
    "hinge",
    "squared_hinge",
    "categorical_hinge",
    "kl_divergence",
    "poisson",
    "cosine_similarity",
    "mse",
    "mae",
    "msle",
    "huber",
    "log_cosh",
    keras.losses.categorical_crossentropy,
]


def _loss_id(loss):
    # The same in every process (pytest-xdist's workers): a function's repr holds its address.
    return loss if isinstance(loss, str) else f"keras.losses.{loss.__name__}"


@pytest.mark.parametrize("loss", LOSSES, ids=_loss_id)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_every_classification_loss_trains_and_gives_probabilities(loss, n_classes):
    X, y = _blobs(n_classes)
    clf = TinyNetClassifier(hidden_layer_sizes=(8,), loss=loss, learning_rate=0.02, epochs=40, random_state=0)
    clf.fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), n_classes)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (proba >= 0).all()
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X, y) > 0.9


def test_proba_columns_follow_classes():
    X, y = _blobs(3)
    labels = np.array(["zebra", "ant", "moose"])[y]
    clf = TinyNetClassifier(hidden_layer_sizes=(8,), learning_rate=0.02, epochs=30, random_state=0).fit(
        X, labels
    )
    proba = clf.predict_proba(X)
    for column, label in enumerate(clf.classes_):
        assert proba[labels == label, column].mean() > 0.8


def test_user_output_activation_is_used():
    X, y = _blobs(2)
    clf = TinyNetClassifier(
        hidden_layer_sizes=(4,),
        loss="hinge",
        output_activation="linear",
        learning_rate=0.02,
        epochs=40,
        random_state=0,
    )
    assert clf.fit(X, y).out_activation_ == "linear"
    assert clf.score(X, y) > 0.9


@pytest.mark.parametrize(
    "loss",
    [
        "auto",
        "binary_crossentropy",
        "hinge",
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
        "mse",
    ],
)
def test_a_single_class_is_fitted_and_predicted_as_mlp_does(loss):
    X = [[0.0], [1.0], [2.0]]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no Keras warning about a softmax over one output
        warnings.simplefilter("ignore", ConvergenceWarning)  # 30 epochs need not converge
        clf = TinyNetClassifier((4,), loss=loss, epochs=30, random_state=0).fit(X, ["a", "a", "a"])
    np.testing.assert_array_equal(clf.classes_, ["a"])
    np.testing.assert_array_equal(clf.predict([[5.0], [-3.0]]), ["a", "a"])
    np.testing.assert_allclose(clf.predict_proba(X), np.ones((3, 1)))


@pytest.mark.parametrize("loss", ["categorical_crossentropy", "categorical_focal_crossentropy"])
def test_a_single_class_with_a_categorical_loss_trains_on_large_inputs(loss):
    # One class, one sigmoid output: the categorical form divides the output by its sum, 0 / 0 once
    # the sigmoid underflows (a NaN loss on JAX, found by hypothesis); the binary form is used.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = TinyNetClassifier((3,), loss=loss, epochs=2, learning_rate=0.01, random_state=0)
        clf.fit([[0.0, 614.0, 614.0, 0.0]], [0])
    assert np.isfinite(clf.loss_curve_).all() and clf.predict([[1.0, 2.0, 3.0, 4.0]]).tolist() == [0]


def test_continuous_and_multiclass_multioutput_targets_are_rejected():
    with pytest.raises(ValueError, match="Unknown label type"):
        TinyNetClassifier().fit([[0.0], [1.0], [2.0]], [0.5, 1.5, 2.5])
    with pytest.raises(ValueError, match="got 'multiclass-multioutput'"):
        TinyNetClassifier().fit([[0.0], [1.0], [2.0]], [[0, 1], [1, 2], [2, 0]])


def test_mape_is_rejected_for_classification_with_a_reason():
    with pytest.raises(ValueError, match="loss='mape' cannot train a classifier"):
        TinyNetClassifier(loss="mape").fit([[0.0], [1.0]], [0, 1])


# -- multilabel ----------------------------------------------------------------


def _multilabel(n=200):
    X, _ = make_sum_threshold(n, random_state=0)
    Y = np.column_stack([X[:, 0] > 0.5, X[:, 1] + X[:, 2] > 1.0, X.sum(axis=1) > 2.5]).astype(int)
    return X, Y


def test_multilabel_targets_train_one_sigmoid_per_label_as_mlp():
    X, Y = _multilabel()
    clf = TinyNetClassifier((16,), epochs=150, learning_rate=0.01, random_state=0).fit(X, Y)
    assert clf.out_activation_ == "sigmoid" and clf._objective.loss == "binary_crossentropy"
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    proba = clf.predict_proba(X)
    assert proba.shape == (200, 3) and not np.allclose(proba.sum(axis=1), 1.0)
    predicted = clf.predict(X)
    np.testing.assert_array_equal(predicted, (proba > 0.5).astype(int))
    assert clf.score(X, Y) > 0.8  # subset accuracy, as for MLPClassifier
    decision = clf.decision_function(X)
    assert decision.shape == (200, 3)
    np.testing.assert_array_equal(decision > 0, predicted == 1)


def test_multilabel_rejects_losses_over_one_distribution():
    X, Y = _multilabel(20)
    with pytest.raises(ValueError, match="multilabel targets need a loss per label"):
        TinyNetClassifier(loss="categorical_crossentropy").fit(X, Y)


# -- decision_function -----------------------------------------------------------


@pytest.mark.parametrize("loss", ["auto", "hinge", "mse", "categorical_crossentropy"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_decision_function_agrees_with_predict(loss, n_classes):
    X, _ = make_sum_threshold(150, random_state=0)
    y = np.minimum((X.sum(axis=1) * n_classes / 5).astype(int), n_classes - 1)
    clf = TinyNetClassifier((8,), loss=loss, epochs=30, learning_rate=0.01, random_state=0).fit(X, y)
    decision = clf.decision_function(X)
    if n_classes == 2:
        assert decision.shape == (150,)
        np.testing.assert_array_equal(clf.classes_[(decision > 0).astype(int)], clf.predict(X))
    else:
        assert decision.shape == (150, n_classes)
        np.testing.assert_array_equal(clf.classes_[decision.argmax(axis=1)], clf.predict(X))


# -- class_weight and partial_fit ---------------------------------------------------


def test_class_weight_balanced_equals_the_matching_sample_weights():
    X, _ = make_sum_threshold(120, random_state=0)
    y = np.where(np.arange(120) < 90, "a", "b")
    params = dict(hidden_layer_sizes=(8,), epochs=10, random_state=0)
    balanced = TinyNetClassifier(**params, class_weight="balanced").fit(X, y)
    weights = np.where(y == "a", 120 / (2 * 90), 120 / (2 * 30))
    explicit = TinyNetClassifier(**params).fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(balanced.coefs_[0], explicit.coefs_[0], rtol=1e-10)
    as_dict = TinyNetClassifier(**params, class_weight={"a": 1.0, "b": 3.0}).fit(X, y)
    by_hand = TinyNetClassifier(**params).fit(X, y, sample_weight=np.where(y == "a", 1.0, 3.0))
    np.testing.assert_allclose(as_dict.coefs_[0], by_hand.coefs_[0], rtol=1e-10)


def test_partial_fit_needs_classes_first_and_keeps_them():
    X, _ = make_sum_threshold(60, random_state=0)
    y = np.where(X[:, 0] > 0.5, "yes", "no")
    clf = TinyNetClassifier((8,), random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call to partial_fit"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[y == "no"], y[y == "no"], classes=["no", "yes", "maybe"])  # a batch of one class
    np.testing.assert_array_equal(clf.classes_, ["maybe", "no", "yes"])
    clf.partial_fit(X, y)
    assert clf.predict_proba(X).shape == (60, 3)
    with pytest.raises(ValueError, match=r"labels \['never'\] not seen in the first fit"):
        clf.partial_fit(X[:2], ["never", "yes"])
    with pytest.raises(ValueError, match="class_weight='balanced' needs the class frequencies"):
        TinyNetClassifier(class_weight="balanced").partial_fit(X, y, classes=["no", "yes"])


def test_warm_start_needs_the_same_classes():
    X, _ = make_sum_threshold(60, random_state=0)
    y = np.arange(60) % 3
    clf = TinyNetClassifier((4,), epochs=2, warm_start=True, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="warm_start can only be used where `y` has the same classes"):
        clf.fit(X, y % 2)


@pytest.mark.parametrize("loss", ["categorical_crossentropy", "kl_divergence"])
def test_one_hot_y_under_a_categorical_loss_is_classes_as_in_scikeras(loss):
    X, labels = _blobs(3)
    Y = np.eye(3, dtype=int)[labels]
    clf = TinyNetClassifier((8,), loss=loss, learning_rate=0.02, epochs=60, random_state=0).fit(X, Y)
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    predicted = clf.predict(X)
    assert predicted.shape == (len(X), 3) and (predicted.sum(axis=1) == 1).all()  # one-hot rows back
    assert clf.score(X, Y) > 0.9 and clf.predict_proba(X).shape == (len(X), 3)
    clf.partial_fit(X[:10], Y[:10])  # continues with one-hot rows
    # Under a per-label loss the same matrix stays multilabel targets.
    multilabel = TinyNetClassifier((8,), epochs=5, random_state=0).fit(X, Y)
    assert multilabel.out_activation_ == "sigmoid"
