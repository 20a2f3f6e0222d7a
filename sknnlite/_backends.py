"""Importing Keras for a fit or a load: quietly (``_tensorflow_logs``), and, where the backend Keras is
set to use is not installed, an error that says what to install.

Keras imports its backend's package when it is first imported, and a
missing one surfaces as a bare ``No module named 'torch'`` from deep inside
Keras. sknnlite imports Keras at the first ``fit`` or ``load``, so that is
where the clearer error is raised.
"""

from ._tensorflow_logs import import_keras_quietly

# Each backend's package: its name, how to install it, and how to get it on a GPU.
_INSTALL = {
    "tensorflow": (
        "TensorFlow",
        "pip install tensorflow (tensorflow-cpu on Linux and Windows x86_64, as sknnlite installs it)",
        'pip install "tensorflow[and-cuda]" (Linux)',
    ),
    "jax": ("JAX", 'pip install "sknnlite[jax]"', 'pip install "jax[cuda12]" (Linux)'),
    "torch": ("PyTorch", "pip install torch", "pip install torch (its Linux wheels include CUDA)"),
}
_PACKAGES = {"tensorflow": "tensorflow", "jax": "jax", "jaxlib": "jax", "torch": "torch"}


def import_keras():
    """Import Keras (quietly); raise ``ImportError`` saying what to install if its backend is missing."""
    try:
        import_keras_quietly()
        import keras  # noqa: F401  (imported above unless the user set TensorFlow's log level)
    except ModuleNotFoundError as error:
        backend = _PACKAGES.get((error.name or "").split(".")[0])
        if backend is None:
            raise
        name, install, gpu = _INSTALL[backend]
        raise ImportError(
            f"Keras is set to the {backend!r} backend (KERAS_BACKEND, or ~/.keras/keras.json), which needs "
            f"{name}, not installed here: {install}; for NVIDIA GPUs, {gpu}. Or choose another backend: "
            "KERAS_BACKEND=tensorflow (sknnlite's default, installed with it) or KERAS_BACKEND=jax."
        ) from error
