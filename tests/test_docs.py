"""Docstrings: shared sections filled in, and an Examples section on every public name."""

import inspect

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
