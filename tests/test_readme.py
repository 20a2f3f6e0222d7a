"""The code of the README, the landing page, getting started and the user guide runs as written."""

import pathlib
import re

import pytest
from fresh_process import run_python

# The documentation's code as users run it: CI runs it in the main and the oldest-versions runs only.
pytestmark = pytest.mark.docs

README = pathlib.Path(__file__).parent.parent / "README.md"


def _python_blocks():
    """Every ```python block of the pages a newcomer reads, as a parameter with the id page-index."""
    for page in PAGES:
        blocks = re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.DOTALL)
        for index, code in enumerate(blocks):
            yield pytest.param(code, id=f"{page.relative_to(README.parent).as_posix()}-{index}")


PAGES = [
    README,
    README.parent / "docs" / "index.md",
    README.parent / "docs" / "getting_started.md",
    *sorted((README.parent / "docs" / "user_guide").glob("*.md")),
]


# A ```python block followed by a ```text block of what it prints (one line of text may come between).
SHOWN_OUTPUTS = [
    (code, output)
    for page in PAGES
    for code, output in re.findall(
        r"```python\n(.*?)```\n\n(?:[^`\n][^\n]*\n\n)?```text\n(.*?)```", page.read_text(), re.DOTALL
    )
]


@pytest.mark.parametrize("code", list(_python_blocks()))
def test_every_snippet_runs_as_a_script_in_a_fresh_process_without_warnings(code, tmp_path):
    """As a reader pastes it into a file: nothing defined elsewhere, no warning they did not ask for."""
    script = tmp_path / "snippet.py"
    script.write_text(code)
    done = run_python(str(script), cwd=tmp_path)
    assert done.stdout.strip(), "every snippet prints its result"
    shown = dict(SHOWN_OUTPUTS).get(code)
    assert shown is None or done.stdout == shown, "the page shows what the code prints"
    assert not re.findall(r"\w+Warning: .*", done.stderr)


def test_the_landing_page_shows_its_example_with_output():
    landing = (README.parent / "docs" / "index.md").read_text()
    assert any(code in landing for code, _ in SHOWN_OUTPUTS)


def test_the_first_pages_and_the_cluster_search_are_run():
    ids = [param.id for param in _python_blocks()]
    assert {
        "README.md-0",
        "docs/index.md-0",
        "docs/getting_started.md-0",
        "docs/user_guide/parameters.md-0",
        "docs/user_guide/searching.md-0",
        "docs/user_guide/searching.md-1",
    } <= set(ids)


def test_readme_commands_match_the_ci_script():
    text = README.read_text()
    ci = (README.parent / ".ci" / "run").read_text()
    command = "python -m pytest -n auto --dist loadfile"
    assert f'pip install ".[tensorflow-cpu,test]" && {command}\n' in text
    assert 'pip install --quiet ".[tensorflow-cpu,test]"' in ci and f"\n{command}\n" in ci
    assert 'pip install ".[tensorflow-cpu]" && python -m sknnlite demo' in text
