"""Sphinx configuration: numpydoc API pages, a sphinx-gallery of examples/, the pydata theme.

Build with ``pip install ".[docs]" && python -m sphinx -W --keep-going -b html docs docs/_build/html``.
"""

import os
import warnings

import sknnlite

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Gallery scripts run at build time; their convergence notes are not the build's business.
warnings.filterwarnings("ignore", category=UserWarning, message="Matplotlib is currently using agg")

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
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py", "auto_examples/*.zip"]
myst_heading_anchors = 3

templates_path = ["_templates"]
autosummary_generate = True
autodoc_default_options = {"members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Every documented public function, class and method must show an example (run as doctests by pytest).
numpydoc_validation_checks = {"EX01"}
numpydoc_validation_exclude = {r"\.set_\w+_request$", r"\.get_metadata_routing$", r"\.__init__$"}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
}

html_theme = "pydata_sphinx_theme"
html_title = f"sknnlite {version}"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}
html_show_sourcelink = False
