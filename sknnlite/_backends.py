"""Importing Keras for a fit or a load: quietly (``_tensorflow_logs``), and, where the backend Keras is
set to use is not installed, an error that says what to install.

Keras imports its backend's package when it is first imported, and a
missing one surfaces as a bare ``No module named 'torch'`` from deep inside
Keras. sknnlite imports Keras at the first ``fit`` or ``load``, so that is
where the clearer error is raised.
"""

import importlib.util
import os

from ._tensorflow_logs import import_keras_quietly

# Each backend's package: its name, how to install it, and how to get it on a GPU. sknnlite itself
# installs no backend (pyproject.toml: one would be installed beside a TensorFlow the user has).
_INSTALL = {
    "tensorflow": (
        "TensorFlow",
        'pip install "sknnlite[tensorflow]" (or "sknnlite[tensorflow-cpu]", the CPU-only build)',
        'pip install "sknnlite[tensorflow-cuda]" (Linux)',
    ),
    "jax": ("JAX", 'pip install "sknnlite[jax]"', 'pip install "sknnlite[cuda]" (Linux)'),
    "torch": ("PyTorch", 'pip install "sknnlite[torch]"', "the same (PyPI's Linux wheels include CUDA)"),
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
            f"Keras is set to the {backend!r} backend (KERAS_BACKEND, or ~/.keras/keras.json; Keras' default "
            f"is 'tensorflow'), which needs {name}, not installed here: {install}; for NVIDIA GPUs, {gpu}. "
            f"{_other_backends(backend)}"
        ) from error
    _check_requested_jax_platforms()
    _check_requested_torch_device()


def _other_backends(missing):
    """How to switch to a backend that is installed here, or, with none, that one is needed."""
    installed = [
        backend
        for backend in _INSTALL
        if backend != missing and importlib.util.find_spec(backend) is not None
    ]
    if not installed:
        return "No Keras backend is installed here (sknnlite installs none itself): install one of the three."
    return "Or use one installed here: " + " or ".join(f"KERAS_BACKEND={b}" for b in installed) + "."


# JAX_PLATFORMS entries that name an accelerator, and its maker's install route.
_NVIDIA = (
    'NVIDIA GPUs: pip install "sknnlite[cuda]" (JAX\'s CUDA 12 build, Linux x86_64), then check nvidia-smi'
)
_JAX_ACCELERATORS = {
    "cuda": _NVIDIA,
    "gpu": _NVIDIA,
    "rocm": 'AMD GPUs: pip install "jax[rocm]" (Linux)',
    "tpu": 'TPUs: pip install "jax[tpu]"',
}


def _check_requested_jax_platforms():
    """On JAX, an accelerator that ``JAX_PLATFORMS`` asks for and that JAX cannot start fails the fit
    with what to install (JAX itself may say no more than ``AssertionError``)."""
    requested = [p.strip().lower() for p in os.environ.get("JAX_PLATFORMS", "").split(",") if p.strip()]
    accelerators = [p for p in requested if p in _JAX_ACCELERATORS]
    if not accelerators or "cpu" in requested:  # with "cpu" listed JAX falls back to the CPU
        return
    import keras

    if keras.backend.backend() != "jax":
        return
    import jax

    try:
        jax.devices()
    except Exception as error:
        routes = "; ".join(dict.fromkeys(_JAX_ACCELERATORS[p] for p in accelerators))
        raise RuntimeError(
            f"JAX_PLATFORMS={os.environ['JAX_PLATFORMS']!r} asks JAX for {', '.join(accelerators)}, "
            f"which this JAX cannot start ({type(error).__name__}: {error}). For {routes}. "
            "Or unset JAX_PLATFORMS to train on the CPU."
        ) from error


# KERAS_TORCH_DEVICE kinds that name an accelerator: how PyTorch says it has one, and how to get it.
_TORCH_ACCELERATORS = {
    "cuda": (
        lambda torch: torch.cuda.is_available(),
        "NVIDIA GPUs: pip install torch (PyPI's Linux x86_64 wheels include CUDA; the CPU build from "
        "download.pytorch.org/whl/cpu does not), then check nvidia-smi",
    ),
    "mps": (lambda torch: torch.backends.mps.is_available(), "Apple GPUs: PyTorch's macOS arm64 build"),
    "xpu": (
        lambda torch: hasattr(torch, "xpu") and torch.xpu.is_available(),
        "Intel GPUs: PyTorch's XPU build (pytorch.org's install page)",
    ),
}


def _check_requested_torch_device():
    """On PyTorch, a ``KERAS_TORCH_DEVICE`` accelerator that PyTorch cannot use fails the fit with what to
    install (PyTorch itself raises ``AssertionError: Torch not compiled with CUDA enabled``)."""
    requested = os.environ.get("KERAS_TORCH_DEVICE", "").strip()
    kind = requested.split(":")[0].lower()
    if kind not in _TORCH_ACCELERATORS:
        return
    import keras

    if keras.backend.backend() != "torch":
        return
    import torch

    available, route = _TORCH_ACCELERATORS[kind]
    if not available(torch):
        raise RuntimeError(
            f"KERAS_TORCH_DEVICE={requested!r} asks PyTorch for {kind}, which this PyTorch "
            f"({torch.__version__}) cannot use. For {route}. Or unset KERAS_TORCH_DEVICE to train on the "
            "device PyTorch finds."
        )
