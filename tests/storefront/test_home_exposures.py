"""Every homepage view logs the one list it showed as exposures (ADR 0021), and the
section's links go through the signed click redirect."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from waffle.testutils import override_switch

from experiments.clicks import click_token_read
from experiments.models import BookingAttribution, Exposure, RecommendationClick, Surface
from experiments.services import booking_attributions_record, exposures_drain
from marketplace.services import booking_create
from recommendations.serving import strategy_for_variant
from storefront.recommended import LISTING_STRATEGY
from tests.canary import KILL_SWITCH, homepage_flag_set
from tests.factories import BookingFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db

SECTION = 'id="recommended-heading"'
CLICK_LINK = re.compile(r'href="(/r/[^"]+/)"')


@pytest.fixture
def offers():
    made = [OfferFactory(stock=50, title=f"Pick {rank}") for rank in range(8)]
    for rank, offer in enumerate(made):
        BookingFactory.create_batch(8 - rank, offer=offer)
    return made


def logged_exposures() -> list[Exposure]:
    """The exposures once the buffer is drained, in list order."""
    exposures_drain()
    return list(Exposure.objects.order_by("request_id", "position"))


def section_links(page: str) -> list[str]:
    return CLICK_LINK.findall(page.split(SECTION)[1].split("</section>")[0])


def test_a_treatment_view_logs_the_six_offers_shown_with_variant_strategy_and_request_id(
    client, offers
):
    homepage_flag_set(0, everyone=True)
    shopper = UserFactory()
    client.force_login(shopper)

    page = client.get("/").content.decode()

    exposures = logged_exposures()
    links = [click_token_read(token=link.split("/")[2]) for link in section_links(page)]
    assert len(exposures) == 6 == len(links)
    assert {exposure.request_id for exposure in exposures} == {links[0].request_id}
    assert [(e.position, e.offer_id) for e in exposures] == [
        (link.position, link.offer_id) for link in links
    ]
    first = exposures[0]
    assert (first.surface, first.variant, first.strategy, first.user_id) == (
        Surface.HOMEPAGE,
        "treatment",
        strategy_for_variant("treatment"),
        shopper.pk,
    )


def test_a_head_request_on_the_homepage_logs_nothing(client, offers):
    homepage_flag_set(0, everyone=True)
    client.force_login(UserFactory())

    assert client.head("/").status_code == 200
    assert logged_exposures() == []


def test_a_control_view_logs_the_top_of_the_listing_it_showed(client, offers):
    homepage_flag_set(0)
    shopper = UserFactory()
    client.force_login(shopper)

    page = client.get("/").content.decode()

    exposures = logged_exposures()
    assert SECTION not in page
    assert len(exposures) == 6
    assert {(e.surface, e.variant, e.strategy, e.user_id) for e in exposures} == {
        (Surface.HOMEPAGE, "control", LISTING_STRATEGY, shopper.pk)
    }
    titles = [exposure.offer.title for exposure in exposures]
    # In the listing's order: each title appears on the page before the next one.
    positions = [page.index(title) for title in titles]
    assert positions == sorted(positions)
    # Those six link through the click redirect, the rest of the listing does not.
    links = [click_token_read(token=link.split("/")[2]) for link in CLICK_LINK.findall(page)]
    assert [(link.position, link.offer_id) for link in links] == [
        (exposure.position, exposure.offer_id) for exposure in exposures
    ]
    assert page.count('href="/offers/') == len(offers) - 6


def test_with_the_kill_switch_a_treatment_view_logs_the_listing_under_its_variant(client, offers):
    homepage_flag_set(0, everyone=True)
    client.force_login(UserFactory())

    with override_switch(KILL_SWITCH, active=True):
        client.get("/")

    assert {(e.variant, e.strategy) for e in logged_exposures()} == {
        ("treatment", LISTING_STRATEGY)
    }


def test_an_anonymous_visitor_is_logged_under_a_stable_visitor_id(client, offers):
    homepage_flag_set(0)

    first = client.get("/")
    client.get("/")

    visitor_id = first.cookies["passerelle_visitor"].value
    exposures = logged_exposures()
    assert len(exposures) == 12
    assert {(e.user_id, e.visitor_id) for e in exposures} == {(None, visitor_id)}


def test_following_a_homepage_recommendation_records_the_click_and_credits_the_booking(
    client, offers
):
    homepage_flag_set(0, everyone=True)
    shopper = UserFactory()
    client.force_login(shopper)
    link = section_links(client.get("/").content.decode())[1]

    response = client.get(link)

    clicked = click_token_read(token=link.split("/")[2])
    assert response.status_code == 302
    assert response["Location"] == f"/offers/{clicked.offer_id}/"
    click = RecommendationClick.objects.get()
    assert (click.position, click.offer_id, click.user_id) == (2, clicked.offer_id, shopper.pk)

    booking = booking_create(user=shopper, offer_id=clicked.offer_id)
    logged_exposures()
    booking_attributions_record(since=timezone.now() - timedelta(days=8))

    attribution = BookingAttribution.objects.get(booking=booking)
    assert (attribution.click, attribution.surface, attribution.variant) == (
        click,
        Surface.HOMEPAGE,
        "treatment",
    )


def test_a_tampered_homepage_link_is_refused_and_records_nothing(client, offers):
    homepage_flag_set(0, everyone=True)
    client.force_login(UserFactory())
    link = section_links(client.get("/").content.decode())[0]
    token = link.split("/")[2]
    tampered = f"/r/{token[:-3]}{'abc' if token[-3:] != 'abc' else 'xyz'}/"

    response = client.get(tampered)

    assert response.status_code == 400
    assert not RecommendationClick.objects.exists()
