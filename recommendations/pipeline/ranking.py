"""From scores to ranked lists: top-k per user, leaving out what may not be shown.

Ties go to the lower item position (the lower offer id when built from the
database), so a list is the same on every run and in serving and evaluation.
"""

import numpy as np
import scipy.sparse as sp

NO_ITEM = -1
# Below this share of scored (finite) entries, as a learned ranker's few candidates per
# user leave, sorting those entries beats partitioning every row of the matrix
# (measured on 1,000 x 20,000: 3.6x faster at 0.5%, 2.2x at 1%, slower from 2%).
SPARSE_SHARE = 1 / 64


def top_k(
    *,
    scores: np.ndarray,
    k: int,
    allowed: np.ndarray | None = None,
    exclude: sp.csr_matrix | None = None,
) -> np.ndarray:
    """(n_users, k) item positions, best first, NO_ITEM where a list is shorter.

    `allowed`: items that may be shown (n_items bools, or n_users x n_items);
    `exclude`: a users x items sparse matrix of items each user must not get
    (what they already booked). Items scored -inf are never shown.
    """
    if allowed is not None or exclude is not None:
        scores = excluded_scores(scores=scores, allowed=allowed, exclude=exclude)
    n_users, n_items = scores.shape
    k_here = min(k, n_items)
    if k_here == 0:
        return np.full((n_users, k), NO_ITEM, dtype=np.int64)
    # Sorting on (-score, position) keeps ties in position order; each row's k-th best
    # score first narrows it to its k best and every item tied with the k-th, so sorting
    # stays cheap (a partition of values alone is twice as fast as of positions). The
    # k-th best is the k-th smallest of the negated scores: selecting near the end of
    # rows where most scores tie (0 or -inf) was 17 times slower (2,048 x 17,060).
    scored = scores > -np.inf
    if np.count_nonzero(scored) <= SPARSE_SHARE * scores.size:
        head = ranked_candidates(scores=scores, candidates=scored, k=k_here)
    elif k_here < n_items:
        negated = np.negative(scores)
        # In place: np.partition would copy the rows once more (page-faulting a fresh array
        # as big as the scores, a sixth of the prior's validation grid on a wide catalogue).
        negated.partition(k_here - 1, axis=1)
        kth = -negated[:, k_here - 1, None]
        head = ranked_candidates(scores=scores, candidates=scored & (scores >= kth), k=k_here)
    else:
        head = np.lexsort((np.broadcast_to(np.arange(n_items), scores.shape), -scores), axis=1)
    chosen = np.take_along_axis(scores, head, axis=1)
    head = np.where(np.isneginf(chosen), NO_ITEM, head)
    if k_here < k:
        head = np.pad(head, ((0, 0), (0, k - k_here)), constant_values=NO_ITEM)
    return head.astype(np.int64)


def ranked_candidates(*, scores: np.ndarray, candidates: np.ndarray, k: int) -> np.ndarray:
    """The k best of each row's candidate items, by score then position."""
    rows, columns = np.nonzero(candidates)
    values = scores[rows, columns]
    order = np.lexsort((columns, -values, rows))
    rows, columns = rows[order], columns[order]
    starts = np.searchsorted(rows, np.arange(scores.shape[0]))
    rank = np.arange(len(rows)) - starts[rows]
    keep = rank < k
    head = np.full((scores.shape[0], k), NO_ITEM, dtype=np.int64)
    head[rows[keep], rank[keep]] = columns[keep]
    return head


def excluded_scores(
    *, scores: np.ndarray, allowed: np.ndarray | None, exclude: sp.csr_matrix | None
) -> np.ndarray:
    """`scores` (a copy) with the items not allowed or excluded for each user set to -inf."""
    if allowed is None:
        scores = np.array(scores, dtype=np.float32, copy=True)
    else:
        # One pass that copies and masks (a boolean-indexed assignment is several times slower).
        scores = np.where(np.asarray(allowed, dtype=bool), scores, np.float32(-np.inf))
        scores = scores.astype(np.float32, copy=False)
    if exclude is not None and exclude.nnz:
        rows, columns = exclude.nonzero()
        scores[rows, columns] = -np.inf
    return scores
