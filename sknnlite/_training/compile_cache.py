"""Compiled training loops kept on disk, so a new process does not compile them again.

Each new network shape compiles its training loop with XLA (0.5-1 s on a
2-core CPU, more than a warm fit), in every process: a fresh script, each of
joblib's loky workers. Both backends can keep compiled programs in files:
TensorFlow through ``--tf_xla_persistent_cache_directory`` in ``TF_XLA_FLAGS``
(read at its first XLA compilation), JAX through ``jax_compilation_cache_dir``
(read at its first compilation). Before its first fit in a process sknnlite
points them at a folder of the user's cache directory, unless the user chose
one already; ``SKNNLITE_CACHE_DIR`` moves the folder, and an empty value or
``off`` turns the cache off. The folder is kept under ``MAX_BYTES``: the
files written longest ago go first.

What a cache can reuse differs by backend (measured in ``benchmarks/RESULTS.md``):
JAX keys a program by its content, so any process reuses what any other
compiled; TensorFlow's key includes names numbered in the order a process
traced its functions, so it reuses programs when a script runs again as it
ran before.
"""

import os
import sys
import threading
from pathlib import Path

ENVIRONMENT_VARIABLE = "SKNNLITE_CACHE_DIR"
MAX_BYTES = 256 * 2**20
_TF_FLAG = "--tf_xla_persistent_cache_directory"
# JAX caches only programs that took this long to compile (its default, 1 s, is more than ours take).
_JAX_MIN_COMPILE_SECONDS = 0.1
_configured = []
_lock = threading.Lock()


def cache_root():
    """The cache folder: ``SKNNLITE_CACHE_DIR``, else the platform's user cache; None when off."""
    chosen = os.environ.get(ENVIRONMENT_VARIABLE)
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off") else Path(chosen).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "sknnlite" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "sknnlite"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sknnlite"


def configure():
    """Point the backend's compilation cache at sknnlite's folder, once per process.

    Returns the folder used, or None (cache off, the user's own cache, or a
    folder that cannot be written).
    """
    with _lock:
        if not _configured:
            _configured.append(_configure())
        return _configured[0]


def _configure():
    import keras

    root = cache_root()
    folder = None
    if root is not None:
        backend = keras.backend.backend()
        if backend == "tensorflow":
            folder = _configure_tensorflow(root)
        elif backend == "jax":
            folder = _configure_jax(root)
        if folder is not None:
            prune(root, MAX_BYTES)
    return folder


def _writable_folder(path):
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return path if os.access(path, os.W_OK) else None


def tensorflow_flags(current, folder):
    """``TF_XLA_FLAGS`` with sknnlite's cache folder added, or None if the user named a cache folder."""
    if _TF_FLAG in (current or ""):
        return None
    return f"{current or ''} {_TF_FLAG}={folder}".strip()


def _configure_tensorflow(root):
    import tensorflow as tf

    folder = _writable_folder(root / f"tensorflow-{tf.__version__}")
    if folder is None:
        return None
    flags = tensorflow_flags(os.environ.get("TF_XLA_FLAGS"), folder)
    if flags is None:
        return None
    # Left set: joblib's worker processes inherit it and share the folder.
    os.environ["TF_XLA_FLAGS"] = flags
    return folder


def _configure_jax(root):
    import jax

    if jax.config.jax_compilation_cache_dir:  # the user's own
        return None
    folder = _writable_folder(root / f"jax-{jax.__version__}")
    if folder is None:
        return None
    jax.config.update("jax_compilation_cache_dir", str(folder))
    if jax.config.jax_persistent_cache_min_compile_time_secs == 1.0:  # JAX's default, not the user's
        jax.config.update("jax_persistent_cache_min_compile_time_secs", _JAX_MIN_COMPILE_SECONDS)
    return folder


def prune(root, max_bytes):
    """Remove the files under ``root`` written longest ago until the rest take at most ``max_bytes``."""
    files = []
    for path in Path(root).rglob("*"):
        try:
            if path.is_file():
                stat = path.stat()
                files.append((stat.st_mtime, stat.st_size, path))
        except OSError:  # removed meanwhile by another process
            continue
    total = sum(size for _, size, _ in files)
    for _, size, path in sorted(files, key=lambda entry: entry[0]):
        if total <= max_bytes:
            break
        try:
            path.unlink()
        except OSError:
            continue
        total -= size
