"""sknnlite: small Keras neural networks behind the scikit-learn estimator API.

``import sknnlite`` does not import TensorFlow; Keras is loaded at the first
``fit`` (or the first access to ``model_``).
"""

from ._classifier import TinyNetClassifier
from ._encoders import MultiOutputLabelEncoder
from ._regressor import TinyNetRegressor

__version__ = "0.1.0"

__all__ = ["MultiOutputLabelEncoder", "TinyNetClassifier", "TinyNetRegressor", "__version__"]
