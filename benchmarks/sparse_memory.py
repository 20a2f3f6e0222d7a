"""Training on a large sparse matrix: peak memory and time, sknnlite against scikit-learn's MLP.

Run by hand, from the repository root::

    python benchmarks/sparse_memory.py [--rows 100000] [--features 50000] [--density 0.001]

Each contender runs in a fresh process: it builds the same random CSR matrix
(a TfidfVectorizer's output has this shape), imports its library, then fits
one epoch (batch 256, ``hidden_layer_sizes=(100,)``) and predicts. The table
gives the process's peak resident memory (VmHWM), the memory the data and
imports took before fitting, the fit's extra peak, and the fit time. The
target (issue 11): sknnlite's peak under 1.5 GB at 100000 x 50000, density
0.1%, without densifying the matrix.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import warnings


def _memory_mb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _data(rows, features, density):
    import numpy as np
    from scipy import sparse

    rng = np.random.default_rng(0)
    X = sparse.random(rows, features, density=density, format="csr", random_state=rng, dtype=np.float64)
    weights = rng.normal(size=features)
    y = (X @ weights > 0).astype(int)
    return X, y


def run_one(contender, rows, features, density):
    """Fit and predict in this process; print a JSON line with the measurements."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    warnings.simplefilter("ignore")
    X, y = _data(rows, features, density)
    if contender == "sknnlite":
        import tensorflow  # noqa: F401  (imported before the baseline, as in a warm session)

        from sknnlite import TinyNetClassifier

        est = TinyNetClassifier((100,), epochs=1, batch_size=256, random_state=0)
    else:
        from sklearn.neural_network import MLPClassifier

        est = MLPClassifier((100,), max_iter=1, batch_size=256, random_state=0)
    before = _memory_mb("VmRSS")
    started = time.perf_counter()
    est.fit(X, y)
    fit_seconds = time.perf_counter() - started
    accuracy = float((est.predict(X[:10000]) == y[:10000]).mean())
    print(
        json.dumps(
            {
                "contender": contender,
                "before_fit_mb": before,
                "peak_mb": _memory_mb("VmHWM"),
                "fit_s": fit_seconds,
                "train_accuracy_10k": accuracy,
                "data_mb": (X.data.nbytes + X.indices.nbytes + X.indptr.nbytes) / 2**20,
            }
        )
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=50_000)
    parser.add_argument("--density", type=float, default=0.001)
    parser.add_argument("--contender", choices=["sknnlite", "MLP"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.contender:
        run_one(args.contender, args.rows, args.features, args.density)
        return
    shape = ["--rows", str(args.rows), "--features", str(args.features), "--density", str(args.density)]
    results = []
    for contender in ("sknnlite", "MLP"):
        out = subprocess.run(
            [sys.executable, __file__, "--contender", contender, *shape],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    print(
        f"CSR {args.rows} x {args.features}, density {args.density}: {results[0]['data_mb']:.0f} MB of data"
    )
    print(
        "| contender | peak RSS (MB) | before fit (MB) | fit extra peak (MB) | fit (s) | accuracy, 10k rows |"
    )
    print("|---|---|---|---|---|---|")
    for r in results:
        extra = r["peak_mb"] - r["before_fit_mb"]
        print(
            f"| {r['contender']} | {r['peak_mb']:.0f} | {r['before_fit_mb']:.0f} | {extra:.0f} | "
            f"{r['fit_s']:.1f} | {r['train_accuracy_10k']:.3f} |"
        )


if __name__ == "__main__":
    main()
