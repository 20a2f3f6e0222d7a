"""Importing Keras without TensorFlow's C++ INFO lines that sknnlite's own use would trigger.

TensorFlow reads ``TF_CPP_MIN_LOG_LEVEL`` once, when it is imported. Left unset,
the XLA-compiled training loop logs four INFO lines ("XLA service ...
initialized", "Compiled cluster using XLA!") on the first fit, and the import
a CPU-features notice; none is actionable. When sknnlite is the one importing
TensorFlow and the user has not chosen a level, it imports it at level 1
(warnings and errors still show) and then removes the variable again, so child
processes and a user's own later settings are untouched. A user who set the
variable, or imported TensorFlow first, keeps their own level.
"""

import os
import sys

_QUIET_LEVEL = "1"  # hides INFO; WARNING and ERROR lines still show


def import_keras_quietly():
    """Import Keras (and TensorFlow, if it is the backend) at TensorFlow log level 1 unless set."""
    if "keras" in sys.modules or "TF_CPP_MIN_LOG_LEVEL" in os.environ:
        return  # imported already, or the user's own level
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = _QUIET_LEVEL
    try:
        import keras

        if keras.backend.backend() == "tensorflow":
            import tensorflow  # noqa: F401  (the level is read now)
    finally:
        os.environ.pop("TF_CPP_MIN_LOG_LEVEL", None)
