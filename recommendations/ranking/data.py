"""The ranker's input as plain arrays: who interacted with what and when, what the items
are, and where the users live. Any column may be missing (an interaction file has
only the ones it has); the features that need it are then left empty (NaN)."""

from dataclasses import dataclass, replace

import numpy as np

DAY_SECONDS = 86_400.0


@dataclass(frozen=True)
class Catalogue:
    """Item attributes by item position. Optional arrays are None when unknown for every item.

    `category` and `venue` are integer codes (-1: none); coordinates, price and
    `starts_at` (Unix seconds) are NaN when unknown for an item. `available_from` /
    `available_until` bound when an item could be booked (NaN: no bound).
    """

    size: int
    category: np.ndarray | None = None
    latitude: np.ndarray | None = None
    longitude: np.ndarray | None = None
    venue: np.ndarray | None = None
    price: np.ndarray | None = None
    starts_at: np.ndarray | None = None
    available_from: np.ndarray | None = None
    available_until: np.ndarray | None = None

    @property
    def n_categories(self) -> int:
        return 0 if self.category is None else int(self.category.max(initial=-1)) + 1

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def available_at(self, at: float) -> np.ndarray:
        """Which items could be booked at `at` (Unix seconds)."""
        available = np.ones(self.size, dtype=bool)
        if self.available_from is not None:
            available &= ~(self.available_from > at)
        if self.available_until is not None:
            available &= ~(self.available_until <= at)
        return available


@dataclass(frozen=True)
class RankingData:
    """Interactions (one row per user-item-time) with the catalogue and users' homes.

    Users and items are positions (0..n-1); `home_latitude`/`home_longitude`
    are per user, NaN when unknown, or None when the source has no homes.
    """

    n_users: int
    user: np.ndarray
    item: np.ndarray
    time: np.ndarray  # Unix seconds, float
    catalogue: Catalogue
    home_latitude: np.ndarray | None = None
    home_longitude: np.ndarray | None = None

    def before(self, at: float) -> "RankingData":
        """The same data with only the interactions strictly before `at`."""
        keep = self.time < at
        return replace(self, user=self.user[keep], item=self.item[keep], time=self.time[keep])

    @property
    def has_homes(self) -> bool:
        return self.home_latitude is not None and self.home_longitude is not None
