"""A backend that is asked for but not installed gets an error that says what to install."""

import importlib.util
import os

import pytest
from fresh_process import run_python

from sknnlite import _backends


def _failed_fit_error(unset=(), **environment):
    """The error line of a fit in a fresh process (``environment`` set, ``unset`` removed); it must fail."""
    script = "from sknnlite import TinyNetClassifier; TinyNetClassifier(epochs=1).fit([[0.0], [1.0]], [0, 1])"
    env = {**{k: v for k, v in os.environ.items() if k not in unset}, **environment}
    return run_python("-c", script, env=env, timeout=300, fails=True).stderr.strip().splitlines()[-1]


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None, reason="PyTorch is installed here")
def test_fit_on_a_backend_that_is_not_installed_says_what_to_install():
    last_line = _failed_fit_error(KERAS_BACKEND="torch")
    assert last_line.startswith("ImportError: Keras is set to the 'torch' backend")
    assert 'pip install "sknnlite[torch]"' in last_line
    installed = [b for b in ("tensorflow", "jax") if importlib.util.find_spec(b) is not None]
    assert "Or use one installed here: " + " or ".join(f"KERAS_BACKEND={b}" for b in installed) in last_line


@pytest.mark.skipif(importlib.util.find_spec("tensorflow") is not None, reason="TensorFlow is installed here")
def test_a_fit_on_keras_default_backend_without_tensorflow_names_the_extras_and_the_installed_backends():
    # sknnlite installs no backend; an environment made with "sknnlite[jax]" and no KERAS_BACKEND set.
    last_line = _failed_fit_error(unset=("KERAS_BACKEND",))
    assert last_line.startswith("ImportError: Keras is set to the 'tensorflow' backend")
    assert 'pip install "sknnlite[tensorflow]"' in last_line and "sknnlite[tensorflow-cpu]" in last_line
    if importlib.util.find_spec("jax") is not None:
        assert "Or use one installed here: KERAS_BACKEND=jax" in last_line


@pytest.mark.parametrize(
    "missing, expected",
    [
        ("jax", 'pip install "sknnlite[jax]"'),
        ("jaxlib.xla_client", 'pip install "sknnlite[jax]"'),
        ("tensorflow", 'pip install "sknnlite[tensorflow]"'),
    ],
)
def test_each_backends_package_names_its_install_command(monkeypatch, missing, expected):
    def missing_backend():
        raise ModuleNotFoundError(f"No module named {missing!r}", name=missing)

    monkeypatch.setattr(_backends, "import_keras_quietly", missing_backend)
    with pytest.raises(ImportError, match="for NVIDIA GPUs") as raised:
        _backends.import_keras()
    assert expected in str(raised.value)
    assert isinstance(raised.value.__cause__, ModuleNotFoundError)


def test_other_missing_modules_are_not_disguised(monkeypatch):
    def missing_other():
        raise ModuleNotFoundError("No module named 'h5py'", name="h5py")

    monkeypatch.setattr(_backends, "import_keras_quietly", missing_other)
    with pytest.raises(ModuleNotFoundError, match="h5py"):
        _backends.import_keras()


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed")
@pytest.mark.skipif(
    importlib.util.find_spec("jax_cuda12_plugin") is not None, reason="JAX's CUDA build is installed here"
)
def test_fit_on_a_jax_gpu_that_cannot_start_says_what_to_install():
    last_line = _failed_fit_error(KERAS_BACKEND="jax", JAX_PLATFORMS="cuda")
    assert last_line.startswith("RuntimeError: JAX_PLATFORMS='cuda' asks JAX for cuda, which this JAX cannot")
    assert 'pip install "sknnlite[cuda]"' in last_line and "unset JAX_PLATFORMS" in last_line


def test_a_cpu_fallback_in_jax_platforms_is_left_to_jax(monkeypatch):
    # "cuda,cpu" runs on the CPU where no GPU starts: nothing to check, nothing imported for it.
    monkeypatch.setenv("JAX_PLATFORMS", "cuda,cpu")
    monkeypatch.setattr(_backends, "import_keras_quietly", lambda: None)
    _backends._check_requested_jax_platforms()


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="PyTorch is not installed here")
def test_fit_on_a_torch_device_that_pytorch_cannot_use_says_what_to_install():
    import torch

    if torch.cuda.is_available():
        pytest.skip("PyTorch uses a CUDA GPU here")
    last_line = _failed_fit_error(KERAS_BACKEND="torch", KERAS_TORCH_DEVICE="cuda")
    assert last_line.startswith("RuntimeError: KERAS_TORCH_DEVICE='cuda' asks PyTorch for cuda, which this")
    assert "pip install torch" in last_line and "unset KERAS_TORCH_DEVICE" in last_line
