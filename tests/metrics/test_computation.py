"""The stored metrics match a small history computed by hand (tests/metrics/scenario.py)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics.models import DailyCategoryMetrics, DailyMetrics
from metrics.services import metrics_compute_for_day
from newsletter.models import Campaign, Click, Send, Unsubscription
from tests.factories import BookingFactory, OfferFactory, UserFactory
from tests.metrics.scenario import NOV_1, OCT_31, at, build_scenario

pytestmark = pytest.mark.django_db


def category_figures(day) -> dict[str, tuple[int, Decimal]]:
    """(bookings, revenue) of the categories that had bookings on `day`."""
    return {
        row.category.slug: (row.bookings, row.revenue)
        for row in DailyCategoryMetrics.objects.filter(date=day).select_related("category")
        if row.bookings
    }


def test_last_day_of_october_matches_the_hand_computation():
    build_scenario()

    daily = metrics_compute_for_day(day=OCT_31)

    # Live at the end of Oct 31: u1, u2 twice, u4 cinema; u3 (2 places), u5 books; u5 museum.
    # u4's books were cancelled that evening, u8's cinema has no cancellation time.
    assert (daily.bookings, daily.revenue) == (7, Decimal("97.00"))
    assert category_figures(OCT_31) == {
        "cinema": (4, Decimal("40.00")),
        "books": (2, Decimal("45.00")),
        "museums-heritage": (1, Decimal("12.00")),
    }
    # October: u1..u7 active; u3 (music+books), u5 (museum+books), u7 (cinema+music) multi.
    assert (daily.month_active_users, daily.month_multi_category_users) == (7, 3)
    # Oct 2 to 31: u6 drops out (Oct 1), u7 stays in (Oct 2 at 00:30).
    assert (daily.rolling_active_users, daily.rolling_multi_category_users) == (6, 3)
    assert (
        daily.rolling_users_1_category,
        daily.rolling_users_2_categories,
        daily.rolling_users_3plus_categories,
    ) == (3, 3, 0)
    assert daily.rolling_user_categories_total == 9
    assert daily.month_north_star == pytest.approx(3 / 7)
    assert daily.rolling_north_star == pytest.approx(0.5)
    assert daily.rolling_categories_per_user == pytest.approx(1.5)


def test_first_day_of_november_starts_a_new_month_but_not_a_new_rolling_window():
    build_scenario()

    daily = metrics_compute_for_day(day=NOV_1)

    # Created on Nov 1: u1 books, u3 museum. u2's music is on Nov 2.
    assert (daily.bookings, daily.revenue) == (2, Decimal("27.00"))
    assert category_figures(NOV_1) == {
        "books": (1, Decimal("15.00")),
        "museums-heritage": (1, Decimal("12.00")),
    }
    # November so far: u1 (books) and u3 (museum), one category each.
    assert (daily.month_active_users, daily.month_multi_category_users) == (2, 0)
    # Oct 3 to Nov 1: u1 2 categories across the month boundary, u3 3, u2 and u4 1,
    # u5 1 now that the books are cancelled; u6 and u7 are out of the window.
    assert (daily.rolling_active_users, daily.rolling_multi_category_users) == (5, 2)
    assert (
        daily.rolling_users_1_category,
        daily.rolling_users_2_categories,
        daily.rolling_users_3plus_categories,
    ) == (3, 1, 1)
    assert daily.rolling_user_categories_total == 8
    assert daily.month_north_star == 0
    assert daily.rolling_north_star == pytest.approx(0.4)


def test_every_category_gets_a_row_even_without_bookings():
    build_scenario()

    metrics_compute_for_day(day=OCT_31)

    rows = DailyCategoryMetrics.objects.filter(date=OCT_31)
    assert rows.count() == 12
    assert rows.get(category__slug="games").bookings == 0


def test_a_day_without_bookings_is_stored_as_zeros():
    daily = metrics_compute_for_day(day=OCT_31)

    assert (daily.bookings, daily.month_active_users, daily.rolling_active_users) == (0, 0, 0)
    assert daily.month_north_star is None


def test_recomputing_a_date_replaces_its_rows_without_duplicating_them():
    build_scenario()
    metrics_compute_for_day(day=OCT_31)
    BookingFactory(
        offer=OfferFactory(category__slug="games", price=Decimal("30")),
        created_at=at("2026-10-31", "21:00"),
    )

    daily = metrics_compute_for_day(day=OCT_31)
    metrics_compute_for_day(day=OCT_31)

    assert DailyMetrics.objects.filter(date=OCT_31).count() == 1
    assert DailyCategoryMetrics.objects.filter(date=OCT_31).count() == 12
    assert (daily.bookings, daily.revenue) == (8, Decimal("127.00"))
    assert DailyMetrics.objects.get(date=OCT_31).month_active_users == 8
    assert category_figures(OCT_31)["games"] == (1, Decimal("30.00"))


def test_a_later_cancellation_does_not_change_a_past_date():
    build_scenario()
    before = metrics_compute_for_day(day=OCT_31)
    DailyMetrics.objects.all().delete()

    # u5's books were cancelled on Nov 1: recomputing Oct 31 afterwards gives the same figures.
    after = metrics_compute_for_day(day=OCT_31)

    assert (after.bookings, after.revenue, after.month_multi_category_users) == (
        before.bookings,
        before.revenue,
        before.month_multi_category_users,
    )


def test_a_date_costs_a_fixed_number_of_queries_whatever_the_number_of_users():
    build_scenario()
    metrics_compute_for_day(day=OCT_31)

    with CaptureQueriesContext(connection) as few_users:
        metrics_compute_for_day(day=OCT_31)
    for hour in range(10, 20):
        BookingFactory(offer=OfferFactory(), created_at=at("2026-10-31", f"{hour}:00"))
    with CaptureQueriesContext(connection) as more_users:
        metrics_compute_for_day(day=OCT_31)

    assert len(more_users) == len(few_users) <= 16


def test_newsletter_funnel_of_the_day_is_stored_with_the_metrics():
    campaign = Campaign.objects.create(subject="Your picks", planned_at=at("2026-10-30"))
    reader, other = UserFactory(), UserFactory()
    clicked_offer = OfferFactory()
    sends = [
        Send.objects.create(
            campaign=campaign, user=user, status=Send.Status.SENT, sent_at=at("2026-10-31", "08:00")
        )
        for user in (reader, other)
    ]
    Send.objects.create(campaign=campaign, user=UserFactory(), status=Send.Status.PENDING)
    Click.objects.create(
        send=sends[0],
        campaign=campaign,
        user=reader,
        offer=clicked_offer,
        clicked_at=at("2026-10-31", "09:00"),
    )
    # Booked after clicking that offer: attributed. The other booking is not.
    BookingFactory(user=reader, offer=clicked_offer, created_at=at("2026-10-31", "09:30"))
    BookingFactory(user=other, offer=OfferFactory(), created_at=at("2026-10-31", "10:00"))
    Unsubscription.objects.create(
        user=other,
        send=sends[1],
        campaign=campaign,
        method=Unsubscription.Method.PAGE,
        created_at=at("2026-10-31", "11:00"),
    )

    daily = metrics_compute_for_day(day=OCT_31)

    assert (
        daily.newsletter_sent,
        daily.newsletter_clicked,
        daily.newsletter_booked,
        daily.newsletter_unsubscribed,
    ) == (2, 1, 1, 1)
    assert daily.bookings == 2
