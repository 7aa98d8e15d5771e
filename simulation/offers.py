"""What a shopper can see of the catalogue on a day: the bookable offers, as arrays.

Read once a simulated day (three queries), then kept up to date as the
simulated shoppers book, so that choices are made over the stock as it stands.
"""

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.db.models import Count
from django.utils import timezone

from marketplace.demo.catalogue import CATEGORY_INDEX
from marketplace.models import Booking, Offer

POPULARITY_WINDOW_DAYS = 30
EARTH_RADIUS_KM = 6371.0


@dataclass
class OfferShelf:
    """Bookable offers: one row per offer. `remaining` is +inf for unlimited stock;
    `latitude`/`longitude` are NaN for digital offers."""

    offer_ids: np.ndarray
    category: np.ndarray  # index in the demo's CATEGORY_SLUGS
    latitude: np.ndarray
    longitude: np.ndarray
    price_eur: np.ndarray
    remaining: np.ndarray
    popularity: np.ndarray  # live bookings of the last 30 days
    row_of: dict[int, int]

    def __len__(self) -> int:
        return len(self.offer_ids)

    def rows(self, offer_ids) -> np.ndarray:
        """Rows of the offers still on the shelf, in the given order (others dropped)."""
        return np.array([self.row_of[i] for i in offer_ids if i in self.row_of], dtype=np.int64)

    def take(self, *, row: int, quantity: int) -> None:
        self.remaining[row] -= quantity
        self.popularity[row] += 1


def offer_shelf_read() -> OfferShelf:
    """The offers bookable now, with their recent popularity."""
    rows = list(
        Offer.objects.bookable()
        .order_by("pk")
        .values_list(
            "pk", "category__slug", "venue__latitude", "venue__longitude", "price", "stock",
            "booked_quantity",
        )
    )  # fmt: skip
    since = timezone.now() - timedelta(days=POPULARITY_WINDOW_DAYS)
    counts = dict(
        Booking.objects.live()
        .filter(created_at__gte=since)
        .values("offer_id")
        .annotate(n=Count("pk"))
        .values_list("offer_id", "n")
    )
    offer_ids = np.array([row[0] for row in rows], dtype=np.int64)
    stock = np.array([np.inf if row[5] is None else row[5] - row[6] for row in rows], dtype=float)
    return OfferShelf(
        offer_ids=offer_ids,
        category=np.array([CATEGORY_INDEX.get(row[1], 0) for row in rows], dtype=np.int64),
        latitude=np.array([np.nan if row[2] is None else row[2] for row in rows], dtype=float),
        longitude=np.array([np.nan if row[3] is None else row[3] for row in rows], dtype=float),
        price_eur=np.array([float(row[4]) for row in rows], dtype=float),
        remaining=stock,
        popularity=np.array([counts.get(i, 0) for i in offer_ids.tolist()], dtype=float),
        row_of={offer_id: row for row, offer_id in enumerate(offer_ids.tolist())},
    )


def distances_km(
    *, latitude: float, longitude: float, shelf: OfferShelf, rows: np.ndarray
) -> np.ndarray:
    """Great-circle distances from a home to offers' venues; 0 for digital offers."""
    lat1, lon1 = np.radians(latitude), np.radians(longitude)
    lat2, lon2 = np.radians(shelf.latitude[rows]), np.radians(shelf.longitude[rows])
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    distance = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
    return np.where(np.isnan(distance), 0.0, distance)
