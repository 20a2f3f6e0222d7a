"""Docstrings: shared sections filled in, an Examples section on every public name; doc pages that run."""

import inspect
import os
import pathlib
import re
import subprocess
import sys

import pytest

import sknnlite
from sknnlite import datasets


def _public_names():
    """Every public class, function, method and property the API reference documents."""
    for cls in (sknnlite.TinyNetClassifier, sknnlite.TinyNetRegressor):
        yield cls.__name__, cls
        for name, member in inspect.getmembers(cls):
            if name.startswith("_") or (name.startswith("set_") and name.endswith("_request")):
                continue
            if name in ("get_metadata_routing", "score"):  # scikit-learn's own, documented there
                continue
            if inspect.isfunction(member) or isinstance(member, property) or inspect.ismethod(member):
                yield f"{cls.__name__}.{name}", member
    for name in datasets.__all__:
        yield f"datasets.{name}", getattr(datasets, name)


PUBLIC = dict(_public_names())


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_every_public_docstring_has_an_example(name):
    doc = inspect.getdoc(PUBLIC[name])
    assert doc and "Examples\n--------\n>>> " in doc, f"{name} has no Examples section"


@pytest.mark.parametrize("cls", [sknnlite.TinyNetClassifier, sknnlite.TinyNetRegressor])
def test_shared_docstring_sections_are_filled_in(cls):
    assert (
        "{network}" not in cls.__doc__
        and "{training}" not in cls.__doc__
        and "{attributes}" not in cls.__doc__
    )
    assert "routed_params" in cls.__doc__ and "early_stopping" in cls.__doc__


def _python_blocks(page):
    text = (pathlib.Path(__file__).parents[1] / "docs" / page).read_text()
    return re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)


def test_the_moving_from_scikeras_walkthrough_runs_as_written(tmp_path):
    blocks = _python_blocks("moving_from_scikeras.md")
    assert len(blocks) >= 8
    # One script, block after block, as a reader runs them (a script, so pickle finds its functions).
    script = tmp_path / "walkthrough.py"
    script.write_text("\n\n".join(blocks))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-W", "ignore", str(script)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Trained" in done.stdout and "epochs" in done.stdout


def test_a_model_passed_positionally_says_to_use_the_keyword():
    def build(meta):
        raise AssertionError("never called")

    with pytest.raises(ValueError, match=r"Pass it by keyword: TinyNetRegressor\(model=...\)"):
        sknnlite.TinyNetRegressor(build).fit([[0.0], [1.0]], [0.0, 1.0])
