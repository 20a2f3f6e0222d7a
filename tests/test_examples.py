"""Every example runs to the end, so none of them rots."""

import pathlib
import re
import runpy
import warnings

import pytest

# The documentation's code as users run it: CI runs it in the main and the oldest-versions runs only.
pytestmark = pytest.mark.docs

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

EXAMPLES = sorted((pathlib.Path(__file__).parent.parent / "examples").glob("plot_*.py"))


def test_there_are_examples():
    assert len(EXAMPLES) >= 4


def _shown_by_default(warning, path):
    """Whether Python's default filters print this warning when the example runs as a script."""
    hidden = (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)
    return not issubclass(warning.category, hidden) or warning.filename == str(path)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs_without_warnings(path, capsys, monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: None)  # the gallery saves the figures itself
    # Examples about a warning catch it and print it; any other warning would reach the gallery page.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        runpy.run_path(str(path), run_name="__main__")
    shown = [f"{w.category.__name__}: {w.message}" for w in caught if _shown_by_default(w, path)]
    assert shown == []
    printed = capsys.readouterr().out
    assert printed.strip()
    # What the gallery shows under the code: lines that fit its box, numbers rounded.
    assert [line for line in printed.splitlines() if len(line) > 100] == []
    assert not re.search(r"\d\.\d{7,}", printed), "print rounded numbers"
    assert plt.get_fignums(), "every example draws a figure, and leaves it open for the gallery to show"
    for number in plt.get_fignums():
        axes = [ax for ax in plt.figure(number).axes if ax.get_label() != "<colorbar>"]
        assert all(ax.get_title() and ax.get_xlabel() and ax.get_ylabel() for ax in axes)
    plt.close("all")
