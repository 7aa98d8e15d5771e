"""Reads of the marketplace for pages and other apps."""

from django.db.models import F, QuerySet

from marketplace.models import Booking, Category, Offer, User


def category_list() -> QuerySet[Category]:
    return Category.objects.all()


def offer_list_upcoming(*, category_slug: str | None = None) -> QuerySet[Offer]:
    """Bookable offers for the catalogue, soonest first, undated ones after dated ones."""
    offers = Offer.objects.bookable().select_related("category", "venue")
    if category_slug:
        offers = offers.filter(category__slug=category_slug)
    return offers.order_by(F("starts_at").asc(nulls_last=True), "pk")


def offer_get_visible(*, offer_id: int) -> Offer:
    """An offer for its detail page; withdrawn offers are not shown. Raises Offer.DoesNotExist."""
    return Offer.objects.select_related("category", "venue").get(pk=offer_id, is_active=True)


def booking_list_for_user(*, user: User) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(user=user)
        .select_related("offer", "offer__category", "offer__venue")
        .order_by("-created_at")
    )


def booking_live_for_offer(*, user: User, offer_id: int) -> Booking | None:
    """The shopper's confirmed or used booking of an offer, if any (at most one can exist)."""
    return Booking.objects.filter(user=user, offer_id=offer_id).live().first()
