"""The key features whose drift is watched, computed from bookings over a period.

They are the inputs the ranker leans on most and that the world moves: how far
people go (distance from home to venue), what they pay (price), and how far
ahead they book (days until the event). Booked offers stand for what the model
is asked to score well; the same population is used at training and monitoring
time, so the comparison is like for like.
"""

from datetime import datetime

import numpy as np

from marketplace.models import Booking
from recommendations.distance.providers import haversine_km
from recommendations.registry.drift import feature_bins_compute

DRIFT_FEATURES = ("distance_km", "price", "days_until_event")
SECONDS_PER_DAY = 86400.0


def drift_feature_values(*, since: datetime | None, until: datetime) -> dict[str, np.ndarray]:
    """Each drift feature's values over the live bookings made in [since, until).

    A digital offer or a home without coordinates has no distance, an offer
    without a date no days until the event: those values are NaN.
    """
    bookings = Booking.objects.live_at(until).filter(created_at__lt=until)
    if since is not None:
        bookings = bookings.filter(created_at__gte=since)
    rows = list(
        bookings.values_list(
            "user__home_latitude",
            "user__home_longitude",
            "offer__venue__latitude",
            "offer__venue__longitude",
            "offer__price",
            "offer__starts_at",
            "created_at",
        )
    )
    if not rows:
        return {feature: np.empty(0) for feature in DRIFT_FEATURES}
    columns = list(zip(*rows, strict=True))
    home_lat, home_lon, venue_lat, venue_lon = (
        np.array(column, dtype=float) for column in columns[:4]
    )
    # None becomes NaN in a float array, and NaN propagates through the distance.
    distance = haversine_km(
        latitude=home_lat, longitude=home_lon, latitudes=venue_lat, longitudes=venue_lon
    )
    price = np.array(columns[4], dtype=float)
    booked_at = np.array([moment.timestamp() for moment in columns[6]])
    starts_at = np.array([np.nan if m is None else m.timestamp() for m in columns[5]])
    return {
        "distance_km": distance,
        "price": price,
        "days_until_event": (starts_at - booked_at) / SECONDS_PER_DAY,
    }


def feature_statistics_compute(*, since: datetime | None, until: datetime) -> dict:
    """The training-time bins of every drift feature, stored with a model version."""
    values = drift_feature_values(since=since, until=until)
    return {feature: feature_bins_compute(values=values[feature]) for feature in DRIFT_FEATURES}
