"""The features of a (user, candidate) pair, read from a snapshot (ADR 0024).

They describe levels that recur (category, venue, distance, price, time until
the event, popularity of the item, its venue and its category), not item ids:
offers are short-lived, most of tomorrow's have no history. A value that cannot
be known (an undated offer, a user without a home) is NaN. A column the source
cannot fill at all (no prices in a check-in log, no coordinates) is 0 instead: a
constant rather than all missing, which histogram binning cannot split on. The
source decides it, not the pairs at hand, so that a user scored alone gets the
features a batch gives them (ADR 0024).
"""

import numpy as np

from recommendations.ranking.candidates import SOURCES, Candidates
from recommendations.ranking.data import DAY_SECONDS
from recommendations.ranking.snapshot import WINDOWS_DAYS, Snapshot

FEATURE_NAMES: tuple[str, ...] = (
    *(f"source_{name}" for name in SOURCES),
    "source_count",
    "best_source_rank",
    "geo_score",
    "co_booking_score",
    *(f"item_bookings_{days}d" for days in WINDOWS_DAYS),
    "item_bookings_all",
    "item_bookings_decayed",
    "item_trend",
    "item_age_days",
    "days_on_sale",
    "category_share",
    "venue_bookings_28d",
    "distance_km",
    "distance_over_usual",
    "price",
    "price_over_usual",
    "days_until_start",
    "category_affinity",
    "category_bookings_of_user",
    "category_new_to_user",
    "venue_bookings_of_user",
    "user_bookings",
    "user_days_since_last",
    "user_categories",
)


def features_compute(*, snapshot: Snapshot, candidates: Candidates) -> np.ndarray:
    """(pairs, len(FEATURE_NAMES)) float32 features of the candidate pairs."""
    users, items = candidates.user, candidates.item
    n = len(users)
    absent = np.zeros(n)
    counts = snapshot.item_counts[items]
    catalogue = snapshot.catalogue
    distance = candidates.distance_km.astype(float) if snapshot.places is not None else absent

    category_affinity = category_count = category_new = user_categories = absent
    if snapshot.user_category is not None:
        category = catalogue.category[items]
        known = category >= 0
        user_rows = snapshot.user_category[users]
        totals = user_rows.sum(axis=1)
        count = np.where(known, user_rows[np.arange(n), np.maximum(category, 0)], np.nan)
        category_count = count
        category_affinity = count / np.maximum(totals, 1)
        category_new = np.where(known, (count == 0).astype(float), np.nan)
        user_categories = (user_rows > 0).sum(axis=1).astype(float)
    venue_of_user = absent
    if snapshot.user_venue is not None:
        venue = catalogue.venue[items]
        known = venue >= 0
        found = np.asarray(snapshot.user_venue[users, np.maximum(venue, 0)]).ravel()
        venue_of_user = np.where(known, found, np.nan)
    price = price_ratio = absent
    if catalogue.price is not None:
        price = catalogue.price[items]
        price_ratio = price / np.where(
            snapshot.user_mean_price[users] > 0, snapshot.user_mean_price[users], np.nan
        )
    on_sale = absent
    if catalogue.available_from is not None:
        on_sale = (snapshot.at - catalogue.available_from[items]) / DAY_SECONDS
    until_start = absent
    if catalogue.starts_at is not None:
        until_start = (catalogue.starts_at[items] - snapshot.at) / DAY_SECONDS

    columns = [
        *(candidates.sources[:, number] for number in range(len(SOURCES))),
        candidates.sources.sum(axis=1),
        np.log1p(candidates.best_rank),
        candidates.geo_score,
        candidates.co_booking_score,
        *(np.log1p(counts[:, column]) for column in range(len(WINDOWS_DAYS))),
        np.log1p(counts[:, -1]),
        np.log1p(snapshot.item_decayed[items]),
        snapshot.item_trend[items],
        snapshot.item_age_days[items],
        on_sale,
        snapshot.category_share[items] if snapshot.category_share is not None else absent,
        np.log1p(snapshot.venue_counts[items]) if snapshot.venue_counts is not None else absent,
        np.log1p(distance),
        distance / snapshot.distance_scale_km[users],
        np.log1p(price),
        price_ratio,
        until_start,
        category_affinity,
        category_count,
        category_new,
        venue_of_user,
        np.log1p(snapshot.user_count[users]),
        snapshot.user_last_days[users],
        user_categories,
    ]
    return np.column_stack([np.asarray(column, dtype=np.float32) for column in columns])
