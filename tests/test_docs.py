"""Docstrings: shared sections filled in, an Examples section on every public name; doc pages that run
and read as the site shows them (code that fits, links to the API, one version)."""

import doctest
import importlib.metadata
import inspect
import os
import pathlib
import re

import pytest
from fresh_process import run_python

import sknnlite
from sknnlite import datasets
from sknnlite.onnx import register_converters

# The documentation's code as users run it: CI runs it in the main and the oldest-versions runs only.
pytestmark = pytest.mark.docs


def _public_names():
    """Every public class, function, method and property the API reference documents."""
    for cls in (sknnlite.TinyNetClassifier, sknnlite.TinyNetRegressor, sknnlite.MultiOutputLabelEncoder):
        yield cls.__name__, cls
        if cls is sknnlite.MultiOutputLabelEncoder:  # a transformer: its page documents the class only
            continue
        for name, member in inspect.getmembers(cls):
            if name.startswith("_") or (name.startswith("set_") and name.endswith("_request")):
                continue
            if name == "get_metadata_routing":  # scikit-learn's own, documented there
                continue
            if inspect.isfunction(member) or isinstance(member, property) or inspect.ismethod(member):
                yield f"{cls.__name__}.{name}", member
    for name in datasets.__all__:
        yield f"datasets.{name}", getattr(datasets, name)
    yield "onnx.register_converters", register_converters
    yield "trusted_types", sknnlite.trusted_types


PUBLIC = dict(_public_names())
DOCS = pathlib.Path(__file__).parents[1] / "docs"
USER_GUIDE = sorted(path.relative_to(DOCS).as_posix() for path in (DOCS / "user_guide").glob("*.md"))
NARRATIVE_PAGES = [
    "index.md",
    "getting_started.md",
    *USER_GUIDE,
    "parameter_mapping.md",
    "moving_from_scikeras.md",
]
# A method's example box on an API page is 648 px wide in a 1400 px window (measured in Chromium with
# the pydata theme): 72 characters of its monospace font. Longer lines were cut at the right edge.
CODE_COLUMN_CHARACTERS = 72


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_every_public_docstring_has_an_example(name):
    doc = inspect.getdoc(PUBLIC[name])
    assert doc and "Examples\n--------\n>>> " in doc, f"{name} has no Examples section"


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_every_example_line_fits_the_api_page_column(name):
    too_long = []
    for example in doctest.DocTestParser().get_examples(inspect.getdoc(PUBLIC[name])):
        shown = [f">>> {line}" for line in example.source.splitlines()] + example.want.splitlines()
        too_long += [line for line in shown if len(line) > CODE_COLUMN_CHARACTERS]
    assert not too_long, f"{name}: example lines over {CODE_COLUMN_CHARACTERS} characters: {too_long}"


def test_classifier_pages_show_classifier_examples():
    # Members the estimators share are restated on the classifier with its own examples.
    for name, member in PUBLIC.items():
        if name.startswith("TinyNetClassifier."):
            assert "TinyNetRegressor" not in inspect.getdoc(member), name


@pytest.mark.parametrize("page", NARRATIVE_PAGES)
def test_every_narrative_page_links_the_api_pages(page):
    text = (DOCS / page).read_text()
    assert re.search(r"\{py:(class|func)\}`~?sknnlite\.", text), f"{page} links no sknnlite API page"
    # Repository files are linked with the {source} role; the docs' own pages, as pages.
    assert not re.search(r"(?<!\})`(docs|tests|benchmarks)/[\w/]+\.(md|py)`", text)
    assert "the README" not in text


# A code block in the documentation's column shows 88 characters before it scrolls (ruff's default
# line length; the examples are held to it by examples/ruff.toml).
CODE_BLOCK_CHARACTERS = 88


@pytest.mark.parametrize("page", ["../README.md", *NARRATIVE_PAGES, "benchmarks.md"])
def test_every_code_line_fits_the_page_column(page):
    text = (DOCS / page).read_text()
    blocks = re.findall(r"^```(?:python|bash|text|console)\n(.*?)^```", text, re.S | re.M)
    too_long = [line for block in blocks for line in block.splitlines() if len(line) > CODE_BLOCK_CHARACTERS]
    assert not too_long, f"{page}: code lines over {CODE_BLOCK_CHARACTERS} characters: {too_long}"


def _paragraphs(text):
    """The prose of a Markdown page: its paragraphs and list items, without code, directives and tables."""
    text = re.sub(r"^(`{3,}).*?^\1", "", text, flags=re.S | re.M)
    for block in re.split(r"\n\s*\n", text):
        if not block.lstrip().startswith("|"):
            yield from re.split(r"\n(?=\s*(?:[-*]|\d+\.) )", block)


@pytest.mark.parametrize("page", USER_GUIDE)
def test_user_guide_pages_read_in_short_pieces(page):
    # One topic per page, read in a few minutes; a paragraph a phone shows on one screen.
    text = (DOCS / page).read_text()
    assert len(text.split()) <= 2500
    long = [piece.strip()[:60] for piece in _paragraphs(text) if len(piece.split()) > 120]
    assert not long, f"{page}: paragraphs or list items over 120 words: {long}"


def test_one_version_everywhere():
    pyproject = (DOCS.parent / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject and 'version = { attr = "sknnlite.__version__" }' in pyproject
    assert importlib.metadata.version("sknnlite") == sknnlite.__version__
    changelog = (DOCS / "changelog.md").read_text()
    first_heading = re.search(r"^## (\S+)", changelog, re.M).group(1)
    assert first_heading == sknnlite.__version__


def test_gallery_outputs_wrap_instead_of_running_off_the_column():
    # A ConvergenceWarning is one line of 300 characters; the example output boxes must wrap it.
    css = (DOCS / "_static" / "sknnlite.css").read_text()
    assert re.search(r"\.sphx-glr-script-out pre[^{]*\{[^}]*white-space: pre-wrap", css)


@pytest.mark.parametrize("cls", [sknnlite.TinyNetClassifier, sknnlite.TinyNetRegressor])
def test_shared_docstring_sections_are_filled_in(cls):
    assert (
        "{network}" not in cls.__doc__
        and "{training}" not in cls.__doc__
        and "{attributes}" not in cls.__doc__
    )
    assert "routed_params" in cls.__doc__ and "early_stopping" in cls.__doc__


def _python_blocks(page):
    text = (DOCS / page).read_text()
    return re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)


def test_the_moving_from_scikeras_walkthrough_runs_as_written(tmp_path):
    blocks = _python_blocks("moving_from_scikeras.md")
    assert len(blocks) >= 8
    # One script, block after block, as a reader runs them (a script, so pickle finds its functions).
    script = tmp_path / "walkthrough.py"
    script.write_text("\n\n".join(blocks))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = run_python("-W", "ignore", str(script), cwd=tmp_path, env=env)
    assert "Trained" in done.stdout and "epochs" in done.stdout


def test_a_model_passed_positionally_says_to_use_the_keyword():
    def build(meta):
        raise AssertionError("never called")

    with pytest.raises(ValueError, match=r"Pass it by keyword: TinyNetRegressor\(model=...\)"):
        sknnlite.TinyNetRegressor(build).fit([[0.0], [1.0]], [0.0, 1.0])
