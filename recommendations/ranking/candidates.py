"""Candidates from several sources, merged and deduplicated, each source kept as a feature.

Sources (each gives its best `per_source` items a user has not interacted with
and could book at the snapshot's time):

- `geo`: popular near home, popularity decayed by distance over the distance the
  user usually travels (national popularity for users without a place);
- `favourite_categories`: the same within the categories the user books most;
- `co_booking`: item-kNN neighbours of what the user booked (cosine of co-bookings);
- `new`: items nobody interacted with yet, near home and in the user's categories;
- `trending`: the items whose last week grew most against their last month;
- `popular`: the most interacted with lately, everywhere.

Users are handled a chunk at a time as dense (users x items) score matrices:
no loop over users or items.
"""

from dataclasses import dataclass, fields, replace

import numpy as np

from recommendations.ranking.snapshot import Snapshot, haversine_pairs_km

SOURCES = ("geo", "favourite_categories", "co_booking", "new", "trending", "popular")
# Items without a place (digital offers) weigh as if a little beyond the user's usual distance.
UNLOCATED_DECAY = 0.25


@dataclass
class Candidates:
    """Candidate pairs of a chunk of users: `user` holds user positions, `item` item positions."""

    user: np.ndarray
    item: np.ndarray
    sources: np.ndarray  # (pairs, len(SOURCES)) bool
    best_rank: np.ndarray  # best rank in any source (0 = first); len(SOURCES) * per_source if none
    geo_score: np.ndarray
    co_booking_score: np.ndarray
    distance_km: np.ndarray  # NaN: unknown or no place

    def __len__(self) -> int:
        return len(self.user)

    def subset(self, keep: np.ndarray) -> "Candidates":
        return replace(self, **{f.name: getattr(self, f.name)[keep] for f in fields(self)})


@dataclass
class ChunkScores:
    """Every source's score of every item for a chunk of users (-inf: not eligible)."""

    users: np.ndarray
    eligible: np.ndarray
    distance_km: np.ndarray
    by_source: dict[str, np.ndarray]


def chunk_scores(*, snapshot: Snapshot, users: np.ndarray) -> ChunkScores:
    catalogue = snapshot.catalogue
    n_items = catalogue.size
    seen = snapshot.seen[users].toarray().astype(bool)
    eligible = snapshot.available[None, :] & ~seen
    distance = user_item_distances(snapshot=snapshot, users=users)
    popularity = np.log1p(snapshot.item_decayed)[None, :]
    decay = np.exp2(-distance / snapshot.distance_scale_km[users, None])
    decay = np.where(np.isnan(decay), UNLOCATED_DECAY, decay)
    geo = (1 + popularity) * decay
    affinity = category_affinity_matrix(snapshot=snapshot, users=users)
    co_booking = np.asarray((snapshot.seen[users] @ snapshot.co_interactions).todense())
    never = snapshot.item_counts[:, -1] == 0
    new = np.where(never[None, :], decay * (0.05 + (affinity if affinity is not None else 0)), 0)
    counts = snapshot.item_counts
    growth = (counts[:, 0] * 4 - counts[:, 2]) / (counts[:, 2] + 1)
    trending = np.where(counts[:, 0] > 0, growth, 0)[None, :]
    popular = popularity + np.zeros((len(users), 1))
    by_source = {
        "geo": geo,
        "favourite_categories": geo * affinity if affinity is not None else np.zeros_like(geo),
        "co_booking": co_booking,
        "new": new,
        "trending": np.broadcast_to(trending, (len(users), n_items)),
        "popular": popular,
    }
    return ChunkScores(users=users, eligible=eligible, distance_km=distance, by_source=by_source)


def user_item_distances(*, snapshot: Snapshot, users: np.ndarray) -> np.ndarray:
    """(users x items) km from each user's home; NaN where either place is unknown.

    Computed once per distinct item place (many offers share a venue).
    """
    catalogue = snapshot.catalogue
    if not catalogue.has_coordinates:
        return np.full((len(users), catalogue.size), np.nan, dtype=np.float32)
    points = np.column_stack([catalogue.latitude, catalogue.longitude])
    unique, inverse = np.unique(np.nan_to_num(points, nan=1e9), axis=0, return_inverse=True)
    unique[unique == 1e9] = np.nan
    distance = haversine_pairs_km(
        snapshot.home_latitude[users, None], snapshot.home_longitude[users, None],
        unique[None, :, 0], unique[None, :, 1],
    ).astype(np.float32)  # fmt: skip
    return distance[:, inverse.ravel()]


def category_affinity_matrix(*, snapshot: Snapshot, users: np.ndarray) -> np.ndarray | None:
    """(users x items) share of each user's past interactions in the item's category."""
    if snapshot.user_category is None:
        return None
    counts = snapshot.user_category[users]
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    item_category = snapshot.catalogue.category
    padded = np.concatenate([shares, np.zeros((len(users), 1), dtype=shares.dtype)], axis=1)
    # Items without a category (-1) read the zero column at the end.
    return padded[:, np.where(item_category >= 0, item_category, shares.shape[1])]


def candidates_generate(
    *, snapshot: Snapshot, users: np.ndarray, per_source: int, forced: tuple | None = None
) -> Candidates:
    """The merged candidates of `users` (positions), best `per_source` of each source.

    `forced` = (user positions, item positions) adds pairs that must be scored
    whatever the sources say (exposures shown without a click, ADR 0024).
    """
    scores = chunk_scores(snapshot=snapshot, users=users)
    rows_parts, items_parts, source_parts, rank_parts = [], [], [], []
    for number, name in enumerate(SOURCES):
        matrix = np.where(
            scores.eligible & (scores.by_source[name] > 0), scores.by_source[name], -np.inf
        )
        take = min(per_source, matrix.shape[1])
        if take == 0:
            continue
        top = np.argpartition(-matrix, take - 1, axis=1)[:, :take]
        top_scores = np.take_along_axis(matrix, top, axis=1)
        order = np.argsort(-top_scores, axis=1, kind="stable")
        top, top_scores = (
            np.take_along_axis(top, order, axis=1),
            np.take_along_axis(top_scores, order, axis=1),
        )
        rows, ranks = np.nonzero(np.isfinite(top_scores))
        rows_parts.append(rows)
        items_parts.append(top[rows, ranks])
        source_parts.append(np.full(len(rows), number))
        rank_parts.append(ranks)
    no_rank = len(SOURCES) * per_source
    if forced is not None:
        position = {user: row for row, user in enumerate(users.tolist())}
        forced_rows = np.array([position[user] for user in forced[0].tolist()], dtype=np.int64)
        rows_parts.append(forced_rows)
        items_parts.append(np.asarray(forced[1], dtype=np.int64))
        source_parts.append(np.full(len(forced_rows), -1))
        rank_parts.append(np.full(len(forced_rows), no_rank))
    rows = np.concatenate(rows_parts) if rows_parts else np.empty(0, dtype=np.int64)
    items = np.concatenate(items_parts) if items_parts else np.empty(0, dtype=np.int64)
    source = np.concatenate(source_parts) if source_parts else np.empty(0, dtype=np.int64)
    rank = np.concatenate(rank_parts) if rank_parts else np.empty(0, dtype=np.int64)
    return merged(scores=scores, rows=rows, items=items, source=source, rank=rank)


def merged(
    *,
    scores: ChunkScores,
    rows: np.ndarray,
    items: np.ndarray,
    source: np.ndarray,
    rank: np.ndarray,
) -> Candidates:
    """One pair per (user, item), with every source that proposed it and its best rank."""
    n_items = scores.eligible.shape[1]
    keys = rows.astype(np.int64) * n_items + items
    unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    flags = np.zeros((len(unique), len(SOURCES)), dtype=bool)
    proposed = source >= 0
    flags[inverse[proposed], source[proposed]] = True
    best = np.full(len(unique), np.iinfo(np.int64).max)
    np.minimum.at(best, inverse, rank)
    pair_rows, pair_items = rows[first], items[first]
    return Candidates(
        user=scores.users[pair_rows],
        item=pair_items,
        sources=flags,
        best_rank=best,
        geo_score=scores.by_source["geo"][pair_rows, pair_items],
        co_booking_score=scores.by_source["co_booking"][pair_rows, pair_items],
        distance_km=scores.distance_km[pair_rows, pair_items],
    )
