"""Test-session settings shared by tests/ and the doctests in sknnlite/."""

import os

# Keep TensorFlow's C++ start-up chatter out of test logs.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# scikit-learn's check_array_api_input is skipped unless SciPy was imported
# with array API support switched on, so switch it on before SciPy loads.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
