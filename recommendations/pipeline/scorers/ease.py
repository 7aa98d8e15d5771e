"""EASE: Steck's closed-form linear item-item model (WWW 2019).

B = I - P · diag(1 / diag(P)) with P = (XᵀX + λI)⁻¹, zero diagonal; a user's
scores are their history row times B. The inverse is dense in the number of
items, so the model keeps the `max_items` items with the most training
interactions (items never seen in training have an empty column anyway) and
computes in float32: 8,000 items take 256 MB and a few seconds on two cores.
Items outside the model are not candidates.
"""

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from recommendations.pipeline.interactions import Interactions
from recommendations.pipeline.scoring import NOT_A_CANDIDATE, ScorerSpec, scorer_register


def ease_weights(matrix: sp.csr_matrix, *, regularisation: float) -> np.ndarray:
    """The items x items weight matrix B of the binary `matrix` (float32)."""
    gram = (matrix.T @ matrix).toarray().astype(np.float32)
    gram[np.diag_indices_from(gram)] += regularisation
    precision = scipy.linalg.inv(gram, overwrite_a=True, check_finite=False)
    weights = precision / -np.diag(precision)
    weights[np.diag_indices_from(weights)] = 0.0
    return weights.astype(np.float32, copy=False)


@dataclass
class EaseScorer:
    regularisation: float = 100.0
    max_items: int = 8000
    history: sp.csr_matrix | None = None
    modelled: np.ndarray | None = None
    weights: np.ndarray | None = None
    n_items: int = 0

    def fit(self, *, train: Interactions, now: float) -> "EaseScorer":
        matrix = train.select(train.timestamps <= now).matrix()
        counts = np.asarray(matrix.sum(axis=0)).ravel()
        seen = np.flatnonzero(counts > 0)
        # The most chosen first, ties by position; then back in position order.
        keep = seen[np.argsort(-counts[seen], kind="stable")[: self.max_items]]
        self.modelled = np.sort(keep)
        self.history = matrix[:, self.modelled].tocsr()
        self.weights = ease_weights(self.history, regularisation=self.regularisation)
        self.n_items = train.n_items
        return self

    def score(self, *, users: np.ndarray) -> np.ndarray:
        scores = np.full((len(users), self.n_items), NOT_A_CANDIDATE, dtype=np.float32)
        scores[:, self.modelled] = self.history[users] @ self.weights
        return scores


scorer_register(
    ScorerSpec(
        name="ease",
        make=EaseScorer,
        defaults={"regularisation": 100.0},
        grid=tuple({"regularisation": value} for value in (1.0, 10.0, 100.0, 500.0, 2000.0)),
    )
)
