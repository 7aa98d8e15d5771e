"""The stored metrics of a date range as CSV rows: one row per computed date."""

from collections.abc import Iterator

from metrics.selectors import StoredMetrics

DAILY_COLUMNS = [
    "bookings",
    "revenue",
    "month_active_users",
    "month_multi_category_users",
    "rolling_active_users",
    "rolling_multi_category_users",
    "rolling_users_1_category",
    "rolling_users_2_categories",
    "rolling_users_3plus_categories",
    "rolling_user_categories_total",
    "newsletter_sent",
    "newsletter_clicked",
    "newsletter_booked",
    "newsletter_unsubscribed",
]
RATIO_COLUMNS = ["month_north_star", "rolling_north_star", "rolling_categories_per_user"]


def metrics_csv_rows(stored: StoredMetrics) -> Iterator[list[str]]:
    """A header, then each computed date with its ratios, counts and per-category figures."""
    categories = stored.categories
    yield [
        "date",
        *RATIO_COLUMNS,
        *DAILY_COLUMNS,
        *(f"bookings_{category.slug}" for category in categories),
        *(f"revenue_{category.slug}" for category in categories),
    ]
    for day, daily in sorted(stored.daily.items()):
        per_category = [stored.by_category.get((day, category.pk)) for category in categories]
        yield [
            day.isoformat(),
            *(ratio_text(getattr(daily, name)) for name in RATIO_COLUMNS),
            *(str(getattr(daily, name)) for name in DAILY_COLUMNS),
            *(str(row.bookings if row else 0) for row in per_category),
            *(str(row.revenue if row else "0.00") for row in per_category),
        ]


def ratio_text(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"
