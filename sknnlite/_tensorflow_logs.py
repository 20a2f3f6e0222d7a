"""Importing Keras without TensorFlow's C++ INFO lines that sknnlite's own use would trigger.

TensorFlow reads ``TF_CPP_MIN_LOG_LEVEL`` once, when it is imported. Left unset,
the XLA-compiled training loop logs four INFO lines ("XLA service ...
initialized", "Compiled cluster using XLA!") on the first fit, and the import
a CPU-features notice; none is actionable. When sknnlite is the one importing
TensorFlow and the user has not chosen a level, it imports it at level 1
(warnings and errors still show) and then removes the variable again, so child
processes and a user's own later settings are untouched. A user who set the
variable, or imported TensorFlow first, keeps their own level.

Some lines come before TensorFlow reads its level: on CPUs where oneDNN's
custom operations are on, TensorFlow 2.21's libraries each log ``oneDNN custom
operations are on`` at INFO during the import, after absl's ``WARNING: All log
messages before absl::InitializeLog() ...``. Those go straight to file
descriptor 2, so during the import descriptor 2 is a pipe to a small filter
process that passes every line on at once but those two kinds (a warning, an
error, a traceback all pass). A process, not a thread or a file: a fatal error
in the import (TensorFlow aborts where the CPU lacks AVX) kills this process
before it could write anything held back, and the filter still passes the
message on.
"""

import os
import subprocess
import sys

_QUIET_LEVEL = "1"  # hides INFO; WARNING and ERROR lines still show
# absl's notice before its first line, and an INFO line in absl's format ("I0000 00:00:... file.cc:1] ...").
_FILTER = r"""
import re, sys
dropped = re.compile(rb"WARNING: All log messages before absl::InitializeLog\(\)|I\d{4} \d\d:\d\d:\d\d")
for line in sys.stdin.buffer:
    if not dropped.match(line):
        sys.stdout.buffer.write(line)
        sys.stdout.buffer.flush()
"""


def import_keras_quietly():
    """Import Keras (and TensorFlow, if it is the backend) at TensorFlow log level 1 unless set."""
    if "keras" in sys.modules or "TF_CPP_MIN_LOG_LEVEL" in os.environ:
        return  # imported already, or the user's own level
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = _QUIET_LEVEL
    try:
        with _stderr_without_info_lines():
            import keras

            if keras.backend.backend() == "tensorflow":
                import tensorflow  # noqa: F401  (the level is read now)
    finally:
        os.environ.pop("TF_CPP_MIN_LOG_LEVEL", None)


class _stderr_without_info_lines:
    """File descriptor 2 through the ``_FILTER`` process for the duration; left as it is where that fails."""

    def __enter__(self):
        self._stderr = self._filter = None
        try:
            if sys.stderr is not None:
                sys.stderr.flush()
            stderr = os.dup(2)
        except OSError:  # no descriptor 2 (pythonw, some services)
            return self
        try:
            self._filter = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _FILTER], stdin=subprocess.PIPE, stdout=stderr
            )
        except (OSError, ValueError):  # no interpreter to start (an embedded Python)
            os.close(stderr)
            return self
        self._stderr = stderr
        os.dup2(self._filter.stdin.fileno(), 2)
        return self

    def __exit__(self, *exc_info):
        if self._stderr is None:
            return
        try:
            if sys.stderr is not None:
                sys.stderr.flush()  # Python's own writes (a warning) pass through the filter in their place
        finally:
            os.dup2(self._stderr, 2)
            os.close(self._stderr)
            self._filter.stdin.close()
            try:
                self._filter.wait(timeout=10)  # its lines are written before anything that follows
            except subprocess.TimeoutExpired:
                pass  # a process started in the import holds the pipe; the filter ends when it does
