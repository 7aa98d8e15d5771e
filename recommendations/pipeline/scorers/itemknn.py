"""Item-kNN: cosine similarity of items on who chose both, each item keeping its k nearest.

A user's score for an item is the sum of its similarities to the items in
their history (Sarwar et al. 2001; the tuned baseline of Dacrema et al. 2019).
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from recommendations.pipeline.interactions import Interactions
from recommendations.pipeline.scoring import NOT_A_CANDIDATE, ScorerSpec, scorer_register


def cosine_neighbours(
    matrix: sp.csr_matrix, *, neighbours: int, items_per_block: int = 1024
) -> sp.csr_matrix:
    """Items x items cosine similarities of the columns of the binary `matrix`, self excluded,
    each row keeping its `neighbours` largest (positive ones only; among equal
    similarities at the cut, the partial sort's choice, the same on every run).

    Rows are computed a block at a time as dense arrays, where a partial sort
    finds each row's k best: a log with a few very active users has a nearly
    dense co-occurrence matrix, which sorting as sparse entries made slow.
    """
    matrix = matrix.tocsc().astype(np.float32)
    n_items = matrix.shape[1]
    norms = np.sqrt(np.asarray(matrix.sum(axis=0)).ravel())
    norms[norms == 0] = 1.0
    co_occurrence = sp.csr_matrix(matrix.T @ matrix)
    k = min(neighbours, max(n_items - 1, 0))
    rows, columns, values = [], [], []
    for start in range(0, n_items if k else 0, items_per_block):
        stop = min(start + items_per_block, n_items)
        similarity = co_occurrence[start:stop].toarray()
        similarity /= norms[start:stop, None]
        similarity /= norms[None, :]
        similarity[np.arange(stop - start), np.arange(start, stop)] = 0.0
        best = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        best_values = np.take_along_axis(similarity, best, axis=1)
        positive = best_values > 0
        rows.append(np.nonzero(positive)[0] + start)
        columns.append(best[positive])
        values.append(best_values[positive])
    if not rows:
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    return sp.csr_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(columns))),
        shape=(n_items, n_items),
    )


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
