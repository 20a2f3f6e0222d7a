"""What the engine tests share: a small weighted task, "two fits reached the same network", and
continued training (warm start, partial_fit) compared with ``model.fit``'s."""

import keras
import numpy as np

from sknnlite import TinyNetClassifier


def engine_data(n=70):
    """``n`` rows of 4 features, a learnable label and weights; 70 is not a whole number of batches of 16."""
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(n, 4))
    return X, (X.sum(axis=1) > 2).astype(int), rng.uniform(0.5, 2.0, size=n)


def assert_same_fit(a, b, loss_curves=True):
    """Same weights (to float rounding) and, unless told not to, the same loss curve."""
    if loss_curves:  # model.fit's epoch loss is the mean of its batches' weighted means
        np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-4)
    for ours, theirs in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


def assert_continued_fits_match_model_fit(settings):
    """Three warm-started fits and three ``partial_fit`` calls of an engine equal ``model.fit``'s.

    ``settings``: the classifier's parameters; any callback sends a fit through ``model.fit``.
    """
    X, y, _ = engine_data()
    model_fit = {"callbacks": [keras.callbacks.Callback()]}
    warm_settings = {**settings, "epochs": 3, "tol": 0.0, "warm_start": True}
    warm, reference = TinyNetClassifier(**warm_settings), TinyNetClassifier(**warm_settings, **model_fit)
    stepped, stepped_reference = TinyNetClassifier(**settings), TinyNetClassifier(**settings, **model_fit)
    for _ in range(3):
        warm.fit(X, y)
        reference.fit(X, y)
        stepped.partial_fit(X, y, classes=[0, 1])
        stepped_reference.partial_fit(X, y, classes=[0, 1])
    assert len(warm.loss_curve_) == 9 and len(stepped.loss_curve_) == 3
    assert_same_fit(warm, reference)
    assert_same_fit(stepped, stepped_reference)
