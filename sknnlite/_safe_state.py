"""An estimator's state as JSON and arrays: what a model file holds instead of a pickle.

Reading such a file runs no code from it. Values of plain types (numbers,
strings, lists, dicts, NumPy arrays and scalars, sknnlite's own records)
are data. Keras objects are stored as Keras configs and rebuilt by Keras in
safe mode, built-in ones freely. Everything else that is code (a build
function, a custom loss or activation, a callback) is stored by name and
resolved only from what the caller trusts; an untrusted name fails the load
with the list of names and how to allow them.
"""

import dataclasses
import importlib
import inspect
import io
import json
import math
import sys

import numpy as np

from ._model_file import read_arrays
from ._targets import TargetEncoding
from ._training.records import Architecture, Objective, TrainingState, _Filled

# sknnlite's own records: rebuilt from their fields, no code from the file.
RECORDS = {cls.__name__: cls for cls in (Architecture, Objective, TrainingState, TargetEncoding, _Filled)}
# Zip members holding the Keras models among the values (a model= to fine-tune), one .keras file each.
MODEL_MEMBER_PREFIX = "sknnlite_param_model_"
FORMAT = "sknnlite-state"
VERSION = 1


class UntrustedNamesError(ValueError):
    """A model file names code (functions, classes) the caller did not trust."""


def qualified_name(obj):
    return f"{obj.__module__}.{obj.__qualname__}"


def _state_is_its_dict(obj):
    """Instances rebuilt exactly from ``__dict__`` (no slots, no custom pickling), e.g. callbacks."""
    cls = type(obj)
    return (
        hasattr(obj, "__dict__")
        and "<" not in cls.__qualname__
        and not hasattr(cls, "__slots__")
        and cls.__reduce_ex__ is object.__reduce_ex__
        and cls.__reduce__ is object.__reduce__
        # object.__getstate__ exists from Python 3.11.
        and getattr(cls, "__getstate__", None) is getattr(object, "__getstate__", None)
    )


def _is_keras_builtin(obj):
    module = getattr(obj, "__module__", None) or getattr(type(obj), "__module__", "")
    return module == "keras" or module.startswith("keras.")


def _is_keras_object(obj):
    """Keras' own functions, instances of its classes that Keras describes with a config, and optimizers.

    An optimizer parameter is only read for its class and configuration, so a
    user's optimizer subclass is stored as its Keras config too (its class by
    name, which loading resolves only if trusted).
    """
    if inspect.isclass(obj):
        return False
    if not _is_keras_builtin(obj):
        keras = sys.modules.get("keras")
        return keras is not None and isinstance(obj, keras.optimizers.Optimizer)
    return inspect.isroutine(obj) or hasattr(obj, "get_config")


# Keras modules whose public classes a file may name (built-in, so loading them runs no code from the file).
KERAS_CLASS_MODULES = (
    "optimizers",
    "losses",
    "metrics",
    "callbacks",
    "layers",
    "initializers",
    "regularizers",
)


def _public_keras_class(obj):
    """``"optimizers.SGD"`` for a class Keras exports under that name, else None."""
    if not inspect.isclass(obj) or not _is_keras_builtin(obj):
        return None
    import keras

    for module in KERAS_CLASS_MODULES:
        if getattr(getattr(keras, module), obj.__name__, None) is obj:
            return f"{module}.{obj.__name__}"
    return None


def _keras_class(path):
    """The class a ``keras_class`` entry names, looked up only among Keras' public classes."""
    import keras

    module, _, name = path.partition(".")
    cls = getattr(getattr(keras, module), name, None) if module in KERAS_CLASS_MODULES else None
    if not inspect.isclass(cls):
        raise ValueError(f"keras_class {path!r} is not a public Keras class")
    return cls


def _is_keras_model(obj):
    keras = sys.modules.get("keras")  # a Keras model can only exist once Keras is imported
    return keras is not None and isinstance(obj, keras.Model)


class _Encoder:
    def __init__(self):
        self.arrays = {}
        self.models = {}

    def encode(self, value):
        if value is None or isinstance(value, (bool, str)):
            return value
        if type(value) is int:
            return value
        if type(value) is float:
            return value if math.isfinite(value) else {"float": repr(value)}
        if isinstance(value, list):
            return [self.encode(item) for item in value]
        if isinstance(value, tuple):
            return {"tuple": [self.encode(item) for item in value]}
        if isinstance(value, dict):
            return {"dict": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        if isinstance(value, np.ndarray):
            return self._array(value)
        if isinstance(value, np.generic):
            return {"scalar": value.dtype.str, "value": self.encode(value.item())}
        if isinstance(value, np.dtype):
            return {"dtype": value.str}
        if isinstance(value, np.random.RandomState):
            return {"random_state": self.encode(value.get_state(legacy=True))}
        if dataclasses.is_dataclass(value) and type(value).__name__ in RECORDS:
            fields = {f.name: self.encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
            return {"record": type(value).__name__, "fields": fields}
        if _is_keras_model(value):  # e.g. model=: a config would lose its (pretrained) weights
            name = f"{MODEL_MEMBER_PREFIX}{len(self.models)}.keras"
            self.models[name] = value
            return {"keras_model": name}
        if _is_keras_object(value):
            import keras

            try:
                return {"keras": keras.saving.serialize_keras_object(value)}
            except (NotImplementedError, TypeError, ValueError) as error:
                raise ValueError(f"Cannot save {value!r:.80}: Keras cannot describe it ({error}).") from None
        if (public_name := _public_keras_class(value)) is not None:  # e.g. optimizer=keras.optimizers.SGD
            return {"keras_class": public_name}
        if inspect.isroutine(value) or inspect.isclass(value):
            if "<" not in value.__qualname__:  # not a lambda, nested or local function
                return {"code": qualified_name(value)}
        elif _state_is_its_dict(value):
            return {"object": qualified_name(type(value)), "state": self.encode(vars(value))}
        raise ValueError(
            f"Cannot save a {type(value).__name__} ({value!r:.80}): functions and classes the estimator "
            "refers to (a model build function, a custom loss) must be defined at module level, not as "
            "lambdas or nested functions, since the file stores them by name."
        )

    def _array(self, array):
        if array.dtype.kind in "biufcUS":
            name = f"a{len(self.arrays)}"
            self.arrays[name] = array
            return {"array": name}
        if array.dtype.kind == "O":
            return {
                "object_array": [self.encode(item) for item in array.ravel().tolist()],
                "shape": list(array.shape),
            }
        raise ValueError(f"Cannot save an array of dtype {array.dtype} as data.")


def dump_state(estimator_class, state):
    """``(json_bytes, npz_bytes, models)`` for ``state`` (the estimator's ``__getstate__``).

    ``models`` maps zip member names to the Keras models among the values
    (a ``model=`` to fine-tune), which the caller stores as ``.keras`` files.
    """
    encoder = _Encoder()
    document = {
        "format": FORMAT,
        "version": VERSION,
        "estimator": qualified_name(estimator_class),
        "state": encoder.encode(state),
    }
    buffer = io.BytesIO()
    np.savez(buffer, **encoder.arrays)
    return json.dumps(document).encode(), buffer.getvalue(), encoder.models


def _code_names(node, found):
    """Every name of code a decoded document would resolve (to check trust before building anything)."""
    if isinstance(node, list):
        for item in node:
            _code_names(item, found)
    elif isinstance(node, dict):
        for key in ("code", "object"):
            if key in node:
                found.add(str(node[key]))
        if "keras" in node:
            _keras_names(node["keras"], found)
        for key, value in node.items():
            if key != "keras":
                _code_names(value, found)
    return found


# Where Keras looks up a function its config names only by name (module "builtins").
KERAS_FUNCTION_MODULES = ("activations", "constraints", "initializers", "losses", "metrics", "regularizers")


def _is_keras_function_name(name):
    import keras

    return isinstance(name, str) and any(
        callable(getattr(getattr(keras, module), name, None)) for module in KERAS_FUNCTION_MODULES
    )


def _keras_names(config, found):
    """Classes and functions a Keras config names outside Keras itself."""
    if isinstance(config, list):
        for item in config:
            _keras_names(item, found)
    elif isinstance(config, dict):
        module, class_name = config.get("module"), config.get("class_name")
        if module == "builtins" and class_name == "function":
            if not _is_keras_function_name(config.get("config")):
                found.add(str(config.get("config")))
        elif isinstance(module, str) and module != "keras" and not module.startswith("keras."):
            found.add(f"{module}.{class_name}")
        for value in config.values():
            _keras_names(value, found)


class _Decoder:
    def __init__(self, arrays, trusted, load_model):
        self.arrays = arrays
        self.trusted = trusted
        self.load_model = load_model

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(item) for item in node]
        if not isinstance(node, dict) or len(node) == 0:
            raise ValueError(f"unexpected value {node!r:.80}")
        if "tuple" in node:
            return tuple(self.decode(item) for item in _expect(node["tuple"], list, "tuple"))
        if "dict" in node:
            pairs = _expect(node["dict"], list, "dict")
            return {_hashable(self.decode(k)): self.decode(v) for k, v in (_pair(p) for p in pairs)}
        if "float" in node:
            text = _expect(node["float"], str, "float")
            if text not in ("nan", "inf", "-inf"):
                raise ValueError(f"unexpected float {text!r}")
            return float(text)
        if "array" in node:
            name = _expect(node["array"], str, "array")
            if name not in self.arrays:
                raise ValueError(f"array {name!r} is missing")
            return self.arrays[name]
        if "object_array" in node:
            items = [self.decode(item) for item in _expect(node["object_array"], list, "object_array")]
            shape = tuple(_expect(n, int, "shape") for n in _expect(node.get("shape"), list, "shape"))
            array = np.empty(len(items), dtype=object)
            array[:] = items
            return array.reshape(shape)
        if "scalar" in node:
            dtype = _safe_dtype(node["scalar"], kinds="biufcUS")
            return dtype.type(self.decode(node.get("value")))
        if "dtype" in node:
            return _safe_dtype(node["dtype"])
        if "random_state" in node:
            random_state = np.random.RandomState()
            random_state.set_state(self.decode(node["random_state"]))
            return random_state
        if "record" in node:
            cls = RECORDS.get(node["record"])
            if cls is None:
                raise ValueError(f"unknown record {node['record']!r}")
            fields = _expect(node.get("fields"), dict, "fields")
            return cls(**{str(k): self.decode(v) for k, v in fields.items()})
        if "keras" in node:
            import keras

            return keras.saving.deserialize_keras_object(
                node["keras"], custom_objects=self.trusted.custom_objects(), safe_mode=True
            )
        if "keras_model" in node:
            return self.load_model(_expect(node["keras_model"], str, "keras_model"))
        if "keras_class" in node:
            return _keras_class(_expect(node["keras_class"], str, "keras_class"))
        if "code" in node:
            return self.trusted.resolve(node["code"])
        if "object" in node:
            cls = self.trusted.resolve(node["object"])
            state = self.decode(node.get("state"))
            if not isinstance(cls, type) or not isinstance(state, dict):
                raise ValueError(f"object {node['object']!r} is not a class with a state")
            obj = cls.__new__(cls)
            obj.__dict__.update(state)
            return obj
        raise ValueError(f"unexpected value {node!r:.80}")


def _expect(value, kind, what):
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"{what}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def _pair(item):
    if not isinstance(item, list) or len(item) != 2:
        raise ValueError("dict: expected [key, value] pairs")
    return item


def _hashable(key):
    try:
        hash(key)
    except TypeError:
        raise ValueError(f"dict key {key!r:.80} is not hashable") from None
    return key


def _safe_dtype(text, kinds="biufcUSO"):
    dtype = np.dtype(_expect(text, str, "dtype"))
    if dtype.kind not in kinds:
        raise ValueError(f"unexpected dtype {text!r}")
    return dtype


class Trusted:
    """The code a caller allows a file to name: objects, or ``"module.qualname"`` strings."""

    def __init__(self, trusted=None, custom_objects=None):
        self.objects = {}
        self.names = set()
        for item in list(trusted or []) + list((custom_objects or {}).values()):
            if isinstance(item, str):
                self.names.add(item)
            else:
                self.objects[qualified_name(item)] = item
        self.aliases = dict(custom_objects or {})

    def allows(self, name):
        # Keras resolves custom objects by their short (class, function or registered) name.
        return name in self.objects or name in self.names or name.rpartition(".")[2] in self.custom_objects()

    def resolve(self, name):
        name = _expect(name, str, "name")
        if name in self.aliases:
            return self.aliases[name]
        if name in self.objects:
            return self.objects[name]
        if name not in self.names:
            raise UntrustedNamesError(f"untrusted name {name!r}")
        module, _, attribute = name.rpartition(".")
        # Import the longest importable prefix, then walk attributes (nested classes).
        parts = name.split(".")
        for split in range(len(parts) - 1, 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:split]))
            except ImportError:
                continue
            for part in parts[split:]:
                obj = getattr(obj, part)
            return obj
        raise ValueError(f"cannot import {name!r} (module {module!r}, name {attribute!r})")

    def custom_objects(self):
        objects = {name.rpartition(".")[2]: obj for name, obj in self.objects.items()}
        objects.update(self.aliases)
        return objects


def load_state(document_bytes, npz_bytes, trusted, source, load_model):
    """``(estimator_class_name, state)`` from :func:`dump_state`'s bytes, running no code from them.

    ``load_model(member)`` opens a Keras model the state refers to (in Keras' safe mode).
    """
    try:
        document = json.loads(document_bytes)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ValueError(f"{source}: the estimator record is not valid JSON ({error}).") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{source}: not an sknnlite estimator record.")
    if document.get("version") != VERSION:
        raise ValueError(
            f"{source}: estimator record version {document.get('version')!r}; this sknnlite reads "
            f"version {VERSION}. Upgrade sknnlite to open it."
        )
    try:
        names = _code_names(document.get("state"), set())
    except RecursionError:
        raise ValueError(f"{source}: malformed estimator record (nested too deeply).") from None
    untrusted = sorted(name for name in names if not trusted.allows(str(name)))
    if untrusted:
        raise UntrustedNamesError(
            f"{source} names code that was not trusted: {untrusted}. Loading it would run that code; "
            "if you trust the file, pass the objects (or their names) as trusted=[...] (or Keras' "
            "custom_objects={...})."
        )
    arrays = read_arrays(npz_bytes, source)
    try:
        state = _Decoder(arrays, trusted, load_model).decode(document["state"])
    except UntrustedNamesError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as error:
        raise ValueError(f"{source}: malformed estimator record ({error}).") from None
    if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
        raise ValueError(f"{source}: malformed estimator record (the state is not a dict of attributes).")
    return document.get("estimator"), state
