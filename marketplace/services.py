"""Writes of the marketplace: registering shoppers, booking, and catalogue maintenance."""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from marketplace.geocoding import Place, postcode_locate
from marketplace.models import Booking, Offer, User
from marketplace.selectors import booking_cancel_refusal, user_email_taken

# What a shopper reads when signing up with an address an account uses.
USER_EMAIL_TAKEN = gettext_lazy(
    "An account already uses this email address. Log in or reset your password."
)


class BookingError(Exception):
    """A booking that the rules refuse; the message is meant for the shopper."""


def home_place_locate(*, postcode: str, city: str = "") -> Place:
    """The commune of a home postcode (and city); a ValidationError on the postcode if unknown."""
    place = postcode_locate(postcode=postcode, city=city)
    if place is None:
        raise ValidationError(
            {"home_postcode": _("Unknown French postcode: %(postcode)s.") % {"postcode": postcode}}
        )
    return place


def user_register(
    *,
    email: str,
    password: str,
    home_postcode: str,
    home_city: str = "",
    newsletter_consent: bool = False,
) -> User:
    """Create a shopper located at their home postcode (its commune's coordinates).

    A ValidationError on the email when an account uses it, whatever its case,
    including one created by a simultaneous sign-up (a double click) between the
    check and the insert: the unique constraint then decides.
    """
    place = home_place_locate(postcode=home_postcode, city=home_city)
    if user_email_taken(email=email):
        raise ValidationError({"email": USER_EMAIL_TAKEN})
    try:
        # A savepoint, so the constraint's error leaves an outer transaction usable.
        with transaction.atomic():
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
    except IntegrityError:
        # The email's constraint, as the address is now taken: asked again rather
        # than read from the error, which each database words its own way.
        if not user_email_taken(email=email):
            raise
        raise ValidationError({"email": USER_EMAIL_TAKEN}) from None


def user_home_set(*, user: User, postcode: str, city: str = "") -> User:
    """Move a customer's home: the postcode's commune and its coordinates change together.

    Coordinates are never left behind by an address change, which would keep
    recommending offers near the old home. Raises a ValidationError for an
    unknown postcode, before any change.
    """
    place = home_place_locate(postcode=postcode, city=city)
    user.home_postcode, user.home_city = place.postcode, place.city
    user.home_latitude, user.home_longitude = place.latitude, place.longitude
    user.save(update_fields=["home_postcode", "home_city", "home_latitude", "home_longitude"])
    return user


def user_newsletter_consent_set(*, user: User, consent: bool) -> bool:
    """Give or withdraw newsletter consent; returns whether it changed (repeats are no-ops)."""
    changed = User.objects.filter(pk=user.pk).exclude(newsletter_consent=consent)
    consent_at = timezone.now() if consent else None
    if not changed.update(newsletter_consent=consent, newsletter_consent_at=consent_at):
        return False
    user.newsletter_consent, user.newsletter_consent_at = consent, consent_at
    return True


@transaction.atomic
def booking_create(*, user: User, offer_id: int, quantity: int = 1) -> Booking:
    """Book `quantity` places; the offer row stays locked until commit so stock never oversells."""
    if quantity < 1:
        raise BookingError(_("Book at least one place."))
    try:
        offer = Offer.objects.select_for_update().get(pk=offer_id)
    except Offer.DoesNotExist:
        raise BookingError(_("This offer does not exist.")) from None
    if not offer.is_active:
        raise BookingError(_("This offer is no longer available."))
    if offer.is_past:
        raise BookingError(_("This offer is over."))
    remaining = offer.remaining_stock
    if remaining is not None and remaining < quantity:
        raise BookingError(
            _("This offer is sold out.")
            if remaining == 0
            else ngettext("Only %(count)d place left.", "Only %(count)d places left.", remaining)
            % {"count": remaining}
        )
    if Booking.objects.filter(user=user, offer=offer).live().exists():
        raise BookingError(_("You have already booked this offer."))
    try:
        # A savepoint, so the unique constraint's error leaves the outer transaction usable.
        with transaction.atomic():
            booking = Booking.objects.create(
                user=user, offer=offer, quantity=quantity, amount=offer.price * quantity
            )
    except IntegrityError:
        # Two simultaneous requests of the same shopper: the constraint decides.
        raise BookingError(_("You have already booked this offer.")) from None
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
        raise BookingError(_("This booking does not exist.")) from None
    refusal = booking_cancel_refusal(booking=booking)
    if refusal:
        raise BookingError(refusal)
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


def offer_copy_build(*, offer: Offer, starts_at) -> Offer:
    """An unsaved copy of `offer` moved to `starts_at` (same duration), full stock, no bookings."""
    shift: timedelta | None = starts_at - offer.starts_at if offer.starts_at else None
    return Offer(
        title=offer.title,
        description=offer.description,
        category_id=offer.category_id,
        venue_id=offer.venue_id,
        url=offer.url,
        price=offer.price,
        starts_at=starts_at,
        ends_at=offer.ends_at + shift if offer.ends_at and shift is not None else None,
        stock=offer.stock,
        is_active=offer.is_active,
    )


# Enough for a weekly event over a whole year; more is a typo, not a season.
OFFERS_DUPLICATE_MAX_COPIES = 52
# About ten years: no season is planned further ahead, and a bound this close
# keeps every copy's dates far from the calendar's end (year 9999). The offer form
# bounds the dates staff type by it too.
OFFERS_DUPLICATE_HORIZON = timedelta(weeks=520)
# No offer predates the site. The offer form refuses earlier dates: midnight on
# 0001-01-01 in Paris is in year 0 in UTC, which no database stores.
OFFERS_EARLIEST_DATE = date(2000, 1, 1)


@transaction.atomic
def offers_duplicate(*, offer_ids: list[int], shift: timedelta, copies: int = 1) -> list[Offer]:
    """Copy dated offers `copies` times, each copy `shift` later than the previous one.

    All or nothing: an undated offer (it has no date to move), a shift that is
    not forward, a copy that would start in the past or end past the horizon
    (OFFERS_DUPLICATE_HORIZON from now) refuses the whole batch with a
    ValidationError naming the culprit.
    """
    if shift <= timedelta(0):
        raise ValidationError(_("Copies must move forward in time."))
    if not 1 <= copies <= OFFERS_DUPLICATE_MAX_COPIES:
        raise ValidationError(
            _("Make between 1 and %(max)s copies.") % {"max": OFFERS_DUPLICATE_MAX_COPIES}
        )
    offers = list(Offer.objects.filter(pk__in=offer_ids).order_by("starts_at", "pk"))
    undated = [offer.title for offer in offers if offer.starts_at is None]
    if undated:
        raise ValidationError(
            ngettext(
                "%(count)d selected offer has no date to move: “%(title)s”.",
                "%(count)d selected offers have no date to move, e.g. “%(title)s”.",
                len(undated),
            )
            % {"count": len(undated), "title": undated[0]}
        )
    now = timezone.now()
    offers_duplicate_check_horizon(offers=offers, shift=shift, copies=copies, now=now)
    # Offers are sorted by start, so the first one's first copy is the earliest new date.
    if offers and offers[0].starts_at + shift <= now:
        first = offers[0]
        raise ValidationError(
            _("The copy of “%(title)s” would start on %(start)s, in the past.")
            % {
                "title": first.title,
                "start": date_format(
                    timezone.localtime(first.starts_at + shift), "DATETIME_FORMAT"
                ),
            }
        )
    return Offer.objects.bulk_create(
        offer_copy_build(offer=offer, starts_at=offer.starts_at + shift * number)
        for offer in offers
        for number in range(1, copies + 1)
    )


def offers_duplicate_check_horizon(
    *, offers: list[Offer], shift: timedelta, copies: int, now: datetime
) -> None:
    """Refuse copies whose last one would end past the horizon.

    Checked before any copy's date is computed: compared with a share of the
    room left rather than multiplied out, a huge shift cannot overflow the
    calendar on the way.
    """
    if not offers:
        return
    horizon = now + OFFERS_DUPLICATE_HORIZON
    latest = max(offers, key=lambda offer: offer.ends_at or offer.starts_at)
    room = horizon - (latest.ends_at or latest.starts_at)
    if shift > room / copies:
        raise ValidationError(
            _(
                "The last copy of “%(title)s” would end after %(horizon)s, the furthest date "
                "copies may reach."
            )
            % {
                "title": latest.title,
                "horizon": date_format(timezone.localtime(horizon), "DATE_FORMAT"),
            }
        )
