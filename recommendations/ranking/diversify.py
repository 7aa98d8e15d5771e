"""Diversification after ranking: a category-aware maximal marginal relevance (ADR 0025).

Each next pick maximises `relevance - strength * redundancy + strength *
NEW_CATEGORY_BONUS * new`, where relevance is the model's score scaled
to 0..1 within the user's candidates, redundancy is the share of the picks so
far in the same category, and `new` says the category is absent from the user's
history. Strength 0 gives back the ranking unchanged; among similar scores, a
category the user has not booked yet goes first (plausible: only the model's best
candidates are in the pool). If the first SECOND_CATEGORY_BY - 1 picks share one
category, the next is the best of another, whenever the pool holds one. Works on a
block of users at once: k steps, no loop over users.

The north star counts users who book two categories within a month. A user whose
month so far holds one category (`categories_to_step_aside`) sees that category
step aside: it loses `strength * MONTH_CATEGORY_PENALTY`, more than the relevance
range, and the never-booked bonus is off for them, so the list leads with the
categories the model finds most plausible for them besides it (the ones they booked
in earlier months, typically), not with categories they never tried.

The pool (`candidate_pool`) is the model's `depth` best candidates of each user,
plus the best candidate of every other category the candidates hold: when the
model's best all share one category (a user devoted to cinema, say), the list can
still span two. Those extras are the least relevant of the pool (relevance 0).
"""

import numpy as np

NEW_CATEGORY_BONUS = 0.5
# The pick by which a list spans two categories whenever its pool holds two: the
# relevance of a user's favourite category can outweigh any redundancy (`strength` at
# most), and a list of one category cannot lead to the north star's second. The
# newsletter shows five offers.
SECOND_CATEGORY_BY = 5
# What the one category a user booked this month loses: more than the whole relevance
# range (0..1), so it steps aside for any other category the candidates hold until the
# in-list redundancy has worn those down (ADR 0025, measured in ADR 0031).
MONTH_CATEGORY_PENALTY = 1.5


def categories_to_step_aside(month_counts: np.ndarray) -> np.ndarray:
    """(users x categories, bool) the category each user booked this month when it is
    the only one: the north star counts users booking two categories within its window,
    so until a second one is booked, the first steps aside. Users with none (nothing to
    diversify from) or two or more (already counted) keep every category."""
    month = month_counts > 0
    return month & (month.sum(axis=1, keepdims=True) == 1)


def candidate_pool(
    *,
    rows: np.ndarray,
    items: np.ndarray,
    scores: np.ndarray,
    categories: np.ndarray,
    n_rows: int,
    depth: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The re-ranker's pool from candidate pairs (`rows` x `items` with their `scores`):
    (n_rows, width) items and scores, each row's `depth` best first (score, then item),
    then the best candidate of each category absent from them; -1 / -inf pad."""
    order = np.lexsort((items, -scores, rows))
    rows, items, scores = rows[order], items[order], scores[order]
    starts = np.searchsorted(rows, np.arange(n_rows))
    rank = np.arange(len(rows)) - starts[rows]
    category = np.where(items >= 0, categories[np.maximum(items, 0)], -1)
    # Pairs are sorted best first within a row: a (row, category)'s first pair is its best.
    n_codes = int(max(categories.max(initial=-1), 0)) + 2
    keys = rows.astype(np.int64) * n_codes + category + 1
    _, first = np.unique(keys, return_index=True)
    core = rank < depth
    in_core = np.zeros(n_rows * n_codes, dtype=bool)
    in_core[keys[core]] = True
    extra = np.zeros(len(rows), dtype=bool)
    extra[first] = ~in_core[keys[first]] & (category[first] >= 0)
    keep = core | extra
    # Within a row the extras (rank >= depth) follow the core, best first.
    rows, items, scores = rows[keep], items[keep], scores[keep]
    position = np.arange(len(rows)) - np.searchsorted(rows, np.arange(n_rows))[rows]
    width = int(position.max(initial=-1)) + 1
    pool_items = np.full((n_rows, width), -1, dtype=np.int64)
    pool_scores = np.full((n_rows, width), -np.inf, dtype=np.float64)
    pool_items[rows, position] = items
    pool_scores[rows, position] = scores
    return pool_items, pool_scores


def diversified_order(
    *,
    items: np.ndarray,
    scores: np.ndarray,
    categories: np.ndarray,
    known_categories: np.ndarray | None,
    strength: float,
    k: int,
    core: int | None = None,
    month_categories: np.ndarray | None = None,
) -> np.ndarray:
    """(users, k) picks among `items` (users x candidates, best score first, -1 for none).

    `categories` gives each item's category code (-1: none); `known_categories`
    (users x categories, bool) what each user already booked, or None. Relevance
    is scaled over the first `core` columns (all when None); later columns
    (`candidate_pool`'s extras) count as the least relevant (0). `month_categories`
    (users x categories, bool, from `categories_to_step_aside`) marks the category a
    user booked this month, alone: it loses `strength * MONTH_CATEGORY_PENALTY`, and
    that user's never-booked categories get no bonus, so relevance alone chooses the
    second category.
    """
    n_users, width = items.shape
    k = min(k, width)
    if strength <= 0 or k == 0:
        return items[:, :k]
    valid = (items >= 0) & np.isfinite(scores)
    safe_scores = np.where(valid, scores, 0.0)
    scaled = valid.copy()
    if core is not None:
        scaled[:, core:] = False
    low = np.where(scaled, safe_scores, np.inf).min(axis=1, keepdims=True)
    high = np.where(scaled, safe_scores, -np.inf).max(axis=1, keepdims=True)
    low = np.where(np.isfinite(low), low, 0.0)
    span = np.where(high > low, high - low, 1.0)
    relevance = np.where(valid, np.clip((safe_scores - low) / span, 0.0, 1.0), 0.0)
    category = np.where(items >= 0, categories[np.maximum(items, 0)], -1)
    n_categories = int(max(categories.max(initial=-1), 0)) + 1
    new = np.zeros_like(relevance)
    if known_categories is not None:
        rows = np.arange(n_users)[:, None]
        known = known_categories[rows, np.maximum(category, 0)]
        new = ((category >= 0) & ~known).astype(float)
    gain = relevance + strength * NEW_CATEGORY_BONUS * new
    if month_categories is not None:
        # For these users "plausible" matters more than "never tried": the second
        # category comes from the model's relevance, not from novelty.
        stepping_aside = month_categories.any(axis=1)
        gain[stepping_aside] = relevance[stepping_aside]
        this_month = (category >= 0) & month_categories[
            np.arange(n_users)[:, None], np.maximum(category, 0)
        ]
        gain = gain - strength * MONTH_CATEGORY_PENALTY * this_month
    picked_per_category = np.zeros((n_users, n_categories + 1))
    taken = ~valid
    chosen = np.full((n_users, k), -1, dtype=np.int64)
    rows = np.arange(n_users)
    # Items without a category count as one more category, "none".
    slot = np.where(category >= 0, category, n_categories)
    for step in range(k):
        redundancy = picked_per_category[rows[:, None], slot]
        value = gain - strength * redundancy / max(step, 1)
        value[taken] = -np.inf
        if step == SECOND_CATEGORY_BY - 1:
            value[
                lists_of_one_category(picked=picked_per_category, slot=slot, value=value)
            ] = -np.inf
        best = np.argmax(value, axis=1)
        ok = np.isfinite(value[rows, best])
        chosen[ok, step] = items[rows[ok], best[ok]]
        taken[rows[ok], best[ok]] = True
        picked_per_category[rows[ok], slot[rows[ok], best[ok]]] += 1
    return chosen


def lists_of_one_category(*, picked: np.ndarray, slot: np.ndarray, value: np.ndarray) -> np.ndarray:
    """(users x candidates, bool) the candidates of the one category every pick so far
    shares, for the users who could still pick another (`value` finite)."""
    one = (picked > 0).sum(axis=1) == 1
    same = slot == picked.argmax(axis=1)[:, None]
    another = (np.isfinite(value) & ~same).any(axis=1)
    return same & (one & another)[:, None]
