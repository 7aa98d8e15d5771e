"""The ranker's view of the database: the pipeline's interactions plus what only the
database knows of offers (venue, price, dates, when they were on sale)."""

from datetime import datetime

import numpy as np

from marketplace.models import Booking, Offer, User
from recommendations.pipeline.interactions import Interactions, interactions_build
from recommendations.ranking.data import Catalogue


def offers_catalogue_extra(*, item_ids: np.ndarray) -> Catalogue:
    """Venue codes, prices, start times and sale windows of the offers `item_ids`, in that order."""
    rows = {
        pk: row
        for pk, *row in Offer.objects.order_by().values_list(
            "pk", "venue_id", "price", "starts_at", "ends_at", "created_at"
        )
    }

    def seconds(value: datetime | None) -> float:
        return value.timestamp() if value is not None else np.nan

    ordered = [rows.get(pk, (None, None, None, None, None)) for pk in item_ids.tolist()]
    venues = np.array([row[0] if row[0] is not None else -1 for row in ordered], dtype=np.int64)
    _, venue_codes = np.unique(venues, return_inverse=True)
    venue_codes = np.where(venues >= 0, venue_codes - (venues < 0).any(), -1)
    starts = np.array([seconds(row[2]) for row in ordered])
    ends = np.array([seconds(row[3]) for row in ordered])
    return Catalogue(
        size=len(item_ids),
        venue=venue_codes.astype(np.int64),
        price=np.array([float(row[1]) if row[1] is not None else np.nan for row in ordered]),
        starts_at=starts,
        available_from=np.array([seconds(row[4]) for row in ordered]),
        # An event can be booked until it ends (or starts, when it has no end).
        available_until=np.where(np.isnan(ends), starts, ends),
    )


def bookings_interactions(*, until: datetime | None = None) -> Interactions:
    """Live bookings (created before `until` if given) over every offer and located customer.

    The pipeline's evaluation builds the same log (issue 14); this one is what
    the ranker trains and serves on, and should become that one once merged.
    """
    bookings = Booking.objects.live().order_by()
    if until is not None:
        bookings = bookings.filter(created_at__lt=until)
    rows = np.array(
        [
            (user, offer, created.timestamp())
            for user, offer, created in bookings.values_list("user_id", "offer_id", "created_at")
        ],
        dtype=np.float64,
    ).reshape(-1, 3)
    offers = list(
        Offer.objects.order_by("pk").values_list(
            "pk", "category__slug", "venue__latitude", "venue__longitude"
        )
    )
    located = User.objects.filter(home_latitude__isnull=False, home_longitude__isnull=False)
    homes = {
        pk: (lat, lon)
        for pk, lat, lon in located.values_list("pk", "home_latitude", "home_longitude")
    }
    return interactions_build(
        user_ids=rows[:, 0].astype(np.int64),
        item_ids=rows[:, 1].astype(np.int64),
        timestamps=rows[:, 2],
        item_categories={pk: slug for pk, slug, _, _ in offers},
        item_coordinates={
            pk: (lat, lon) for pk, _, lat, lon in offers if lat is not None and lon is not None
        },
        user_coordinates=homes,
        extra_items=np.array([row[0] for row in offers], dtype=np.int64),
        extra_users=np.array(list(homes), dtype=np.int64),
    )


def ranking_interactions_from_database(
    *, until: datetime | None = None
) -> tuple[Interactions, Catalogue]:
    interactions = bookings_interactions(until=until)
    return interactions, offers_catalogue_extra(item_ids=interactions.item_ids)
