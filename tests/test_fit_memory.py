"""Fit on a large X takes no copy of it: blocks of rows are gathered and converted one at a time."""

import tracemalloc

import keras
import numpy as np
import pytest

from sknnlite import TinyNetClassifier
from sknnlite._training import compiled_loop, jax_blocked, padding

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.skipif(
        keras.backend.backend() not in ("tensorflow", "jax"),
        reason="the blocked loops are TensorFlow's and JAX's",
    ),
]


@pytest.mark.parametrize("params", [{}, {"early_stopping": True, "n_iter_no_change": 50}])
def test_fit_on_a_large_X_copies_neither_X_nor_its_training_part(monkeypatch, params):
    # Past the XLA loop's size at a quarter of the real thresholds, to keep the test quick.
    monkeypatch.setattr(padding, "_XLA_MAX_VALUES", 1 << 22)
    monkeypatch.setattr(padding, "_BLOCK_VALUES", 1 << 18)
    monkeypatch.setattr(compiled_loop, "_xla_compilations", [0])  # JAX's blocked loop counts against it
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100_000, 50))  # 40 MB
    y = (X[:, 0] > 0).astype(int)
    clf = TinyNetClassifier((8,), epochs=1, batch_size=128, random_state=0, **params)
    clf.fit(X[:50_000], y[:50_000])  # traces the blocked loop, which the measured fit reuses
    largest = _largest_array_sent_to_the_backend(monkeypatch)
    tracemalloc.start()
    try:
        clf.fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert 0 < largest[0] <= padding._BLOCK_VALUES  # the backend gets a block at a time
    # NumPy holds the epoch's order, targets, weights and labels (tens of bytes a row) and a block
    # (measured: 0.21x, with early stopping too); a copy of X, or of its training rows, would add 0.9-1.
    assert peak < 0.35 * X.nbytes, peak / X.nbytes
    assert clf.score(X[:10_000], y[:10_000]) > 0.8  # it trained (chance: 0.5)


def _largest_array_sent_to_the_backend(monkeypatch):
    """A one-item list that records the size of the largest NumPy array the blocked loop converts."""
    largest = [0]
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        convert = tf.convert_to_tensor

        def spy(value, *args, **kwargs):
            if isinstance(value, np.ndarray):
                largest[0] = max(largest[0], value.size)
            return convert(value, *args, **kwargs)

        monkeypatch.setattr(tf, "convert_to_tensor", spy)
    else:
        to_device = jax_blocked._device_arrays

        def spy(parts, dtype):
            largest[0] = max([largest[0], *(part.size for part in parts)])
            return to_device(parts, dtype)

        monkeypatch.setattr(jax_blocked, "_device_arrays", spy)
    return largest
