"""The README's code runs as written."""

import pathlib
import re
import warnings

README = pathlib.Path(__file__).parent.parent / "README.md"


def test_readme_python_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)
    assert blocks
    namespace = {}  # later blocks build on the first one, as a reader would
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for block in blocks:
            exec(compile(block, str(README), "exec"), namespace)
    out = capsys.readouterr().out
    assert "tinynetclassifier__activation" in out


def test_readme_commands_match_the_ci_script():
    text = README.read_text()
    ci = (README.parent / ".ci" / "run").read_text()
    assert 'pip install ".[test]" && python -m pytest' in text
    assert 'pip install --quiet ".[test]"' in ci and "\npython -m pytest\n" in ci
    assert "python -m sknnlite demo" in text
