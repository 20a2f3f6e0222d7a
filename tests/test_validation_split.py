import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from sknnlite._validation_split import validation_rows


def _labels(layout, rng):
    if layout == "binary":
        return rng.randint(0, 2, size=1000)
    if layout == "imbalanced":
        return np.repeat([0, 1, 2], [2, 5, 93])
    if layout == "tied counts":
        return rng.permutation(np.repeat(np.arange(7), 30))
    if layout == "strings":
        return rng.choice(np.array(["cat", "dog", "emu"]), size=301)
    return None  # unstratified


@pytest.mark.parametrize("layout", ["binary", "imbalanced", "tied counts", "strings", None])
@pytest.mark.parametrize("fraction", [0.1, 0.25, 0.33])
@pytest.mark.parametrize("seed", [0, 1, 42])
def test_the_rows_are_those_of_scikit_learns_split_and_the_generator_moves_as_far(layout, fraction, seed):
    labels = _labels(layout, np.random.RandomState(100 + seed))
    n = 500 if labels is None else labels.shape[0]
    ours_rng, theirs_rng = np.random.RandomState(seed), np.random.RandomState(seed)
    train, validation = validation_rows(n, fraction, ours_rng, stratify=labels)
    expected = train_test_split(np.arange(n), test_size=fraction, random_state=theirs_rng, stratify=labels)
    np.testing.assert_array_equal(train, expected[0])
    np.testing.assert_array_equal(validation, expected[1])
    assert ours_rng.randint(2**31) == theirs_rng.randint(2**31)


def test_a_class_too_small_to_split_gets_scikit_learns_error():
    labels = np.array([0, 0, 0, 1, 1, 1, 2])
    with pytest.raises(ValueError, match="least populated class"):
        validation_rows(7, 0.3, np.random.RandomState(0), stratify=labels)
