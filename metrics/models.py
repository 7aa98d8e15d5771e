"""Daily business metrics, stored so the dashboard reads them instead of recounting bookings.

One `DailyMetrics` row and one `DailyCategoryMetrics` row per category for each
computed date; recomputing a date replaces them (ADR 0007).
"""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from marketplace.models import Category


def ratio(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None when there is nobody to divide by."""
    return numerator / denominator if denominator else None


class DailyMetrics(models.Model):
    """Everything measured for one calendar date (Europe/Paris), as of the end of that date.

    "Active" users booked at least once (a booking not cancelled by the end of the
    date) in the period; the north-star numerator counts those of them whose
    such bookings span at least two categories (ADR 0007).
    """

    date = models.DateField(_("date"), unique=True)
    # Bookings created on the date and not cancelled by its end, over all categories.
    bookings = models.PositiveIntegerField(_("bookings"), default=0)
    revenue = models.DecimalField(
        _("revenue"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    # North star, calendar month to date.
    month_active_users = models.PositiveIntegerField(_("active users, month to date"), default=0)
    month_multi_category_users = models.PositiveIntegerField(
        _("multi-category users, month to date"), default=0
    )
    # North star, the 30 days ending on the date (the date and the 29 before it).
    rolling_active_users = models.PositiveIntegerField(_("active users, 30 days"), default=0)
    rolling_multi_category_users = models.PositiveIntegerField(
        _("multi-category users, 30 days"), default=0
    )
    # Distinct categories booked per active user over the same 30 days.
    rolling_users_1_category = models.PositiveIntegerField(
        _("users of 1 category, 30 days"), default=0
    )
    rolling_users_2_categories = models.PositiveIntegerField(
        _("users of 2 categories, 30 days"), default=0
    )
    rolling_users_3plus_categories = models.PositiveIntegerField(
        _("users of 3 or more categories, 30 days"), default=0
    )
    rolling_user_categories_total = models.PositiveIntegerField(
        _("categories of active users, 30 days"),
        default=0,
        help_text=_("Sum over active users of their distinct categories."),
    )
    # Newsletter funnel of the date, as the newsletter app counts it.
    newsletter_sent = models.PositiveIntegerField(_("newsletters sent"), default=0)
    newsletter_clicked = models.PositiveIntegerField(_("newsletter clicks"), default=0)
    newsletter_booked = models.PositiveIntegerField(_("bookings from the newsletter"), default=0)
    newsletter_unsubscribed = models.PositiveIntegerField(
        _("newsletter unsubscriptions"), default=0
    )
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("daily metrics")
        verbose_name_plural = _("daily metrics")
        constraints = [
            models.CheckConstraint(
                condition=Q(month_multi_category_users__lte=F("month_active_users")),
                name="metrics_month_numerator_within_denominator",
            ),
            models.CheckConstraint(
                condition=Q(rolling_multi_category_users__lte=F("rolling_active_users")),
                name="metrics_rolling_numerator_within_denominator",
            ),
            models.CheckConstraint(
                condition=Q(
                    rolling_active_users=F("rolling_users_1_category")
                    + F("rolling_users_2_categories")
                    + F("rolling_users_3plus_categories")
                ),
                name="metrics_rolling_distribution_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Metrics of %(date)s") % {"date": self.date.isoformat()}

    @property
    def month_north_star(self) -> float | None:
        return ratio(self.month_multi_category_users, self.month_active_users)

    @property
    def rolling_north_star(self) -> float | None:
        return ratio(self.rolling_multi_category_users, self.rolling_active_users)

    @property
    def rolling_categories_per_user(self) -> float | None:
        return ratio(self.rolling_user_categories_total, self.rolling_active_users)


class DailyCategoryMetrics(models.Model):
    """Bookings and revenue of one category on one date; every category gets a row, even at 0."""

    date = models.DateField(_("date"))
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    bookings = models.PositiveIntegerField(_("bookings"), default=0)
    revenue = models.DecimalField(
        _("revenue"), max_digits=14, decimal_places=2, default=Decimal("0")
    )

    class Meta:
        ordering = ["date", "category__position", "category__name"]
        verbose_name = _("daily category metrics")
        verbose_name_plural = _("daily category metrics")
        constraints = [
            models.UniqueConstraint(
                fields=["date", "category"], name="metrics_one_row_per_day_category"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(category)s on %(date)s") % {
            "category": self.category,
            "date": self.date.isoformat(),
        }
