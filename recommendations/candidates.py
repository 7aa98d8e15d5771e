"""Candidate generation: what a user could still book."""

from django.db.models import QuerySet

from marketplace.models import Booking, Offer, User


def bookable_offers() -> QuerySet[Offer]:
    return Offer.objects.bookable().select_related("category", "venue")


def offer_ids_booked_by(*, user: User | None, among: list[int]) -> set[int]:
    """Which of the offers `among` the user already holds a live booking for."""
    if user is None or not user.is_authenticated or not among:
        return set()
    return set(
        Booking.objects.filter(user=user, offer_id__in=among)
        .exclude(status=Booking.Status.CANCELLED)
        .values_list("offer_id", flat=True)
    )
