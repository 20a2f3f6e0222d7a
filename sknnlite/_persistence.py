"""Saving a fitted estimator as a Keras ``.keras`` file that also restores the estimator.

The file is Keras' native zip archive, so ``keras.saving.load_model(path)``
opens it as the plain trained network. Two extra members hold the
scikit-learn side (parameters, ``classes_``, feature names, the optimizer
state for ``partial_fit``) as JSON and a NumPy ``.npz`` (see
``_safe_state``): opening a file runs no code from it, as Keras' safe mode
promises for the network part.
"""

import os
import tempfile
import warnings
import zipfile

import numpy as np

from . import _encoders, _model_file, _safe_state
from ._backends import import_keras
from ._training.records import Architecture, Objective, TrainingState

# Zip members with the estimator; Keras ignores members it does not know.
STATE_MEMBER = "sknnlite_estimator.json"
ARRAYS_MEMBER = "sknnlite_arrays.npz"
# sknnlite 0.1.0 pickled the estimator: opened only on request.
PICKLE_MEMBER = "sknnlite_estimator.pkl"


# sknnlite's estimator classes by qualified name: a file naming one loads without trust. Filled by
# ``loadable`` where each class is defined, so this module never imports the estimators.
_ESTIMATOR_CLASSES = {}


def loadable(cls):
    """Class decorator: files naming ``cls`` load as it without being trusted (sknnlite's own estimators)."""
    _ESTIMATOR_CLASSES[_safe_state.qualified_name(cls)] = cls
    return cls


class UnsafeModelFileWarning(UserWarning):
    """A model file was opened with pickle, which can run code from the file."""


def save(estimator, path):
    """Write the fitted ``estimator`` to ``path`` (a ``.keras`` file)."""
    path = str(path)
    if not path.endswith(".keras"):
        raise ValueError(f"save writes Keras' native format; the path must end in '.keras', got {path!r}.")
    state = estimator.__getstate__()
    encoded = _encoders.targets_encoded(estimator) or _encoders.features_encoded(estimator)
    if state.get("_output_layout") is not None or encoded:
        raise ValueError(
            f"save() cannot yet store a {type(estimator).__name__} whose data go through a target_encoder or "
            "feature_encoder, or whose model has several inputs or outputs; pickle it (joblib.dump) instead. "
            "The trained network alone saves with est.model_.save(path)."
        )
    state.pop("_custom_model", None)  # the Keras part of the file holds it
    document, arrays, models = _safe_state.dump_state(type(estimator), state)
    estimator.model_.save(path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(STATE_MEMBER, document)
        archive.writestr(ARRAYS_MEMBER, arrays)
        for member, model in models.items():
            archive.writestr(member, _keras_bytes(model))


def _keras_bytes(model):
    """A Keras model's ``.keras`` file as bytes (Keras saves to paths only)."""
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "model.keras")
        model.save(path)
        with open(path, "rb") as file:
            return file.read()


def _model_loader(members, trust, source):
    """Opens the ``.keras`` members a state refers to (read with the others), in Keras' safe mode."""

    def load_model(member):
        if not member.startswith(_safe_state.MODEL_MEMBER_PREFIX) or not member.endswith(".keras"):
            raise ValueError(f"unexpected model member {member!r}")
        if member not in members:
            raise ValueError(f"the model member {member!r} is missing")
        nested = _model_file.read_archive(members[member], f"{source} (member {member!r})", lambda _: False)
        return _load_keras(nested, trust, source)

    return load_model


def _load_keras(members, trust, source):
    """The Keras model of ``members`` (checked ``.keras`` archive members), rebuilt in Keras' safe mode.

    Keras opens a copy holding only these members, so it reads nothing the checks did not see.
    """
    import_keras()
    import keras

    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "model.keras")
        _model_file.write_archive({k: v for k, v in members.items() if _model_file.is_keras_member(k)}, path)
        try:
            return keras.saving.load_model(
                path, compile=False, safe_mode=True, custom_objects=trust.custom_objects()
            )
        except (
            TypeError,
            ValueError,
            KeyError,
            IndexError,
            AttributeError,
            OSError,
            zipfile.BadZipFile,
        ) as error:
            raise ValueError(
                f"{source}: Keras could not rebuild the network ({error}). Custom layers, losses or "
                "activations must be passed as custom_objects={...} (or trusted=[...])."
            ) from None


def _estimator_class(name, expected_class, trusted, source):
    known = dict(_ESTIMATOR_CLASSES)
    if expected_class is not None:
        known[_safe_state.qualified_name(expected_class)] = expected_class
    if not isinstance(name, str):
        raise ValueError(f"{source}: malformed estimator record (no estimator class).")
    if name in known:
        return known[name]
    if not trusted.allows(name):
        raise _safe_state.UntrustedNamesError(
            f"{source} holds a {name}, which is not an sknnlite estimator; loading it would run its "
            f"code. If you trust the file, pass trusted=[{name.rpartition('.')[2]}] (the class) or its "
            "name."
        )
    return trusted.resolve(name)


def _is_own_member(name):
    return name in (STATE_MEMBER, ARRAYS_MEMBER, PICKLE_MEMBER) or (
        name.startswith(_safe_state.MODEL_MEMBER_PREFIX) and name.endswith(".keras") and "/" not in name
    )


def _read_members(path):
    """Every member of the file, each checked (name, size, compression) before it is read."""
    return _model_file.read_archive(path, repr(path), _is_own_member, json_members=(STATE_MEMBER,))


def load(path, expected_class=None, *, trusted=None, custom_objects=None, allow_pickle=False):
    """Read an estimator written by :func:`save`, running no code from the file.

    Code the file names (a build function, custom Keras objects, callbacks)
    is resolved only from ``trusted`` / ``custom_objects``. Files of
    sknnlite 0.1.0 hold a pickle and open only with ``allow_pickle=True``.
    """

    path = str(path)
    source = repr(path)
    members = _read_members(path)
    trust = _safe_state.Trusted(trusted, custom_objects)
    if STATE_MEMBER in members:
        if ARRAYS_MEMBER not in members:
            raise ValueError(f"{source}: the estimator's arrays ({ARRAYS_MEMBER}) are missing.")
        name, state = _safe_state.load_state(
            members[STATE_MEMBER],
            members[ARRAYS_MEMBER],
            trust,
            source,
            _model_loader(members, trust, source),
        )
        cls = _estimator_class(name, expected_class, trust, source)
    elif PICKLE_MEMBER in members:
        cls, state = _load_pickled(members[PICKLE_MEMBER], source, allow_pickle)
    else:
        raise ValueError(
            f"{source} is a Keras file without sknnlite's estimator; open it with "
            "keras.saving.load_model, or save the estimator with its save method."
        )
    if expected_class is not None and not (isinstance(cls, type) and issubclass(cls, expected_class)):
        raise TypeError(f"{source} holds a {getattr(cls, '__name__', cls)}, not a {expected_class.__name__}.")
    estimator = cls.__new__(cls)
    estimator.__setstate__(state)
    _check_loaded(estimator, source)
    if getattr(estimator, "_architecture", None) is None:
        # A custom network lives in the file's Keras part; the built-in one is rebuilt from the record
        # (its weights included) when model_ is first asked for, as after unpickling, so loading it
        # needs neither Keras nor the Keras members.
        weights_bytes = sum(weights.nbytes for weights in estimator._state.weights)
        _model_file.check_keras_weights(members, weights_bytes, source)
        model = _load_keras(members, trust, source)
        try:
            estimator._attach_keras_model(model)
        except (ValueError, TypeError, IndexError) as error:
            raise ValueError(
                f"{source}: the network does not match the estimator record ({error})."
            ) from None
        _check_loaded(estimator, source)
    return estimator


def _load_pickled(payload, source, allow_pickle):
    if not allow_pickle:
        raise ValueError(
            f"{source} was written by sknnlite 0.1.0, which pickled the estimator; unpickling runs code "
            "from the file, so it is not opened by default. If you trust the file, load it with "
            "allow_pickle=True and save it again: the new file stores the estimator as data."
        )
    warnings.warn(
        f"Opening {source} with pickle (a file from sknnlite 0.1.0): pickle runs any code the file "
        "contains. Save the estimator again to store it as data.",
        UnsafeModelFileWarning,
        stacklevel=3,
    )
    import io
    import pickle

    return pickle.load(io.BytesIO(payload))


def _check_loaded(estimator, source):
    """The attributes predict relies on have the types and shapes it needs."""
    problems = []
    n_features = getattr(estimator, "n_features_in_", None)
    if not isinstance(n_features, int) or isinstance(n_features, bool) or n_features < 1:
        problems.append(f"n_features_in_ is {n_features!r:.40}, not a positive int")
    if hasattr(type(estimator), "predict_proba") and not isinstance(
        getattr(estimator, "classes_", None), np.ndarray
    ):
        problems.append("classes_ is not an array")
    architecture = getattr(estimator, "_architecture", None)
    if architecture is not None and not isinstance(architecture, Architecture):
        problems.append("the architecture is not an Architecture record")
    if not isinstance(getattr(estimator, "_objective", None), Objective):
        problems.append("the objective is not an Objective record")
    state = getattr(estimator, "_state", None)
    if not isinstance(state, TrainingState) or not all(isinstance(w, np.ndarray) for w in state.weights):
        problems.append("the training state is not a TrainingState of arrays")
    if isinstance(architecture, Architecture) and not problems:
        problems += _layer_problems(estimator, n_features)
    if problems:
        raise ValueError(f"{source}: malformed estimator record ({'; '.join(problems)}).")


def _layer_problems(estimator, n_features):
    coefs, intercepts = getattr(estimator, "coefs_", None), getattr(estimator, "intercepts_", None)
    if not isinstance(coefs, list) or not isinstance(intercepts, list) or len(coefs) != len(intercepts):
        return ["coefs_ and intercepts_ are not lists of one array per layer"]
    if not all(isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in coefs + intercepts):
        return ["coefs_ and intercepts_ hold something other than float arrays"]
    sizes = [n_features] + [W.shape[-1] for W in coefs]
    chained = all(W.shape == (sizes[i], sizes[i + 1]) for i, W in enumerate(coefs)) and all(
        b.shape == (sizes[i + 1],) for i, b in enumerate(intercepts)
    )
    return [] if chained else ["the layer shapes do not chain from n_features_in_ to the output"]
