"""The dashboard at a glance: the north-star headline, and a fresh demo's range without gaps."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from metrics.forms import default_range
from metrics.selectors import metrics_stored_between
from tests.metrics.test_dashboard import store

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("metrics:dashboard")
BIN_DEMO = Path(__file__).resolve().parents[2] / "bin" / "demo"


def rolling(active: int, multi: int) -> dict:
    """Rolling figures whose distribution adds up: `multi` users with two categories."""
    return {
        "rolling_active_users": active,
        "rolling_multi_category_users": multi,
        "rolling_users_1_category": active - multi,
        "rolling_users_2_categories": multi,
    }


def test_headline_shows_the_north_star_its_change_and_the_target(client, staff_user, settings):
    settings.METRICS_NORTH_STAR_TARGET = 0.25
    today = timezone.localdate()
    store(today - timedelta(days=30), **rolling(100, 10))
    store(today, **rolling(200, 25))
    client.force_login(staff_user)

    response = client.get(DASHBOARD)

    headline = response.context["headline"]
    assert headline.value == pytest.approx(0.125)
    assert headline.change == pytest.approx(0.025)
    assert not headline.target_reached
    html = response.content.decode()
    assert "12,5\u00a0%" in html
    assert "+2,5 points sur les 30 jours précédents" in html
    assert "Objectif\u00a0: 25,0\u00a0%" in html
    # The figure comes before the first chart.
    assert html.index("12,5\u00a0%") < html.index("<svg")


def test_headline_says_when_there_is_nothing_to_compare_with(client, staff_user):
    store(timezone.localdate(), **rolling(10, 5))
    client.force_login(staff_user)

    response = client.get(DASHBOARD)

    assert response.context["headline"].change is None
    assert "Pas de chiffre 30 jours plus tôt" in response.content.decode()


def test_after_the_demos_backfill_the_default_range_has_no_missing_day():
    backfill_days = re.search(r"compute_metrics --backfill-days (\d+)", BIN_DEMO.read_text())

    call_command("compute_metrics", "--backfill-days", backfill_days.group(1))

    start, end = default_range()
    stored = metrics_stored_between(start=start, end=end)
    assert end == timezone.localdate()
    assert set(stored.daily) == set(stored.days)
