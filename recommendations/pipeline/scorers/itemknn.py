"""Item-kNN: cosine similarity of items on who chose both, each item keeping its k nearest.

A user's score for an item is the sum of its similarities to the items in
their history (Sarwar et al. 2001; the tuned baseline of Dacrema et al. 2019).
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from recommendations.pipeline.interactions import Interactions
from recommendations.pipeline.neighbours import cosine_neighbours
from recommendations.pipeline.scoring import NOT_A_CANDIDATE, ScorerSpec, scorer_register


@dataclass
class ItemKnnScorer:
    neighbours: int = 100
    history: sp.csr_matrix | None = None
    similarity: sp.csr_matrix | None = None

    def fit(self, *, train: Interactions, now: float) -> "ItemKnnScorer":
        self.history = train.select(train.timestamps <= now).matrix()
        # Row i holds i's neighbours; a user's score for j sums sim(i, j) over
        # their items i, so the product uses the transpose.
        self.similarity = cosine_neighbours(self.history, neighbours=self.neighbours).T.tocsr()
        return self

    def score(self, *, users: np.ndarray) -> np.ndarray:
        scores = (self.history[users] @ self.similarity).toarray()
        # An item similar to nothing the user chose is not a candidate.
        return np.where(scores > 0, scores, NOT_A_CANDIDATE).astype(np.float32)


scorer_register(
    ScorerSpec(
        name="itemknn",
        make=ItemKnnScorer,
        defaults={"neighbours": 100},
        grid=tuple({"neighbours": k} for k in (10, 50, 250)),
    )
)
