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
    """Every source's score of the bookable items (`columns`) for a chunk of users.

    Matrices are (users x columns): only the items bookable at the snapshot are
    scored, a third of the catalogue or less at a past cutoff.
    """

    users: np.ndarray
    columns: np.ndarray  # item positions of the matrices' columns
    eligible: np.ndarray
    distance_km: np.ndarray
    by_source: dict[str, np.ndarray]  # per-user sources, (users x columns)
    shared: dict[str, np.ndarray]  # sources equal for every user: `shared_orders`
    # Per-user sources scored on some columns only: those columns' positions.
    narrow: dict[str, np.ndarray]


def chunk_scores(*, snapshot: Snapshot, users: np.ndarray) -> ChunkScores:
    columns = snapshot.available_items
    seen = snapshot.seen[users][:, columns].toarray().astype(bool)
    distance = user_item_distances(snapshot=snapshot, users=users, items=columns)
    popularity = np.log1p(snapshot.item_decayed[columns])
    decay = np.exp2(-distance / snapshot.distance_scale_km[users, None].astype(np.float32))
    decay = np.where(np.isnan(decay), np.float32(UNLOCATED_DECAY), decay)
    geo = (1 + popularity)[None, :] * decay
    affinity = category_affinity_matrix(snapshot=snapshot, users=users, items=columns)
    co_booking = np.asarray(
        (snapshot.seen[users] @ snapshot.co_interactions_available).todense(), dtype=np.float32
    )
    # Only never-booked items can be `new`: scored on those columns alone (a few of them).
    never = np.flatnonzero(snapshot.item_counts[columns, -1] == 0)
    fit = np.float32(0.05) + (affinity[:, never] if affinity is not None else np.float32(0))
    new = decay[:, never] * fit
    by_source = {
        "geo": geo,
        "favourite_categories": geo * affinity if affinity is not None else np.zeros_like(geo),
        "co_booking": co_booking,
        "new": new,
    }
    return ChunkScores(
        users=users,
        columns=columns,
        eligible=~seen,
        distance_km=distance,
        by_source=by_source,
        shared=shared_orders(snapshot=snapshot),
        narrow={"new": never},
    )


def shared_orders(*, snapshot: Snapshot) -> dict[str, np.ndarray]:
    """The sources equal for every user, each as its positively scored columns (positions in
    `available_items`) best first; sorted once per snapshot, not at every request."""
    if "shared_orders" not in snapshot.memo:
        columns = snapshot.available_items
        growing = snapshot.item_counts[columns, 0] > 0
        trend = np.where(growing, snapshot.item_trend[columns], 0).astype(np.float32)
        snapshot.memo["shared_orders"] = {
            "trending": shared_order(trend),
            "popular": shared_order(np.log1p(snapshot.item_decayed[columns]).astype(np.float32)),
        }
    return snapshot.memo["shared_orders"]


def shared_order(scores: np.ndarray) -> np.ndarray:
    """The positions of the positive `scores`, best first (ties in position order)."""
    ranked = np.flatnonzero(scores > 0)
    return ranked[np.argsort(-scores[ranked], kind="stable")]


def top_per_user(
    *, matrix: np.ndarray, eligible: np.ndarray, take: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, columns, ranks) of each row's `take` best eligible positive scores, and of any
    score tied with the last of them; tied scores share their best rank.

    Which of equal scores to drop is not a source's call: many new offers of one venue
    and category score alike, and the model tells them apart (price, days until the event).
    """
    take = min(take, matrix.shape[1])
    if take == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    # Ineligible scores become 0, which is never taken; the product is negated in place so
    # that the best are partitioned to the front. Most rows of the co-booking and
    # favourite-category sources are zeros: selecting the last `take` of so many ties took
    # numpy's introselect ten times longer than selecting the first.
    negated = matrix * eligible
    np.negative(negated, out=negated)
    kth = np.argpartition(negated, take - 1, axis=1)[:, take - 1 : take]
    threshold = np.minimum(
        np.take_along_axis(negated, kth, axis=1), -np.finfo(negated.dtype).smallest_subnormal
    )
    rows, columns = np.nonzero(negated <= threshold)
    scores = negated[rows, columns]
    # Row by row, best first; equal scores in column order, ranked as the first of them.
    order = np.lexsort((scores, rows))
    rows, columns, scores = rows[order], columns[order], scores[order]
    position = np.arange(len(rows))
    new_row = np.diff(rows, prepend=-1) != 0
    new_score = new_row | (np.diff(scores, prepend=np.nan) != 0)
    first_of_row = np.maximum.accumulate(np.where(new_row, position, 0))
    first_of_score = np.maximum.accumulate(np.where(new_score, position, 0))
    return rows, columns, first_of_score - first_of_row


def top_shared(
    *, ranked: np.ndarray, eligible: np.ndarray, take: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The same for a source equal for every user, given as its global order (`shared_order`):
    each row's first `take` eligible columns along it (no users x items sort)."""
    # A user can have had at most as many of the head as they had items.
    head = ranked[: take + int((~eligible).sum(axis=1).max(initial=0))]
    usable = eligible[:, head]
    rank = np.cumsum(usable, axis=1) - 1
    rows, positions = np.nonzero(usable & (rank < take))
    return rows, head[positions], rank[rows, positions]


def user_item_distances(*, snapshot: Snapshot, users: np.ndarray, items: np.ndarray) -> np.ndarray:
    """(users x items) km from each user's home; NaN where either place is unknown.

    Computed once per distinct item place (many offers share a venue).
    """
    if snapshot.places is None:
        return np.full((len(users), len(items)), np.nan, dtype=np.float32)
    places = snapshot.places
    distance = haversine_pairs_km(
        snapshot.home_latitude[users, None], snapshot.home_longitude[users, None],
        places[None, :, 0], places[None, :, 1],
    ).astype(np.float32)  # fmt: skip
    return distance[:, snapshot.item_place[items]]


def category_affinity_matrix(
    *, snapshot: Snapshot, users: np.ndarray, items: np.ndarray
) -> np.ndarray | None:
    """(users x items) share of each user's past interactions in the item's category."""
    if snapshot.user_category is None:
        return None
    counts = snapshot.user_category[users]
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    item_category = snapshot.catalogue.category[items]
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
    rows_parts, columns_parts, source_parts, rank_parts = [], [], [], []
    for number, name in enumerate(SOURCES):
        if name in scores.shared:
            rows, columns, ranks = top_shared(
                ranked=scores.shared[name], eligible=scores.eligible, take=per_source
            )
        elif name in scores.narrow:
            scored = scores.narrow[name]
            rows, columns, ranks = top_per_user(
                matrix=scores.by_source[name], eligible=scores.eligible[:, scored], take=per_source
            )
            columns = scored[columns]
        else:
            rows, columns, ranks = top_per_user(
                matrix=scores.by_source[name], eligible=scores.eligible, take=per_source
            )
        rows_parts.append(rows)
        columns_parts.append(columns)
        source_parts.append(np.full(len(rows), number))
        rank_parts.append(ranks)
    if forced is not None:
        column_of = np.full(snapshot.catalogue.size, -1)
        column_of[scores.columns] = np.arange(len(scores.columns))
        position = {user: row for row, user in enumerate(users.tolist())}
        forced_rows = np.array([position[user] for user in forced[0].tolist()], dtype=np.int64)
        forced_columns = column_of[np.asarray(forced[1], dtype=np.int64)]
        # An exposed item no longer bookable at the snapshot cannot be a candidate.
        bookable = forced_columns >= 0
        rows_parts.append(forced_rows[bookable])
        columns_parts.append(forced_columns[bookable])
        source_parts.append(np.full(int(bookable.sum()), -1))
        rank_parts.append(np.full(int(bookable.sum()), len(SOURCES) * per_source))
    rows = np.concatenate(rows_parts).astype(np.int64)
    columns = np.concatenate(columns_parts).astype(np.int64)
    source = np.concatenate(source_parts).astype(np.int64)
    rank = np.concatenate(rank_parts).astype(np.int64)
    return merged(scores=scores, rows=rows, columns=columns, source=source, rank=rank)


def merged(
    *,
    scores: ChunkScores,
    rows: np.ndarray,
    columns: np.ndarray,
    source: np.ndarray,
    rank: np.ndarray,
) -> Candidates:
    """One pair per (user, item), with every source that proposed it and its best rank."""
    width = len(scores.columns)
    keys = rows * width + columns
    unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    flags = np.zeros((len(unique), len(SOURCES)), dtype=bool)
    proposed = source >= 0
    flags[inverse[proposed], source[proposed]] = True
    best = np.full(len(unique), np.iinfo(np.int64).max)
    np.minimum.at(best, inverse, rank)
    pair_rows, pair_columns = rows[first], columns[first]
    return Candidates(
        user=scores.users[pair_rows],
        item=scores.columns[pair_columns],
        sources=flags,
        best_rank=best,
        geo_score=scores.by_source["geo"][pair_rows, pair_columns],
        co_booking_score=scores.by_source["co_booking"][pair_rows, pair_columns],
        distance_km=scores.distance_km[pair_rows, pair_columns],
    )
