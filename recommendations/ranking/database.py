"""What only the database knows of offers, for the ranker: venue, price, dates, sale window."""

from datetime import datetime

import numpy as np

from marketplace.models import Offer
from recommendations.interaction_log import interactions_from_database
from recommendations.pipeline.interactions import Interactions
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


def ranking_interactions_from_database(
    *, until: datetime | None = None, extra_users=()
) -> tuple[Interactions, Catalogue]:
    """The live bookings as the pipeline reads them, and the offers' extra columns."""
    interactions = interactions_from_database(until=until, extra_users=extra_users)
    return interactions, offers_catalogue_extra(item_ids=interactions.item_ids)
