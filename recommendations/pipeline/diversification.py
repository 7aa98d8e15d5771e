"""Diversification: reshaping a ranked list after scoring, on arrays.

A hook has the signature `(*, recommended, scores, train) -> recommended`
(ScorerSpec.diversify); it sees the users' top-k, their full score rows and
the fitted dataset. The geo strategy's hook keeps a digital offer in every
list of two or more (ADR 0009).
"""

import numpy as np

from recommendations.pipeline.interactions import Interactions
from recommendations.pipeline.ranking import NO_ITEM, top_k


def digital_slot(*, recommended: np.ndarray, scores: np.ndarray, train: Interactions) -> np.ndarray:
    """Each list with no item without a place gets its best such item as its last entry.

    A list of one is left to the scores: replacing its only entry would hide the best item.
    `scores` must already exclude what the user may not get (-inf).
    """
    k = recommended.shape[1]
    digital = np.isnan(train.item_coordinates).any(axis=1)
    if k < 2 or not digital.any():
        return recommended
    best_digital = top_k(scores=scores, k=1, allowed=digital)[:, 0]
    shown = np.where(recommended == NO_ITEM, 0, recommended)
    has_digital = (digital[shown] & (recommended != NO_ITEM)).any(axis=1)
    length = (recommended != NO_ITEM).sum(axis=1)
    rows = np.flatnonzero(~has_digital & (best_digital != NO_ITEM))
    slotted = recommended.copy()
    slotted[rows, np.minimum(length[rows], k - 1)] = best_digital[rows]
    return slotted
