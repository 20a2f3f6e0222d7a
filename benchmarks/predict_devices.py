"""Where prediction on an accelerator starts to pay: the NumPy path against the device path, by size.

``predict`` sends a call of at least ``_DEVICE_MIN_MULTIPLY_ADDS`` multiply-adds (rows x the network's
weights) to the Keras backend's accelerator. This times both paths, side by side in one run, on the
issue-27 networks for a range of row counts, and prints where the device path became the faster one, to
set that threshold from a measurement. Run it on a machine with a GPU, e.g.
``KERAS_BACKEND=jax python benchmarks/predict_devices.py`` (``device_session.sh`` runs it); on a CPU
both columns take the NumPy path. Medians of ``--repeats`` calls after one warm-up call each.
"""

import argparse
import itertools
import statistics
import time
import warnings

import numpy as np

NETWORKS = {"(64, 64), 20 features": (20, (64, 64)), "(512, 512), 100 features": (100, (512, 512))}
ROWS = (1_000, 10_000, 100_000, 1_000_000)


def median_seconds(estimator, X, repeats):
    estimator.predict(X)  # compiles, allocates, moves the weights
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        estimator.predict(X)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def main():
    from sknnlite import TinyNetRegressor, _prediction

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--max-rows", type=int, default=ROWS[-1])
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    threshold = _prediction._DEVICE_MIN_MULTIPLY_ADDS
    accelerator = _prediction._accelerator()
    print(f"Accelerator: {accelerator}; threshold now {threshold:.3g} multiply-adds.\n")
    print("| network | rows | multiply-adds | NumPy path | device path | NumPy ÷ device |")
    print("|---|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    try:
        for name, (features, hidden) in NETWORKS.items():
            X_fit = rng.standard_normal((256, features)).astype(np.float32)
            reg = TinyNetRegressor(hidden, epochs=1, random_state=0).fit(X_fit, X_fit[:, 0])
            widths = (features, *hidden, 1)
            weights = sum(a * b for a, b in itertools.pairwise(widths))
            for rows in (r for r in ROWS if r <= args.max_rows):
                X = rng.standard_normal((rows, features)).astype(np.float32)
                _prediction._DEVICE_MIN_MULTIPLY_ADDS = float("inf")
                on_numpy = median_seconds(reg, X, args.repeats)
                _prediction._DEVICE_MIN_MULTIPLY_ADDS = 0
                on_device = median_seconds(reg, X, args.repeats)
                print(
                    f"| {name} | {rows:,} | {rows * weights:.3g} | {on_numpy * 1e3:.2f} ms | "
                    f"{on_device * 1e3:.2f} ms | {on_numpy / on_device:.3g} |"
                )
    finally:
        _prediction._DEVICE_MIN_MULTIPLY_ADDS = threshold


if __name__ == "__main__":
    main()
