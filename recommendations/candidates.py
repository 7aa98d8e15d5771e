"""Candidate generation: what a user could still book."""

from django.db.models import QuerySet

from marketplace.models import Booking, Offer, User


def bookable_offers() -> QuerySet[Offer]:
    return Offer.objects.bookable().select_related("category", "venue")


def offer_ids_booked_by(*, user: User | None, among: list[int] | None) -> set[int]:
    """Which of the offers `among` (None: any offer) the user already holds a live booking for."""
    if user is None or not user.is_authenticated or among == []:
        return set()
    bookings = Booking.objects.filter(user=user).exclude(status=Booking.Status.CANCELLED)
    if among is not None:
        bookings = bookings.filter(offer_id__in=among)
    return set(bookings.values_list("offer_id", flat=True))
