"""Many consecutive fits in one process: memory and time per fit must not grow.

Run by hand, from the repository root::

    python benchmarks/many_fits.py [--fits 200] [--backend jax]

Fits one small TinyNetClassifier ``--fits`` times in this process (a long
GridSearchCV does the same) and prints the resident memory after fit 1, 20,
100 and the last, the median fit time of the first 20 fits (after the first,
which traces) and of the last 20, their ratio, and whether Keras' global
name counters moved (a new layer, model or optimizer per fit would).
"""

import argparse
import os
import statistics
import sys
import time
import warnings


def _rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fits", type=int, default=200)
    parser.add_argument("--backend", default=None, help="KERAS_BACKEND to use (default: Keras' own)")
    args = parser.parse_args(argv)
    if args.backend:
        os.environ["KERAS_BACKEND"] = args.backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    warnings.simplefilter("ignore")

    import keras
    from keras.src.backend.common import global_state

    from sknnlite import TinyNetClassifier
    from sknnlite.datasets import make_sum_threshold

    X, y = make_sum_threshold(250, random_state=0)
    est = TinyNetClassifier(hidden_layer_sizes=(20,), epochs=50, random_state=0)
    seconds, rss, counters = [], {}, {}
    for fit in range(1, args.fits + 1):
        started = time.perf_counter()
        est.fit(X, y)
        seconds.append(time.perf_counter() - started)
        if fit in (1, 20, 100, args.fits):
            rss[fit] = _rss_mb()
            counters[fit] = dict(global_state.get_global_attribute("name_uid_map", default={}))

    first = statistics.median(seconds[1:21])
    last = statistics.median(seconds[-20:])
    print(f"backend: {keras.backend.backend()}, fits: {args.fits}, python {sys.version.split()[0]}")
    print("| after fit | resident memory (MB) |")
    print("|---|---|")
    for fit, value in rss.items():
        print(f"| {fit} | {value:.1f} |")
    print(f"growth from fit 20 to fit {args.fits}: {rss[args.fits] - rss[20]:+.1f} MB")
    print(f"median fit time, fits 2-21: {first * 1000:.1f} ms; last 20 fits: {last * 1000:.1f} ms")
    print(f"last / first: {last / first:.2f}")
    unchanged = counters[20] == counters[args.fits]
    print(f"Keras name counters unchanged from fit 20 to fit {args.fits}: {unchanged}")


if __name__ == "__main__":
    main()
