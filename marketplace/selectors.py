"""Reads of the marketplace for pages and other apps."""

from datetime import datetime

from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.models import Booking, Category, Offer, User, not_past_condition


def category_list() -> QuerySet[Category]:
    return Category.objects.all()


def user_email_taken(*, email: str, other_than: User | None = None) -> bool:
    """Whether an account uses this address, whatever its case; `other_than` is the
    account being edited, which may keep its own address."""
    accounts = User.objects.filter(email__iexact=email)
    if other_than is not None and other_than.pk is not None:
        accounts = accounts.exclude(pk=other_than.pk)
    return accounts.exists()


def offer_get_visible(*, offer_id: int) -> Offer:
    """An offer for its detail page; withdrawn offers are not shown. Raises Offer.DoesNotExist."""
    return Offer.objects.select_related("category", "venue").get(pk=offer_id, is_active=True)


def booking_list_for_user(*, user: User) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(user=user)
        .select_related("offer", "offer__category", "offer__venue")
        .order_by("-created_at")
    )


def booking_lists_for_user(*, user: User, now: datetime | None = None) -> dict[str, list[Booking]]:
    """A shopper's bookings in three groups: "upcoming" (live, offer not over, soonest
    first), "past" (live, offer over, latest first) and "cancelled" (latest first)."""
    now = now or timezone.now()
    bookings = booking_list_for_user(user=user)
    live = bookings.live()
    return {
        "upcoming": list(
            live.filter(not_past_condition(now, prefix="offer__")).order_by(
                F("offer__starts_at").asc(nulls_last=True), "pk"
            )
        ),
        "past": list(live.exclude(not_past_condition(now, prefix="offer__"))),
        "cancelled": list(bookings.filter(status=Booking.Status.CANCELLED)),
    }


def booking_cancel_refusal(*, booking: Booking) -> str | None:
    """Why this booking cannot be cancelled, or None if it can: the pages ask before they
    offer to cancel it, and the cancellation before it acts."""
    if booking.status == Booking.Status.CANCELLED:
        return _("This booking is already cancelled.")
    if booking.status != Booking.Status.CONFIRMED:
        return _("This booking has been used; it can no longer be cancelled.")
    if booking.offer.is_past:
        return _("This offer is over; its booking can no longer be cancelled.")
    return None


def booking_get_for_user(*, user: User, booking_id: int) -> Booking:
    """One of the shopper's own bookings. Raises Booking.DoesNotExist."""
    return booking_list_for_user(user=user).get(pk=booking_id)


def booking_live_for_offer(*, user: User, offer_id: int) -> Booking | None:
    """The shopper's confirmed or used booking of an offer, if any (at most one can exist)."""
    return Booking.objects.filter(user=user, offer_id=offer_id).live().first()
