"""Writes of the marketplace: registering shoppers, booking, and catalogue maintenance."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from marketplace.geocoding import postcode_locate
from marketplace.models import Booking, Offer, User


class BookingError(Exception):
    """A booking that the rules refuse; the message is meant for the shopper."""


def user_register(
    *,
    email: str,
    password: str,
    home_postcode: str,
    home_city: str = "",
    newsletter_consent: bool = False,
) -> User:
    """Create a shopper located at their home postcode (its commune's coordinates)."""
    place = postcode_locate(postcode=home_postcode, city=home_city)
    if place is None:
        raise ValidationError({"home_postcode": f"Unknown French postcode: {home_postcode}."})
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "An account already uses this email address."})
    return User.objects.create_user(
        email=email,
        password=password,
        home_postcode=place.postcode,
        home_city=place.city,
        home_latitude=place.latitude,
        home_longitude=place.longitude,
        newsletter_consent=newsletter_consent,
        newsletter_consent_at=timezone.now() if newsletter_consent else None,
    )


@transaction.atomic
def booking_create(*, user: User, offer_id: int, quantity: int = 1) -> Booking:
    """Book `quantity` places; the offer row stays locked until commit so stock never oversells."""
    if quantity < 1:
        raise BookingError("Book at least one place.")
    try:
        offer = Offer.objects.select_for_update().get(pk=offer_id)
    except Offer.DoesNotExist:
        raise BookingError("This offer does not exist.") from None
    if not offer.is_active:
        raise BookingError("This offer is no longer available.")
    if offer.is_past:
        raise BookingError("This offer is over.")
    remaining = offer.remaining_stock
    if remaining is not None and remaining < quantity:
        raise BookingError(
            "This offer is sold out." if remaining == 0 else f"Only {remaining} place(s) left."
        )
    if (
        Booking.objects.filter(user=user, offer=offer)
        .exclude(status=Booking.Status.CANCELLED)
        .exists()
    ):
        raise BookingError("You have already booked this offer.")
    try:
        # A savepoint, so the unique constraint's error leaves the outer transaction usable.
        with transaction.atomic():
            booking = Booking.objects.create(
                user=user, offer=offer, quantity=quantity, amount=offer.price * quantity
            )
    except IntegrityError:
        # Two simultaneous requests of the same shopper: the constraint decides.
        raise BookingError("You have already booked this offer.") from None
    Offer.objects.filter(pk=offer.pk).update(booked_quantity=F("booked_quantity") + quantity)
    return booking


@transaction.atomic
def booking_cancel(*, user: User, booking_id: int) -> Booking:
    """Cancel a shopper's own confirmed booking of an offer not yet over, giving the places back."""
    try:
        booking = (
            Booking.objects.select_for_update()
            .select_related("offer")
            .get(pk=booking_id, user=user)
        )
    except Booking.DoesNotExist:
        raise BookingError("This booking does not exist.") from None
    if booking.status != Booking.Status.CONFIRMED:
        raise BookingError("Only a confirmed booking can be cancelled.")
    if booking.offer.is_past:
        raise BookingError("This offer is over; its booking can no longer be cancelled.")
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.save(update_fields=["status", "cancelled_at", "updated_at"])
    Offer.objects.filter(pk=booking.offer_id).update(
        booked_quantity=F("booked_quantity") - booking.quantity
    )
    return booking


def offers_set_active(*, offer_ids: list[int], is_active: bool) -> int:
    """Publish or withdraw offers; returns how many changed."""
    return (
        Offer.objects.filter(pk__in=offer_ids)
        .exclude(is_active=is_active)
        .update(is_active=is_active, updated_at=timezone.now())
    )


def offer_duplicate(*, offer: Offer, starts_at) -> Offer:
    """A copy of `offer` moved to `starts_at` (same duration), full stock, no bookings."""
    shift: timedelta | None = starts_at - offer.starts_at if offer.starts_at else None
    return Offer.objects.create(
        title=offer.title,
        description=offer.description,
        category=offer.category,
        venue=offer.venue,
        url=offer.url,
        price=offer.price,
        starts_at=starts_at,
        ends_at=offer.ends_at + shift if offer.ends_at and shift is not None else None,
        stock=offer.stock,
        is_active=offer.is_active,
    )
