"""Tuning as users meet it: the first grid search in a process, fresh scripts, n_jobs (issue 25).

Run by hand, from the repository root::

    pip install ".[tensorflow-cpu,bench,jax]" && python benchmarks/tuning.py

Every run is a fresh ``python`` process, so every grid is the first in its
process; sknnlite and scikit-learn's MLP alternate, medians of ``--runs``.

* ``architecture``: ``GridSearchCV`` over ``hidden_layer_sizes`` (10,), (50,),
  (100,), (50, 50) x ``activation`` relu/tanh x two learning rates, 3-fold,
  on breast_cancer in a ``StandardScaler`` pipeline, default parameters
  otherwise; imports excluded (timed from after ``import keras``).
* ``activations``: a 9-candidate x 3-fold grid over three activations and
  three learning rates on the seed tutorial's task, first in its process,
  imports excluded.
* ``cold``: a user's whole script (imports, a 12-candidate x 3-fold grid on
  the tutorial's task with equal work for both: 150 epochs, no stopping rule,
  ``predict``), wall time with interpreter start and exit; ``n_jobs=1``,
  ``n_jobs=-1`` with joblib's default loky backend and with the threading
  backend; sknnlite's with an empty compilation cache (a first run) and
  with the cache the first run left (a second run); on TensorFlow and on
  JAX. The import floor is a process that only imports scikit-learn and
  Keras with its backend.

Writes its tables between the ``<!-- tuning -->`` markers of
``benchmarks/RESULTS.md`` (``--no-write`` only prints them).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
START, END = "<!-- tuning -->", "<!-- /tuning -->"
TENSORFLOW = {"KERAS_BACKEND": "tensorflow"}
JAX = {"KERAS_BACKEND": "jax"}

# The timed part of the first two suites; the script prints "seconds <t> score <best CV score>".
GRID_SCRIPT = """\
import time, warnings
warnings.simplefilter("ignore")
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
{imports}
{data}
pipe = make_pipeline(StandardScaler(), {estimator})
start = time.perf_counter()
search = GridSearchCV(pipe, {grid}, cv=3).fit(X, y)
print("seconds", time.perf_counter() - start, "score", search.best_score_)
"""
SKNNLITE_IMPORTS = "from sknnlite import TinyNetClassifier\nimport keras  # imports excluded: the backend too"
MLP_IMPORTS = "from sklearn.neural_network import MLPClassifier"
BREAST_CANCER = "from sklearn.datasets import load_breast_cancer\nX, y = load_breast_cancer(return_X_y=True)"
TUTORIAL = "from sknnlite.datasets import make_sum_threshold\nX, y = make_sum_threshold(250, random_state=0)"


def _grid(values, learning_rate_name, rates):
    step = "tinynetclassifier" if learning_rate_name == "learning_rate" else "mlpclassifier"
    return {f"{step}__{key}": value for key, value in [*values.items(), (learning_rate_name, rates)]}


def grid_scripts(suite):
    """The two contenders' scripts of the ``architecture`` or ``activations`` suite."""
    if suite == "architecture":
        values = {"hidden_layer_sizes": [(10,), (50,), (100,), (50, 50)], "activation": ["relu", "tanh"]}
        data, rates = BREAST_CANCER, [0.001, 0.01]
        ours, theirs = "TinyNetClassifier(random_state=0)", "MLPClassifier(random_state=0)"
        our_values = their_values = values
    else:
        data, rates = TUTORIAL, [0.001, 0.01, 0.03]
        ours, theirs = "TinyNetClassifier((20,), random_state=0)", "MLPClassifier((20,), random_state=0)"
        our_values = {"activation": ["relu", "tanh", "sigmoid"]}
        their_values = {"activation": ["relu", "tanh", "logistic"]}
    return {
        "sknnlite": GRID_SCRIPT.format(
            imports=SKNNLITE_IMPORTS,
            data=data,
            estimator=ours,
            grid=_grid(our_values, "learning_rate", rates),
        ),
        "MLP": GRID_SCRIPT.format(
            imports=MLP_IMPORTS,
            data=data,
            estimator=theirs,
            grid=_grid(their_values, "learning_rate_init", rates),
        ),
    }


COLD_SCRIPT = """\
{backend_setup}
from sklearn.model_selection import GridSearchCV
from sknnlite.datasets import make_sum_threshold
{imports}
X, y = make_sum_threshold(250, random_state=0)
grid = {{"hidden_layer_sizes": [(10,), (20,), (50,)], "activation": ["relu", "tanh"], {rate}: [0.001, 0.01]}}
search = GridSearchCV({estimator}, grid, cv=3, n_jobs={n_jobs})
search.fit(X, y)
search.predict(X)
print("score", search.best_score_)
"""
THREADING = "import joblib\njoblib.parallel_config(backend='threading')"
# Equal work: 150 epochs each, no stopping rule (MLP's needs n_iter_no_change beyond max_iter to stay off).
COLD_ESTIMATORS = {
    "sknnlite": (
        "from sknnlite import TinyNetClassifier",
        "TinyNetClassifier(epochs=150, tol=0, random_state=0)",
    ),
    "MLP": (
        "from sklearn.neural_network import MLPClassifier",
        "MLPClassifier(max_iter=150, n_iter_no_change=1000, random_state=0)",
    ),
}
FLOOR_SCRIPT = (
    "import sklearn.model_selection, keras\nkeras.ops.ones(1)  # the backend imported and started\n"
)


def cold_script(contender, n_jobs, threading):
    imports, estimator = COLD_ESTIMATORS[contender]
    return COLD_SCRIPT.format(
        backend_setup=THREADING if threading else "",
        imports=imports,
        estimator=estimator,
        rate='"learning_rate"' if contender == "sknnlite" else '"learning_rate_init"',
        n_jobs=n_jobs,
    )


def run_script(path, env):
    """``python path`` in a fresh process; (wall seconds with start and exit, its stdout)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-W", "ignore", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **env},
    )
    seconds = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"{path} failed:\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def _number_after(text, word):
    return float(text.split(word)[-1].split()[0])


def grid_suite(suite, runs, folder):
    scripts = {}
    for contender, code in grid_scripts(suite).items():
        scripts[contender] = folder / f"{suite}_{contender}.py"
        scripts[contender].write_text(code)
    cache = (
        folder / "cache"
    )  # each run starts with an empty compilation cache: a first grid, as a user meets it
    times, scores = {name: [] for name in scripts}, {}
    for run in range(runs):
        print(f"{suite}: run {run + 1} of {runs} ...", file=sys.stderr, flush=True)
        for contender in scripts if run % 2 == 0 else reversed(scripts):
            shutil.rmtree(cache, ignore_errors=True)
            _, output = run_script(scripts[contender], {**TENSORFLOW, "SKNNLITE_CACHE_DIR": str(cache)})
            times[contender].append(_number_after(output, "seconds"))
            scores[contender] = _number_after(output, "score")
    return {name: (statistics.median(values), scores[name]) for name, values in times.items()}


# (label, contender, environment, n_jobs, threading, cache): cache "empty" clears it before each run,
# "second" runs the script once untimed first with the same cache.
COLD_CASES = [
    ("MLP, n_jobs=1", "MLP", TENSORFLOW, 1, False, None),
    ("MLP, n_jobs=-1 (loky)", "MLP", TENSORFLOW, -1, False, None),
    ("sknnlite, n_jobs=1, first run", "sknnlite", TENSORFLOW, 1, False, "empty"),
    ("sknnlite, n_jobs=1, second run", "sknnlite", TENSORFLOW, 1, False, "second"),
    ("sknnlite, n_jobs=-1 (loky), first run", "sknnlite", TENSORFLOW, -1, False, "empty"),
    ("sknnlite, n_jobs=-1 (threading), first run", "sknnlite", TENSORFLOW, -1, True, "empty"),
    ("sknnlite on JAX, n_jobs=1, first run", "sknnlite", JAX, 1, False, "empty"),
    ("sknnlite on JAX, n_jobs=1, second run", "sknnlite", JAX, 1, False, "second"),
    ("sknnlite on JAX, n_jobs=-1 (threading), first run", "sknnlite", JAX, -1, True, "empty"),
]
FLOORS = [("import floor: scikit-learn + Keras on TensorFlow", TENSORFLOW), ("import floor: on JAX", JAX)]


def cold_suite(runs, folder):
    scripts = {}
    for label, contender, _, n_jobs, threading, _ in COLD_CASES:
        path = folder / f"cold_{len(scripts)}.py"
        path.write_text(cold_script(contender, n_jobs, threading))
        scripts[label] = path
    floor_path = folder / "floor.py"
    floor_path.write_text(FLOOR_SCRIPT)
    times, scores = {label: [] for label, *_ in [*COLD_CASES, *FLOORS]}, {}
    for run in range(runs):
        print(f"cold: run {run + 1} of {runs} ...", file=sys.stderr, flush=True)
        cases = COLD_CASES if run % 2 == 0 else COLD_CASES[::-1]
        for label, env in FLOORS:
            times[label].append(run_script(floor_path, env)[0])
        for label, _, env, _, _, cache in cases:
            cache_dir = folder / "cache" / label.replace(" ", "_")
            env = {**env, "SKNNLITE_CACHE_DIR": str(cache_dir)}
            if cache is not None:
                shutil.rmtree(cache_dir, ignore_errors=True)
            if cache == "second":
                run_script(scripts[label], env)
            seconds, output = run_script(scripts[label], env)
            times[label].append(seconds)
            scores[label] = _number_after(output, "score")
    return {label: (statistics.median(values), scores.get(label)) for label, values in times.items()}


def report(grids, cold, runs, machine):
    lines = [
        START,
        "## Tuning as users meet it (`python benchmarks/tuning.py`, issue 25)",
        "",
        f"Machine: {machine}. Every run a fresh process; medians of {runs} runs, contenders alternating.",
        "",
    ]
    targets = []
    titles = {
        "architecture": "First architecture grid in a process: 16 candidates x 3 folds, breast_cancer",
        "activations": "First 9-candidate grid over activations and learning rates, 3 folds, tutorial task",
    }
    for suite, results in grids.items():
        (ours, our_score), (theirs, their_score) = results["sknnlite"], results["MLP"]
        ratio = ours / theirs
        lines += [
            f"### {titles[suite]}",
            "",
            "Default parameters otherwise; imports excluded.",
            "",
            "| | sknnlite | MLP | sknnlite ÷ MLP |",
            "|---|---|---|---|",
            f"| GridSearchCV.fit | {ours:.2f} s | {theirs:.2f} s | {ratio:.2f} |",
            f"| best CV score | {our_score:.3f} | {their_score:.3f} | |",
            "",
        ]
        targets.append((f"{suite} grid: sknnlite / MLP <= 0.5", ratio, ratio <= 0.5))
        gap = our_score - their_score
        targets.append((f"{suite} grid: best CV score >= MLP's - 0.01", gap, gap >= -0.01))
    if cold:
        lines += [
            "### Fresh scripts: 12 candidates x 3 folds on the tutorial task, equal work",
            "",
            "150 epochs per fit for both, no stopping rule; wall time of `python script.py`, start and exit "
            "included. A first run starts with an empty compilation cache, a second run with what the "
            "first left in it.",
            "",
            "| script | wall time | above the import floor | best CV score |",
            "|---|---|---|---|",
        ]
        floors = {"tensorflow": cold[FLOORS[0][0]][0], "jax": cold[FLOORS[1][0]][0]}
        for label, _ in FLOORS:
            lines.append(f"| {label} | {cold[label][0]:.2f} s | | |")
        for label, contender, env, *_ in COLD_CASES:
            seconds, score = cold[label]
            above = "" if contender == "MLP" else f"{seconds - floors[env['KERAS_BACKEND']]:.2f} s"
            lines.append(f"| {label} | {seconds:.2f} s | {above} | {score:.3f} |")
        lines.append("")
        mlp = cold["MLP, n_jobs=1"][0]
        for prefix, backend in (("sknnlite", "tensorflow"), ("sknnlite on JAX", "jax")):
            first = cold[f"{prefix}, n_jobs=1, first run"][0]
            second = cold[f"{prefix}, n_jobs=1, second run"][0]
            threaded = cold[f"{prefix}, n_jobs=-1 (threading), first run"][0]
            targets += [
                (f"{prefix}: fresh script / MLP's <= 1.0", first / mlp, first / mlp <= 1.0),
                (
                    f"{prefix}: (fresh script - import floor) / MLP's script <= 0.5",
                    (first - floors[backend]) / mlp,
                    (first - floors[backend]) / mlp <= 0.5,
                ),
                (f"{prefix}: second run / first run < 1.0", second / first, second < first),
                (
                    f"{prefix}: n_jobs=-1 threading / n_jobs=1 <= 0.8",
                    threaded / first,
                    threaded / first <= 0.8,
                ),
            ]
        loky = cold["sknnlite, n_jobs=-1 (loky), first run"][0] / cold["sknnlite, n_jobs=1, first run"][0]
        targets.append(("sknnlite: n_jobs=-1 loky / n_jobs=1 (reported; <= 1.0 wanted)", loky, loky <= 1.0))
    lines += ["### Targets", ""]
    lines += [f"- {'met' if ok else 'MISSED'}: {text} (measured {value:.3g})" for text, value, ok in targets]
    return "\n".join([*lines, "", END]) + "\n"


def write(text):
    path = HERE / "RESULTS.md"
    current = path.read_text()
    if START in current and END in current:
        before, rest = current.split(START, 1)
        current = before + text.rstrip("\n") + rest.split(END, 1)[1]
    else:  # before as_users_run.py's part, between the markers that script rewrites
        marker = "<!-- as_users_run -->"
        head, marked, tail = current.partition(marker)
        current = head + text + "\n" + marked + tail if marked else current.rstrip("\n") + "\n\n" + text
    path.write_text(current)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--suites", default="architecture,activations,cold")
    parser.add_argument("--no-write", action="store_true", help="print only; keep RESULTS.md as it is")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    from run import machine

    suites = args.suites.split(",")
    folder = Path(tempfile.mkdtemp())
    try:
        grids = {
            suite: grid_suite(suite, args.runs, folder)
            for suite in ("architecture", "activations")
            if suite in suites
        }
        cold = cold_suite(args.runs, folder) if "cold" in suites else {}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    text = report(grids, cold, args.runs, machine())
    print(text)
    if not args.no_write:
        write(text)


if __name__ == "__main__":
    main()
