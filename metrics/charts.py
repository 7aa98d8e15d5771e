"""The dashboard panels: server-side SVG charts (pygal) of stored metrics, with text alternatives.

Each panel is a title, an inline SVG, a one-sentence summary and the data as a
table, so the page works offline and without JavaScript and every chart can be
read without seeing it (ADR 0008). A new panel is one more function returning a
`Panel`, listed in `dashboard_panels`.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pygal
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_lazy, pgettext
from pygal.style import Style

from config.numbers import number_rounded
from marketplace.category_names import category_label
from metrics.models import DailyMetrics
from metrics.selectors import StoredMetrics
from metrics.templatetags import shares

# Up to this many days a chart has one bar per day; longer ranges are drawn
# per 7 days, so a year stays a readable (and light) chart.
DAILY_BARS_LIMIT = 92
WEEK = 7

# Paul Tol's "muted" and "light" schemes: distinguishable with colour-blindness.
# The first three contrast most, for the charts with two or three series.
PALETTE = (
    "#332288", "#CC6677", "#117733", "#88CCEE", "#DDCC77", "#AA4499",
    "#44AA99", "#999933", "#882255", "#77AADD", "#EE8866", "#BBCC33",
)  # fmt: skip

STYLE = Style(
    background="transparent",
    plot_background="#ffffff",
    foreground="#1f2933",
    foreground_strong="#111827",
    foreground_subtle="#d1d5db",
    font_family="system-ui, -apple-system, 'Segoe UI', sans-serif",
    colors=PALETTE,
    title_font_size=18,
    legend_font_size=13,
    label_font_size=12,
    major_label_font_size=12,
)

INLINE_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
NO_DATA = gettext_lazy("No metrics are stored for this range.")


@dataclass(frozen=True)
class Panel:
    """One chart of the dashboard and its text alternative."""

    slug: str
    title: str
    svg: SafeString
    summary: str
    columns: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Bucket:
    """Consecutive days drawn as one bar, named on the axis by its first day."""

    days: list[date]

    @property
    def label(self) -> str:
        return self.days[0].isoformat()

    @property
    def span(self) -> str:
        first, last = self.days[0], self.days[-1]
        if first == last:
            return first.isoformat()
        return gettext("%(first)s to %(last)s") % {
            "first": first.isoformat(),
            "last": last.isoformat(),
        }


def buckets_of(days: list[date], *, size: int) -> list[Bucket]:
    """`days` cut into runs of `size` days counted back from the last day.

    Only the first run may be shorter, so the most recent bars, the ones
    people compare, always cover whole periods.
    """
    ends = reversed(range(len(days), 0, -size))
    return [Bucket(days[max(0, end - size) : end]) for end in ends]


def category_bucket_size(days: list[date]) -> int:
    return 1 if len(days) <= DAILY_BARS_LIMIT else WEEK


def render(chart: pygal.graph.graph.Graph, *, slug: str) -> SafeString:
    """The chart as inline SVG, named by the panel's heading and summary for screen readers.

    No script: pygal's tooltip JavaScript would come from a CDN (`js=[]`), and
    the inline configuration it still writes for that script is dropped, so the
    page runs no code at all. pygal builds the SVG with ElementTree, which
    escapes every label and value, so the markup is safe to insert as is.
    """
    svg = INLINE_SCRIPT.sub("", chart.render(is_unicode=True))
    labelled = f'<svg role="img" aria-labelledby="{slug}-title {slug}-summary" '
    return mark_safe(svg.replace("<svg ", labelled, 1))


def new_chart(kind: type, *, title: str, labels: list[str], **config) -> pygal.graph.graph.Graph:
    defaults = {
        "width": 960,
        "height": 420,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 3,
        "truncate_legend": -1,
        "x_label_rotation": 30,
        "show_minor_x_labels": False,
        "x_labels_major_every": max(1, len(labels) // 12),
        "no_data_text": gettext("No data"),
    }
    chart = kind(
        js=[], disable_xml_declaration=True, style=STYLE, title=title, **{**defaults, **config}
    )
    chart.x_labels = labels
    return chart


def percent(value: float | None) -> str:
    return shares.percent(value)


def north_star_panel(stored: StoredMetrics) -> Panel:
    days = stored.days
    rows_by_day = [stored.daily.get(day) for day in days]
    chart = new_chart(
        pygal.Line,
        title=gettext("North star: active users who booked two or more categories"),
        labels=[day.isoformat() for day in days],
        value_formatter=lambda value: shares.percent(value / 100),
        show_dots=len(days) <= DAILY_BARS_LIMIT,
        dots_size=2.5,
        range=(0, 100),
        y_title=gettext("% of active users"),
    )
    for name, share in (
        (gettext("Calendar month to date"), lambda row: row.month_north_star),
        (gettext("Rolling 30 days"), lambda row: row.rolling_north_star),
    ):
        chart.add(name, [as_percent(share(row)) if row else None for row in rows_by_day])
    latest = stored.latest
    summary = (
        gettext(
            "On %(day)s, %(month_share)s of active users booked two or more categories in "
            "the month to date (%(month_multi)d of %(month_active)d), and %(rolling_share)s "
            "over 30 days (%(rolling_multi)d of %(rolling_active)d)."
        )
        % {
            "day": latest.date.isoformat(),
            "month_share": percent(latest.month_north_star),
            "month_multi": latest.month_multi_category_users,
            "month_active": latest.month_active_users,
            "rolling_share": percent(latest.rolling_north_star),
            "rolling_multi": latest.rolling_multi_category_users,
            "rolling_active": latest.rolling_active_users,
        }
        if latest
        else str(NO_DATA)
    )
    return Panel(
        slug="north-star",
        title=gettext("North-star metric"),
        svg=render(chart, slug="north-star"),
        summary=summary,
        columns=[
            gettext("Date"),
            gettext("Month to date"),
            gettext("Users (month)"),
            gettext("Rolling 30 days"),
            gettext("Users (30 days)"),
        ],
        rows=[
            [
                row.date.isoformat(),
                percent(row.month_north_star),
                f"{row.month_multi_category_users} / {row.month_active_users}",
                percent(row.rolling_north_star),
                f"{row.rolling_multi_category_users} / {row.rolling_active_users}",
            ]
            for row in rows_by_day
            if row
        ],
    )


def as_percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 2)


def bucket_sum(stored: StoredMetrics, bucket: Bucket, value: Callable[[date], int]) -> int | None:
    """The sum of `value` over the bucket's days that were computed; None when none was."""
    values = [value(day) for day in bucket.days if day in stored.daily]
    return sum(values) if values else None


def total(values: list[int | None]) -> int:
    return sum(value or 0 for value in values)


def category_bookings_panel(stored: StoredMetrics) -> Panel:
    size = category_bucket_size(stored.days)
    buckets = buckets_of(stored.days, size=size)
    chart = new_chart(
        pygal.StackedBar,
        title=gettext("Bookings per category")
        if size == 1
        else gettext("Bookings per category, per 7 days"),
        labels=[bucket.label for bucket in buckets],
        y_title=gettext("Bookings"),
    )
    table = {
        category_label(category): [
            bucket_sum(stored, bucket, lambda day, pk=category.pk: stored.bookings_of(day, pk))
            for bucket in buckets
        ]
        for category in stored.categories
    }
    for name, values in table.items():
        chart.add(name, values)
    totals = [
        bucket_sum(stored, bucket, lambda day: stored.daily[day].bookings) for bucket in buckets
    ]
    ranked = sorted(table.items(), key=lambda item: -total(item[1]))
    summary = (
        gettext("%(count)d bookings in the range; most booked: %(top)s.")
        % {
            "count": total(totals),
            "top": ", ".join(f"{name} ({total(values)})" for name, values in ranked[:3]),
        }
        if stored.daily
        else str(NO_DATA)
    )
    return Panel(
        slug="category-bookings",
        title=gettext("Bookings per category"),
        svg=render(chart, slug="category-bookings"),
        summary=summary,
        columns=[gettext("Period"), *table, gettext("Total")],
        rows=[
            [bucket.span, *(str(values[i]) for values in table.values()), str(totals[i])]
            for i, bucket in enumerate(buckets)
            if totals[i] is not None
        ],
    )


def category_diversity_panel(stored: StoredMetrics) -> Panel:
    latest = stored.latest
    groups = (gettext("1 category"), gettext("2 categories"), gettext("3 or more"))
    counts = (
        [
            latest.rolling_users_1_category,
            latest.rolling_users_2_categories,
            latest.rolling_users_3plus_categories,
        ]
        if latest
        else [None, None, None]
    )
    chart = new_chart(
        pygal.Bar,
        title=gettext("Distinct categories per booking user, 30 days ending %(day)s")
        % {"day": latest.date.isoformat()}
        if latest
        else gettext("Distinct categories per booking user, 30 days"),
        labels=list(groups),
        y_title=gettext("Users"),
        show_legend=False,
        x_label_rotation=0,
    )
    chart.add(gettext("Users"), counts)
    summary = (
        gettext(
            "%(users)d users booked in the 30 days ending %(day)s, "
            "%(average)s categories each on average."
        )
        % {
            "users": latest.rolling_active_users,
            "day": latest.date.isoformat(),
            "average": average(latest),
        }
        if latest
        else str(NO_DATA)
    )
    return Panel(
        slug="category-diversity",
        title=gettext("Categories per booking user"),
        svg=render(chart, slug="category-diversity"),
        summary=summary,
        columns=[gettext("Distinct categories"), gettext("Users")],
        rows=[[group, str(count)] for group, count in zip(groups, counts, strict=True) if latest],
    )


def average(row: DailyMetrics) -> str:
    value = row.rolling_categories_per_user
    return gettext("n/a") if value is None else number_rounded(value, 2)


def newsletter_funnel_panel(stored: StoredMetrics) -> Panel:
    """Per 7 days whatever the range: the newsletter is weekly, and a week holds
    a send with most of its clicks and bookings."""
    buckets = buckets_of(stored.days, size=WEEK)
    steps = (
        (pgettext("emails", "Sent"), lambda day: stored.daily[day].newsletter_sent),
        (pgettext("emails", "Clicked"), lambda day: stored.daily[day].newsletter_clicked),
        (pgettext("emails", "Booked"), lambda day: stored.daily[day].newsletter_booked),
    )
    chart = new_chart(
        pygal.Bar,
        title=gettext("Newsletter funnel per 7 days: emails sent, clicked, followed by a booking"),
        labels=[bucket.label for bucket in buckets],
    )
    series = {}
    for name, value in steps:
        series[name] = [bucket_sum(stored, bucket, value) for bucket in buckets]
        chart.add(name, series[name])
    sent, clicked, booked = (total(values) for values in series.values())
    summary = (
        gettext(
            "%(sent)d emails sent, %(clicked)d clicked (%(click_rate)s), %(booked)d followed "
            "by a booking (%(booking_rate)s of sent)."
        )
        % {
            "sent": sent,
            "clicked": clicked,
            "click_rate": rate(clicked, sent),
            "booked": booked,
            "booking_rate": rate(booked, sent),
        }
        if stored.daily
        else str(NO_DATA)
    )
    return Panel(
        slug="newsletter-funnel",
        title=gettext("Newsletter funnel"),
        svg=render(chart, slug="newsletter-funnel"),
        summary=summary,
        columns=[gettext("Period"), *series],
        rows=[
            [bucket.span, *(str(values[i]) for values in series.values())]
            for i, bucket in enumerate(buckets)
            if next(iter(series.values()))[i] is not None
        ],
    )


def rate(part: int, whole: int) -> str:
    return percent(part / whole if whole else None)


def distance_cache_panel(stats: dict) -> Panel:
    """Live counters of the distance cache (not stored per date: they count since their reset)."""
    chart = new_chart(
        pygal.HorizontalStackedBar,
        title=gettext("Distance lookups since the counters' reset (%(provider)s provider)")
        % {"provider": stats["provider"]},
        labels=[gettext("Lookups")],
        height=220,
        x_label_rotation=0,
    )
    chart.add(gettext("Cache hits"), [stats["hits"]])
    chart.add(gettext("Misses (asked the provider)"), [stats["misses"]])
    summary = gettext(
        "%(lookups)d lookups, hit rate %(hit_rate)s; %(calls)d provider calls "
        "(%(errors)d failed), estimated cost %(cost)s at %(cost_per_call)s a call."
    ) % {
        "lookups": stats["lookups"],
        "hit_rate": percent(stats["hit_rate"]),
        "calls": stats["provider_calls"],
        "errors": stats["provider_errors"],
        "cost": number_rounded(stats["estimated_cost"], 2),
        "cost_per_call": number_format(stats["cost_per_call"]),
    }
    figures = [
        (gettext("Cache hits"), stats["hits"]),
        (gettext("Cache misses"), stats["misses"]),
        (gettext("Hit rate"), percent(stats["hit_rate"])),
        (gettext("Provider calls"), stats["provider_calls"]),
        (gettext("Provider errors"), stats["provider_errors"]),
        (gettext("Estimated provider cost"), number_rounded(stats["estimated_cost"], 2)),
    ]
    return Panel(
        slug="distance-cache",
        title=gettext("Distance cache and provider cost"),
        svg=render(chart, slug="distance-cache"),
        summary=summary,
        columns=[gettext("Figure"), gettext("Value")],
        rows=[[name, str(value)] for name, value in figures],
    )


def dashboard_panels(stored: StoredMetrics, *, distance_stats: dict) -> list[Panel]:
    """Every panel of the dashboard, in page order."""
    return [
        north_star_panel(stored),
        category_bookings_panel(stored),
        category_diversity_panel(stored),
        newsletter_funnel_panel(stored),
        distance_cache_panel(distance_stats),
    ]
