"""The durable record of experiments: what was shown (exposures), what was clicked,
and which bookings those clicks led to (ADR 0021)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Surface(models.TextChoices):
    """Where a recommendation list was shown."""

    HOMEPAGE = "homepage", _("Homepage")
    API = "api", _("API")
    NEWSLETTER = "newsletter", _("Newsletter")


class Exposure(models.Model):
    """One offer shown at one position of one recommendation list.

    (request_id, position) is unique, so writing a row twice (a drain retried
    after a crash, a fallback write racing a drain) keeps one row.
    """

    request_id = models.CharField(_("request"), max_length=64)
    position = models.PositiveSmallIntegerField(
        _("position"), help_text=_("Rank in the list, from 1.")
    )
    offer = models.ForeignKey(
        "marketplace.Offer", on_delete=models.PROTECT, related_name="+", verbose_name=_("offer")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    visitor_id = models.CharField(
        _("visitor"), max_length=64, blank=True, help_text=_("Browser of an anonymous visitor.")
    )
    surface = models.CharField(_("surface"), max_length=20, choices=Surface.choices)
    variant = models.CharField(_("variant"), max_length=30, blank=True)
    strategy = models.CharField(_("strategy"), max_length=50)
    model_version = models.CharField(_("model version"), max_length=64, blank=True)
    shown_at = models.DateTimeField(
        _("shown at"),
    )

    class Meta:
        verbose_name = _("exposure")
        verbose_name_plural = _("exposures")
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

    request_id = models.CharField(_("request"), max_length=64)
    position = models.PositiveSmallIntegerField(
        _("position"),
    )
    offer = models.ForeignKey(
        "marketplace.Offer", on_delete=models.PROTECT, related_name="+", verbose_name=_("offer")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    clicked_at = models.DateTimeField(
        _("clicked at"),
    )

    class Meta:
        verbose_name = _("recommendation click")
        verbose_name_plural = _("recommendation clicks")
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
        "marketplace.Booking", on_delete=models.CASCADE, related_name="+", verbose_name=_("booking")
    )
    click = models.ForeignKey(
        RecommendationClick,
        on_delete=models.CASCADE,
        related_name="attributions",
        verbose_name=_("recommendation click"),
    )
    surface = models.CharField(_("surface"), max_length=20, choices=Surface.choices)
    variant = models.CharField(_("variant"), max_length=30, blank=True)
    strategy = models.CharField(_("strategy"), max_length=50)
    model_version = models.CharField(_("model version"), max_length=64, blank=True)
    attributed_at = models.DateTimeField(_("attributed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("booking attribution")
        verbose_name_plural = _("booking attributions")
        constraints = [
            models.CheckConstraint(condition=~Q(strategy=""), name="attribution_has_strategy"),
        ]

    def __str__(self) -> str:
        return f"booking {self.booking_id} ← {self.click}"
