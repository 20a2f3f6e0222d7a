"""Test-session settings shared by tests/ and the doctests in sknnlite/."""

import os

# Keep TensorFlow's C++ start-up chatter out of test logs.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# scikit-learn's check_array_api_input is skipped unless SciPy was imported
# with array API support switched on, so switch it on before SciPy loads.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
# Compiled training loops go to a cache folder of this test session, not the user's cache (removed at exit).
if "SKNNLITE_CACHE_DIR" not in os.environ:
    import atexit
    import shutil
    import tempfile

    _cache_folder = tempfile.mkdtemp(prefix="sknnlite-test-cache-")
    os.environ["SKNNLITE_CACHE_DIR"] = _cache_folder
    atexit.register(shutil.rmtree, _cache_folder, ignore_errors=True)
