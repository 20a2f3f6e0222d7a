"""Early stopping's validation split: scikit-learn's ``train_test_split``, as row indices and lean.

MLP holds out ``validation_fraction`` of the rows with ``train_test_split``,
stratified by class for classifiers. Split as row indices, X is never copied;
but scikit-learn's ``StratifiedShuffleSplit`` gathers the indices in Python
lists (one integer object per row: measured 74 MB at its peak for 1,000,000
labels, 0.39x of a float32 X with 50 features). :func:`validation_rows` draws
the same random numbers in the same order with arrays, so it returns the
same rows (``tests/test_validation_split.py`` compares them with
scikit-learn's for several class layouts and seeds).
"""

import math

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils.extmath import _approximate_mode


def validation_rows(n_samples, fraction, rng, stratify=None):
    """Training and validation row indices, those of ``train_test_split(range(n_samples), ...)``.

    Parameters
    ----------
    n_samples : int
        Rows to split.
    fraction : float
        ``test_size``: the validation share, in (0, 1).
    rng : numpy.random.RandomState
        The generator, advanced as ``train_test_split`` advances it.
    stratify : ndarray of shape (n_samples,), default=None
        Class labels whose proportions both parts keep.

    Returns
    -------
    train, validation : ndarray of int
    """
    rows = np.arange(n_samples)
    if stratify is None:  # ShuffleSplit: one permutation of the rows, no per-row objects
        return tuple(train_test_split(rows, test_size=fraction, random_state=rng))
    n_test = math.ceil(fraction * n_samples)
    n_train = n_samples - n_test
    codes, counts = _class_codes(np.asarray(stratify))
    if counts.min() < 2 or min(n_train, n_test) < counts.shape[0]:
        # scikit-learn's own error for a class too small to split, or too few rows per part.
        return tuple(train_test_split(rows, test_size=fraction, random_state=rng, stratify=stratify))
    del rows
    # Each class's rows in ascending order, as scikit-learn's stable argsort of the codes lists them.
    members = [np.flatnonzero(codes == code) for code in range(counts.shape[0])]
    train_counts = _approximate_mode(counts, n_train, rng)
    test_counts = _approximate_mode(counts - train_counts, n_test, rng)
    train, test = [], []
    for rows_of_class, count, n_class_train, n_class_test in zip(
        members, counts, train_counts, test_counts, strict=True
    ):
        shuffled = rows_of_class.take(rng.permutation(count), mode="clip")
        train.append(shuffled[:n_class_train])
        test.append(shuffled[n_class_train : n_class_train + n_class_test])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def _class_codes(labels):
    """Codes 0..k-1 in the order of the sorted labels, and the count of each.

    The classifiers' labels are such codes already (every class present):
    then they are used as they are, without ``np.unique``'s sorted copies.
    """
    if labels.dtype.kind in "iu" and labels.ndim == 1 and labels.size and labels.min() >= 0:
        counts = np.bincount(labels)
        if counts.all():
            return labels, counts
    classes, codes = np.unique(labels, return_inverse=True)
    return codes.ravel(), np.bincount(codes.ravel(), minlength=classes.shape[0])
