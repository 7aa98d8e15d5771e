"""The database's live bookings as an interaction log, and its catalogue at a given time.

Items are every offer, in id order (ties in a ranking go to the lower offer id,
as in served lists); users are the customers who booked and every located
customer. Offers without a venue are digital (no coordinates); radii are the
categories' (ADR 0009).
"""

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np

from marketplace.models import Booking, Offer, User
from recommendations.pipeline.interactions import Interactions, interactions_build
from recommendations.pipeline.radii import category_radius_km


def interactions_from_database(
    *, until: datetime | None = None, extra_users: Sequence[int] = ()
) -> Interactions:
    """Live bookings, with categories, places and radii. Given `until`, the bookings
    created before it and not cancelled by then: a model trained up to a date must not
    learn that a booking made before it would be cancelled afterwards (a challenger is
    judged on the days after its window; ADR 0029).

    `extra_users` adds user ids without bookings (serving's anonymous user)."""
    if until is None:
        bookings = Booking.objects.live().order_by()
    else:
        bookings = Booking.objects.live_at(until).filter(created_at__lt=until).order_by()
    rows = list(bookings.values_list("user_id", "offer_id", "created_at"))
    offers = list(
        Offer.objects.order_by("pk").values_list(
            "pk", "category__slug", "venue__latitude", "venue__longitude", "venue__kind"
        )
    )
    homes = User.objects.filter(home_latitude__isnull=False, home_longitude__isnull=False)
    located = {
        pk: (lat, lon)
        for pk, lat, lon in homes.values_list("pk", "home_latitude", "home_longitude")
    }
    interactions = interactions_build(
        user_ids=np.array([row[0] for row in rows], dtype=np.int64),
        item_ids=np.array([row[1] for row in rows], dtype=np.int64),
        timestamps=np.array([row[2].timestamp() for row in rows], dtype=np.float64),
        item_categories={pk: slug for pk, slug, *_ in offers},
        item_coordinates={
            pk: (lat, lon) for pk, _, lat, lon, _ in offers if lat is not None and lon is not None
        },
        user_coordinates=located,
        extra_items=np.array([row[0] for row in offers], dtype=np.int64),
        extra_users=np.array([*located, *extra_users], dtype=np.int64),
    )
    kind = {pk: venue_kind for pk, _, _, _, venue_kind in offers}
    slug = {pk: category for pk, category, *_ in offers}
    radii = np.array(
        [
            category_radius_km(category_slug=slug[pk], venue_kind=kind[pk] or "")
            for pk in interactions.item_ids.tolist()
        ]
    )
    return replace(interactions, item_radius_km=radii)


def bookable_catalogue(*, interactions: Interactions, at: float) -> np.ndarray:
    """Which of the items are offers bookable at `at` (Unix seconds)."""
    moment = datetime.fromtimestamp(at, tz=UTC)
    bookable = np.array(list(Offer.objects.bookable(now=moment).values_list("pk", flat=True)))
    return np.isin(interactions.item_ids, bookable)
