"""sknnlite: small Keras neural networks behind the scikit-learn estimator API.

``import sknnlite`` does not import TensorFlow; Keras is loaded at the first
``fit`` (or the first access to ``model_``).
"""

from ._classifier import TinyNetClassifier
from ._encoders import MultiOutputLabelEncoder
from ._regressor import TinyNetRegressor
from ._trusted_types import trusted_types

# The one place the version is set (pyproject.toml reads it); the changelog's top entry names it.
__version__ = "0.2.0.dev0"

__all__ = ["MultiOutputLabelEncoder", "TinyNetClassifier", "TinyNetRegressor", "__version__", "trusted_types"]
