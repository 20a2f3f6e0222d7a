"""The sknnlite types a skops file of an estimator names, for ``skops.io.load(trusted=...)``."""

from ._classifier import TinyNetClassifier
from ._encoders import MultiOutputLabelEncoder
from ._regressor import TinyNetRegressor
from ._safe_state import RECORDS, qualified_name


def trusted_types():
    """Names of the sknnlite types that a skops file of an sknnlite estimator may hold.

    skops (and MLflow's scikit-learn flavour, which saves with skops from
    MLflow 3.17) loads only the types it is told to trust. Pass this list
    as ``trusted`` to ``skops.io.load``, or as ``skops_trusted_types`` to
    ``mlflow.sklearn.log_model`` / ``save_model``, instead of sknnlite's
    private module paths, which may change from release to release. It
    names sknnlite's estimators, its target encoder and the records a
    fitted estimator keeps (architecture, objective, training state):
    plain data that runs no code when loaded. Types of other libraries
    that a parameter holds (a Keras callback, a user's function) are not
    in it; ``skops.io.get_untrusted_types`` lists them, for you to vet.

    Returns
    -------
    list of str
        Fully qualified names (``"module.Class"``), sorted.

    See Also
    --------
    TinyNetClassifier.save : sknnlite's own file format, which needs no list.

    Examples
    --------
    >>> import numpy as np
    >>> import skops.io
    >>> import sknnlite
    >>> from sknnlite import TinyNetClassifier
    >>> X = np.random.default_rng(0).random((40, 3))
    >>> y = (X.sum(axis=1) > 1.5).astype(int)
    >>> clf = TinyNetClassifier((8,), epochs=5, random_state=0).fit(X, y)
    >>> data = skops.io.dumps(clf)
    >>> untrusted = skops.io.get_untrusted_types(data=data)
    >>> set(untrusted) <= set(sknnlite.trusted_types())
    True
    >>> loaded = skops.io.loads(data, trusted=sknnlite.trusted_types())
    >>> bool((loaded.predict(X) == clf.predict(X)).all())
    True
    """
    types = (TinyNetClassifier, TinyNetRegressor, MultiOutputLabelEncoder, *RECORDS.values())
    return sorted(qualified_name(cls) for cls in types)
