"""Writing the daily metrics: compute one date from the bookings and replace its stored rows."""

from dataclasses import asdict
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from marketplace.models import Category
from metrics.computations import CategoryDay, active_user_counts, category_bookings_for_day
from metrics.models import DailyCategoryMetrics, DailyMetrics
from metrics.selectors import days_without_complete_metrics
from newsletter.selectors import newsletter_funnel_for_day


@transaction.atomic
def metrics_compute_for_day(*, day: date) -> DailyMetrics:
    """Compute every metric of `day` and store it, replacing what was stored for that date.

    Running it twice for a date leaves the same rows as running it once. The
    day row is written first and stays locked until commit, so two concurrent
    runs for the same date take turns instead of mixing their category rows.
    """
    per_category = {row.category_id: row for row in category_bookings_for_day(day=day)}
    # The newsletter app owns the funnel's definitions (attribution window, ADR 0005).
    funnel = newsletter_funnel_for_day(day=day)
    values = {
        **asdict(active_user_counts(day=day)),
        "bookings": sum(row.bookings for row in per_category.values()),
        "revenue": sum((row.revenue for row in per_category.values()), Decimal("0")),
        "newsletter_sent": funnel["sent"],
        "newsletter_clicked": funnel["clicked"],
        "newsletter_booked": funnel["booked"],
        "newsletter_unsubscribed": funnel.get("unsubscribed", 0),
    }
    daily, _ = DailyMetrics.objects.update_or_create(date=day, defaults=values)
    DailyCategoryMetrics.objects.filter(date=day).delete()
    no_booking = CategoryDay(category_id=0, bookings=0, revenue=Decimal("0"))
    DailyCategoryMetrics.objects.bulk_create(
        DailyCategoryMetrics(
            date=day,
            category_id=category_id,
            bookings=per_category.get(category_id, no_booking).bookings,
            revenue=per_category.get(category_id, no_booking).revenue,
        )
        for category_id in Category.objects.values_list("pk", flat=True)
    )
    return daily


# No booking can predate the site, and keeping dates this far from `date.min`
# leaves room for every window reaching back from a day (the month of the north
# star metric, the catch-up days) without an OverflowError.
METRICS_EARLIEST_DATE = date(2000, 1, 1)


def metrics_days_ending(*, end: date, days: int) -> list[date]:
    """The `days` dates ending on `end`, oldest first: what a backfill computes."""
    return [end - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def metrics_compute_nightly(*, today: date) -> list[date]:
    """Compute yesterday, the last full day, and any date of the catch-up window never stored.

    Returns the dates computed, oldest first. Each date commits on its own, so
    a failure part-way keeps the dates already done and the next night retries
    the rest.
    """
    yesterday = today - timedelta(days=1)
    window = metrics_days_ending(end=yesterday, days=settings.METRICS_CATCH_UP_DAYS)
    days = [*days_without_complete_metrics(days=window[:-1]), yesterday]
    for day in days:
        metrics_compute_for_day(day=day)
    return days
