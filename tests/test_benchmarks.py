"""The benchmark runner still runs (a smoke test; timings belong in benchmarks/RESULTS.md)."""

import pathlib
import subprocess
import sys

RUNNER = pathlib.Path(__file__).parent.parent / "benchmarks" / "run.py"


def test_benchmark_runner_prints_a_table_with_ratios():
    result = subprocess.run(
        [
            sys.executable,
            str(RUNNER),
            "--runs",
            "1",
            "--workloads",
            "W2",
            "--only",
            "sknnlite",
            "MLP",
            "--no-write",
        ],
        capture_output=True,
        text=True,
        check=True,
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
