"""Ranking metrics at k, on arrays: every evaluated user's top-k list against their test items.

`recommended` is (n_users, k) item positions, best first, NO_ITEM (-1) where a
list is shorter; `relevant` is a binary users x items sparse matrix of each
user's test items (a pair repeated in the log counts once). Per-user values are
averaged over the users (the unit of analysis), except coverage which is one
figure for all the lists. Definitions are in ADR 0020.
"""

import numpy as np
import scipy.sparse as sp

from recommendations.pipeline.interactions import NO_CATEGORY
from recommendations.pipeline.ranking import NO_ITEM


def hits_matrix(*, recommended: np.ndarray, relevant: sp.csr_matrix) -> np.ndarray:
    """(n_users, k) bools: is the item at each rank one of the user's relevant ones."""
    n_users = recommended.shape[0]
    n_items = relevant.shape[1]
    relevant = relevant.tocoo()
    relevant_keys = np.unique(relevant.row.astype(np.int64) * n_items + relevant.col)
    keys = np.arange(n_users, dtype=np.int64)[:, None] * n_items + recommended
    return np.isin(keys, relevant_keys) & (recommended != NO_ITEM)


def discounts(k: int) -> np.ndarray:
    return 1.0 / np.log2(np.arange(2, k + 2))


def precision_at_k(hits: np.ndarray) -> np.ndarray:
    """Hits / k per user (a list shorter than k still divides by k)."""
    return hits.sum(axis=1) / hits.shape[1]


def recall_at_k(hits: np.ndarray, n_relevant: np.ndarray) -> np.ndarray:
    return hits.sum(axis=1) / n_relevant


def ndcg_at_k(hits: np.ndarray, n_relevant: np.ndarray) -> np.ndarray:
    """Binary relevance, log2 discount; the ideal list holds min(relevant, k) hits."""
    k = hits.shape[1]
    gains = discounts(k)
    ideal = np.cumsum(gains)[np.minimum(n_relevant, k) - 1]
    return (hits * gains).sum(axis=1) / ideal


def map_at_k(hits: np.ndarray, n_relevant: np.ndarray) -> np.ndarray:
    """Mean of precision at each hit's rank, divided by min(relevant, k)."""
    k = hits.shape[1]
    precision_at_rank = np.cumsum(hits, axis=1) / np.arange(1, k + 1)
    return (precision_at_rank * hits).sum(axis=1) / np.minimum(n_relevant, k)


def coverage_at_k(recommended: np.ndarray, catalogue_size: int) -> float:
    """Distinct items recommended to anyone / items in the catalogue."""
    shown = np.unique(recommended[recommended != NO_ITEM])
    return len(shown) / catalogue_size if catalogue_size else 0.0


def list_categories(recommended: np.ndarray, item_categories: np.ndarray) -> np.ndarray:
    """Category code of each listed item, NO_CATEGORY for empty slots or unknown categories."""
    safe = np.where(recommended == NO_ITEM, 0, recommended)
    return np.where(recommended == NO_ITEM, NO_CATEGORY, item_categories[safe])


def ild_at_k(recommended: np.ndarray, item_categories: np.ndarray) -> np.ndarray:
    """Per list of 2+ items with a known category: the share of its pairs of different categories.

    Lists with fewer than two such items have no pair and are NaN (left out of the mean).
    Pairs of one category are counted from each list's items per category, in memory
    proportional to the lists (comparing every pair of ranks took users x k^2 bytes:
    20 GB for 20,000 users at k = 1,000).
    """
    categories = list_categories(recommended, item_categories)
    known = categories != NO_CATEGORY
    n_users = recommended.shape[0]
    rows = np.broadcast_to(np.arange(n_users)[:, None], categories.shape)[known]
    per_category = sp.csr_matrix(
        (np.ones(known.sum(), dtype=np.int64), (rows, categories[known])),
        shape=(n_users, int(categories.max(initial=0)) + 1),
    )  # duplicates are summed: items of each category in each list
    per_category.data = per_category.data * (per_category.data - 1) // 2
    same_pairs = np.asarray(per_category.sum(axis=1)).ravel()
    n_known = known.sum(axis=1)
    pairs = n_known * (n_known - 1) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(pairs > 0, 1 - same_pairs / np.where(pairs > 0, pairs, 1), np.nan)


def multi_category_at_k(recommended: np.ndarray, item_categories: np.ndarray) -> np.ndarray:
    """Per list: does it span two categories or more (1.0) or not (0.0)."""
    categories = list_categories(recommended, item_categories)
    known = categories != NO_CATEGORY
    lowest = np.where(known, categories, np.iinfo(np.int32).max).min(axis=1)
    highest = np.where(known, categories, NO_CATEGORY).max(axis=1)
    return (highest > lowest).astype(np.float64)


def novelty_at_k(recommended: np.ndarray, train_item_counts: np.ndarray) -> np.ndarray:
    """Per list: mean of -log2(the item's share of training interactions).

    An item nobody interacted with in training counts as once, so its novelty is finite.
    """
    share = np.maximum(train_item_counts, 1) / max(train_item_counts.sum(), 1)
    information = -np.log2(share)
    safe = np.where(recommended == NO_ITEM, 0, recommended)
    values = np.where(recommended == NO_ITEM, np.nan, information[safe])
    shown = (recommended != NO_ITEM).sum(axis=1)
    return np.where(shown > 0, np.nansum(values, axis=1) / np.maximum(shown, 1), np.nan)


def new_category_items(
    *, relevant: sp.csr_matrix, history: sp.csr_matrix, item_categories: np.ndarray
) -> sp.csr_matrix:
    """Each user's relevant items of a category absent from their training history."""
    n_categories = int(item_categories.max()) + 1 if len(item_categories) else 0
    if n_categories == 0:
        return sp.csr_matrix(relevant.shape, dtype=np.float32)
    known = item_categories != NO_CATEGORY
    item_category = sp.csr_matrix(
        (np.ones(known.sum(), dtype=np.float32), (np.flatnonzero(known), item_categories[known])),
        shape=(relevant.shape[1], n_categories),
    )
    # Dense (users x categories, a few dozen columns): indexing a sparse matrix with
    # no pair at all gives a sparse matrix, which `~` refuses.
    tried = (history @ item_category).toarray() > 0
    relevant = relevant.tocoo()
    category = item_categories[relevant.col]
    is_new = (category != NO_CATEGORY) & ~tried[
        relevant.row, np.where(category == NO_CATEGORY, 0, category)
    ]
    return sp.csr_matrix(
        (np.ones(is_new.sum(), dtype=np.float32), (relevant.row[is_new], relevant.col[is_new])),
        shape=relevant.shape,
    )


def metrics_compute(
    *,
    recommended: np.ndarray,
    relevant: sp.csr_matrix,
    history: sp.csr_matrix,
    item_categories: np.ndarray | None,
    train_item_counts: np.ndarray,
    catalogue_size: int,
) -> dict[str, float | int | None]:
    """Every metric at k = recommended.shape[1], keyed `<name>@k` (see the module docstring).

    `history` is each evaluated user's training items (rows aligned with
    `recommended`); `item_categories` None when the dataset has none (the
    category metrics are then None).
    """
    k = recommended.shape[1]
    n_relevant = np.asarray(relevant.sum(axis=1)).ravel().astype(np.int64)
    hits = hits_matrix(recommended=recommended, relevant=relevant)
    values: dict[str, float | int | None] = {
        f"precision@{k}": mean(precision_at_k(hits)),
        f"recall@{k}": mean(recall_at_k(hits, n_relevant)),
        f"ndcg@{k}": mean(ndcg_at_k(hits, n_relevant)),
        f"map@{k}": mean(map_at_k(hits, n_relevant)),
        f"coverage@{k}": coverage_at_k(recommended, catalogue_size),
        f"novelty@{k}": mean(novelty_at_k(recommended, train_item_counts)),
    }
    if item_categories is None:
        values |= {
            f"ild@{k}": None,
            f"multi_category_share@{k}": None,
            f"new_category_hit@{k}": None,
            "new_category_users": None,
        }
        return values
    novel = new_category_items(relevant=relevant, history=history, item_categories=item_categories)
    has_new = np.asarray(novel.sum(axis=1)).ravel() > 0
    new_hits = hits_matrix(recommended=recommended, relevant=novel).any(axis=1)
    values |= {
        f"ild@{k}": mean(ild_at_k(recommended, item_categories)),
        f"multi_category_share@{k}": mean(multi_category_at_k(recommended, item_categories)),
        f"new_category_hit@{k}": mean(new_hits[has_new]) if has_new.any() else None,
        "new_category_users": int(has_new.sum()),
    }
    return values


def mean(values: np.ndarray) -> float | None:
    values = np.asarray(values, dtype=np.float64)
    values = values[~np.isnan(values)]
    return float(values.mean()) if len(values) else None
