"""Candidate generation: what a user could still book."""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import QuerySet

from marketplace.models import Booking, Offer, User


def bookable_offers() -> QuerySet[Offer]:
    return Offer.objects.bookable().select_related("category", "venue")


def live_bookings() -> QuerySet[Booking]:
    return Booking.objects.live()


def offer_ids_booked_by(*, user: User | None, among: Iterable[int] | None) -> set[int]:
    """Which of the offers `among` (None: any offer) the user already holds a live booking for.

    The user's bookings are read through the (user, created_at) index and
    intersected here: a shopper holds a few dozen, whereas sending the
    hundreds of ids of `among` as an `IN` list made the query ~8 times slower.
    """
    if user is None or not user.is_authenticated:
        return set()
    if among is not None:
        among = set(among)
        if not among:
            return set()
    booked = set(live_bookings().filter(user=user).values_list("offer_id", flat=True))
    return booked if among is None else booked & among


def offer_ids_booked_by_users(*, user_ids: Iterable[int]) -> dict[int, set[int]]:
    """The offers each user (by id) holds a live booking for, in one query.

    Users without a live booking are absent from the result."""
    booked: dict[int, set[int]] = defaultdict(set)
    rows = live_bookings().filter(user_id__in=list(user_ids)).values_list("user_id", "offer_id")
    for user_id, offer_id in rows:
        booked[user_id].add(offer_id)
    return dict(booked)
