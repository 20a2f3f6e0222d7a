"""Compiled training loops kept on disk, so a new process does not compile them again.

Each new network shape compiles its training loop with XLA (0.5-1 s on a
2-core CPU, more than a warm fit), in every process: a fresh script, each of
joblib's loky workers. On Keras' JAX backend, sknnlite keeps JAX's compiled
programs in a folder of the user's cache directory, unless the user chose a
JAX cache folder already. ``SKNNLITE_CACHE_DIR`` moves the folder, and an
empty value or ``off`` turns the cache off.

The cache can never fail a fit or change its result:

* Entries are written to a temporary file and renamed into place, so a
  process killed while writing, or a full disk, leaves no half entry where
  another process would read it. Each entry carries a SHA-256 digest of its
  contents; one that does not match (truncated, overwritten, zero-filled) is
  removed and its program compiled again, once, not in every process.
* Machine code is reused only where it was compiled for: the folder is named
  after the versions of JAX and jaxlib, ``XLA_FLAGS`` and the CPU (model and
  feature flags), so machines sharing a home directory keep apart.
* A folder that cannot be created or written, or a write that fails, turns
  the cache off for the process with one warning that names the folder.
* The folder is kept under ``MAX_BYTES``: the entries used longest ago go
  first, at the first fit of a process and after every ``MAX_BYTES // 8`` it
  writes; removing a file another process is reading does not disturb it.

TensorFlow's own persistent XLA cache is not used: it fails every later fit
on a truncated entry (``OutOfRangeError``), prints errors on every hit, and is
keyed by TensorFlow's version only. Nothing sknnlite writes replaces it there
(its programs name variables in the order a process traced them, so they are
found again only when a script re-runs exactly), so on TensorFlow each process
compiles its loops.
"""

import hashlib
import logging
import os
import platform
import shutil
import sys
import threading
import time
import uuid
import warnings
from pathlib import Path

ENVIRONMENT_VARIABLE = "SKNNLITE_CACHE_DIR"
MAX_BYTES = 256 * 2**20
# JAX caches only programs that took this long to compile (its default, 1 s, is more than ours take).
_JAX_MIN_COMPILE_SECONDS = 0.1
# An entry: this header, the SHA-256 digest of the rest, then JAX's bytes.
_MAGIC = b"sknnlite-xla-1\n"
_DIGEST_BYTES = 32
_SUFFIX = ".xla"
_TEMPORARY_PREFIX = ".writing-"
# A temporary file this old belongs to a process that died while writing it.
_STALE_TEMPORARY_SECONDS = 600
_configured = []
_warned = []
_lock = threading.Lock()
logger = logging.getLogger("sknnlite")


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

    Returns the folder used, or None (cache off, TensorFlow or PyTorch, the
    user's own JAX cache, or a folder that cannot be written).
    """
    with _lock:
        if not _configured:
            _configured.append(_configure())
        return _configured[0]


def _configure():
    import keras

    root = cache_root()
    if root is None:
        return None
    _remove_tensorflow_folders(root)
    if keras.backend.backend() != "jax":
        return None
    return _configure_jax(root)


def cpu_description():
    """What machine code compiled here depends on: the architecture, the CPU model and its features."""
    parts = [platform.machine(), platform.processor()]
    try:  # Linux: the first processor's model and feature flags
        first_processor = Path("/proc/cpuinfo").read_text(errors="replace").split("\n\n")[0]
    except OSError:
        first_processor = ""
    wanted = (
        "vendor_id",
        "cpu family",
        "model",
        "model name",
        "flags",
        "CPU implementer",
        "CPU part",
        "Features",
    )
    for line in first_processor.splitlines():
        name, _, value = line.partition(":")
        if name.strip() in wanted:
            parts.append(f"{name.strip()}={value.strip()}")
    try:  # every platform: the features NumPy detected at run time
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:  # NumPy 1
        from numpy.core._multiarray_umath import __cpu_features__
    parts.append(",".join(sorted(name for name, present in __cpu_features__.items() if present)))
    return "\n".join(parts)


def jax_folder_name(jax_version, jaxlib_version, xla_flags, cpu):
    """The JAX folder's name: its versions in clear, then a digest of everything the code depends on."""
    key = "\n".join([jax_version, jaxlib_version, xla_flags or "", cpu])
    return f"jax-{jax_version}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def _configure_jax(root):
    import jax
    import jaxlib

    if jax.config.jax_compilation_cache_dir:  # the user's own
        return None
    name = jax_folder_name(
        jax.__version__, jaxlib.__version__, os.environ.get("XLA_FLAGS"), cpu_description()
    )
    folder = root / name
    problem = _unusable(folder)
    if problem is not None:
        _warn_once(f"cannot use the folder {folder} ({problem})")
        return None
    cache = CheckedFileCache(folder, root)
    if not _install_in_jax(cache):
        return None
    jax.config.update("jax_compilation_cache_dir", str(folder))
    if jax.config.jax_persistent_cache_min_compile_time_secs == 1.0:  # JAX's default, not the user's
        jax.config.update("jax_persistent_cache_min_compile_time_secs", _JAX_MIN_COMPILE_SECONDS)
    prune(root, MAX_BYTES)
    return folder


def _unusable(folder):
    """Why ``folder`` cannot hold the cache (created if missing, a file written there), or None."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f"{_TEMPORARY_PREFIX}{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        return error.strerror or type(error).__name__
    return None


def _install_in_jax(cache):
    """Make ``cache`` JAX's persistent cache; False where this JAX keeps it elsewhere."""
    try:
        from jax._src import compilation_cache
    except ImportError:
        return False
    names = ("_cache", "_cache_initialized", "_cache_initialized_mutex")
    if not all(hasattr(compilation_cache, name) for name in names):
        return False
    # JAX's own file cache reads a damaged entry again in every process and writes in place.
    with compilation_cache._cache_initialized_mutex:
        if compilation_cache._cache_initialized or compilation_cache._cache is not None:
            return False  # JAX compiled with a cache of its own before sknnlite's first fit
        compilation_cache._cache = cache
        compilation_cache._cache_initialized = True
    return True


class CheckedFileCache:
    """JAX's ``get`` / ``put`` over files that are written whole and checked when read.

    Parameters
    ----------
    folder : pathlib.Path
        Where the entries are.
    root : pathlib.Path
        The folder kept under ``MAX_BYTES``, ``folder`` or one above it.
    """

    def __init__(self, folder, root):
        self._path = Path(folder)
        self._root = Path(root)
        self._written_since_prune = 0
        self._writable = True
        self._lock = threading.Lock()

    def _entry(self, key):
        return self._path / f"{key}{_SUFFIX}"

    def get(self, key):
        """The bytes stored under ``key``, or None (missing or damaged; a damaged entry is removed)."""
        path = self._entry(key)
        try:
            stored = path.read_bytes()
        except OSError:  # missing, or removed by another process's pruning
            return None
        value = unpack(stored)
        if value is None:
            logger.info("sknnlite: removed a damaged compiled program from the cache: %s", path)
            _remove(path)
            return None
        try:  # recently used: pruning keeps it longer
            os.utime(path)
        except OSError:
            pass
        return value

    def put(self, key, value):
        """Store ``value`` under ``key``: written to a temporary file, then renamed into place."""
        if not self._writable:
            return
        path = self._entry(key)
        temporary = self._path / f"{_TEMPORARY_PREFIX}{uuid.uuid4().hex}"
        try:
            _write_new(temporary, pack(value))
            os.replace(temporary, path)
        except OSError as error:
            _remove(temporary)
            if not self._path.is_dir():  # removed meanwhile (the user cleared the cache)
                return
            self._writable = False
            _warn_once(f"cannot write to the folder {self._path} ({error.strerror or error})")
            return
        with self._lock:
            self._written_since_prune += len(value)
            due = self._written_since_prune > MAX_BYTES // 8
            if due:
                self._written_since_prune = 0
        if due:
            prune(self._root, MAX_BYTES)


def pack(value):
    """An entry's bytes on disk: a header, the digest of ``value``, ``value``."""
    return _MAGIC + hashlib.sha256(value).digest() + value


def unpack(stored):
    """The value of an entry written by :func:`pack`, or None if it is not one (damaged)."""
    start = len(_MAGIC) + _DIGEST_BYTES
    if len(stored) < start or not stored.startswith(_MAGIC):
        return None
    value = stored[start:]
    if hashlib.sha256(value).digest() != stored[len(_MAGIC) : start]:
        return None
    return value


def _write_new(path, data):
    with open(path, "xb") as file:
        file.write(data)


def _remove(path):
    try:
        path.unlink()
    except OSError:  # removed meanwhile, or not ours to remove
        pass


def _warn_once(problem):
    if _warned:
        return
    _warned.append(problem)
    warnings.warn(
        f"sknnlite's compilation cache is off in this process: {problem}. Fits work as before but "
        f"compile their loops again. Set {ENVIRONMENT_VARIABLE} to a folder you can write, or to 'off'.",
        RuntimeWarning,
        stacklevel=2,
    )


def _remove_tensorflow_folders(root):
    """Drop TensorFlow's cache folders that earlier sknnlite versions wrote: nothing reads them now."""
    try:
        folders = [path for path in root.glob("tensorflow-*") if path.is_dir()]
    except OSError:
        return
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def prune(root, max_bytes):
    """Remove the files under ``root`` used longest ago until the rest take at most ``max_bytes``.

    Another process's temporary file is left alone unless it is old enough to
    be a dead process's; every step tolerates files that other processes
    remove or add meanwhile.
    """
    files = []
    now = time.time()
    for path in Path(root).rglob("*"):
        try:
            if not path.is_file():
                continue
            stat = path.stat()
        except OSError:  # removed meanwhile by another process
            continue
        if path.name.startswith(_TEMPORARY_PREFIX):
            if now - stat.st_mtime > _STALE_TEMPORARY_SECONDS:
                _remove(path)
            continue
        files.append((stat.st_mtime, stat.st_size, path))
    total = sum(size for _, size, _ in files)
    for _, size, path in sorted(files, key=lambda entry: entry[0]):
        if total <= max_bytes:
            break
        _remove(path)
        total -= size
