"""The database's bookings as an interaction log up to a moment: what was known then."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.models import Booking
from recommendations.interaction_log import interactions_from_database
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db


def logged_bookings(until=None) -> set[tuple[int, int]]:
    interactions = interactions_from_database(until=until)
    return set(
        zip(
            interactions.user_ids[interactions.users].tolist(),
            interactions.item_ids[interactions.items].tolist(),
            strict=True,
        )
    )


def test_up_to_a_moment_the_log_holds_what_was_booked_before_and_not_yet_cancelled():
    until = timezone.now() - timedelta(days=3)
    kept = BookingFactory()
    cancelled_after = BookingFactory(
        status=Booking.Status.CANCELLED, cancelled_at=until + timedelta(days=1)
    )
    cancelled_before = BookingFactory(
        status=Booking.Status.CANCELLED, cancelled_at=until - timedelta(hours=1)
    )
    at_the_moment = BookingFactory()
    made_after = BookingFactory()
    for booking, created in [
        (kept, until - timedelta(days=2)),
        (cancelled_after, until - timedelta(days=2)),
        (cancelled_before, until - timedelta(days=2)),
        (at_the_moment, until),
        (made_after, until + timedelta(hours=1)),
    ]:
        Booking.objects.filter(pk=booking.pk).update(created_at=created)

    pairs = {booking: (booking.user_id, booking.offer_id) for booking in Booking.objects.all()}

    assert logged_bookings(until) == {pairs[kept], pairs[cancelled_after]}
    assert logged_bookings() == {pairs[kept], pairs[at_the_moment], pairs[made_after]}
