"""Running Python in a fresh process, as a user's new session or script does."""

import subprocess
import sys


def run_python(*arguments, cwd=None, env=None, timeout=600, fails=False):
    """Run this interpreter with ``arguments`` (``"-c", code`` or a script's path and its arguments).

    Returns the finished process (``stdout``, ``stderr`` as text); a failed run fails the test with
    the end of its stderr, where the error is. With ``fails=True`` the run must fail instead (a test of
    the error a user sees).
    """
    done = subprocess.run(
        [sys.executable, *arguments], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    if fails:
        assert done.returncode != 0, done.stdout[-3000:]
    else:
        assert done.returncode == 0, done.stderr[-3000:]
    return done
