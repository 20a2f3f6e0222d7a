"""Every example runs to the end, so none of them rots."""

import pathlib
import runpy
import warnings

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

EXAMPLES = sorted((pathlib.Path(__file__).parent.parent / "examples").glob("plot_*.py"))


def test_there_are_examples():
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs(path, capsys):
    import matplotlib.pyplot as plt

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runpy.run_path(str(path), run_name="__main__")
    assert capsys.readouterr().out.strip()
    for number in plt.get_fignums():
        axes = plt.figure(number).axes
        assert all(ax.get_title() and ax.get_xlabel() and ax.get_ylabel() for ax in axes)
    plt.close("all")
