"""Diversification after ranking: a category-aware maximal marginal relevance (ADR 0025).

Each next pick maximises `relevance - strength * redundancy + strength *
NEW_CATEGORY_BONUS * new`, where relevance is the model's score scaled
to 0..1 within the user's candidates, redundancy is the share of the picks so
far in the same category, and `new` says the category is absent from the user's

history. Strength 0 gives back the ranking unchanged; among similar scores, a
category the user has not booked yet goes first (plausible: only the model's best
candidates are in the pool). Works on a block of users at once: k steps, no loop
over users.
"""

import numpy as np

NEW_CATEGORY_BONUS = 0.5


def diversified_order(
    *,
    items: np.ndarray,
    scores: np.ndarray,
    categories: np.ndarray,
    known_categories: np.ndarray | None,
    strength: float,
    k: int,
) -> np.ndarray:
    """(users, k) picks among `items` (users x candidates, best score first, -1 for none).

    `categories` gives each item's category code (-1: none); `known_categories`
    (users x categories, bool) what each user already booked, or None.
    """
    n_users, width = items.shape
    k = min(k, width)
    if strength <= 0 or k == 0:
        return items[:, :k]
    valid = (items >= 0) & np.isfinite(scores)
    safe_scores = np.where(valid, scores, np.nan)
    low = np.nanmin(np.where(valid, safe_scores, np.inf), axis=1, keepdims=True)
    high = np.nanmax(np.where(valid, safe_scores, -np.inf), axis=1, keepdims=True)
    span = np.where(high > low, high - low, 1.0)
    relevance = np.where(valid, (safe_scores - low) / span, 0.0)
    category = np.where(items >= 0, categories[np.maximum(items, 0)], -1)
    n_categories = int(max(categories.max(initial=-1), 0)) + 1
    new = np.zeros_like(relevance)
    if known_categories is not None:
        rows = np.arange(n_users)[:, None]
        known = known_categories[rows, np.maximum(category, 0)]
        new = ((category >= 0) & ~known).astype(float)
    gain = relevance + strength * NEW_CATEGORY_BONUS * new
    picked_per_category = np.zeros((n_users, n_categories + 1))
    taken = ~valid
    chosen = np.full((n_users, k), -1, dtype=np.int64)
    rows = np.arange(n_users)
    for step in range(k):
        # Items without a category count as one more category, "none".
        redundancy = picked_per_category[
            rows[:, None], np.where(category >= 0, category, n_categories)
        ]
        value = gain - strength * redundancy / max(step, 1)
        value = np.where(taken, -np.inf, value)
        best = np.argmax(value, axis=1)
        ok = np.isfinite(value[rows, best])
        chosen[ok, step] = items[rows[ok], best[ok]]
        taken[rows[ok], best[ok]] = True
        picked = category[rows[ok], best[ok]]
        picked_per_category[rows[ok], np.where(picked >= 0, picked, n_categories)] += 1
    return chosen
