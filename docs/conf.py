"""Sphinx configuration: numpydoc API pages, a sphinx-gallery of examples/, the pydata theme.

Build with ``pip install ".[docs]" && python -m sphinx -W --keep-going -b html docs docs/_build/html``.
"""

import importlib.metadata
import os
import pathlib
import sys
import warnings

import numpydoc.xref
from sphinx_gallery.sorting import ExplicitOrder

import sknnlite

DOCS = pathlib.Path(__file__).parent
sys.path.insert(0, str(DOCS / "_ext"))
from api_inventories import write_inventories  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Gallery scripts run at build time; their convergence notes are not the build's business.
warnings.filterwarnings(
    "ignore", category=UserWarning, message="Matplotlib is currently using agg"
)

project = "sknnlite"
author = "The sknnlite developers"
copyright = "2026, the sknnlite developers"
release = version = sknnlite.__version__

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.extlinks",
    "sphinx.ext.intersphinx",
    "sphinx_copybutton",
    "sphinx_design",
    "sphinx_gallery.gen_gallery",
]
# The copy button copies the code without its prompts and without doctest output.
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_exclude = ".linenos, .gp, .go"
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = [
    "_build",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
]
myst_heading_anchors = 3

templates_path = ["_templates"]
autosummary_generate = True
autodoc_default_options = {"members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Every documented public function, class and method must show an example (run as doctests by pytest).
numpydoc_validation_checks = {"EX01"}
# Parameter and attribute types that are Keras or sknnlite classes link to their pages; other words
# (int, str, array-like) stay plain text, numpydoc's own links for them included (they point at the
# Python and NumPy inventories, which an offline build lacks).
numpydoc_xref_param_type = True
numpydoc_xref_ignore = "all"
numpydoc_xref_aliases = {name: name for name in numpydoc.xref.DEFAULT_LINKS} | {
    name: f":class:`{target}`"
    for name, target in {
        "keras.Model": "keras.Model",
        "keras.callbacks.Callback": "keras.callbacks.Callback",
        "keras.metrics.Metric": "keras.metrics.Metric",
        "keras.optimizers.schedules.LearningRateSchedule": "keras.optimizers.schedules.LearningRateSchedule",
        "TinyNetClassifier": "sknnlite.TinyNetClassifier",
        "TinyNetRegressor": "sknnlite.TinyNetRegressor",
    }.items()
}
numpydoc_validation_exclude = {
    r"\.set_\w+_request$",
    r"\.get_metadata_routing$",
    r"\.__init__$",
}

# Each remote inventory first; offline (CI) the fallbacks written here, so the links hold either way.
_inventories = write_inventories(DOCS / "_build" / "inventories")
intersphinx_mapping = {
    "sklearn": ("https://scikit-learn.org/stable/", (None, _inventories["sklearn"])),
    "keras": ("https://keras.io/api/", _inventories["keras"]),
}
intersphinx_timeout = 5
# A scikit-learn or Keras name no inventory resolves (a typo, a missing table entry) fails the build.
nitpicky = True
nitpick_ignore_regex = [(r"py:.*", r"(?!sklearn\.|keras\.).*")]

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    # The seeds first (the two experiments the library grew from), then tuning, then the tours and tools.
    "within_subsection_order": ExplicitOrder(
        [
            "plot_tutorial_seed.py",
            "plot_extrapolation_seed.py",
            "plot_pipeline_grid_search.py",
            "plot_optimizers.py",
            "plot_decision_boundaries.py",
            "plot_diagnostics.py",
            "plot_onnx_export.py",
        ]
    ),
    # API pages list the examples that use each class and function ("Gallery examples").
    "doc_module": ("sknnlite",),
    "backreferences_dir": "generated/backreferences",
    "inspect_global_variables": False,
}

_source = dict(
    url.split(", ", 1)
    for url in importlib.metadata.metadata("sknnlite").get_all("Project-URL") or []
).get("Source")
# {source}`tests/test_docs.py` links a file of the repository (tests and benchmarks back the docs' claims).
extlinks = {"source": (f"{_source}/blob/main/%s", "%s")}

html_theme = "pydata_sphinx_theme"
html_title = f"sknnlite {version}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    # Five page titles and "More" (Parameter mapping, Benchmarks, Changelog) fit one row of the top bar
    # from 1200 px up.
    "header_links_before_dropdown": 5,
    "navbar_persistent": ["search-button"],
    "icon_links": [{"name": "Source", "url": _source, "icon": "fa-brands fa-github"}]
    if _source
    else [],
}
# Pages without sub-pages get no left sidebar (it showed an empty "Section Navigation").
html_sidebars = {
    page: []
    for page in (
        "index",
        "getting_started",
        "parameter_mapping",
        "moving_from_scikeras",
        "benchmarks",
        "changelog",
    )
}
html_static_path = ["_static"]
html_css_files = ["sknnlite.css"]
html_show_sourcelink = False
# "fit()", not "TinyNetClassifier.fit()": the qualified names overflowed "On this page".
toc_object_entries_show_parents = "hide"
