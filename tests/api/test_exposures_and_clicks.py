"""Every API answer is logged as exposures (surface api) and each item carries a signed
click link (ADR 0021)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from experiments.models import BookingAttribution, Exposure, RecommendationClick, Surface
from experiments.services import booking_attributions_record, exposures_drain
from marketplace.services import booking_create
from tests.api.clients import token_client
from tests.canary import homepage_flag_set
from tests.factories import BookingFactory, OfferFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

URL = "/api/v1/recommendations/"


@pytest.fixture
def offers():
    made = [OfferFactory(stock=100) for _ in range(4)]
    for rank, offer in enumerate(made):
        BookingFactory.create_batch(4 - rank, offer=offer)
    return made


def logged_exposures() -> list[Exposure]:
    exposures_drain()
    return list(Exposure.objects.order_by("request_id", "position"))


def test_an_answer_is_logged_as_exposures_of_its_list(shopper, offers):
    homepage_flag_set(0, everyone=True)

    body = token_client(shopper).get(URL, {"limit": 3}).json()

    exposures = logged_exposures()
    assert [(e.position, e.offer_id) for e in exposures] == [
        (item["position"], item["offer_id"]) for item in body["results"]
    ]
    assert {
        (e.request_id, e.surface, e.variant, e.strategy, e.user_id, e.model_version)
        for e in exposures
    } == {
        (
            body["meta"]["request_id"],
            Surface.API,
            "treatment",
            body["meta"]["strategy"],
            shopper.pk,
            "",
        )
    }


def test_an_anonymous_callers_answer_is_logged_under_its_visitor_cookie(offers):
    client = APIClient()

    response = client.get(URL, {"limit": 2})

    visitor_id = response.cookies["passerelle_visitor"].value
    assert {(e.user_id, e.visitor_id) for e in logged_exposures()} == {(None, visitor_id)}


def test_staff_reading_another_users_list_log_no_exposure(staff_user, shopper, offers):
    response = token_client(staff_user).get(URL, {"user_id": shopper.pk})

    assert response.status_code == 200
    assert logged_exposures() == []


def test_staff_following_a_link_of_another_users_list_leave_that_users_credit_alone(
    client, staff_user, shopper, offers
):
    homepage_flag_set(0, everyone=True)
    own = token_client(shopper).get(URL, {"limit": 2}).json()["results"][0]
    client.get(own["click_url"])
    staff_view = token_client(staff_user).get(URL, {"user_id": shopper.pk, "limit": 2}).json()
    read = next(item for item in staff_view["results"] if item["offer_id"] == own["offer_id"])

    client.get(read["click_url"])
    booking = booking_create(user=shopper, offer_id=own["offer_id"], quantity=1)
    exposures_drain()
    booking_attributions_record(since=timezone.now() - timedelta(days=1))

    assert read["click_url"] == read["url"]
    assert RecommendationClick.objects.count() == 1
    assert BookingAttribution.objects.get().booking_id == booking.pk


def test_a_head_request_logs_no_exposure(shopper, offers):
    response = token_client(shopper).head(URL)

    assert response.status_code == 200
    assert logged_exposures() == []


def test_with_logging_switched_off_an_answer_logs_nothing(settings, shopper, offers):
    settings.EXPOSURE_LOGGING_ENABLED = False

    assert token_client(shopper).get(URL).status_code == 200
    assert logged_exposures() == []


def test_each_item_click_url_records_a_click_for_its_list_and_position(client, shopper, offers):
    body = token_client(shopper).get(URL, {"limit": 3}).json()
    second = body["results"][1]

    response = client.get(second["click_url"])

    assert second["click_url"].startswith("http://testserver/r/")
    assert response.status_code == 302
    assert response["Location"] == f"/offers/{second['offer_id']}/"
    click = RecommendationClick.objects.get()
    assert (click.request_id, click.position, click.offer_id, click.user_id) == (
        body["meta"]["request_id"],
        2,
        second["offer_id"],
        shopper.pk,
    )
