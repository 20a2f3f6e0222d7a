"""Intersphinx inventories that work offline: scikit-learn's public API and the Keras names the docs use.

scikit-learn publishes an inventory, which intersphinx tries first; where the build has no network (CI
here), the fallback is written from the installed scikit-learn with the site's URL scheme. keras.io is
not a Sphinx site and publishes none, so its inventory is this table of the pages the docs link to.
"""

import importlib
import inspect
import pathlib
import zlib

import sklearn

SKLEARN_URL = "https://scikit-learn.org/stable/"
KERAS_URL = "https://keras.io/api/"

KERAS_PAGES = {
    "keras.Model": ("class", "models/model/"),
    "keras.Sequential": ("class", "models/sequential/"),
    "keras.layers.Dense": ("class", "layers/core_layers/dense/"),
    "keras.layers.Dropout": ("class", "layers/regularization_layers/dropout/"),
    "keras.layers.BatchNormalization": (
        "class",
        "layers/normalization_layers/batch_normalization/",
    ),
    "keras.activations": ("module", "layers/activations/"),
    "keras.losses": ("module", "losses/"),
    "keras.metrics": ("module", "metrics/"),
    "keras.metrics.Metric": ("class", "metrics/base_metric/"),
    "keras.callbacks": ("module", "callbacks/"),
    "keras.callbacks.Callback": ("class", "callbacks/base_callback/"),
    "keras.callbacks.EarlyStopping": ("class", "callbacks/early_stopping/"),
    "keras.optimizers": ("module", "optimizers/"),
    "keras.optimizers.SGD": ("class", "optimizers/sgd/"),
    "keras.optimizers.Adam": ("class", "optimizers/adam/"),
    "keras.optimizers.RMSprop": ("class", "optimizers/rmsprop/"),
    "keras.optimizers.schedules": ("module", "optimizers/learning_rate_schedules/"),
    "keras.optimizers.schedules.LearningRateSchedule": (
        "class",
        "optimizers/learning_rate_schedules/",
    ),
    "keras.optimizers.schedules.ExponentialDecay": (
        "class",
        "optimizers/learning_rate_schedules/exponential_decay/",
    ),
}


def _public_names(module):
    names = getattr(module, "__all__", None)
    if names is None:  # sklearn.base: what it defines itself
        names = [
            n
            for n, obj in vars(module).items()
            if getattr(obj, "__module__", None) == module.__name__
        ]
    return [name for name in names if not name.startswith("_")]


def _sklearn_entries():
    """``sklearn.<module>.<name>`` for every name a public module exports, at its page's URL."""
    for name in sklearn.__all__:
        if inspect.isfunction(
            getattr(sklearn, name, None)
        ):  # sklearn.clone and the config functions
            yield (
                f"sklearn.{name}",
                "function",
                f"modules/generated/sklearn.{name}.html#$",
            )
    for module_name in [*sklearn.__all__, "base", "utils"]:
        try:
            module = importlib.import_module(f"sklearn.{module_name}")
        except ImportError:  # the top-level functions, experimental modules
            continue
        for name in _public_names(module):
            try:
                obj = getattr(module, name)
            except (
                AttributeError,
                ImportError,
            ):  # experimental names need an enabling import
                continue
            full = f"sklearn.{module_name}.{name}"
            if not inspect.isclass(obj):
                yield full, "function", f"modules/generated/{full}.html#$"
                continue
            yield full, "class", f"modules/generated/{full}.html#$"
            for method, _ in inspect.getmembers(obj, inspect.isfunction):
                if not method.startswith("_"):
                    yield (
                        f"{full}.{method}",
                        "method",
                        f"modules/generated/{full}.html#$",
                    )


def _write(path, project, entries):
    lines = "".join(f"{name} py:{role} 1 {uri} -\n" for name, role, uri in entries)
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n# Version: \n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    path.write_bytes(header.encode() + zlib.compress(lines.encode()))
    return str(path)


def write_inventories(directory):
    """Write both inventories under ``directory``; return ``{"sklearn": path, "keras": path}``."""
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    keras_entries = [(name, role, uri) for name, (role, uri) in KERAS_PAGES.items()]
    return {
        "sklearn": _write(
            directory / "sklearn.inv", "scikit-learn", _sklearn_entries()
        ),
        "keras": _write(directory / "keras.inv", "Keras", keras_entries),
    }
