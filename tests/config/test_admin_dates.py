"""Every admin list with a date drill-down refuses a period past the calendar's end,
as it refuses any bad lookup, instead of answering 500."""

import pytest
from django.urls import reverse

from marketplace.models import Booking, Offer
from metrics.models import DailyCategoryMetrics, DailyMetrics
from newsletter.models import Campaign, Click, Unsubscription

pytestmark = pytest.mark.django_db

DRILLED_DOWN = [
    (Booking, "created_at"),
    (Offer, "starts_at"),
    (DailyMetrics, "date"),
    (DailyCategoryMetrics, "date"),
    (Campaign, "planned_at"),
    (Click, "clicked_at"),
    (Unsubscription, "created_at"),
]
LAST_PERIODS = [
    {"year": "9999"},
    {"year": "9999", "month": "12"},
    {"year": "9999", "month": "12", "day": "31"},
]


@pytest.mark.parametrize(("model", "field"), DRILLED_DOWN, ids=lambda value: str(value))
@pytest.mark.parametrize("period", LAST_PERIODS, ids=["year", "month", "day"])
def test_the_last_period_of_the_calendar_is_refused_as_a_bad_lookup(
    admin_client, model, field, period
):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")

    response = admin_client.get(url, {f"{field}__{part}": value for part, value in period.items()})

    assert response.status_code == 302
    assert response["Location"] == f"{url}?e=1"


def test_a_period_within_the_calendar_is_still_drilled_down(admin_client):
    url = reverse("admin:marketplace_offer_changelist")

    assert admin_client.get(url, {"starts_at__year": "9998"}).status_code == 200
