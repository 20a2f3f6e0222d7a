"""Ctrl-C during training lands between compiled calls, never inside the Python code around one.

A KeyboardInterrupt raised inside the Python code around a compiled call
does harm there: ``tf.function`` takes its (re-entrant) lock, then checks the
call's arguments in Python before releasing it, so an interrupt landing
there leaves the lock held and any later call of that function from another
thread (joblib's threading backend borrows pooled trainers) waits forever;
on JAX, an interrupt raised as the first call returns loses that call's
compiling and epochs. While :class:`InterruptsBetweenCalls` is active, Ctrl-C is counted
instead; the training loop calls :meth:`~InterruptsBetweenCalls.check`
between its compiled calls, which raises the KeyboardInterrupt there. A press
still pending after ``_PATIENCE_SECONDS`` (one call running that long)
raises at once: the user asked twice.
"""

import signal
import threading
import time

_PATIENCE_SECONDS = 5.0


class InterruptsBetweenCalls:
    """Context manager: Ctrl-C raises at :meth:`check` (or on leaving), not wherever Python runs.

    Active only in the main thread while Python's default SIGINT handler is
    installed (where a KeyboardInterrupt is what Ctrl-C means); otherwise it
    changes nothing.
    """

    def __init__(self):
        self._pressed_at = None
        self._previous = None

    def __enter__(self):
        if (
            threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler
        ):
            self._previous = signal.signal(signal.SIGINT, self._pressed)
        return self

    def _pressed(self, signum, frame):
        now = time.monotonic()
        if self._pressed_at is None:
            self._pressed_at = now
        elif now - self._pressed_at > _PATIENCE_SECONDS:  # the running call outlasted the user's patience
            self._pressed_at = None
            raise KeyboardInterrupt

    def check(self):
        """Raise the KeyboardInterrupt of a press since the last check."""
        if self._pressed_at is not None:
            self._pressed_at = None
            raise KeyboardInterrupt

    def __exit__(self, kind, error, traceback):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None
        if kind is None:
            self.check()  # a press during the last call
        return False
