"""The compilation cache on disk: where it lives, how it is keyed, and that no fault in it fails a fit.

The fault tests run fits in fresh processes, as a user's scripts meet the cache: damaged entries,
processes killed while they compile and write, processes writing at once, folders that cannot be
used, a full disk. Each fit must give the weights a fit with the cache off gives. They run on JAX,
the backend whose compiled programs sknnlite keeps (on TensorFlow the cache is off).
"""

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import pytest
from fresh_process import run_python

from sknnlite._training import compile_cache

_FIT_SCRIPT = textwrap.dedent(
    """
    import hashlib, warnings
    from sklearn.exceptions import ConvergenceWarning
    warnings.simplefilter("ignore", ConvergenceWarning)  # 3 epochs: not converged, as meant
    from sknnlite import TinyNetClassifier
    from sknnlite._training import compile_cache
    from sknnlite.datasets import make_sum_threshold
    X, y = make_sum_threshold(60, random_state=0)
    est = TinyNetClassifier((6,), epochs=3, random_state=0).fit(X, y)
    weights = b"".join(w.tobytes() for w in [*est.coefs_, *est.intercepts_])
    print("weights", hashlib.sha256(weights).hexdigest())
    print("folder", compile_cache.configure())
    """
)
needs_jax = pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed")


def _environment(cache_dir, backend="jax"):
    """A user's environment: no TensorFlow or XLA settings of the test session, the cache at ``cache_dir``."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("TF_", "XLA_"))}
    return {**env, "SKNNLITE_CACHE_DIR": str(cache_dir), "KERAS_BACKEND": backend}


def _printed(stdout):
    """(weights digest, folder used) as the fit script prints them."""
    lines = dict(line.split(" ", 1) for line in stdout.splitlines() if " " in line)
    return lines["weights"], lines["folder"]


def _fit(cache_dir, backend="jax"):
    """A fit in a fresh process: (weights digest, folder used, stderr)."""
    done = run_python("-c", _FIT_SCRIPT, env=_environment(cache_dir, backend))
    return (*_printed(done.stdout), done.stderr)


def _start_fit(cache_dir, preexec_fn=None):
    return subprocess.Popen(
        [sys.executable, "-c", _FIT_SCRIPT],
        env=_environment(cache_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=preexec_fn,
    )


def _finish(process):
    """What ``_fit`` returns, for a fit started with ``_start_fit``."""
    stdout, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr[-3000:]
    return (*_printed(stdout), stderr)


def _entries(folder):
    return sorted(path for path in folder.rglob(f"*{compile_cache._SUFFIX}"))


def _temporaries(folder):
    return [path for path in folder.rglob("*") if path.name.startswith(compile_cache._TEMPORARY_PREFIX)]


def _files_written(folder):
    """Each entry's file (device, inode): renaming a newly written entry into place changes it."""
    return {path.name: (path.stat().st_dev, path.stat().st_ino) for path in _entries(folder)}


def _assert_all_entries_whole(folder):
    for path in _entries(folder):
        assert compile_cache.unpack(path.read_bytes()) is not None, f"{path.name} is damaged"


@pytest.fixture(scope="module")
def reference_weights():
    """The weights of the same fit with the cache off."""
    weights, folder, _ = _fit("off")
    assert folder == "None"
    return weights


@pytest.fixture(scope="module")
def _filled_once(tmp_path_factory):
    """A cache folder one JAX process filled, and a copy of it as it was."""
    root = tmp_path_factory.mktemp("cache")
    _fit(root)
    assert _entries(root), "the first process wrote no compiled program"
    pristine = tmp_path_factory.mktemp("pristine") / "cache"
    shutil.copytree(root, pristine)
    return root, pristine


@pytest.fixture
def filled_cache(_filled_once):
    """The filled cache folder, as the first process left it.

    Always the same folder: JAX's keys include the folder's path (its compile options name it).
    """
    root, pristine = _filled_once
    shutil.rmtree(root)
    shutil.copytree(pristine, root)
    return root


# Pure functions, in this process.


def test_an_entry_is_read_back_only_whole():
    stored = compile_cache.pack(b"compiled program")
    assert compile_cache.unpack(stored) == b"compiled program"
    damaged = {
        "truncated": stored[: len(stored) // 2],
        "cut before its digest": stored[:10],
        "zero-filled": bytes(len(stored)),
        "garbage": os.urandom(len(stored)),
        "one byte changed": stored[:-1] + bytes([stored[-1] ^ 1]),
        "empty": b"",
    }
    for kind, content in damaged.items():
        assert compile_cache.unpack(content) is None, kind


def test_the_folder_name_changes_with_whatever_the_code_was_compiled_for():
    base = ("0.10.2", "0.10.2", "", "x86_64\nflags=avx2")
    names = {
        compile_cache.jax_folder_name(*base),
        compile_cache.jax_folder_name("0.10.3", *base[1:]),
        compile_cache.jax_folder_name(base[0], "0.10.3", *base[2:]),
        compile_cache.jax_folder_name(*base[:2], "--xla_cpu_use_thunk_runtime=false", base[3]),
        compile_cache.jax_folder_name(*base[:3], "x86_64\nflags=avx2 avx512f"),
    }
    assert len(names) == 5
    assert compile_cache.jax_folder_name(*base).startswith("jax-0.10.2-")


def test_the_cpu_description_names_the_machine_and_its_features():
    import platform

    import numpy

    described = compile_cache.cpu_description()
    assert platform.machine() in described
    if numpy.__version__ >= "2":
        from numpy._core._multiarray_umath import __cpu_features__
    else:
        from numpy.core._multiarray_umath import __cpu_features__
    present = [name for name, on in __cpu_features__.items() if on]
    assert all(name in described for name in present)
    if os.path.exists("/proc/cpuinfo"):
        assert "flags=" in described or "Features=" in described


def test_a_damaged_entry_is_removed_when_read(tmp_path):
    cache = compile_cache.CheckedFileCache(tmp_path, tmp_path)
    cache.put("program", b"compiled")
    assert cache.get("program") == b"compiled"
    path = tmp_path / f"program{compile_cache._SUFFIX}"
    path.write_bytes(path.read_bytes()[:20])
    assert cache.get("program") is None
    assert not path.exists()
    assert cache.get("missing") is None
    assert _temporaries(tmp_path) == []


def test_a_failed_write_leaves_nothing_and_warns_once(tmp_path, monkeypatch):
    compile_cache._warned.clear()
    cache = compile_cache.CheckedFileCache(tmp_path, tmp_path)

    def full_disk(path, value):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(compile_cache, "_write_new", full_disk)
    with pytest.warns(RuntimeWarning, match=f"cannot write to the folder {tmp_path}.*No space left"):
        cache.put("program", b"compiled")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cache.put("other", b"compiled")  # the cache is off for this process now: no second warning
    assert list(tmp_path.iterdir()) == []
    compile_cache._warned.clear()


def test_pruning_removes_the_entries_used_longest_ago_first(tmp_path):
    now = time.time()
    for age, name in enumerate(["newest", "middle", "oldest"]):
        path = tmp_path / "jax-0" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"x" * 100)
        os.utime(path, (now - 1000 * age, now - 1000 * age))
    compile_cache.prune(tmp_path, 250)
    assert [path.name for path in sorted(tmp_path.rglob("*")) if path.is_file()] == ["middle", "newest"]
    compile_cache.prune(tmp_path, 250)  # within the bound: nothing more goes
    assert len(list((tmp_path / "jax-0").iterdir())) == 2
    compile_cache.prune(tmp_path, 0)
    assert list((tmp_path / "jax-0").iterdir()) == []


def test_pruning_leaves_another_process_writing_alone_but_not_a_dead_ones_debris(tmp_path):
    writing = tmp_path / f"{compile_cache._TEMPORARY_PREFIX}live"
    dead = tmp_path / f"{compile_cache._TEMPORARY_PREFIX}dead"
    for path in (writing, dead):
        path.write_bytes(b"x" * 100)
    old = time.time() - 2 * compile_cache._STALE_TEMPORARY_SECONDS
    os.utime(dead, (old, old))
    compile_cache.prune(tmp_path, 0)
    assert writing.exists() and not dead.exists()


def test_reading_an_entry_keeps_it_from_pruning(tmp_path):
    cache = compile_cache.CheckedFileCache(tmp_path, tmp_path)
    for name in ("read", "unread"):
        cache.put(name, b"x" * 100)
        old = time.time() - 1000
        os.utime(tmp_path / f"{name}{compile_cache._SUFFIX}", (old, old))
    assert cache.get("read") == b"x" * 100
    compile_cache.prune(tmp_path, 200)
    assert [path.stem for path in _entries(tmp_path)] == ["read"]


@pytest.mark.parametrize("value", ["", "off", "OFF"])
def test_an_empty_or_off_setting_turns_the_cache_off(monkeypatch, value):
    monkeypatch.setenv("SKNNLITE_CACHE_DIR", value)
    assert compile_cache.cache_root() is None


def test_the_default_folder_is_the_users_cache_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("SKNNLITE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    expected = tmp_path / "sknnlite" if sys.platform not in ("win32", "darwin") else None
    if expected is not None:
        assert compile_cache.cache_root() == expected
    monkeypatch.setenv("SKNNLITE_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert compile_cache.cache_root() == tmp_path / "elsewhere"


# Fresh processes, as users' scripts meet the cache.


@pytest.mark.slow
def test_tensorflow_keeps_no_programs_and_ignores_what_earlier_versions_left(tmp_path):
    pytest.importorskip("tensorflow")
    # What sknnlite 0.x left: TensorFlow's own entries, one truncated (it failed every later fit).
    old = tmp_path / "tensorflow-2.21.0"
    old.mkdir()
    (old / "xla_compile_cache__1__2__XLA_CPU_JIT.pb").write_bytes(os.urandom(1000))
    weights, folder, stderr = _fit(tmp_path, backend="tensorflow")
    assert folder == "None"
    assert not old.exists(), "the folder TensorFlow no longer reads was left behind"
    assert list(tmp_path.iterdir()) == []
    for line in ("OutOfRange", "text_format", "SIGILL", "XlaSerializedCacheEntry"):
        assert line not in stderr
    assert _fit("off", backend="tensorflow")[0] == weights


@pytest.mark.slow
@needs_jax
def test_a_second_process_reuses_what_the_first_compiled_and_prints_nothing(filled_cache):
    import jax
    import jaxlib

    before = _files_written(filled_cache)
    _, folder, stderr = _fit(filled_cache)
    name = compile_cache.jax_folder_name(
        jax.__version__, jaxlib.__version__, None, compile_cache.cpu_description()
    )
    assert folder == str(filled_cache / name)
    assert stderr == ""
    # Every program the first process kept was found: none written again (a write makes a new file).
    assert {name: _files_written(filled_cache).get(name) for name in before} == before


@pytest.mark.slow
@needs_jax
@pytest.mark.parametrize("damage", ["truncated", "garbage", "zero-filled"])
def test_a_damaged_entry_is_compiled_again_once(filled_cache, reference_weights, damage):
    loops = [path.name for path in _entries(filled_cache) if path.name.startswith("jit_run_epochs")]
    assert loops
    for path in _entries(filled_cache):
        size = path.stat().st_size
        content = {
            "truncated": path.read_bytes()[: size // 2],
            "garbage": os.urandom(size),
            "zero-filled": bytes(size),
        }[damage]
        path.write_bytes(content)
    weights, _, stderr = _fit(filled_cache)
    assert weights == reference_weights
    assert stderr == ""
    # Replaced by whole entries: the next process reads them and compiles nothing.
    _assert_all_entries_whole(filled_cache)
    assert set(loops) <= {path.name for path in _entries(filled_cache)}


@pytest.mark.slow
@needs_jax
def test_processes_killed_while_they_compile_and_write_leave_a_cache_that_works(tmp_path, reference_weights):
    start = time.perf_counter()
    _fit(tmp_path / "timing")
    whole_run = time.perf_counter() - start
    folder = tmp_path / "cache"
    # Killed at moments spread over a run's second half (tracing, compiling, writing), then once as soon
    # as its first file appears.
    for fraction in (0.6, 0.8, 0.95, None):
        process = _start_fit(folder)
        deadline = time.perf_counter() + (whole_run * fraction if fraction else whole_run * 3)
        while time.perf_counter() < deadline and process.poll() is None:
            if fraction is None and folder.exists() and any(path.is_file() for path in folder.rglob("*")):
                break
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.communicate()
    weights, _, stderr = _fit(folder)
    assert weights == reference_weights
    assert stderr == ""
    _assert_all_entries_whole(folder)


@pytest.mark.slow
@needs_jax
def test_three_processes_compiling_into_an_empty_folder(tmp_path, reference_weights):
    processes = [_start_fit(tmp_path) for _ in range(3)]
    for process in processes:
        weights, _, stderr = _finish(process)
        assert stderr == ""
        assert weights == reference_weights
    _assert_all_entries_whole(tmp_path)
    assert _entries(tmp_path) and _temporaries(tmp_path) == []


@pytest.mark.slow
@needs_jax
@pytest.mark.parametrize("kind", ["a file", "a folder that cannot be created"])
def test_a_cache_folder_that_cannot_be_used_warns_once_and_the_fit_goes_on(tmp_path, reference_weights, kind):
    if kind == "a file":
        path = tmp_path / "cache"
        path.write_text("not a folder")
    else:
        if not os.path.isdir("/proc/self"):
            pytest.skip("needs /proc, where no folder can be created")
        path = "/proc/self/sknnlite-cache"
    weights, folder, stderr = _fit(path)
    assert weights == reference_weights
    assert folder == "None"
    warnings_printed = [line for line in stderr.splitlines() if "RuntimeWarning" in line]
    assert len(warnings_printed) == 1, stderr
    assert f"compilation cache is off in this process: cannot use the folder {path}" in stderr


@pytest.mark.slow
@needs_jax
@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs POSIX file size limits")
def test_a_full_disk_warns_once_and_leaves_no_half_entry(tmp_path, reference_weights):
    import resource

    def small_disk():
        # Writes past 1 kB fail as on a full disk (EFBIG), instead of killing the process.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))

    weights, _, stderr = _finish(_start_fit(tmp_path, preexec_fn=small_disk))
    assert weights == reference_weights
    assert stderr.count("RuntimeWarning") == 1, stderr
    assert "cannot write to the folder" in stderr
    assert _entries(tmp_path) == [] and _temporaries(tmp_path) == []
