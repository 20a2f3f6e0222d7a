"""What the engine tests share: a small weighted task, and "two fits reached the same network"."""

import numpy as np


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
