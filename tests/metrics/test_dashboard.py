"""The staff dashboard: access, charts drawn from the stored metrics, date range, CSV export."""

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.models import Category
from metrics.models import DailyCategoryMetrics, DailyMetrics
from recommendations.distance.service import counters_add, counters_flush, counters_reset

# Written against the English wording; French has its own tests.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SVG = "{http://www.w3.org/2000/svg}"
DASHBOARD = reverse("metrics:dashboard")
EXPORT = reverse("metrics:export_csv")
RANGE = {"start": "2026-10-30", "end": "2026-11-01"}


def store(day: date, **fields) -> DailyMetrics:
    defaults = {
        "bookings": 0,
        "month_active_users": 0,
        "month_multi_category_users": 0,
        "rolling_active_users": 0,
        "rolling_multi_category_users": 0,
    }
    return DailyMetrics.objects.create(date=day, **{**defaults, **fields})


@pytest.fixture
def stored():
    """Two stored days out of the three of RANGE; Oct 31 is left uncomputed."""
    store(
        date(2026, 10, 30),
        bookings=7,
        revenue=Decimal("97.00"),
        month_active_users=8,
        month_multi_category_users=2,
        rolling_active_users=10,
        rolling_multi_category_users=4,
        rolling_users_1_category=6,
        rolling_users_2_categories=3,
        rolling_users_3plus_categories=1,
        rolling_user_categories_total=15,
        newsletter_sent=120,
        newsletter_clicked=30,
        newsletter_booked=6,
    )
    store(
        date(2026, 11, 1),
        bookings=3,
        revenue=Decimal("40.50"),
        month_active_users=4,
        month_multi_category_users=1,
        rolling_active_users=5,
        rolling_multi_category_users=2,
        rolling_users_1_category=3,
        rolling_users_2_categories=1,
        rolling_users_3plus_categories=1,
        rolling_user_categories_total=8,
    )
    cinema = Category.objects.get(slug="cinema")
    books = Category.objects.get(slug="books")
    DailyCategoryMetrics.objects.create(
        date=date(2026, 10, 30), category=cinema, bookings=5, revenue=Decimal("50.00")
    )
    DailyCategoryMetrics.objects.create(
        date=date(2026, 10, 30), category=books, bookings=2, revenue=Decimal("47.00")
    )
    DailyCategoryMetrics.objects.create(
        date=date(2026, 11, 1), category=books, bookings=3, revenue=Decimal("40.50")
    )


def panel_svg(html: str, slug: str) -> ET.Element:
    """The inline SVG of the panel `slug`, parsed."""
    section = re.search(rf'<section[^>]*id="{slug}".*?</section>', html, re.S).group(0)
    return ET.fromstring(re.search(r"<svg.*?</svg>", section, re.S).group(0))


def drawn_points(svg: ET.Element) -> dict[str, dict[str, str]]:
    """{series legend: {x label: value}} of every point pygal drew (gaps have no point).

    A chart without a legend names its series "serie-N".
    """
    legends = [
        "".join(legend.itertext())
        for legend in svg.iter(f"{SVG}g")
        if "legend" in (legend.get("class") or "").split()
    ]
    points: dict[str, dict[str, str]] = {}
    for group in svg.iter(f"{SVG}g"):
        serie = re.search(r"\bserie-(\d+)\b", group.get("class") or "")
        if not serie:
            continue
        for point in group.iter(f"{SVG}g"):
            texts = {desc.get("class"): desc.text for desc in point.findall(f"{SVG}desc")}
            if "value" in texts:
                index = int(serie.group(1))
                name = legends[index] if legends else f"serie-{index}"
                points.setdefault(name, {})[texts["x_label"]] = texts["value"]
    return points


def test_anonymous_visitors_are_sent_to_the_admin_login(client):
    response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_shoppers_are_refused(client, shopper):
    client.force_login(shopper)

    for url in (DASHBOARD, EXPORT):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_north_star_chart_draws_the_stored_shares(client, staff_user, stored):
    client.force_login(staff_user)

    html = client.get(DASHBOARD, RANGE).content.decode()

    points = drawn_points(panel_svg(html, "north-star"))
    # Oct 30: 2/8 and 4/10; Oct 31 not computed (no point); Nov 1: 1/4 and 2/5.
    assert points == {
        "Calendar month to date": {"2026-10-30": "25.0 %", "2026-11-01": "25.0 %"},
        "Rolling 30 days": {"2026-10-30": "40.0 %", "2026-11-01": "40.0 %"},
    }
    assert "25.0 % of active users booked two or more categories" in html
    assert "(1 of 4)" in html


def test_category_chart_stacks_the_stored_bookings_per_category(client, staff_user, stored):
    client.force_login(staff_user)

    html = client.get(DASHBOARD, RANGE).content.decode()

    points = drawn_points(panel_svg(html, "category-bookings"))
    # pygal draws the uncomputed Oct 31 of a stacked chart as an empty bar.
    assert points["Cinema"] == {"2026-10-30": "5", "2026-10-31": "0", "2026-11-01": "0"}
    assert points["Books"] == {"2026-10-30": "2", "2026-10-31": "0", "2026-11-01": "3"}
    assert set(points["Games"].values()) == {"0"}
    assert "10 bookings in the range" in html


def test_funnel_and_diversity_charts_draw_the_stored_counts(client, staff_user, stored):
    client.force_login(staff_user)

    html = client.get(DASHBOARD, RANGE).content.decode()

    # The funnel is drawn per 7 days: the 3 days of the range make one group.
    funnel = drawn_points(panel_svg(html, "newsletter-funnel"))
    assert funnel == {
        "Sent": {"2026-10-30": "120"},
        "Clicked": {"2026-10-30": "30"},
        "Booked": {"2026-10-30": "6"},
    }
    assert '<th scope="row">2026-10-30 to 2026-11-01</th><td>120</td>' in html
    assert "120 emails sent, 30 clicked (25.0 %)" in html
    # The distribution of the last stored date, Nov 1.
    diversity = drawn_points(panel_svg(html, "category-diversity"))
    assert diversity == {"serie-0": {"1 category": "3", "2 categories": "1", "3 or more": "1"}}
    assert "1.60 categories each on average" in html


def test_every_chart_has_a_title_and_a_text_alternative(client, staff_user, stored):
    client.force_login(staff_user)

    html = client.get(DASHBOARD, RANGE).content.decode()

    slugs = (
        "north-star",
        "category-bookings",
        "category-diversity",
        "newsletter-funnel",
        "distance-cache",
    )
    for slug in slugs:
        svg = panel_svg(html, slug)
        assert svg.get("role") == "img"
        assert svg.get("aria-labelledby") == f"{slug}-title {slug}-summary"
        assert svg.find(f"{SVG}title").text
        assert f'id="{slug}-summary"' in html
    assert html.count("<details") == len(slugs)
    # The page needs nothing from the network: no script at all, no remote resource.
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_distance_cache_panel_shows_the_hit_rate_and_provider_cost(
    client, staff_user, stored, settings
):
    settings.DISTANCE_PROVIDER_COST_PER_CALL = 0.005
    counters_reset()
    counters_add(hits=30, misses=10, provider_calls=4)
    counters_flush()
    client.force_login(staff_user)

    html = client.get(DASHBOARD, RANGE).content.decode()

    points = drawn_points(panel_svg(html, "distance-cache"))
    assert points["Cache hits"] == {"Lookups": "30"}
    assert points["Misses (asked the provider)"] == {"Lookups": "10"}
    assert "40 lookups, hit rate 75.0 %; 4 provider calls (0 failed)" in html
    assert "estimated cost 0.02 at 0.005 a call" in html


def test_with_redis_down_the_dashboard_still_draws_the_stored_metrics(
    client, staff_user, stored, unavailable_cache
):
    client.force_login(staff_user)

    response = client.get(DASHBOARD, RANGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert drawn_points(panel_svg(html, "north-star"))
    assert "distance-cache" in html


def test_missing_days_are_reported(client, staff_user, stored):
    client.force_login(staff_user)

    html = client.get(DASHBOARD, RANGE).content.decode()

    assert "metrics stored for 2 of 3 days" in html


def test_default_range_is_the_90_days_ending_today(client, staff_user):
    today = timezone.localdate()
    for days_ago in (0, 89, 90):
        store(today - timedelta(days=days_ago))
    client.force_login(staff_user)

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    stored = response.context["stored"]
    assert (stored.start, stored.end) == (today - timedelta(days=89), today)
    assert sorted(stored.daily) == [today - timedelta(days=89), today]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-11-01", "end": "2026-10-01"}, "start date must be on or before"),
        ({"start": "2026-02-30", "end": "2026-03-01"}, "Enter a valid date."),
        ({"start": "2026-10-01"}, "This field is required."),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "at most 731 days"),
    ],
)
def test_a_bad_range_is_a_form_error_not_a_crash(client, staff_user, query, message):
    client.force_login(staff_user)

    response = client.get(DASHBOARD, query)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["panels"] == []

    export = client.get(EXPORT, query)
    assert export.status_code == 400
    assert message in export.content.decode()


def test_csv_export_holds_the_stored_metrics_of_the_range(client, staff_user, stored):
    store(date(2026, 11, 2), bookings=99)
    client.force_login(staff_user)

    response = client.get(EXPORT, RANGE)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="metrics-2026-10-30-2026-11-01.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["date"] for row in rows] == ["2026-10-30", "2026-11-01"]
    first = rows[0]
    assert first["month_north_star"] == "0.2500"
    assert first["rolling_north_star"] == "0.4000"
    assert (first["month_multi_category_users"], first["month_active_users"]) == ("2", "8")
    assert first["rolling_categories_per_user"] == "1.5000"
    assert (first["bookings"], first["revenue"]) == ("7", "97.00")
    assert (first["bookings_cinema"], first["revenue_cinema"]) == ("5", "50.00")
    assert (first["bookings_books"], first["revenue_books"]) == ("2", "47.00")
    assert first["bookings_games"] == "0"
    assert (first["newsletter_sent"], first["newsletter_clicked"]) == ("120", "30")
    assert rows[1]["bookings_books"] == "3"


def test_dashboard_links_the_export_of_the_shown_range(client, staff_user, stored):
    client.force_login(staff_user)

    html = client.get(DASHBOARD, RANGE).content.decode()

    assert f"{EXPORT}?start=2026-10-30&amp;end=2026-11-01" in html


def test_stored_metrics_are_listed_read_only_in_the_admin(client, staff_user, stored):
    client.force_login(staff_user)

    listing = client.get(reverse("admin:metrics_dailymetrics_changelist"))
    add = client.get(reverse("admin:metrics_dailymetrics_add"))

    assert listing.status_code == 200
    assert "97.00" in listing.content.decode()
    assert add.status_code == 403


def test_long_ranges_draw_bookings_per_7_days_ending_on_the_last_day(client, staff_user):
    books = Category.objects.get(slug="books")
    end = date(2026, 11, 1)
    for days_ago in range(100):
        day = end - timedelta(days=days_ago)
        store(day, bookings=1)
        DailyCategoryMetrics.objects.create(date=day, category=books, bookings=1)
    client.force_login(staff_user)

    html = client.get(DASHBOARD, {"start": "2026-07-25", "end": "2026-11-01"}).content.decode()

    books_points = drawn_points(panel_svg(html, "category-bookings"))["Books"]
    # 100 days: a first group of 2 days, then 14 whole weeks, the last ending on Nov 1.
    assert len(books_points) == 15
    assert books_points["2026-07-25"] == "2"
    assert books_points["2026-10-26"] == "7"
    assert set(list(books_points.values())[1:]) == {"7"}
