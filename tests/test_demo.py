import numpy as np
import pytest
from fresh_process import run_python

from sknnlite import _demo
from sknnlite.__main__ import main

# The documentation's code as users run it: CI runs it in the main and the oldest-versions runs only.
pytestmark = pytest.mark.docs


def test_format_table_aligns_columns():
    table = _demo.format_table(["a", "long"], [["xyz", 1], ["q", 22]])
    assert table.splitlines() == ["a    long", "---  ----", "xyz  1   ", "q    22  "]


def test_extrapolation_part_shows_the_failure_and_the_fix():
    result = _demo.run_extrapolation(24_000)
    question, answer = result["models"].values()
    np.testing.assert_allclose(answer.coefs_[0].ravel(), [0, 0, -1, 1], atol=0.01)
    assert float(result["rows"][2][6]) < 0.01  # held-out RMSE of the answer
    assert np.abs(question.coefs_[0].ravel() - [0, 0, -1, 1]).max() > 0.2
    (message,) = result["messages"]["Adam(decay=0.1), the question"]
    assert "decayed to 1.67e-07" in message  # 0.001 / (1 + 0.1 * 60000)
    assert result["messages"]["Adam, fixed lr 0.01, the answer"] == []


def test_tutorial_part_ranks_every_setting_and_the_hinge_variant():
    result = _demo.run_tutorial(120)
    rows = result["rows"]
    assert [row[0] for row in rows] == list(range(1, len(rows) + 1))
    assert {row[1] for row in rows} >= set(_demo.TUTORIAL_ACTIVATIONS)
    assert {row[2] for row in rows} >= set(_demo.TUTORIAL_OPTIMIZERS)
    assert {row[3] for row in rows} >= set(_demo.TUTORIAL_LOSSES)
    assert sum(row[4] == "-1/1" for row in rows) == 1
    assert result["variant_labels"] == "-1, 1"
    scores = [float(row[5].split()[0]) for row in rows]
    assert scores == sorted(scores, reverse=True)


def test_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    result = _demo.run_extrapolation(2000)
    path = _demo.plot(result, None, tmp_path / "demo.png")
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_cli_runs_one_part(capsys):
    assert main(["demo", "--part", "extrapolation", "--n-samples", "20000"]) == 0
    out = capsys.readouterr().out
    assert "exact (least squares)" in out and "ConvergenceWarning" in out and "Demo finished" in out


def test_cli_rejects_bad_options():
    with pytest.raises(SystemExit):
        main(["demo", "--part", "everything"])
    with pytest.raises(SystemExit):
        main(["demo", "--n-samples", "3"])


def test_python_dash_m_entry_point():
    result = run_python("-m", "sknnlite", "demo", "--help")
    assert "--plot" in result.stdout
