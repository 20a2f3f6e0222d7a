"""The README's code runs as written."""

import pathlib
import re

import pytest
from fresh_process import run_python

# The documentation's code as users run it: CI runs it in the main and the oldest-versions runs only.
pytestmark = pytest.mark.docs

README = pathlib.Path(__file__).parent.parent / "README.md"


def _python_blocks():
    """Every ```python block of the pages a newcomer reads first, as (page, index, code)."""
    for page in PAGES:
        blocks = re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.DOTALL)
        for index, code in enumerate(blocks):
            yield pytest.param(code, id=f"{page.name}-{index}")


PAGES = [
    README,
    README.parent / "docs" / "index.md",
    README.parent / "docs" / "getting_started.md",
    README.parent / "docs" / "user_guide.md",
]


@pytest.mark.parametrize("code", list(_python_blocks()))
def test_every_snippet_runs_as_a_script_in_a_fresh_process_without_warnings(code, tmp_path):
    """As a reader pastes it into a file: nothing defined elsewhere, no warning they did not ask for."""
    script = tmp_path / "snippet.py"
    script.write_text(code)
    done = run_python(str(script), cwd=tmp_path)
    assert done.stdout.strip(), "every snippet prints its result"
    assert not re.findall(r"\w+Warning: .*", done.stderr)


def test_the_readme_has_the_first_model_and_the_cluster_search():
    ids = [param.id for param in _python_blocks()]
    assert {
        "README.md-0",
        "README.md-1",
        "README.md-2",
        "index.md-0",
        "getting_started.md-0",
        "user_guide.md-0",
    } <= set(ids)


def test_readme_commands_match_the_ci_script():
    text = README.read_text()
    ci = (README.parent / ".ci" / "run").read_text()
    command = "python -m pytest -n auto --dist loadfile"
    assert f'pip install ".[tensorflow-cpu,test]" && {command}\n' in text
    assert 'pip install --quiet ".[tensorflow-cpu,test]"' in ci and f"\n{command}\n" in ci
    assert 'pip install ".[tensorflow-cpu]" && python -m sknnlite demo' in text
