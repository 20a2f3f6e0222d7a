"""Speed as users meet it: default parameters on scikit-learn's datasets, and cold scripts.

Run by hand, from the repository root::

    pip install ".[tensorflow-cpu,bench]" && python benchmarks/as_users_run.py

Two suites, sknnlite against scikit-learn's MLP, side by side in one run:

* ``datasets``: ``make_pipeline(StandardScaler(), estimator)`` with default
  parameters (``random_state=0`` only), 5-fold ``cross_val_score`` on iris,
  wine, breast_cancer, digits (classifiers) and diabetes (regressors). One
  untimed warm-up run per contender, then timed runs alternating between the
  contenders; medians.
* ``cold``: a fresh ``python`` process per run executing a user's script
  (imports, a 12-candidate x 3-fold ``GridSearchCV`` on the seed tutorial's
  task, ``predict``), with ``n_jobs=1`` and ``n_jobs=-1``, sknnlite on
  TensorFlow (the default) and on JAX; runs alternate between the scripts;
  medians of wall time.
* ``backends``: the warm fit of the seed tutorial's network (250 rows, 150
  epochs, batch 32: ``run.py``'s W2) on Keras' JAX backend against
  TensorFlow, each in its own process (one untimed fit, then the median of
  7); processes alternate between the backends.

``pip install ".[tensorflow-cpu,bench,jax]"`` for the JAX rows.

Replaces the part of ``benchmarks/RESULTS.md`` between the ``<!-- as_users_run -->``
markers (``run.py`` keeps everything from the first one on when it rewrites the file, so
hand-written sections belong after ``<!-- /as_users_run -->``).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

HERE = Path(__file__).parent
MARKER, END_MARKER = "<!-- as_users_run -->", "<!-- /as_users_run -->"
DATASETS = ("iris", "wine", "breast_cancer", "digits", "diabetes")


def _estimator(contender, dataset):
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    from sknnlite import TinyNetClassifier, TinyNetRegressor

    regression = dataset == "diabetes"
    if contender == "sknnlite":
        return (TinyNetRegressor if regression else TinyNetClassifier)(random_state=0)
    return (MLPRegressor if regression else MLPClassifier)(random_state=0)


def _load(dataset):
    import sklearn.datasets

    return getattr(sklearn.datasets, f"load_{dataset}")(return_X_y=True)


def cross_validate(contender, dataset):
    """One user run: default estimator in a scaling pipeline, 5-fold cross_val_score; (seconds, score)."""
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = _load(dataset)
    pipeline = make_pipeline(StandardScaler(), _estimator(contender, dataset))
    start = time.perf_counter()
    scores = cross_val_score(pipeline, X, y, cv=5)
    return time.perf_counter() - start, float(scores.mean())


def datasets_suite(runs):
    rows = []
    for dataset in DATASETS:
        print(f"datasets: {dataset} ...", file=sys.stderr, flush=True)
        times = {"sknnlite": [], "MLP": []}
        scores = {}
        for contender in times:  # warm-up: imports, tracing, BLAS threads
            cross_validate(contender, dataset)
        for run in range(runs):
            order = ("sknnlite", "MLP") if run % 2 == 0 else ("MLP", "sknnlite")
            for contender in order:
                seconds, scores[contender] = cross_validate(contender, dataset)
                times[contender].append(seconds)
        ours, theirs = statistics.median(times["sknnlite"]), statistics.median(times["MLP"])
        rows.append((dataset, ours, theirs, ours / theirs, scores["sknnlite"], scores["MLP"]))
    return rows


COLD_SCRIPT = """\
import time
start = time.perf_counter()
from sklearn.model_selection import GridSearchCV
from sknnlite.datasets import make_sum_threshold
{imports}
X, y = make_sum_threshold(250, random_state=0)
grid = {grid}
search = GridSearchCV({estimator}, grid, cv=3, n_jobs={n_jobs}).fit(X, y)
search.predict(X)
print("score", search.best_score_)
"""


def _cold_grid(learning_rate_name):
    """The same 12 candidates for both contenders; MLP calls the learning rate learning_rate_init."""
    grid = {"hidden_layer_sizes": [(10,), (20,), (50,)], "activation": ["relu", "tanh"]}
    return {**grid, learning_rate_name: [0.001, 0.01]}


COLD_CONTENDERS = {
    "sknnlite": dict(
        imports="from sknnlite import TinyNetClassifier",
        estimator="TinyNetClassifier(random_state=0)",
        grid=_cold_grid("learning_rate"),
    ),
    "sknnlite on JAX": dict(
        imports="from sknnlite import TinyNetClassifier",
        estimator="TinyNetClassifier(random_state=0)",
        grid=_cold_grid("learning_rate"),
        env={"KERAS_BACKEND": "jax", "JAX_ENABLE_X64": "1"},
    ),
    "MLP": dict(
        imports="from sklearn.neural_network import MLPClassifier",
        estimator="MLPClassifier(random_state=0)",
        grid=_cold_grid("learning_rate_init"),
    ),
}


def _run_script(path, env=None):
    """``python path`` in a fresh process with ``env`` added; (wall seconds, exit included; its stdout)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-W", "ignore", str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    )
    return time.perf_counter() - start, done.stdout


def cold_run(path, env=None):
    """Wall time of ``python path`` in a fresh process, exit included; and the score it printed."""
    seconds, output = _run_script(path, env)
    return seconds, float(output.split("score")[-1])


def cold_suite(runs):
    folder = Path(tempfile.mkdtemp())
    scripts = {}
    for contender, spec in COLD_CONTENDERS.items():
        for n_jobs in (1, -1):
            path = folder / f"{contender}_{n_jobs}.py"
            code = {key: value for key, value in spec.items() if key != "env"}
            path.write_text(COLD_SCRIPT.format(n_jobs=n_jobs, **code))
            scripts[contender, n_jobs] = path
    times = {key: [] for key in scripts}
    scores = {}
    for run in range(runs):
        print(f"cold: run {run + 1} of {runs} ...", file=sys.stderr, flush=True)
        keys = list(scripts) if run % 2 == 0 else list(reversed(scripts))
        for key in keys:
            seconds, scores[key] = cold_run(scripts[key], COLD_CONTENDERS[key[0]].get("env"))
            times[key].append(seconds)
    return {key: (statistics.median(values), scores[key]) for key, values in times.items()}


WARM_FIT_SCRIPT = """\
import statistics, time
from sknnlite import TinyNetClassifier
from sknnlite.datasets import make_sum_threshold
X, y = make_sum_threshold(250, random_state=2)
est = TinyNetClassifier((20,), optimizer="rmsprop", epochs=150, batch_size=32, tol=0, random_state=0)
est.fit(X, y)
times = []
for _ in range(7):
    start = time.perf_counter()
    est.fit(X, y)
    times.append(time.perf_counter() - start)
print("seconds", statistics.median(times), "score", est.score(X, y))
"""
BACKENDS = {
    "tensorflow": {"KERAS_BACKEND": "tensorflow"},
    "jax": {"KERAS_BACKEND": "jax", "JAX_ENABLE_X64": "1"},
}


def backends_suite(runs):
    """Median warm fit seconds and training score per backend."""
    path = Path(tempfile.mkdtemp()) / "warm_fit.py"
    path.write_text(WARM_FIT_SCRIPT)
    times = {backend: [] for backend in BACKENDS}
    scores = {}
    for run in range(runs):
        print(f"backends: run {run + 1} of {runs} ...", file=sys.stderr, flush=True)
        for backend in BACKENDS if run % 2 == 0 else reversed(BACKENDS):
            _, output = _run_script(path, BACKENDS[backend])
            seconds, score = output.split("seconds")[-1].split("score")
            times[backend].append(float(seconds))
            scores[backend] = float(score)
    return {backend: (statistics.median(values), scores[backend]) for backend, values in times.items()}


def report(dataset_rows, cold, backends, runs, machine):
    lines = [
        MARKER,
        "## As users run it (`python benchmarks/as_users_run.py`)",
        "",
        f"Machine: {machine}. Medians of {runs} runs, contenders alternating.",
        "",
    ]
    targets = []
    if dataset_rows:
        lines += [
            "### Default parameters on scikit-learn's datasets",
            "",
            "`make_pipeline(StandardScaler(), est)` with default parameters (`random_state=0`), 5-fold "
            "`cross_val_score`, warm process (one untimed run first).",
            "",
            "| dataset | sknnlite | MLP | sknnlite ÷ MLP | sknnlite score | MLP score |",
            "|---|---|---|---|---|---|",
        ]
        for dataset, ours, theirs, ratio, our_score, their_score in dataset_rows:
            cells = [dataset, f"{ours:.2f} s", f"{theirs:.2f} s", f"{ratio:.2f}", f"{our_score:.3f}"]
            lines.append("| " + " | ".join([*cells, f"{their_score:.3f}"]) + " |")
            targets.append((f"{dataset}: time ratio <= 1.0", ratio, ratio <= 1.0))
            targets.append(
                (
                    f"{dataset}: score >= MLP's - 0.01",
                    our_score - their_score,
                    our_score >= their_score - 0.01,
                )
            )
        lines.append("")
    if cold:
        lines += [
            "### Cold scripts",
            "",
            "A fresh `python script.py` per run: imports, a 12-candidate x 3-fold `GridSearchCV` on the "
            "seed tutorial's task (250 rows, 5 features), `predict`; wall time including interpreter start "
            "and exit.",
            "",
            "| contender | n_jobs=1 | n_jobs=-1 | best CV score |",
            "|---|---|---|---|",
        ]
        for contender in [name for name in COLD_CONTENDERS if (name, 1) in cold]:
            (one, score), (many, _) = cold[contender, 1], cold[contender, -1]
            lines.append(f"| {contender} | {one:.2f} s | {many:.2f} s | {score:.3f} |")
        lines.append("")
        for n_jobs in (1, -1):
            ratio = cold["sknnlite", n_jobs][0] / cold["MLP", n_jobs][0]
            targets.append((f"cold script, n_jobs={n_jobs}: sknnlite / MLP <= 1.0", ratio, ratio <= 1.0))
        ratio = cold["sknnlite", -1][0] / cold["sknnlite", 1][0]
        targets.append(("cold script: sknnlite n_jobs=-1 / n_jobs=1 <= 1.0", ratio, ratio <= 1.0))
    if backends:
        lines += [
            "### Keras backends",
            "",
            "The seed tutorial's network (250 rows, `(20,)`, rmsprop, 150 epochs, batch 32: W2 above), warm "
            "fit in a process of its own per backend (one untimed fit, then the median of 7); JAX with "
            "`JAX_ENABLE_X64=1`, so both train in float64.",
            "",
            "| backend | warm fit | training accuracy |",
            "|---|---|---|",
        ]
        for backend, (seconds, score) in backends.items():
            lines.append(f"| {backend} | {seconds * 1000:.1f} ms | {score:.3f} |")
        lines.append("")
        ratio = backends["jax"][0] / backends["tensorflow"][0]
        targets.append(("JAX warm fit / TensorFlow warm fit <= 1.5", ratio, ratio <= 1.5))
    lines += ["### Targets", ""]
    lines += [f"- {'met' if ok else 'MISSED'}: {text} (measured {value:.3g})" for text, value, ok in targets]
    return "\n".join([*lines, "", END_MARKER]) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--suites", default="datasets,cold,backends")
    parser.add_argument("--no-write", action="store_true", help="print only; keep RESULTS.md as it is")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    sys.path.insert(0, str(HERE))
    from run import machine

    suites = args.suites.split(",")
    dataset_rows = datasets_suite(args.runs) if "datasets" in suites else []
    cold = cold_suite(args.runs) if "cold" in suites else {}
    backends = backends_suite(args.runs) if "backends" in suites else {}
    text = report(dataset_rows, cold, backends, args.runs, machine())
    print(text)
    if not args.no_write:
        write_results(HERE / "RESULTS.md", text)


def write_results(path, text):
    """Put ``text`` (``report``'s) between the markers in ``path``, keeping what comes before and after."""
    before, _, rest = path.read_text().partition(MARKER)
    _, end, after = rest.partition(END_MARKER)
    kept_after = after.lstrip("\n") if end else ""
    path.write_text(before.rstrip("\n") + "\n\n" + text + ("\n" + kept_after if kept_after else ""))


if __name__ == "__main__":
    main()
