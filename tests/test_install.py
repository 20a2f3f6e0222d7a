"""What installing sknnlite adds to an environment: no Keras backend of its own, one extra for each."""

import importlib.metadata
import re
from pathlib import Path

from packaging.requirements import Requirement

# Distributions that ship the "tensorflow" import package: two of them overwrite each other's files.
TENSORFLOW_DISTRIBUTIONS = {
    "tensorflow",
    "tensorflow-cpu",
    "tensorflow-gpu",
    "tensorflow-intel",
    "tf-nightly",
}
BACKEND_EXTRAS = {
    "tensorflow": "tensorflow",
    "tensorflow-cpu": "tensorflow-cpu",
    "tensorflow-cuda": "tensorflow",
    "jax": "jax",
    "cuda": "jax",
    "torch": "torch",
}


def _requirements():
    return [Requirement(line) for line in importlib.metadata.requires("sknnlite")]


def _extra(requirement):
    found = re.search(r"extra == \"([^\"]+)\"", str(requirement.marker or ""))
    return found and found.group(1)


def test_a_plain_install_adds_no_backend():
    # A TensorFlow required here would be installed beside the user's (tensorflow-cpu over a GPU build).
    plain = {r.name.lower() for r in _requirements() if _extra(r) is None}
    assert plain == {"numpy", "scipy", "scikit-learn", "threadpoolctl", "keras"}


def test_each_backend_has_an_extra():
    for extra, package in BACKEND_EXTRAS.items():
        names = {r.name.lower() for r in _requirements() if _extra(r) == extra}
        assert names, f"no extra {extra!r}"
        if package == "tensorflow-cpu":  # the CPU-only build where one exists, the regular one elsewhere
            assert names == {"tensorflow-cpu", "tensorflow"}
        else:
            assert names == {package}


def test_no_other_extra_installs_tensorflow():
    # The test, docs and bench extras leave the backend to the install line that names one.
    for requirement in _requirements():
        if requirement.name.lower() in TENSORFLOW_DISTRIBUTIONS:
            assert _extra(requirement) in {"tensorflow", "tensorflow-cpu", "tensorflow-cuda"}


def test_the_install_tables_name_only_extras_that_exist():
    extras = set(importlib.metadata.metadata("sknnlite").get_all("Provides-Extra"))
    root = Path(__file__).resolve().parent.parent
    for page in (root / "README.md", root / "docs" / "getting_started.md"):
        named = set(re.findall(r'pip install "\.\[([a-z0-9,-]+)\]"', page.read_text(encoding="utf-8")))
        assert named, page
        for each in named:
            assert set(each.split(",")) <= extras, (page.name, each)
