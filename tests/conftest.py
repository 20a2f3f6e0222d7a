"""Shared test set-up."""

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _seeded_global_numpy_random_state():
    # An estimator left at random_state=None draws from NumPy's global RandomState
    # (check_random_state(None)); seeding it per test keeps such fits reproducible,
    # so a rare unlucky initialisation cannot fail CI at random.
    state = np.random.get_state()  # noqa: NPY002 (the global state is the point)
    np.random.seed(0)  # noqa: NPY002
    yield
    np.random.set_state(state)  # noqa: NPY002
