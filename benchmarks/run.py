"""Benchmarks: sknnlite against scikit-learn's MLP, plain Keras, SciKeras, keras.wrappers and skorch.

Run by hand, from the repository root::

    pip install ".[tensorflow-cpu,bench]" && python benchmarks/run.py

skorch trains the same network in PyTorch (``pip install ".[tensorflow-cpu,bench,torch]"``; where
PyTorch is missing, its rows say so).

Every workload is timed for every contender in this one process; the table
gives the median over ``--runs`` runs (fewer when one run of a slow contender
exceeds the time budget; the table says how many), the first run apart (it
pays for tracing), and sknnlite's median divided by each baseline's. Writes
``benchmarks/RESULTS.md`` and ``benchmarks/results.png``.
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV

sys.path.insert(0, str(Path(__file__).parent))
import contenders as c

from sknnlite.datasets import make_extrapolation, make_sum_threshold

HERE = Path(__file__).parent


def measure(fn, runs, budget):
    """Call ``fn(seed)`` for seeds 0, 1, ... up to ``runs`` times, stopping once ``budget`` seconds are spent.

    Returns the time of each call and what each call returned.
    """
    times, results = [], []
    start = time.perf_counter()
    for seed in range(runs):
        t0 = time.perf_counter()
        results.append(fn(seed))
        times.append(time.perf_counter() - t0)
        if time.perf_counter() - start + times[-1] > budget:
            break
    return times, results


def _rmse(model, X, y):
    return float(np.sqrt(np.mean((np.ravel(model.predict(X)) - y) ** 2)))


def _accuracy(model, X, y):
    return float(np.mean(np.ravel(model.predict(X)) == y))


def w1():
    X, y = make_extrapolation(240_000, random_state=0)
    X_test, y_test = make_extrapolation(10_000, random_state=1)
    options = dict(epochs=1, batch_size=8, optimizer="adam", learning_rate=0.01)
    entries = {
        name: (lambda seed, f=f: f("regression", (), random_state=seed, **options))
        for name, f in c.CONTENDERS.items()
    }
    entries["NumPy Adam loop"] = lambda seed: c.NumpyAdam(random_state=seed, **options)
    entries["least squares (closed form)"] = c.LeastSquares
    return (
        "W1 seed 1: 240000x4, no hidden layer, Adam lr 0.01, batch 8, 1 epoch",
        "fit",
        entries,
        (X, y, X_test, y_test, _rmse, "held-out RMSE"),
    )


W2_OPTIONS = dict(epochs=150, batch_size=32, optimizer="rmsprop", learning_rate=0.001)


def _w2_data():
    X, y = make_sum_threshold(250, random_state=0)
    X_test, y_test = make_sum_threshold(1000, random_state=1)
    return X, y, X_test, y_test


def w2():
    entries = {
        name: (lambda seed, f=f: f("classification", (20,), random_state=seed, **W2_OPTIONS))
        for name, f in c.CONTENDERS.items()
    }
    return (
        "W2 seed 2: 250x5 sum-threshold, Dense(20, relu) -> softmax, rmsprop, 150 epochs, batch 32",
        "fit",
        entries,
        (*_w2_data(), _accuracy, "held-out accuracy"),
    )


LEARNING_RATES = [0.001, 0.003, 0.01, 0.03]
ACTIVATIONS = ["relu", "tanh", "sigmoid"]


def _grid(name, seed):
    """(estimator, param_grid) for a 12-candidate search over learning rate x activation."""

    def keras_build_kwargs():
        return [{"learning_rate": lr, "activation": a} for lr in LEARNING_RATES for a in ACTIVATIONS]

    if name == "sknnlite":
        return c.sknnlite("classification", (20,), random_state=seed, **W2_OPTIONS), {
            "learning_rate": LEARNING_RATES,
            "activation": ACTIVATIONS,
        }
    if name == "MLP (scikit-learn)":
        return c.mlp("classification", (20,), random_state=seed, **W2_OPTIONS), {
            "learning_rate_init": LEARNING_RATES,
            "activation": ["relu", "tanh", "logistic"],
        }
    if name == "SciKeras":
        from scikeras.wrappers import KerasClassifier

        def build(meta, learning_rate=0.001, activation="relu"):
            return c._keras_model(
                "classification",
                meta["n_features_in_"],
                meta["n_classes_"],
                (20,),
                activation,
                "rmsprop",
                learning_rate,
            )

        return KerasClassifier(
            model=build,
            epochs=150,
            batch_size=32,
            verbose=0,
            model__learning_rate=0.001,
            model__activation="relu",
        ), {"model__learning_rate": LEARNING_RATES, "model__activation": ACTIVATIONS}
    if name == "keras.wrappers":
        from keras.wrappers import SKLearnClassifier

        def build(X, y, learning_rate=0.001, activation="relu"):
            model = c._keras_model(
                "classification", X.shape[1], y.shape[1], (20,), activation, "rmsprop", learning_rate
            )
            model.compile(optimizer=model.optimizer, loss="categorical_crossentropy")
            return model

        return SKLearnClassifier(model=build, fit_kwargs={"epochs": 150, "batch_size": 32, "verbose": 0}), {
            "model_kwargs": keras_build_kwargs()
        }
    if name == "skorch":
        return c.skorch_net(
            "classification", (20,), random_state=seed, n_features=5, n_outputs=2, **W2_OPTIONS
        ), {"lr": LEARNING_RATES, "module__activation": ACTIVATIONS}
    return None


class _Search:
    def __init__(self, name, n_jobs, seed):
        self.name, self.n_jobs, self.seed = name, n_jobs, seed

    def fit(self, X, y):
        estimator, grid = _grid(self.name, self.seed)
        if self.name == "skorch":  # PyTorch's layers take float32 rows and int64 labels
            X, y = X.astype(np.float32), y.astype(np.int64)
        self.search = GridSearchCV(estimator, grid, cv=3, n_jobs=self.n_jobs).fit(X, y)
        return self

    def predict(self, X):
        return self.search.predict(X.astype(np.float32) if self.name == "skorch" else X)


def w3():
    entries = {}
    for n_jobs in (1, 2):
        for name in ("sknnlite", "MLP (scikit-learn)", "SciKeras", "keras.wrappers", "skorch"):
            entries[f"{name} @ n_jobs={n_jobs}"] = lambda seed, name=name, n_jobs=n_jobs: _Search(
                name, n_jobs, seed
            )
    return (
        "W3: GridSearchCV over W2, 12 candidates (4 learning rates x 3 activations), cv=3",
        "fit",
        entries,
        (*_w2_data(), _accuracy, "held-out accuracy of best"),
    )


class _Predict:
    """Predict with a model fitted once on W2 data: one row (latency) or 240000 rows (throughput)."""

    def __init__(self, name, n_rows, **predict_options):
        self.name, self.n_rows, self.predict_options = name, n_rows, predict_options

    def prepare(self):
        X, y, _, _ = _w2_data()
        self.model = c.CONTENDERS[self.name]("classification", (20,), **dict(W2_OPTIONS, epochs=5)).fit(X, y)
        self.X = np.random.RandomState(0).uniform(size=(self.n_rows, 5))
        self.model.predict(self.X, **self.predict_options)  # the first call may trace; not timed

    def run(self):
        """Seconds per call: the median of 50 single-row calls, or one bulk call."""
        if self.n_rows == 1:
            calls = [time.perf_counter()]
            for _ in range(50):
                self.model.predict(self.X)
                calls.append(time.perf_counter())
            return float(np.median(np.diff(calls)))
        t0 = time.perf_counter()
        self.model.predict(self.X, **self.predict_options)
        return time.perf_counter() - t0


PREDICTORS = ("sknnlite", "MLP (scikit-learn)", "Keras model.fit", "SciKeras", "keras.wrappers", "skorch")


def w4_entries():
    rows = {}
    for n_rows in (1, 240_000):
        for name in PREDICTORS:
            label = "Keras model.predict" if name == "Keras model.fit" else name
            rows[f"{label} @ {n_rows} rows"] = _Predict(name, n_rows)
    rows["Keras model.predict(batch_size=4096) @ 240000 rows"] = _Predict(
        "Keras model.fit", 240_000, batch_size=4096
    )
    return rows


def w5():
    X, y = make_classification(60_000, 20, n_informative=10, random_state=0)
    options = dict(epochs=20, batch_size=32, optimizer="adam", learning_rate=0.001)
    entries = {
        name: (lambda seed, f=f: f("classification", (64, 64), random_state=seed, **options))
        for name, f in c.CONTENDERS.items()
    }
    return (
        "W5: 50000x20 make_classification, Dense(64) -> Dense(64) -> softmax, adam, 20 epochs, batch 32",
        "fit",
        entries,
        (X[:50_000], y[:50_000], X[50_000:], y[50_000:], _accuracy, "held-out accuracy"),
    )


def run_fit_workload(spec, runs, budget, only):
    title, _, entries, (X, y, X_test, y_test, quality, quality_name) = spec
    rows = []
    for name, make in entries.items():
        if only and not any(o in name for o in only):
            continue
        print(f"  {name} ...", file=sys.stderr, flush=True)
        try:
            # Each run fits with its own seed; quality is the median over runs.
            times, models = measure(lambda seed, make=make: make(seed).fit(X, y), runs, budget)
            rows.append((name, times, statistics.median(quality(m, X_test, y_test) for m in models)))
        except Exception as error:  # a baseline that cannot run here is reported, not hidden
            rows.append((name, None, f"failed: {type(error).__name__}: {str(error)[:80]}"))
    return title, quality_name, rows


def run_predict_workload(runs, budget, only):
    rows = []
    for name, timer in w4_entries().items():
        if only and not any(o in name for o in only):
            continue
        print(f"  {name} ...", file=sys.stderr, flush=True)
        try:
            timer.prepare()
            rows.append((name, [timer.run() for _ in range(runs)], ""))
        except Exception as error:
            rows.append((name, None, f"failed: {type(error).__name__}: {str(error)[:80]}"))
    return "W4: predict latency (1 row, median of 50 calls) and throughput (240000 rows)", "", rows


def import_time():
    code = (
        "import time; t = time.perf_counter(); import sknnlite, sknnlite.datasets, sys; "
        "print(time.perf_counter() - t, 'tensorflow' in sys.modules)"
    )
    results = [
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
        for _ in range(3)
    ]
    return statistics.median(float(r[0]) for r in results), results[0][1] == "True"


def machine():
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import keras
    import sklearn
    import tensorflow as tf

    return (
        f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores; Python "
        f"{platform.python_version()}, TensorFlow {tf.__version__}, Keras {keras.__version__}, "
        f"scikit-learn {sklearn.__version__}, NumPy {np.__version__}"
    )


def _fmt(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def table(title, quality_name, rows):
    """Markdown table; the ratio column is sknnlite's median over this row's median."""
    medians = {name: statistics.median(times) for name, times, _ in rows if times}
    lines = [
        f"### {title}",
        "",
        f"| contender | runs | first | median | sknnlite ÷ this | {quality_name} |",
        "|---|---|---|---|---|---|",
    ]
    for name, times, quality in rows:
        if times is None:
            lines.append(f"| {name} | - | - | - | - | {quality} |")
            continue
        own = _sknnlite_median(name, medians)
        ratio = f"{own / medians[name]:.3g}" if own else "-"
        q = f"{quality:.4g}" if isinstance(quality, float) else quality
        lines.append(f"| {name} | {len(times)} | {_fmt(times[0])} | {_fmt(medians[name])} | {ratio} | {q} |")
    return "\n".join(lines)


def _sknnlite_median(name, medians):
    """The sknnlite row comparable to ``name``: the same text after " @ " (n_jobs, rows)."""
    group = name.partition(" @ ")[2]
    for candidate, value in medians.items():
        if candidate.startswith("sknnlite") and candidate.partition(" @ ")[2] == group:
            return value
    return None


def _medians(results):
    """{(workload key, contender): (median seconds, quality)} for every timed row."""
    return {
        (key, name): (statistics.median(times), quality)
        for key, _, _, rows in results
        for name, times, quality in rows
        if times
    }


def target_lines(results):
    """Each target of the speed issue, with the measured ratio and whether it is met."""
    m = _medians(results)

    def ratio(key, ours, theirs):
        if (key, ours) not in m or (key, theirs) not in m:
            return None
        return m[key, ours][0] / m[key, theirs][0]

    checks = []
    w2_mlp = ratio("W2", "sknnlite", "MLP (scikit-learn)")
    if w2_mlp is not None:
        gap = abs(m["W2", "sknnlite"][1] - m["W2", "MLP (scikit-learn)"][1])
        checks.append(("W2 fit: sknnlite / MLPClassifier <= 1.0", w2_mlp, w2_mlp <= 1.0))
        checks.append(("W2 held-out accuracy within 2 points of MLPClassifier", gap, gap <= 0.02))
    w2_keras = ratio("W2", "sknnlite", "Keras model.fit")
    if w2_keras is not None:
        checks.append(("W2 fit: sknnlite / plain Keras defaults <= 0.1", w2_keras, w2_keras <= 0.1))
    for n_jobs in (1, 2):
        r = ratio("W3", f"sknnlite @ n_jobs={n_jobs}", f"MLP (scikit-learn) @ n_jobs={n_jobs}")
        if r is not None:
            checks.append((f"W3 grid, n_jobs={n_jobs}: sknnlite / MLPClassifier <= 1.0", r, r <= 1.0))
    w1 = ratio("W1", "sknnlite", "MLP (scikit-learn)")
    if w1 is not None:
        rmse = m["W1", "sknnlite"][1]
        checks.append(("W1 fit: sknnlite / MLPRegressor <= 1.0", w1, w1 <= 1.0))
        checks.append(("W1 held-out RMSE < 1e-3", rmse, rmse < 1e-3))
    one_row = ratio("W4", "sknnlite @ 1 rows", "MLP (scikit-learn) @ 1 rows")
    if one_row is not None:
        checks.append(("W4 predict 1 row: sknnlite / MLPClassifier <= 2", one_row, one_row <= 2.0))
    bulk = ratio("W4", "sknnlite @ 240000 rows", "Keras model.predict @ 240000 rows")
    if bulk is not None:
        checks.append(("W4 predict 240000 rows: sknnlite / model.predict <= 1", bulk, bulk <= 1.0))
    keras_w5 = [m[k][0] for k in m if k[0] == "W5" and k[1].startswith("Keras model.fit")]
    if ("W5", "sknnlite") in m and keras_w5:
        r = m["W5", "sknnlite"][0] / min(keras_w5)
        checks.append(("W5 fit: sknnlite / best plain Keras <= 1.1", r, r <= 1.1))
    return [f"- {'met' if ok else 'MISSED'}: {text} (measured {value:.3g})" for text, value, ok in checks]


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(results), 1, figsize=(10, 3.2 * len(results)))
    for ax, (_, title, _, rows) in zip(np.atleast_1d(axes), results, strict=True):
        timed = [(name, statistics.median(times)) for name, times, _ in rows if times]
        ax.barh(
            [n for n, _ in timed],
            [t for _, t in timed],
            color=["tab:orange" if n.startswith("sknnlite") else "tab:blue" for n, _ in timed],
            label="median time (sknnlite in orange)",
        )
        ax.set(
            xscale="log",
            title=title.split(":")[0] + ": " + title.split(":", 1)[1][:70],
            xlabel="seconds (log)",
            ylabel="contender",
        )
        ax.invert_yaxis()
        ax.legend(loc="lower right", fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--budget", type=float, default=120.0, help="seconds per contender and workload")
    parser.add_argument("--workloads", default="W1,W2,W3,W4,W5")
    parser.add_argument("--only", nargs="*", default=None, help="contender names to keep (substring match)")
    parser.add_argument("--no-write", action="store_true", help="print only; keep RESULTS.md as it is")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    import keras  # noqa: F401  (the one-off TensorFlow import stays out of every timing)

    wanted = args.workloads.split(",")
    seconds, tf_loaded = import_time()
    results = []
    start = time.perf_counter()
    for key, spec in (("W1", w1), ("W2", w2), ("W3", w3), ("W5", w5)):
        if key in wanted:
            print(f"{key} ...", file=sys.stderr, flush=True)
            results.append((key, *run_fit_workload(spec(), args.runs, args.budget, args.only)))
        if key == "W3" and "W4" in wanted:
            print("W4 ...", file=sys.stderr, flush=True)
            results.append(("W4", *run_predict_workload(args.runs, args.budget, args.only)))
    body = [table(*r[1:]) for r in results]
    header = [
        "# Benchmark results",
        "",
        f"Machine: {machine()}.",
        f"Generated by `python benchmarks/run.py --runs {args.runs}` in {time.perf_counter() - start:.0f} s.",
        f"`import sknnlite, sknnlite.datasets`: {seconds:.2f} s (median of 3 fresh processes); TensorFlow "
        f"imported: {tf_loaded}.",
        "",
        "Times are medians; 'first' is the first run in the process (sknnlite traces each new architecture "
        "once, there). 'sknnlite ÷ this' below 1 means sknnlite is faster. Keras itself is imported before "
        "any timing. Run k fits with seed k (random_state for sknnlite, MLP and SciKeras; Keras' global seed "
        "for plain Keras and keras.wrappers); the quality column is the median over runs.",
        "",
        "## Targets",
        "",
        *target_lines(results),
        f"- {'met' if not tf_loaded else 'MISSED'}: `import sknnlite` does not import TensorFlow",
        "",
        "## Tables",
        "",
    ]
    text = "\n".join(header) + "\n\n".join(body) + "\n\n![time per workload](results.png)\n"
    print(text)
    if not args.no_write:
        path = HERE / "RESULTS.md"
        marker = "<!-- as_users_run -->"  # the part benchmarks/as_users_run.py writes stays
        tail = path.read_text().partition(marker)[1:] if path.exists() else ()
        path.write_text(text + ("\n" + "".join(tail) if tail and tail[0] else ""))
        plot(results, HERE / "results.png")


if __name__ == "__main__":
    main()
