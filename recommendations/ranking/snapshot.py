"""What was known at one moment: popularity, users' tastes and homes, co-bookings.

A snapshot is computed from the interactions strictly before its time `at` and
nothing else, so features taken from it for a label at or after `at` cannot
leak the label (ADR 0024). Training takes one at a cutoff, serving one at now.
"""

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy import sparse

from recommendations.pipeline.neighbours import cosine_neighbours
from recommendations.ranking.data import DAY_SECONDS, Catalogue, RankingData

WINDOWS_DAYS = (7, 14, 28)
# Where a user's home is unknown and nothing of theirs is located, distances are
# judged against the typical one of everybody (km).
FALLBACK_DISTANCE_SCALE_KM = 10.0
MIN_DISTANCE_SCALE_KM = 1.0
# The categories a user booked this recent are "this month's" for the diversifier: the
# north star counts users booking two categories within 30 days (ADR 0007, ADR 0025).
RECENT_CATEGORY_DAYS = 30
# Where a user is now: their last few interactions; what follows what: within a day.
LAST_PLACES = 5
TRANSITION_HOURS = 24
# The co-interaction cosines' entries (0.8 GB as float32 with int32 indices): a log of
# 2,540 very active users at 139,460 places has 313M of them, where each item keeps its
# 100M // 139,460 = 717 nearest (`co_interaction_neighbours`).
CO_INTERACTIONS_MAX_ENTRIES = 100_000_000


@dataclass
class Snapshot:
    at: float
    catalogue: Catalogue
    n_users: int
    # (n_items, len(WINDOWS_DAYS) + 2): counts in each window, all time, and a
    # decayed count whose half-life follows the data's own time span.
    item_counts: np.ndarray
    item_decayed: np.ndarray
    item_age_days: np.ndarray  # since first interaction; NaN: never interacted with
    category_share: np.ndarray | None  # per item: its category's share of recent interactions
    venue_counts: np.ndarray | None  # per item: its venue's recent interactions
    seen: sparse.csr_matrix  # users x items, 1 where interacted
    user_category: np.ndarray | None  # users x categories, counts
    # users x categories, counts of the last RECENT_CATEGORY_DAYS
    user_category_recent: np.ndarray | None
    user_venue: sparse.csr_matrix | None  # users x venues, counts
    user_count: np.ndarray
    user_last_days: np.ndarray  # days since the user's last interaction; NaN: none
    user_mean_price: np.ndarray  # NaN: unknown
    home_latitude: np.ndarray  # NaN: unknown
    home_longitude: np.ndarray
    distance_scale_km: np.ndarray  # per user: the median distance of what they booked
    available: np.ndarray  # items bookable at `at`
    # Distinct item places (offers share venues) and the place of each item; None: no coordinates.
    places: np.ndarray | None = None
    item_place: np.ndarray | None = None
    # users x items, 1 for the items of each user's last LAST_PLACES interactions, and
    # items x items, how often one followed the other within TRANSITION_HOURS for the same
    # user (either way): where people go next (the popularity prior's, `ranking.prior`);
    # None unless built `with_sequences`.
    last_places: sparse.csr_matrix | None = None
    transitions: sparse.csr_matrix | None = None
    # What readers derive from the snapshot alone, kept for its lifetime (a served
    # snapshot answers thousands of requests): the candidates' global orders, the prior's
    # EASE weights.
    memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @cached_property
    def available_items(self) -> np.ndarray:
        return np.flatnonzero(self.available)

    @cached_property
    def item_trend(self) -> np.ndarray:
        """Per item, its last week's interactions against its last month's: > 0 growing."""
        week, month = self.item_counts[:, 0], self.item_counts[:, 2]
        return (week * 4 - month) / (month + 1)

    @cached_property
    def co_interactions_available(self) -> sparse.csr_matrix:
        """Items x bookable items, the cosine of co-interactions, each item keeping its
        `co_interaction_neighbours` nearest: the item-kNN neighbourhood. Built on first use
        and sliced once: slicing the columns of the whole matrix at each request cost most
        of a request's time. Only the candidates read it, so a snapshot that generates
        none (a popularity fallback's) never builds it, and the whole matrix is not kept
        beside its slice (ADR 0023, ninth and tenth closing rounds)."""
        neighbours = co_interaction_neighbours(self.seen)
        return cosine_neighbours(self.seen, neighbours=neighbours)[:, self.available_items].tocsr()


def co_interaction_neighbours(seen: sparse.csr_matrix) -> int:
    """How many neighbours each item keeps in the co-interaction cosines: all of them while
    the users' pairs of items, which bound the cosines' entries, fit within
    CO_INTERACTIONS_MAX_ENTRIES (the 1M-booking demo has 16.9M); beyond, an even share of
    the budget each, so memory stays bounded whatever the log's heaviest users do."""
    n_items = seen.shape[1]
    pairs = int((np.diff(seen.indptr).astype(np.int64) ** 2).sum())
    if pairs <= CO_INTERACTIONS_MAX_ENTRIES:
        return n_items
    return max(CO_INTERACTIONS_MAX_ENTRIES // n_items, 1)  # pairs exist: items too


def snapshot_build(*, data: RankingData, at: float, with_sequences: bool = False) -> Snapshot:
    """The snapshot of `data` at `at` (Unix seconds), from the interactions before it only.

    `with_sequences` adds each user's last places and the items' transitions, which only
    the popularity prior's transitions term reads (its fitting, and a fallback ranker
    whose prior weighs them): a third of a second on 1M bookings, spared to the
    training's snapshots and to every other ranker's nightly and 15-minute refreshes."""
    past = data.before(at)
    catalogue, n_items, n_users = data.catalogue, data.catalogue.size, data.n_users
    seen = sparse.csr_matrix(
        (np.ones(len(past.user), dtype=np.float32), (past.user, past.item)),
        shape=(n_users, n_items),
    )
    seen.sum_duplicates()
    seen.data[:] = 1.0
    age = (at - past.time) / DAY_SECONDS
    # Popularity counts people, not interactions: on a check-in log one regular at the
    # same place every day would otherwise outweigh a hundred visitors (as `popular`).
    pair_item, pair_age = latest_pairs(past=past, age=age, n_items=n_items)
    counts = np.column_stack(
        [
            np.bincount(pair_item, weights=pair_age < days, minlength=n_items)
            for days in WINDOWS_DAYS
        ]
        + [np.bincount(pair_item, minlength=n_items)]
    ).astype(np.float32)
    span_days = float(age.max()) if len(age) else 1.0
    half_life = max(7.0, span_days / 10)
    decayed = np.bincount(pair_item, weights=np.exp2(-pair_age / half_life), minlength=n_items)
    first_seen = np.full(n_items, np.inf)
    np.minimum.at(first_seen, past.item, past.time)
    item_age = np.where(np.isfinite(first_seen), (at - first_seen) / DAY_SECONDS, np.nan)

    recent = age < WINDOWS_DAYS[-1]
    category_share = user_category = user_category_recent = None
    if catalogue.category is not None:
        n_categories = catalogue.n_categories
        categories = catalogue.category[past.item]
        known = categories >= 0
        per_category = np.bincount(
            categories[known],
            weights=decayed_weights(age[known], half_life),
            minlength=n_categories,
        )
        share = per_category / max(per_category.sum(), 1e-9)
        category_share = np.where(catalogue.category >= 0, share[catalogue.category], np.nan)
        user_category = np.zeros((n_users, max(n_categories, 1)), dtype=np.float32)
        np.add.at(user_category, (past.user[known], categories[known]), 1.0)
        user_category_recent = np.zeros_like(user_category)
        lately = known & (age < RECENT_CATEGORY_DAYS)
        np.add.at(user_category_recent, (past.user[lately], categories[lately]), 1.0)
    venue_counts = user_venue = None
    if catalogue.venue is not None:
        venues = catalogue.venue[past.item]
        n_venues = int(catalogue.venue.max(initial=-1)) + 1
        known = venues >= 0
        per_venue = np.bincount(venues[known & recent], minlength=n_venues)
        venue_counts = np.where(catalogue.venue >= 0, per_venue[catalogue.venue], np.nan)
        user_venue = sparse.csr_matrix(
            (np.ones(known.sum(), dtype=np.float32), (past.user[known], venues[known])),
            shape=(n_users, max(n_venues, 1)),
        )
        user_venue.sum_duplicates()

    user_count = np.bincount(past.user, minlength=n_users).astype(np.float32)
    last = np.full(n_users, -np.inf)
    np.maximum.at(last, past.user, past.time)
    user_last_days = np.where(np.isfinite(last), (at - last) / DAY_SECONDS, np.nan)
    user_mean_price = np.full(n_users, np.nan)
    if catalogue.price is not None:
        prices = catalogue.price[past.item]
        priced = ~np.isnan(prices)
        total = np.bincount(past.user[priced], weights=prices[priced], minlength=n_users)
        number = np.bincount(past.user[priced], minlength=n_users)
        user_mean_price = np.where(number > 0, total / np.maximum(number, 1), np.nan)

    home_lat, home_lon = user_homes(data=data, past=past)
    scale = distance_scales(catalogue=catalogue, past=past, home_lat=home_lat, home_lon=home_lon)
    return Snapshot(
        at=at,
        catalogue=catalogue,
        n_users=n_users,
        item_counts=counts,
        item_decayed=decayed.astype(np.float32),
        item_age_days=item_age,
        category_share=category_share,
        venue_counts=venue_counts,
        seen=seen,
        user_category=user_category,
        user_category_recent=user_category_recent,
        user_venue=user_venue,
        user_count=user_count,
        user_last_days=user_last_days,
        user_mean_price=user_mean_price,
        home_latitude=home_lat,
        home_longitude=home_lon,
        distance_scale_km=scale,
        **(sequences(past=past, n_users=n_users, n_items=n_items) if with_sequences else {}),
        available=catalogue.available_at(at),
        **distinct_places(catalogue),
    )


def sequences(*, past: RankingData, n_users: int, n_items: int) -> dict:
    """Each user's last places and the items' transitions (see `Snapshot`)."""
    order = np.lexsort((past.time, past.user))
    users, items, times = past.user[order], past.item[order], past.time[order]
    follows = (
        (users[1:] == users[:-1])
        & (times[1:] - times[:-1] < TRANSITION_HOURS * 3600)
        & (items[1:] != items[:-1])
    )
    pairs = sparse.csr_matrix(
        (np.ones(int(follows.sum()), dtype=np.float32), (items[:-1][follows], items[1:][follows])),
        shape=(n_items, n_items),
    )
    counts = np.bincount(users, minlength=n_users)
    from_end = np.cumsum(counts)[users] - 1 - np.arange(len(users))
    last = from_end < LAST_PLACES
    last_places = sparse.csr_matrix(
        (np.ones(int(last.sum()), dtype=np.float32), (users[last], items[last])),
        shape=(n_users, n_items),
    )
    last_places.data[:] = 1.0
    return {"last_places": last_places, "transitions": (pairs + pairs.T).tocsr()}


def latest_pairs(
    *, past: RankingData, age: np.ndarray, n_items: int
) -> tuple[np.ndarray, np.ndarray]:
    """The item and the age (days) of each distinct (user, item) pair's latest interaction."""
    keys = past.user.astype(np.int64) * n_items + past.item
    order = np.lexsort((-age, keys))
    keys, items, ages = keys[order], past.item[order], age[order]
    last = np.flatnonzero(np.r_[keys[1:] != keys[:-1], True]) if len(keys) else keys
    return items[last], ages[last]


def distinct_places(catalogue: Catalogue) -> dict:
    if not catalogue.has_coordinates:
        return {}
    points = np.column_stack([catalogue.latitude, catalogue.longitude])
    # NaN never equals NaN: a stand-in value groups the items without a place.
    places, item_place = np.unique(np.nan_to_num(points, nan=1e9), axis=0, return_inverse=True)
    places[places == 1e9] = np.nan
    return {"places": places, "item_place": item_place.ravel()}


def decayed_weights(age_days: np.ndarray, half_life: float) -> np.ndarray:
    return np.exp2(-age_days / half_life)


def user_homes(*, data: RankingData, past: RankingData) -> tuple[np.ndarray, np.ndarray]:
    """Each user's home: given, else the median place of what they interacted with (or NaN)."""
    n_users = data.n_users
    if data.has_homes:
        home_lat = np.asarray(data.home_latitude, dtype=float).copy()
        home_lon = np.asarray(data.home_longitude, dtype=float).copy()
    else:
        home_lat, home_lon = np.full(n_users, np.nan), np.full(n_users, np.nan)
    catalogue = data.catalogue
    if not catalogue.has_coordinates or not len(past.user):
        return home_lat, home_lon
    missing = np.isnan(home_lat) | np.isnan(home_lon)
    rows = missing[past.user] & ~np.isnan(catalogue.latitude[past.item])
    if rows.any():
        users = past.user[rows]
        home_lat[:] = np.where(
            missing, grouped_median(users, catalogue.latitude[past.item][rows], n_users), home_lat
        )
        home_lon[:] = np.where(
            missing, grouped_median(users, catalogue.longitude[past.item][rows], n_users), home_lon
        )
    return home_lat, home_lon


def grouped_median(groups: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """The median of `values` per group (NaN for empty groups), without a loop over groups."""
    order = np.lexsort((values, groups))
    groups, values = groups[order], values[order]
    starts = np.searchsorted(groups, np.arange(n_groups), side="left")
    ends = np.searchsorted(groups, np.arange(n_groups), side="right")
    sizes = ends - starts
    result = np.full(n_groups, np.nan)
    has = sizes > 0
    low = starts[has] + (sizes[has] - 1) // 2
    high = starts[has] + sizes[has] // 2
    result[has] = (values[low] + values[high]) / 2
    return result


def distance_scales(
    *, catalogue: Catalogue, past: RankingData, home_lat: np.ndarray, home_lon: np.ndarray
) -> np.ndarray:
    """How far each user goes: the median distance from home of what they interacted with."""
    n_users = len(home_lat)
    if not catalogue.has_coordinates or not len(past.user):
        return np.full(n_users, FALLBACK_DISTANCE_SCALE_KM)
    distance = haversine_pairs_km(
        home_lat[past.user], home_lon[past.user],
        catalogue.latitude[past.item], catalogue.longitude[past.item],
    )  # fmt: skip
    located = ~np.isnan(distance)
    scale = grouped_median(past.user[located], distance[located], n_users)
    typical = np.nanmedian(scale) if np.isfinite(scale).any() else FALLBACK_DISTANCE_SCALE_KM
    scale = np.where(np.isnan(scale), typical, scale)
    return np.maximum(scale, MIN_DISTANCE_SCALE_KM)


EARTH_RADIUS_KM = 6371.0088


def haversine_pairs_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distances between paired points (arrays of the same shape, or broadcast)."""
    lat1, lon1, lat2, lon2 = (
        np.radians(np.asarray(a, dtype=float)) for a in (lat1, lon1, lat2, lon2)
    )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
