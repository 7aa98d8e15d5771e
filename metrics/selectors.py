"""Reads of the stored metrics for the dashboard and the CSV export."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings

from marketplace.models import Category
from metrics.computations import day_start
from metrics.models import DailyCategoryMetrics, DailyMetrics

# The north star's window: "within a month", counted as the rolling 30 days.
NORTH_STAR_PERIOD_DAYS = 30


@dataclass(frozen=True)
class StoredMetrics:
    """The stored metrics of every date in [start, end]; dates never computed are absent."""

    start: date
    end: date
    daily: dict[date, DailyMetrics]
    categories: list[Category]
    # (date, category id) -> the stored row
    by_category: dict[tuple[date, int], DailyCategoryMetrics]

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def bookings_of(self, day: date, category_id: int) -> int:
        row = self.by_category.get((day, category_id))
        return row.bookings if row else 0

    @property
    def latest(self) -> DailyMetrics | None:
        return self.daily[max(self.daily)] if self.daily else None


def metrics_stored_between(*, start: date, end: date) -> StoredMetrics:
    """The stored metrics from `start` to `end` included, in three queries."""
    daily = {row.date: row for row in DailyMetrics.objects.filter(date__range=(start, end))}
    by_category = {
        (row.date, row.category_id): row
        for row in DailyCategoryMetrics.objects.filter(date__range=(start, end))
    }
    return StoredMetrics(
        start=start,
        end=end,
        daily=daily,
        categories=list(Category.objects.all()),
        by_category=by_category,
    )


def days_without_complete_metrics(*, days: list[date]) -> list[date]:
    """Those of `days` that have no complete stored metrics, in the given order.

    A row computed before its day ended (computing today, or a backfill ending
    today) holds a partial day, so it counts as missing: otherwise a missed
    night would leave that date partial for good.
    """
    stored = DailyMetrics.objects.filter(date__in=days).values_list("date", "computed_at")
    complete = {
        day for day, computed_at in stored if computed_at >= day_start(day + timedelta(days=1))
    }
    return [day for day in days if day not in complete]


@dataclass(frozen=True)
class NorthStarHeadline:
    """The dashboard's headline: the rolling 30-day north star on the range's last stored
    day, the same figure one period (30 days) earlier, and the target."""

    day: date
    value: float | None
    previous: float | None
    target: float

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def target_reached(self) -> bool:
        return self.value is not None and self.value >= self.target


def north_star_headline(*, stored: StoredMetrics) -> NorthStarHeadline | None:
    """None when the range has no stored day."""
    latest = stored.latest
    if latest is None:
        return None
    earlier = DailyMetrics.objects.filter(
        date=latest.date - timedelta(days=NORTH_STAR_PERIOD_DAYS)
    ).first()
    return NorthStarHeadline(
        day=latest.date,
        value=latest.rolling_north_star,
        previous=earlier.rolling_north_star if earlier else None,
        target=settings.METRICS_NORTH_STAR_TARGET,
    )
