"""The compilation cache on disk: where it lives, that a second process reuses it, its size bound."""

import os
import sys
import textwrap
import time

import pytest
from fresh_process import run_python

from sknnlite._training import compile_cache

_FIT_SCRIPT = textwrap.dedent(
    """
    from sknnlite import TinyNetClassifier
    from sknnlite._training import compile_cache
    from sknnlite.datasets import make_sum_threshold
    X, y = make_sum_threshold(60, random_state=0)
    TinyNetClassifier((6,), epochs=3, random_state=0).fit(X, y)
    print("folder", compile_cache.configure())
    """
)


def _fit_in_a_new_process(cache_dir, extra_env=None):
    env = {**os.environ, "SKNNLITE_CACHE_DIR": str(cache_dir), **(extra_env or {})}
    env.pop("TF_XLA_FLAGS", None)
    done = run_python("-c", _FIT_SCRIPT, env=env)
    return done.stdout.split("folder")[-1].strip()


def _backend():
    import keras

    return keras.backend.backend()


def _files(folder):
    return sorted(path for path in folder.rglob("*") if path.is_file())


def _written(folder):
    """Each file with the time it was last written: a program compiled again would be written again."""
    return [(path, path.stat().st_mtime_ns) for path in _files(folder)]


def test_a_second_process_reuses_what_the_first_compiled(tmp_path):
    if _backend() not in ("tensorflow", "jax"):
        pytest.skip("the cache holds TensorFlow's and JAX's compiled programs; PyTorch's loop compiles none")
    folder = _fit_in_a_new_process(tmp_path)
    assert folder.startswith(str(tmp_path))
    written = _written(tmp_path)
    assert written, "the first process wrote no compiled program"
    # The same script again finds every program it needs and writes none, not even one it had.
    assert _fit_in_a_new_process(tmp_path) == folder
    assert _written(tmp_path) == written


@pytest.mark.parametrize("value", ["", "off", "OFF"])
def test_an_empty_or_off_setting_turns_the_cache_off(tmp_path, monkeypatch, value):
    monkeypatch.setenv("SKNNLITE_CACHE_DIR", value)
    assert compile_cache.cache_root() is None
    assert _fit_in_a_new_process(value) == "None"


def test_the_default_folder_is_the_users_cache_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("SKNNLITE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    expected = tmp_path / "sknnlite" if sys.platform not in ("win32", "darwin") else None
    if expected is not None:
        assert compile_cache.cache_root() == expected
    monkeypatch.setenv("SKNNLITE_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert compile_cache.cache_root() == tmp_path / "elsewhere"


def test_a_users_own_tensorflow_cache_folder_wins():
    assert compile_cache.tensorflow_flags(None, "/c") == "--tf_xla_persistent_cache_directory=/c"
    assert (
        compile_cache.tensorflow_flags("--tf_xla_auto_jit=1", "/c")
        == "--tf_xla_auto_jit=1 --tf_xla_persistent_cache_directory=/c"
    )
    assert compile_cache.tensorflow_flags("--tf_xla_persistent_cache_directory=/mine", "/c") is None


def test_pruning_removes_the_oldest_files_first(tmp_path):
    now = time.time()
    for age, name in enumerate(["newest", "middle", "oldest"]):
        path = tmp_path / "jax-0" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"x" * 100)
        os.utime(path, (now - 1000 * age, now - 1000 * age))
    compile_cache.prune(tmp_path, 250)
    assert [path.name for path in _files(tmp_path)] == ["middle", "newest"]
    compile_cache.prune(tmp_path, 250)  # within the bound: nothing more goes
    assert len(_files(tmp_path)) == 2
    compile_cache.prune(tmp_path, 0)
    assert _files(tmp_path) == []
