"""Reads of the stored metrics for the dashboard and the CSV export."""

from dataclasses import dataclass
from datetime import date, timedelta

from marketplace.models import Category
from metrics.models import DailyCategoryMetrics, DailyMetrics


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


def days_without_metrics(*, days: list[date]) -> list[date]:
    """Those of `days` that have no stored metrics, in the given order."""
    stored = set(DailyMetrics.objects.filter(date__in=days).values_list("date", flat=True))
    return [day for day in days if day not in stored]
