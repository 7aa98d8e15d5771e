"""The durable record of experiments: what was shown (exposures), what was clicked,
and which bookings those clicks led to (ADR 0021)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Surface(models.TextChoices):
    """Where a recommendation list was shown."""

    HOMEPAGE = "homepage", "Homepage"
    API = "api", "API"
    NEWSLETTER = "newsletter", "Newsletter"


class Exposure(models.Model):
    """One offer shown at one position of one recommendation list.

    (request_id, position) is unique, so writing a row twice (a drain retried
    after a crash, a fallback write racing a drain) keeps one row.
    """

    request_id = models.CharField(max_length=64)
    position = models.PositiveSmallIntegerField(help_text="Rank in the list, from 1.")
    offer = models.ForeignKey("marketplace.Offer", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    visitor_id = models.CharField(
        max_length=64, blank=True, help_text="Browser of an anonymous visitor."
    )
    surface = models.CharField(max_length=20, choices=Surface.choices)
    variant = models.CharField(max_length=30, blank=True)
    strategy = models.CharField(max_length=50)
    model_version = models.CharField(max_length=64, blank=True)
    shown_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["request_id", "position"], name="exposure_one_per_request_position"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "shown_at"], name="exposure_user_shown_idx"),
            models.Index(fields=["shown_at"], name="exposure_shown_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}#{self.position}: offer {self.offer_id}"


class RecommendationClick(models.Model):
    """A followed recommendation link, keyed like its exposure by (request_id, position).

    The click may arrive before the drain wrote its exposure, so it names the
    exposure by key rather than by foreign key; `user` and `offer` come from
    the signed link. Only the first click of a link is kept.
    """

    request_id = models.CharField(max_length=64)
    position = models.PositiveSmallIntegerField()
    offer = models.ForeignKey("marketplace.Offer", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    clicked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["request_id", "position"], name="click_one_per_request_position"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "offer", "clicked_at"], name="click_user_offer_idx")
        ]

    def __str__(self) -> str:
        return f"click {self.request_id}#{self.position}"


class BookingAttribution(models.Model):
    """A booking credited to the last recommendation click of that offer by that user
    within the attribution window before it, with what produced the recommendation."""

    booking = models.OneToOneField(
        "marketplace.Booking", on_delete=models.CASCADE, related_name="+"
    )
    click = models.ForeignKey(
        RecommendationClick, on_delete=models.CASCADE, related_name="attributions"
    )
    surface = models.CharField(max_length=20, choices=Surface.choices)
    variant = models.CharField(max_length=30, blank=True)
    strategy = models.CharField(max_length=50)
    model_version = models.CharField(max_length=64, blank=True)
    attributed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(strategy=""), name="attribution_has_strategy"),
        ]

    def __str__(self) -> str:
        return f"booking {self.booking_id} ← {self.click}"
