"""Small synthetic problems with known solutions, in the style of ``sklearn.datasets``.

They turn the project's two seed experiments into one-liners and add two
problems that tell a network with a hidden layer from a linear model. None of
them imports TensorFlow.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

__all__ = ["make_extrapolation", "make_noisy_sine", "make_sum_threshold", "make_xor"]


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "n_lags": [Interval(Integral, 2, None, closed="left")],
        "kind": [StrOptions({"slope", "next"})],
        "noise": [Interval(Real, 0, None, closed="left")],
        "return_coef": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_extrapolation(
    n_samples=1000, *, n_lags=4, kind="slope", noise=0.0, return_coef=False, random_state=None
):
    """Rows of uniform values whose target is a linear extrapolation.

    The first seed experiment: each row holds ``n_lags`` values drawn
    uniformly from [0, 1), and the target is linear in the last two, so a
    single ``Dense(1)`` layer without bias can fit it exactly.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of rows.
    n_lags : int, default=4
        Number of values per row (at least 2).
    kind : {"slope", "next"}, default="slope"
        ``"slope"``: ``y = x[-1] - x[-2]`` (exact weights ``[0, ..., -1, 1]``);
        ``"next"``: the next point of the line through the last two values,
        ``y = x[-1] + (x[-1] - x[-2])`` (exact weights ``[0, ..., -1, 2]``).
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to the target.
    return_coef : bool, default=False
        Also return the exact weights.
    random_state : int, RandomState instance or None, default=None
        Seeds the data.

    Returns
    -------
    X : ndarray of shape (n_samples, n_lags)
    y : ndarray of shape (n_samples,)
    coef : ndarray of shape (n_lags,)
        The exact weights, ``y = X @ coef`` (without noise). Only when
        ``return_coef=True``.

    Examples
    --------
    >>> from sknnlite.datasets import make_extrapolation
    >>> X, y, coef = make_extrapolation(5, return_coef=True, random_state=0)
    >>> coef
    array([ 0.,  0., -1.,  1.])
    >>> bool(abs(X @ coef - y).max() < 1e-12)
    True
    """
    rng = check_random_state(random_state)
    X = rng.uniform(size=(n_samples, n_lags))
    coef = np.zeros(n_lags)
    coef[-2:] = [-1.0, 1.0] if kind == "slope" else [-1.0, 2.0]
    y = X @ coef
    if noise:
        y = y + rng.normal(scale=noise, size=n_samples)
    return (X, y, coef) if return_coef else (X, y)


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "threshold": [None, Real],
        "labels": [StrOptions({"01", "pm1"})],
        "return_coef": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_sum_threshold(
    n_samples=250, *, n_features=5, threshold=None, labels="01", return_coef=False, random_state=None
):
    """Uniform rows labelled by whether their sum exceeds a threshold.

    The second seed experiment (a two-class problem whose boundary is the
    hyperplane ``sum(x) = threshold``).

    Parameters
    ----------
    n_samples : int, default=250
        Number of rows.
    n_features : int, default=5
        Values per row, uniform on [0, 1).
    threshold : float or None, default=None
        Class boundary; None means ``n_features / 2`` (balanced classes).
    labels : {"01", "pm1"}, default="01"
        ``"01"`` labels the classes 0 and 1; ``"pm1"`` labels them -1 and 1,
        as in the tutorial's hinge-loss experiment.
    return_coef : bool, default=False
        Also return the exact boundary ``(coef, intercept)``: class 1 where
        ``X @ coef + intercept > 0``.
    random_state : int, RandomState instance or None, default=None
        Seeds the data.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    coef, intercept : ndarray of shape (n_features,), float
        Only when ``return_coef=True``.

    Examples
    --------
    >>> from sknnlite.datasets import make_sum_threshold
    >>> X, y = make_sum_threshold(8, labels="pm1", random_state=1)
    >>> y
    array([-1, -1, -1, -1,  1, -1,  1,  1])
    """
    rng = check_random_state(random_state)
    threshold = n_features / 2 if threshold is None else float(threshold)
    X = rng.uniform(size=(n_samples, n_features))
    positive = X.sum(axis=1) > threshold
    y = np.where(positive, 1, -1 if labels == "pm1" else 0)
    return (X, y, np.ones(n_features), -threshold) if return_coef else (X, y)


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "noise": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_xor(n_samples=200, *, noise=0.0, random_state=None):
    """Two-dimensional XOR: the class is whether both coordinates share a sign.

    A linear model gets about two thirds of the points right at best (a
    diagonal cut through one quadrant); one hidden layer of two units can
    get them all, so it tells a network that uses its hidden layer from one
    that does not. With ``noise=0`` the best accuracy is 1.

    Parameters
    ----------
    n_samples : int, default=200
        Number of points, uniform on the square [-1, 1]^2.
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to the points after
        labelling (labels stay those of the clean points).
    random_state : int, RandomState instance or None, default=None
        Seeds the data.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
        1 where ``x0 * x1 > 0``, else 0.

    Examples
    --------
    >>> from sknnlite.datasets import make_xor
    >>> X, y = make_xor(4, random_state=0)
    >>> y
    array([1, 1, 0, 0])
    """
    rng = check_random_state(random_state)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    if noise:
        X = X + rng.normal(scale=noise, size=X.shape)
    return X, y


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "noise": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_noisy_sine(n_samples=200, *, noise=0.1, random_state=None):
    """One input on [-pi, pi] and the target ``sin(x)`` plus Gaussian noise.

    A regression that needs a nonlinearity: a linear model explains at most
    about 60% of the variance, and the best possible RMSE is ``noise``.

    Parameters
    ----------
    n_samples : int, default=200
        Number of points.
    noise : float, default=0.1
        Standard deviation of the noise, which is also the optimal RMSE.
    random_state : int, RandomState instance or None, default=None
        Seeds the data.

    Returns
    -------
    X : ndarray of shape (n_samples, 1)
    y : ndarray of shape (n_samples,)

    Examples
    --------
    >>> from sknnlite.datasets import make_noisy_sine
    >>> X, y = make_noisy_sine(3, noise=0.0, random_state=0)
    >>> import numpy as np
    >>> bool(abs(y - np.sin(X[:, 0])).max() == 0)
    True
    """
    rng = check_random_state(random_state)
    X = rng.uniform(-np.pi, np.pi, size=(n_samples, 1))
    y = np.sin(X[:, 0])
    if noise:
        y = y + rng.normal(scale=noise, size=n_samples)
    return X, y
