"""Peak memory of fit and predict on big tables, each case in a fresh process.

Run by hand, from the repository root::

    python benchmarks/memory.py [--rows 1000000 5000000] [--only fit predict] [--backend jax]

Each case starts a new Python process that imports TensorFlow (so only the
fit or prediction is counted), builds X with ``numpy.random.default_rng`` in
the dtype asked for (no float64 temporary), resets the kernel's peak-RSS
mark (``/proc/self/clear_refs``), runs the call and reports how far the
peak rose above the resident memory before it. Prints a Markdown table:
data size, extra peak, its ratio to the size of X, and the call's seconds.
Targets (issue 16): fit's extra peak at most 0.5x X; predict's bounded
whatever the number of rows. Linux only (``/proc``).
"""

import argparse
import json
import os
import subprocess
import sys

CASE = r"""
import json, os, sys, time, warnings
warnings.simplefilter("ignore")
import numpy as np
import keras  # noqa: F401  (the backend's import is not what is measured)
from sknnlite import TinyNetClassifier

def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024

case = json.loads(sys.argv[1])
rng = np.random.default_rng(0)
X = rng.standard_normal((case["rows"], 50), dtype=case["dtype"])
y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(np.int64)
extra = {}
if case.get("sample_weight"):
    extra["sample_weight"] = rng.uniform(0.5, 2.0, size=case["rows"])
params = dict(hidden_layer_sizes=case["hidden"], epochs=1, batch_size=case["batch"], tol=0.0, random_state=0)
params.update(case.get("params", {}))
clf = TinyNetClassifier(**params)
if case["call"] == "predict" or case.get("params", {}).get("warm_start"):
    clf.fit(X[:20_000], y[:20_000])  # a fitted network; for warm_start the measured fit continues it
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # reset the peak-RSS mark
before = status("VmRSS")
start = time.perf_counter()
if case["call"] == "fit":
    clf.fit(X, y, **extra)
else:
    clf.predict_proba(X)
seconds = time.perf_counter() - start
print(json.dumps({"extra": status("VmHWM") - before, "nbytes": X.nbytes, "seconds": seconds}))
"""


def _cases(rows, only):
    fits = []
    for n in rows:
        for dtype in ("float64", "float32"):
            for batch in (256, 32):
                fits.append({"call": "fit", "rows": n, "dtype": dtype, "batch": batch, "hidden": [32]})
    n = rows[0]
    for label, params in [
        ("warm_start", {"warm_start": True}),
        ("early_stopping", {"early_stopping": True, "n_iter_no_change": 100}),
        ("sample_weight", {}),
    ]:
        for dtype in ("float64", "float32"):
            case = {"call": "fit", "rows": n, "dtype": dtype, "batch": 256, "hidden": [32], "params": params}
            case["label"] = label
            case["sample_weight"] = label == "sample_weight"
            fits.append(case)
    predicts = [
        {
            "call": "predict",
            "rows": n,
            "dtype": "float64",
            "batch": 256,
            "hidden": [100],
            "label": "predict_proba",
        }
        for n in rows
    ]
    return [c for c in fits + predicts if c["call"] in only]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--only", nargs="+", default=["fit", "predict"], choices=["fit", "predict"])
    parser.add_argument("--backend", default=None, help="KERAS_BACKEND to use (default: Keras' own)")
    args = parser.parse_args(argv)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    if args.backend:
        env["KERAS_BACKEND"] = args.backend
    print("| call | rows x 50 | dtype | batch | hidden | case | X (MB) | extra peak (MB) | ratio | seconds |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for case in _cases(args.rows, args.only):
        done = subprocess.run(
            [sys.executable, "-c", CASE, json.dumps(case)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if done.returncode != 0:
            print(f"| {case['call']} | {case['rows']:,} | failed: {done.stderr.strip().splitlines()[-1]} |")
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        mb = 2**20
        cells = [
            case["call"],
            f"{case['rows']:,}",
            case["dtype"],
            case["batch"],
            tuple(case["hidden"]),
            case.get("label", "-"),
            f"{result['nbytes'] / mb:.0f}",
            f"{result['extra'] / mb:.0f}",
            f"{result['extra'] / result['nbytes']:.2f}",
            f"{result['seconds']:.1f}",
        ]
        print("| " + " | ".join(str(cell) for cell in cells) + " |", flush=True)


if __name__ == "__main__":
    main()
