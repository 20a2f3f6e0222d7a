"""Saving a fitted estimator as a Keras ``.keras`` file that also restores the estimator.

The file is Keras' native zip archive, so ``keras.saving.load_model(path)``
opens it as the plain trained network. One extra member holds the
scikit-learn side (parameters, ``classes_``, feature names, the optimizer
state for ``partial_fit``), pickled: load only files you trust, as with any
pickle or ``joblib`` file.
"""

import io
import pickle
import zipfile

# The zip member with the estimator; Keras ignores members it does not know.
ESTIMATOR_MEMBER = "sknnlite_estimator.pkl"


def save(estimator, path):
    """Write the fitted ``estimator`` to ``path`` (a ``.keras`` file)."""
    path = str(path)
    if not path.endswith(".keras"):
        raise ValueError(f"save writes Keras' native format; the path must end in '.keras', got {path!r}.")
    state = estimator.__getstate__()
    state.pop("_custom_model", None)  # the Keras part of the file holds it
    try:
        payload = pickle.dumps((type(estimator), state))
    except (pickle.PicklingError, AttributeError, TypeError) as error:
        raise ValueError(
            f"The estimator's parameters cannot be pickled ({error}); a model build function "
            "must be defined at module level to be saved."
        ) from error
    estimator.model_.save(path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(ESTIMATOR_MEMBER, payload)


def load(path, expected_class=None):
    """Read an estimator written by :func:`save`."""
    import keras

    path = str(path)
    with zipfile.ZipFile(path) as archive:
        if ESTIMATOR_MEMBER not in archive.namelist():
            raise ValueError(
                f"{path!r} is a Keras file without sknnlite's estimator; open it with "
                "keras.saving.load_model, or save the estimator with its save method."
            )
        cls, state = pickle.load(io.BytesIO(archive.read(ESTIMATOR_MEMBER)))
    if expected_class is not None and not issubclass(cls, expected_class):
        raise TypeError(f"{path!r} holds a {cls.__name__}, not a {expected_class.__name__}.")
    estimator = cls.__new__(cls)
    estimator.__setstate__(state)
    model = keras.saving.load_model(path, compile=False)
    estimator._attach_keras_model(model)
    return estimator
