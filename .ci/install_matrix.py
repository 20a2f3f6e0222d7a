"""Installing sknnlite beside each TensorFlow a user may have: one TensorFlow afterwards, the same build.

    python .ci/install_matrix.py [--resolve-only] [--package PATH] [REQUIREMENT ...]

For each requirement (by default ``tensorflow-cpu``, ``tensorflow``, ``tensorflow[and-cuda]`` and
``tf-nightly``), in a new virtual environment: install it, then ``pip install PATH`` (sknnlite with no
extra, as a user adds it to an environment they have), and compare before and after: the distributions
that write the ``tensorflow`` package (two would overwrite each other's files), TensorFlow's version and
``tf.test.is_built_with_cuda()``. Prints a Markdown table; exits 1 if any environment ends with a second
such distribution or another build.

``--resolve-only`` installs nothing: in one new environment, ``pip install --dry-run --report`` of each
requirement together with sknnlite lists what pip would install, and the check is that one distribution
writing ``tensorflow`` is among it (a minute for all four; CI runs this). The full run downloads each
TensorFlow (``tensorflow[and-cuda]`` brings about 3 GB of CUDA libraries) and is run by hand.
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DEFAULT_REQUIREMENTS = ["tensorflow-cpu", "tensorflow", "tensorflow[and-cuda]", "tf-nightly"]
# Distributions that ship the "tensorflow" import package (by name, for the dry run, which has no files).
TENSORFLOW_DISTRIBUTIONS = {
    "tensorflow",
    "tensorflow-cpu",
    "tensorflow-gpu",
    "tensorflow-intel",
    "tensorflow-macos",
    "tensorflow-aarch64",
    "tensorflow-cpu-aws",
    "tf-nightly",
    "tf-nightly-cpu",
    "tf-nightly-gpu",
    "intel-tensorflow",
}
# Run inside an environment: which installed distributions have files in tensorflow/, and the build.
INSPECT = """
import importlib.metadata as metadata, json, re
owners = sorted({re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower() for d in metadata.distributions()
                 if any(str(f).startswith("tensorflow/") for f in (d.files or []))})
try:
    import tensorflow as tf
    build = {"version": tf.__version__, "cuda": bool(tf.test.is_built_with_cuda())}
except Exception as error:
    build = {"error": f"{type(error).__name__}: {error}"[:200]}
print(json.dumps({"owners": owners, **build}))
"""


def _run(*command):
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def _normalized(name):
    return re.sub(r"[-_.]+", "-", name).lower()  # as PEP 503 compares names ("tensorflow_cpu")


def _new_environment(folder):
    _run(sys.executable, "-m", "venv", str(folder))
    scripts = folder / "bin" if (folder / "bin").exists() else folder / "Scripts"  # Windows: Scripts
    python = str(scripts / "python")
    _run(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    return python


def _inspect(python):
    return json.loads(_run(python, "-c", INSPECT).strip().splitlines()[-1])


def _build(state):
    if "error" in state:
        return f"import fails ({state['error']})"
    return f"{state['version']}, CUDA {'yes' if state['cuda'] else 'no'}"


def install_each(requirements, package, root):
    """The full check: each requirement installed, then sknnlite; one table row each."""
    rows, failed = [], False
    for index, requirement in enumerate(requirements):
        python = _new_environment(root / f"env{index}")
        _run(python, "-m", "pip", "install", "--quiet", requirement)
        before = _inspect(python)
        _run(python, "-m", "pip", "install", "--quiet", package)
        after = _inspect(python)
        ok = after["owners"] == before["owners"] and _build(after) == _build(before)
        failed |= not ok
        rows.append(
            f"| `{requirement}` | {', '.join(before['owners'])} | {', '.join(after['owners'])} | "
            f"{_build(before)} | {_build(after)} | {'ok' if ok else 'FAILED'} |"
        )
        shutil.rmtree(root / f"env{index}")  # a few GB each
    header = [
        "| installed first | `tensorflow/` written by | after adding sknnlite | build | build after | |",
        "|---|---|---|---|---|---|",
    ]
    return header + rows, failed


def resolve_each(requirements, package, root):
    """The quick check: what pip would install for each requirement with sknnlite, nothing installed."""
    python = _new_environment(root / "env")
    rows, failed = [], False
    for requirement in requirements:
        report = root / "report.json"
        _run(python, "-m", "pip", "install", "--quiet", "--dry-run", "--ignore-installed", "--report",
             str(report), requirement, package)  # fmt: skip
        install = json.loads(report.read_text())["install"]
        installed = {_normalized(item["metadata"]["name"]) for item in install}
        names = sorted(installed & TENSORFLOW_DISTRIBUTIONS)
        ok = len(names) == 1
        failed |= not ok
        rows.append(f"| `{requirement}` + sknnlite | {', '.join(names)} | {'ok' if ok else 'FAILED'} |")
    header = ["| pip would install | distributions writing `tensorflow/` | |", "|---|---|---|"]
    return header + rows, failed


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("requirements", nargs="*", default=DEFAULT_REQUIREMENTS)
    parser.add_argument(
        "--package", default=str(Path(__file__).resolve().parent.parent), help="the sknnlite to add"
    )
    parser.add_argument("--resolve-only", action="store_true", help="pip's dry run only (fast; CI)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        check = resolve_each if args.resolve_only else install_each
        lines, failed = check(args.requirements, args.package, Path(folder))
    print("\n".join(lines))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
