"""The marketplace's data: shoppers, categories, venues, offers and bookings."""

import hashlib
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from waffle.models import AbstractUserFlag

from marketplace.category_names import category_label

LATITUDE_VALIDATORS = [MinValueValidator(-90), MaxValueValidator(90)]
LONGITUDE_VALIDATORS = [MinValueValidator(-180), MaxValueValidator(180)]


def coordinates_in_range(prefix: str) -> Q:
    """A check that both coordinates named `<prefix>latitude/longitude` are unset or valid."""
    latitude, longitude = f"{prefix}latitude", f"{prefix}longitude"
    return Q(**{f"{latitude}__isnull": True, f"{longitude}__isnull": True}) | Q(
        **{
            f"{latitude}__gte": -90,
            f"{latitude}__lte": 90,
            f"{longitude}__gte": -180,
            f"{longitude}__lte": 180,
        }
    )


class UserManager(BaseUserManager):
    """Users log in with their email address; there is no username."""

    use_in_migrations = True

    def get_by_natural_key(self, username: str):
        # Sign-up treats emails case-insensitively, so log-in must too.
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person with an account: a shopper, and also staff when `is_staff` is set.

    The customer's home and newsletter consent live here rather than on a
    profile: every shopper has them, and recommendations read them on each request.
    """

    username = None
    email = models.EmailField(_("email address"), unique=True)
    home_postcode = models.CharField(_("home postcode"), max_length=5, blank=True)
    home_city = models.CharField(_("home city"), max_length=100, blank=True)
    home_latitude = models.FloatField(
        _("home latitude"), null=True, blank=True, validators=LATITUDE_VALIDATORS
    )
    home_longitude = models.FloatField(
        _("home longitude"), null=True, blank=True, validators=LONGITUDE_VALIDATORS
    )
    newsletter_consent = models.BooleanField(_("newsletter consent"), default=False)
    newsletter_consent_at = models.DateTimeField(
        _("newsletter consent given at"), null=True, blank=True
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=coordinates_in_range("home_"), name="user_home_coordinates_valid"
            ),
            models.CheckConstraint(
                condition=Q(newsletter_consent=False) | Q(newsletter_consent_at__isnull=False),
                name="user_consent_has_date",
            ),
            # One account per address whatever its case, as sign-up and log-in assume
            # (`email__iexact`). UPPER, not LOWER: PostgreSQL can then answer Django's
            # `iexact` (UPPER(email) = UPPER(%s)) from this index.
            models.UniqueConstraint(
                Upper("email"),
                name="user_email_unique_ignoring_case",
                violation_error_message=_("An account already uses this email address."),
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def has_home_coordinates(self) -> bool:
        return self.home_latitude is not None and self.home_longitude is not None


class Category(models.Model):
    """A kind of culture (cinema, live music, books…); `is_digital` ones are consumed online."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_digital = models.BooleanField(_("digital"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        # In the active language: the admin's filters and choices and the catalogue's
        # category filter show this.
        return category_label(self)


class Venue(models.Model):
    """A physical place where offers happen. Digital offers have no venue."""

    class Kind(models.TextChoices):
        MUSEUM = "museum", _("Museum")
        CINEMA = "cinema", _("Cinema")
        FESTIVAL = "festival", _("Festival site")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    address = models.CharField(_("address"), max_length=255, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    city = models.CharField(_("city"), max_length=100)
    latitude = models.FloatField(
        _("latitude"), null=True, blank=True, validators=LATITUDE_VALIDATORS
    )
    longitude = models.FloatField(
        _("longitude"), null=True, blank=True, validators=LONGITUDE_VALIDATORS
    )
    # Identifier in the open-data source it was imported from, so a re-import
    # updates rather than duplicates.
    external_ref = models.CharField(
        _("open data reference"), max_length=50, unique=True, null=True, blank=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        constraints = [
            models.CheckConstraint(
                condition=coordinates_in_range(""), name="venue_coordinates_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"


def not_past_condition(now, prefix: str = "") -> Q:
    """Offers still ahead at `now`: undated (digital, permanent) ones and events not yet over.
    `prefix` ("offer__") applies it to the offer of another model."""
    starts_at, ends_at = f"{prefix}starts_at", f"{prefix}ends_at"
    return (
        Q(**{f"{starts_at}__isnull": True, f"{ends_at}__isnull": True})
        | Q(**{f"{ends_at}__gt": now})
        | Q(**{f"{ends_at}__isnull": True, f"{starts_at}__gt": now})
    )


class OfferQuerySet(models.QuerySet):
    def not_past(self, now=None) -> "OfferQuerySet":
        return self.filter(not_past_condition(now or timezone.now()))

    def past(self, now=None) -> "OfferQuerySet":
        return self.exclude(not_past_condition(now or timezone.now()))

    def in_stock(self) -> "OfferQuerySet":
        return self.filter(Q(stock__isnull=True) | Q(booked_quantity__lt=F("stock")))

    def bookable(self, now=None) -> "OfferQuerySet":
        """What a shopper can book right now: active, not over, with places left."""
        return self.filter(is_active=True).not_past(now).in_stock()


class Offer(models.Model):
    """Something to book: a dated event at a venue, a permanent visit, or a digital offer.

    `booked_quantity` is kept by the booking services under a row lock, so the
    remaining places are known without summing bookings.
    """

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="offers", verbose_name=_("category")
    )
    venue = models.ForeignKey(
        Venue,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offers",
        verbose_name=_("venue"),
    )
    url = models.URLField(_("URL"), blank=True, help_text=_("Where a digital offer is consumed."))
    price = models.DecimalField(_("price"), max_digits=8, decimal_places=2)
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    stock = models.PositiveIntegerField(
        _("stock"), null=True, blank=True, help_text=_("Places offered; empty means unlimited.")
    )
    booked_quantity = models.PositiveIntegerField(_("places booked"), default=0, editable=False)
    is_active = models.BooleanField(_("published"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="offer_price_not_negative"),
            models.CheckConstraint(
                condition=Q(stock__isnull=True) | Q(booked_quantity__lte=F("stock")),
                name="offer_not_oversold",
            ),
            models.CheckConstraint(
                condition=Q(venue__isnull=False) | ~Q(url=""),
                name="offer_has_venue_or_url",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True)
                | Q(starts_at__isnull=True)
                | Q(ends_at__gte=F("starts_at")),
                name="offer_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["is_active", "starts_at"], name="offer_active_start_idx"),
            models.Index(fields=["category", "starts_at"], name="offer_category_start_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_digital(self) -> bool:
        return self.venue_id is None

    @property
    def remaining_stock(self) -> int | None:
        return None if self.stock is None else self.stock - self.booked_quantity

    @property
    def is_past(self) -> bool:
        end = self.ends_at or self.starts_at
        return end is not None and end <= timezone.now()


class BookingQuerySet(models.QuerySet):
    def live(self) -> "BookingQuerySet":
        """Bookings that hold their places now: confirmed or used, not cancelled."""
        return self.exclude(status=Booking.Status.CANCELLED)

    def live_at(self, cutoff: datetime) -> "BookingQuerySet":
        """Bookings not cancelled at `cutoff`: what a date's figures count, so that
        recomputing a past date gives the figure it had at the time (ADR 0007).

        A booking cancelled later still counts on the dates before its
        cancellation; a cancelled booking with no cancellation time never counts.
        """
        return self.filter(~Q(status=Booking.Status.CANCELLED) | Q(cancelled_at__gte=cutoff))


class Booking(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")
        USED = "used", _("Used")

    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("shopper")
    )
    offer = models.ForeignKey(
        Offer, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("offer")
    )
    quantity = models.PositiveSmallIntegerField(_("places"), default=1)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED
    )
    created_at = models.DateTimeField(_("booked at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="booking_quantity_positive"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="booking_amount_not_negative"),
            # One live booking per shopper and offer: booking again means
            # changing the quantity, not a second line.
            models.UniqueConstraint(
                fields=["user", "offer"],
                condition=~Q(status="cancelled"),
                name="booking_one_active_per_user_offer",
            ),
        ]
        indexes = [
            models.Index(fields=["created_at"], name="booking_created_idx"),
            models.Index(fields=["offer", "status"], name="booking_offer_status_idx"),
            models.Index(fields=["user", "created_at"], name="booking_user_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.offer} ({self.get_status_display()})"

    @property
    def unit_price(self) -> Decimal:
        return self.amount / self.quantity


class UserBucketFlag(AbstractUserFlag):
    """A waffle flag whose percentage rollout buckets signed-in users by id.

    Waffle's own percentage is drawn per browser cookie, so one person could be
    in the canary on a phone and in the control group on a laptop. Hashing the
    flag name with the user id puts each person in the same group everywhere;
    visitors without an account keep waffle's cookie behaviour.
    """

    def user_bucket(self, user_id: int) -> float:
        """A stable number in [0, 100) for this flag and user."""
        digest = hashlib.sha256(f"{self.name}:{user_id}".encode()).digest()
        return int.from_bytes(digest[:8], "big") % 10_000 / 100

    def _is_active_for_percent(self, request, read_only: bool) -> bool | None:
        user = getattr(request, "user", None)
        if self.percent and user is not None and user.is_authenticated:
            return self.user_bucket(user.pk) < self.percent
        return super()._is_active_for_percent(request, read_only)
