"""The SQL aggregates behind the daily metrics: a handful of queries per date, no per-user loop.

A date is measured as it stood at its end (midnight, Europe/Paris): a booking
counts when it was created in the period and not cancelled by that cutoff, so
recomputing a past date gives the figure the nightly run gave (ADR 0007).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from marketplace.models import Booking

ROLLING_WINDOW_DAYS = 30


def day_start(day: date) -> datetime:
    """Midnight at the start of `day` in the site's time zone, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min))


def live_bookings_between(start: datetime, end: datetime) -> QuerySet[Booking]:
    """Bookings created in [start, end) and still live at `end`."""
    return Booking.objects.filter(created_at__gte=start, created_at__lt=end).live_at(end)


@dataclass(frozen=True)
class ActiveUserCounts:
    """How many users were active in each period, and how many categories they booked."""

    month_active_users: int
    month_multi_category_users: int
    rolling_active_users: int
    rolling_multi_category_users: int
    rolling_users_1_category: int
    rolling_users_2_categories: int
    rolling_users_3plus_categories: int
    rolling_user_categories_total: int


def active_user_counts(*, day: date) -> ActiveUserCounts:
    """North-star counts for the month to `day` and the 30 days ending on `day`, in one query.

    The inner query gives each user booking in either period the number of
    distinct categories of their live bookings in each period; the outer one
    counts users by those numbers.
    """
    end = day_start(day + timedelta(days=1))
    month_start = day_start(day.replace(day=1))
    rolling_start = day_start(day - timedelta(days=ROLLING_WINDOW_DAYS - 1))
    per_user = (
        live_bookings_between(min(month_start, rolling_start), end)
        .values("user_id")
        .annotate(
            month_categories=Count(
                "offer__category_id", distinct=True, filter=Q(created_at__gte=month_start)
            ),
            rolling_categories=Count(
                "offer__category_id", distinct=True, filter=Q(created_at__gte=rolling_start)
            ),
        )
    )
    totals = per_user.aggregate(
        month_active_users=Count("user_id", filter=Q(month_categories__gte=1)),
        month_multi_category_users=Count("user_id", filter=Q(month_categories__gte=2)),
        rolling_active_users=Count("user_id", filter=Q(rolling_categories__gte=1)),
        rolling_multi_category_users=Count("user_id", filter=Q(rolling_categories__gte=2)),
        rolling_users_1_category=Count("user_id", filter=Q(rolling_categories=1)),
        rolling_users_2_categories=Count("user_id", filter=Q(rolling_categories=2)),
        rolling_users_3plus_categories=Count("user_id", filter=Q(rolling_categories__gte=3)),
        rolling_user_categories_total=Sum("rolling_categories"),
    )
    return ActiveUserCounts(**{name: value or 0 for name, value in totals.items()})


@dataclass(frozen=True)
class CategoryDay:
    category_id: int
    bookings: int
    revenue: Decimal


def category_bookings_for_day(*, day: date) -> list[CategoryDay]:
    """Live bookings and their amounts per category for bookings created on `day`.

    Only categories with bookings appear; the caller fills in the others.
    """
    rows = (
        live_bookings_between(day_start(day), day_start(day + timedelta(days=1)))
        .values("offer__category_id")
        .annotate(bookings=Count("id"), revenue=Sum("amount"))
        .order_by("offer__category_id")
    )
    return [
        CategoryDay(
            category_id=row["offer__category_id"],
            bookings=row["bookings"],
            revenue=row["revenue"] or Decimal("0"),
        )
        for row in rows
    ]
