"""The benchmark runner still runs (a smoke test; timings belong in benchmarks/RESULTS.md)."""

import pathlib
import sys

import pytest
from fresh_process import run_python

# The documentation's code as users run it: CI runs it in the main and the oldest-versions runs only.
pytestmark = pytest.mark.docs

RUNNER = pathlib.Path(__file__).parent.parent / "benchmarks" / "run.py"


def test_benchmark_runner_prints_a_table_with_ratios():
    result = run_python(
        str(RUNNER), "--runs", "1", "--workloads", "W2", "--only", "sknnlite", "MLP", "--no-write"
    )
    rows = [
        line
        for line in result.stdout.splitlines()
        if line.startswith("| sknnlite") or line.startswith("| MLP")
    ]
    assert len(rows) == 2
    sknnlite_row, mlp_row = (row.split("|") for row in rows)
    assert sknnlite_row[5].strip() == "1"
    assert float(mlp_row[5]) > 0
    assert "TensorFlow imported: False" in result.stdout


def test_the_as_users_run_suites_measure_and_report_targets():
    sys.path.insert(0, str(RUNNER.parent))
    try:
        import as_users_run
    finally:
        sys.path.remove(str(RUNNER.parent))
    seconds, score = as_users_run.cross_validate("sknnlite", "iris")
    assert seconds > 0 and 0.5 < score <= 1.0
    rows = [("iris", 2.0, 1.0, 2.0, 0.955, 0.96)]
    cold = {
        ("sknnlite", 1): (8.0, 0.9),
        ("sknnlite", -1): (6.0, 0.9),
        ("MLP", 1): (6.0, 0.9),
        ("MLP", -1): (5.0, 0.9),
    }
    backends = {"tensorflow": (0.02, 0.99), "jax": (0.025, 0.99)}
    text = as_users_run.report(rows, cold, backends, 3, "test machine")
    assert text.startswith(as_users_run.MARKER)
    assert "- MISSED: iris: time ratio <= 1.0 (measured 2)" in text
    assert "- met: iris: score >= MLP's - 0.01 (measured -0.005)" in text
    assert "- MISSED: cold script, n_jobs=1: sknnlite / MLP <= 1.0 (measured 1.33)" in text
    assert "- met: cold script: sknnlite n_jobs=-1 / n_jobs=1 <= 1.0 (measured 0.75)" in text
    assert "| jax | 25.0 ms | 0.990 |" in text
    assert "- met: JAX warm fit / TensorFlow warm fit <= 1.5 (measured 1.25)" in text


def test_the_as_users_run_report_replaces_only_its_own_section(tmp_path):
    sys.path.insert(0, str(RUNNER.parent))
    try:
        import as_users_run
    finally:
        sys.path.remove(str(RUNNER.parent))
    path = tmp_path / "RESULTS.md"
    old = f"{as_users_run.MARKER}\n## As users run it\n\nold table\n\n{as_users_run.END_MARKER}\n"
    path.write_text(f"# Results\n\nrun.py's tables\n\n{old}\n## Hand-written section\n\nkept\n")
    new = as_users_run.report([("iris", 2.0, 1.0, 2.0, 0.955, 0.96)], {}, {}, 3, "test machine")
    as_users_run.write_results(path, new)
    written = path.read_text()
    assert written.startswith("# Results\n\nrun.py's tables\n\n" + new)
    assert "old table" not in written and written.endswith("## Hand-written section\n\nkept\n")
    as_users_run.write_results(path, new)  # again: nothing piles up
    assert path.read_text() == written


def test_the_devices_benchmark_prints_each_contender_with_ratios():
    script = RUNNER.parent / "gpu.py"
    command = [str(script), "--scale", "0.02", "--runs", "1", "--workloads", "G1"]
    result = run_python(*command)
    assert "Keras backend" in result.stdout and "devices:" in result.stdout
    rows = {
        line.split("|")[1].strip(): line.split("|")
        for line in result.stdout.splitlines()
        if line.startswith("| ")
    }
    assert set(rows) >= {"sknnlite", "MLP", "Keras model.fit"}
    assert rows["sknnlite"][4].strip() == "1" and rows["sknnlite"][7].strip() == "1"
    assert float(rows["Keras model.fit"][4]) > 0 and 0.5 < float(rows["MLP"][5]) <= 1.0


def test_the_device_prediction_sweep_times_both_paths_for_each_network():
    result = run_python(str(RUNNER.parent / "predict_devices.py"), "--max-rows", "1000", "--repeats", "1")
    assert "Accelerator:" in result.stdout and "threshold now" in result.stdout
    rows = [line.split("|") for line in result.stdout.splitlines() if line.startswith("| (")]
    assert [row[2].strip() for row in rows] == ["1,000", "1,000"]
    assert all(float(row[6]) > 0 for row in rows)
