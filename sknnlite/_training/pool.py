"""The process's trainers, kept for reuse by every thread and lent to one fit at a time.

Building and compiling a trainer costs far more than training a tiny
network, so trainers (a Keras model, its optimizer and their compiled loops)
outlive the fit that made them and serve the next fit of the same
architecture and objective, on any thread.
"""

import collections
import contextlib
import threading
import time

# Trainers kept idle for reuse, all threads together; each holds a small Keras model.
_CACHE_SIZE = 16


class TrainerPool:
    """Trainers kept for reuse by every thread of the process, each lent to one fit at a time.

    A trainer holds a Keras model and optimizer whose variables a fit
    overwrites, so two fits never share one; but a trainer, with the loops it
    compiled, goes back to the pool when its fit ends, for the next fit of
    its architecture on any thread, so the refit after threaded
    ``GridSearchCV`` workers compiles nothing. While every trainer of an
    architecture is out, a thread waits for one to come back rather than
    make (and compile) another, unless that architecture's last fit took
    longer than its first one's extra time (mostly compilation): on 2 cores
    a compilation beside another measured 2.8 s against 1.8 s alone, and
    slowed 30 ms fits running beside it 2-3x, so short fits run one after
    the other and long ones side by side.
    """

    def __init__(self):
        self._idle = collections.OrderedDict()  # key -> idle trainers; least recently returned key first
        self._seconds = collections.OrderedDict()  # key -> [first lend's seconds, a later one's or None]
        self._holders = collections.defaultdict(list)  # key -> the threads holding its trainers
        self._returned = threading.Condition()

    @contextlib.contextmanager
    def lend(self, key, make):
        """An idle trainer for ``key`` (else ``make()``), returned to the pool when the block ends."""
        try:
            hash(key)
        except TypeError:  # unhashable routed parameter values: no reuse
            yield make()
            return
        trainer = self._take(key)
        started = time.perf_counter()
        try:
            if trainer is None:
                trainer = make()
            yield trainer
        finally:
            self._give_back(key, trainer, time.perf_counter() - started)

    def _take(self, key):
        """An idle trainer for ``key``, or None (then the caller makes one); marks this thread a holder."""
        me = threading.get_ident()
        with self._returned:
            while True:
                idle = self._idle.get(key)
                holders = self._holders[key]
                seconds = self._seconds.get(key)
                if idle:
                    trainer = idle.pop()
                    break
                if not holders or me in holders or (seconds and seconds[1] and 2 * seconds[1] >= seconds[0]):
                    trainer = None
                    break
                self._returned.wait()
            holders.append(me)
            return trainer

    def _give_back(self, key, trainer, seconds):
        with self._returned:
            self._holders[key].remove(threading.get_ident())
            if not self._holders[key]:
                del self._holders[key]
            if trainer is not None:
                self._idle.setdefault(key, []).append(trainer)
                self._idle.move_to_end(key)
                while sum(map(len, self._idle.values())) > _CACHE_SIZE:
                    oldest_key, oldest = next(iter(self._idle.items()))
                    oldest.pop(0)
                    if not oldest:
                        del self._idle[oldest_key]
            times = self._seconds.pop(key, None)
            self._seconds[key] = [seconds, None] if times is None else [times[0], seconds]
            while len(self._seconds) > 64 * _CACHE_SIZE:
                self._seconds.popitem(last=False)
            self._returned.notify_all()

    def idle(self):
        """The idle trainers, least recently returned first (tests)."""
        with self._returned:
            return [trainer for trainers in self._idle.values() for trainer in trainers]


_pool = TrainerPool()


def lend_trainer(key, make):
    """The process's pool lends a trainer for ``key`` (``with lend_trainer(...) as trainer``)."""
    return _pool.lend(key, make)
