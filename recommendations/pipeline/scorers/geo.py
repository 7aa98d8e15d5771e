"""Geo: recent popularity times a distance decay, within each item's radius (ADR 0009).

An item with a place is a candidate for a located user when it lies within
its radius; its score is `popularity_weight x distance_decay`, the decay
halving `halvings_per_radius` times over the radius. An item without a place
(a digital offer) is open to everyone, weighted by `digital_weight` for located
users. A user without a home gets the items chosen in the window by
popularity, and every item without a place. Offline, distances are great-circle
ones; served, road distances from the distance service go through the same
formula (`recommendations.geo`).
"""

from dataclasses import dataclass

import numpy as np
from django.conf import settings

from recommendations.distance.providers import haversine_km
from recommendations.pipeline.diversification import digital_slot
from recommendations.pipeline.interactions import ITEM_LOCATION, USER_LOCATION, Interactions
from recommendations.pipeline.scorers.popular import window_counts
from recommendations.pipeline.scoring import NOT_A_CANDIDATE, ScorerSpec, scorer_register


def popularity_weight(bookings: np.ndarray) -> np.ndarray:
    """1 for an offer nobody booked lately, growing slowly: 10 bookings weigh 3.4, 100 weigh 5.6."""
    return 1 + np.log1p(bookings)


def distance_decay(
    distance_km: np.ndarray, radius_km: np.ndarray, *, halvings_per_radius: float
) -> np.ndarray:
    return np.exp2(-halvings_per_radius * distance_km / radius_km)


def item_radii_km(train: Interactions) -> np.ndarray:
    """Each item's radius: the source's, else its category's from settings, else the default."""
    if train.item_radius_km is not None:
        return train.item_radius_km
    by_name = settings.RECOMMENDATION_GEO_RADIUS_KM
    default = settings.RECOMMENDATION_GEO_DEFAULT_RADIUS_KM
    per_category = np.array(
        [float(by_name.get(name, default)) for name in train.category_names.tolist()] + [default]
    )
    # NO_CATEGORY (-1) picks the last entry, the default.
    return per_category[train.item_categories]


@dataclass
class GeoScorer:
    halvings_per_radius: float = 3.0
    window_days: int | None = 30
    digital_weight: float = 0.5

    def fit(self, *, train: Interactions, now: float) -> "GeoScorer":
        counts = window_counts(train=train, now=now, window_days=self.window_days)
        self.weight = popularity_weight(counts)
        self.booked_lately = counts > 0
        self.radius_km = item_radii_km(train)
        self.placed = ~np.isnan(train.item_coordinates).any(axis=1)
        # Items share places (offers of one venue): distances are computed per place.
        points, self.item_point = np.unique(
            train.item_coordinates[self.placed], axis=0, return_inverse=True
        )
        self.points = points.reshape(-1, 2)
        self.item_point = self.item_point.ravel()
        self.user_coordinates = train.user_coordinates
        return self

    def score(self, *, users: np.ndarray) -> np.ndarray:
        n_items = len(self.weight)
        scores = np.full((len(users), n_items), NOT_A_CANDIDATE, dtype=np.float32)
        homes = self.user_coordinates[users]
        located = ~np.isnan(homes).any(axis=1)
        placed = np.flatnonzero(self.placed)
        digital = np.flatnonzero(~self.placed)
        # Without a home: national popularity, and digital offers as reachable as any other.
        national = placed[self.booked_lately[placed]]
        unlocated = np.flatnonzero(~located)
        scores[np.ix_(unlocated, national)] = self.weight[national]
        scores[np.ix_(unlocated, digital)] = self.weight[digital]
        for row in np.flatnonzero(located):
            latitude, longitude = homes[row]
            distance = haversine_km(
                latitude=latitude,
                longitude=longitude,
                latitudes=self.points[:, 0],
                longitudes=self.points[:, 1],
            )[self.item_point]
            radius = self.radius_km[placed]
            near = distance <= radius
            decay = distance_decay(
                distance[near], radius[near], halvings_per_radius=self.halvings_per_radius
            )
            scores[row, placed[near]] = self.weight[placed[near]] * decay
            scores[row, digital] = self.digital_weight * self.weight[digital]
        return scores


scorer_register(
    ScorerSpec(
        name="geo",
        make=GeoScorer,
        defaults={"halvings_per_radius": 3.0, "window_days": 30, "digital_weight": 0.5},
        grid=tuple(
            {"halvings_per_radius": halvings, "window_days": days, "digital_weight": 0.5}
            for halvings in (1.0, 3.0, 6.0, 12.0)
            for days in (30, 365, None)
        ),
        requires=frozenset({ITEM_LOCATION, USER_LOCATION}),
        diversify=digital_slot,
    )
)
