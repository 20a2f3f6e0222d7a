"""How X reaches the network: dense arrays as they are, SciPy sparse matrices a minibatch at a time.

``TfidfVectorizer``, ``CountVectorizer`` and ``OneHotEncoder`` hand the next
Pipeline step a sparse matrix that may be far too large to densify; training
and prediction densify only the rows they are working on.
"""

import numpy as np
from scipy import sparse

# Rows per chunk when a whole matrix goes through a network (predictions, validation scores): memory
# bounded whatever the number of rows.
CHUNK_ROWS = 4096


def training_matrix(X):
    """X as the training loops read it: a C-contiguous array, or a canonical CSR matrix.

    CSR rows are what minibatches take; summing duplicate entries and sorting
    the indices makes each row's densified values exactly the dense matrix's.
    """
    if not sparse.issparse(X):
        return np.ascontiguousarray(X)
    X = sparse.csr_matrix(X)  # a copy only if X was not CSR already (or was a sparse array)
    if not X.has_canonical_format:
        X = X.copy()
        X.sum_duplicates()
    return X


def dense_rows(X, rows):
    """The given rows of X as a dense array."""
    part = X[rows]
    return part.toarray() if sparse.issparse(part) else part


def training_rows(X, rows, positions):
    """Rows ``positions`` of the training set: of X, or of ``X[rows]`` without taking that copy first."""
    return X[positions] if rows is None else X[rows[positions]]


def map_in_chunks(fn, X, chunk_rows=CHUNK_ROWS, densify=True, mapper=map):
    """``fn`` applied to X's rows a chunk at a time (dense, unless ``densify=False``), results stacked.

    ``mapper`` runs the chunks (``map``, or an executor's ``map`` for threads); each call
    slices its own chunk, so a sparse X is never copied whole up front.
    """
    take = dense_rows if densify else (lambda X, rows: X[rows])
    parts = list(mapper(lambda i: fn(take(X, slice(i, i + chunk_rows))), range(0, X.shape[0], chunk_rows)))
    return np.concatenate(parts) if parts else fn(take(X, slice(0, 0)))
