"""EASE's closed form (Steck, WWW 2019), shared by the `ease` scorer and the ranker's prior.

B = I - P · diag(1 / diag(P)) with P = (XᵀX + λI)⁻¹, zero diagonal; a user's
scores are their history row times B. The inverse is dense in the number of
items, so a model keeps the items with the most interactions (`ease_fit`) and
computes in float32: 3,000 items take 36 MB and a second or two on two cores
(the cost grows with the cube of the item count).
"""

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from threadpoolctl import threadpool_limits


def ease_fit(
    matrix: sp.csr_matrix, *, regularisation: float, max_items: int, relative: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The `max_items` columns of the binary users x items `matrix` that the most users
    chose (ties by position), in position order, and the EASE weights between them.

    `relative`: the ridge is `regularisation` times the modelled items' mean number of
    users, the scale of the Gram matrix's diagonal, so that one setting fits a log of
    a hundred users and one of a million alike."""
    counts = np.asarray(matrix.sum(axis=0)).ravel()
    seen = np.flatnonzero(counts > 0)
    # The most chosen first, ties by position; then back in position order.
    modelled = np.sort(seen[np.argsort(-counts[seen], kind="stable")[:max_items]])
    if relative and len(modelled):
        regularisation *= float(counts[modelled].mean())
    return modelled, ease_weights(matrix[:, modelled].tocsr(), regularisation=regularisation)


def ease_weights(matrix: sp.csr_matrix, *, regularisation: float) -> np.ndarray:
    """The items x items weight matrix B of the binary `matrix` (float32)."""
    if matrix.shape[1] == 0:
        return np.zeros((0, 0), dtype=np.float32)
    gram = (matrix.T @ matrix).toarray().astype(np.float32)
    gram[np.diag_indices_from(gram)] += regularisation
    # The Gram matrix plus a ridge is symmetric positive definite: a Cholesky
    # factorisation inverts it in about half the time of a general inverse.
    # One BLAS thread: on cores shared with other processes (web and worker
    # processes, other jobs), OpenBLAS's spinning threads made this three times
    # slower (ADR 0020).
    with threadpool_limits(limits=1):
        factor, info = scipy.linalg.lapack.spotrf(gram, lower=False, overwrite_a=True)
        if info == 0:
            upper, info = scipy.linalg.lapack.spotri(factor, lower=False, overwrite_c=True)
    if info != 0:
        raise np.linalg.LinAlgError(
            f"EASE: the regularised Gram matrix is not invertible ({info})."
        )
    precision = np.triu(upper) + np.triu(upper, 1).T
    weights = precision / -np.diag(precision)
    weights[np.diag_indices_from(weights)] = 0.0
    return weights.astype(np.float32, copy=False)
