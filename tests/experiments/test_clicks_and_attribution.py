"""Signed recommendation links, the click view and the 7-day booking attribution."""

from datetime import timedelta

import pytest
from django.core import signing
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from experiments.clicks import (
    SALT,
    ClickLink,
    ExpiredClickLink,
    InvalidClickLink,
    click_sign,
    click_signer,
    click_token_build,
    click_token_read,
    recommendation_click_url,
    recommendation_click_urls,
)
from experiments.models import BookingAttribution, Exposure, RecommendationClick, Surface
from experiments.services import booking_attributions_record, click_record
from marketplace.models import Booking
from recommendations.lists import RecommendationList, RecommendedItem
from tests.factories import BookingFactory, OfferFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer():
    return OfferFactory()


@pytest.fixture
def shown_list(offer, shopper):
    return RecommendationList(
        request_id="req42",
        items=(
            RecommendedItem(offer_id=OfferFactory().pk, score=2.0, reason=None),
            RecommendedItem(offer_id=offer.pk, score=1.0, reason=None),
        ),
        strategy="geo",
        generated_at=timezone.now(),
        variant="treatment",
        model_version="v7",
        user_id=shopper.pk,
    )


def exposure_of(shown_list, position: int, *, shown_at=None) -> Exposure:
    return Exposure.objects.create(
        request_id=shown_list.request_id,
        position=position,
        offer_id=shown_list.items[position - 1].offer_id,
        user_id=shown_list.user_id,
        surface=Surface.HOMEPAGE,
        variant=shown_list.variant,
        strategy=shown_list.strategy,
        model_version=shown_list.model_version,
        shown_at=shown_at or timezone.now(),
    )


def compact_link(shown_list, position: int) -> str:
    return recommendation_click_url(recommendation_list=shown_list, position=position)


def json_link(shown_list, position: int) -> str:
    """A link as built until 2026-11-30 (`signing.dumps` of a JSON payload), as emails
    sent then still hold."""
    token = signing.dumps(
        {
            "r": shown_list.request_id,
            "p": position,
            "o": shown_list.items[position - 1].offer_id,
            "u": shown_list.user_id,
        },
        salt=SALT,
    )
    return reverse("experiments:click", args=[token])


@pytest.mark.parametrize("link", [compact_link, json_link], ids=["compact", "former json"])
def test_following_a_recommendation_link_records_the_click_and_opens_the_offer(
    client, shown_list, offer, shopper, link
):
    response = client.get(link(shown_list, 2))

    assert response.status_code == 302
    assert response["Location"] == reverse("storefront:offer_detail", args=[offer.pk])
    click = RecommendationClick.objects.get()
    assert (click.request_id, click.position, click.offer_id, click.user_id) == (
        "req42",
        2,
        offer.pk,
        shopper.pk,
    )


def test_a_second_click_on_the_same_link_is_not_counted_again(client, shown_list):
    url = recommendation_click_url(recommendation_list=shown_list, position=1)

    client.get(url)
    client.get(url)

    assert RecommendationClick.objects.count() == 1


def test_a_link_with_a_tampered_request_id_is_refused(client, shown_list):
    token = click_token_build(link=ClickLink("req42", 2, shown_list.items[1].offer_id, 1))
    # The genuine timestamp and signature, behind another request id.
    signed_part = token.split(":", 1)[1]
    forged = click_token_build(link=ClickLink("someone-else", 2, shown_list.items[1].offer_id, 1))
    tampered = f"{forged.split(':', 1)[0]}:{signed_part}"

    with pytest.raises(InvalidClickLink):
        click_token_read(token=tampered)
    response = client.get(reverse("experiments:click", args=[tampered]))

    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert not RecommendationClick.objects.exists()


@pytest.mark.parametrize("link", [compact_link, json_link], ids=["compact", "former json"])
def test_an_expired_link_still_opens_the_offer_without_recording(
    client, shown_list, offer, settings, link
):
    url = link(shown_list, 2)
    settings.EXPERIMENT_CLICK_MAX_AGE_DAYS = -1

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == reverse("storefront:offer_detail", args=[offer.pk])
    assert not RecommendationClick.objects.exists()


def test_a_compact_link_expires_after_the_configured_days(settings):
    settings.EXPERIMENT_CLICK_MAX_AGE_DAYS = 90
    link = ClickLink("req42", 1, 7, None)
    day = 86400
    now = timezone.now().timestamp()

    assert click_token_read(token=click_token_build(link=link, signed_at=now - 89 * day)) == link
    with pytest.raises(ExpiredClickLink) as expired:
        click_token_read(token=click_token_build(link=link, signed_at=now - 91 * day))
    assert expired.value.offer_id == 7


def test_a_compact_link_keeps_a_request_id_holding_the_separator():
    link = ClickLink("newsletter.v2.12", 3, 8, 5)

    assert click_token_read(token=click_token_build(link=link)) == link


@pytest.mark.parametrize("token", ["2.abc", "2.1.2.3.4.req:forged", "eyJub3QiOiJzaWduZWQifQ"])
def test_a_token_that_was_not_signed_here_is_refused(token):
    with pytest.raises(InvalidClickLink):
        click_token_read(token=token)


@pytest.mark.parametrize("value", ["", "2.1a.3.17.-.req", "2.x.1.2.3.newsletter.v2.12", "é"])
def test_the_keyed_hmac_signs_exactly_as_djangos_signer(value, settings):
    assert click_sign(value) == click_signer().sign(value)
    settings.SECRET_KEY = "another secret key, rotated"
    assert click_sign(value) == click_signer().sign(value)
    assert click_signer().unsign(click_sign(value)) == value


def test_a_lists_links_built_together_read_back_as_each_positions_link(shown_list):
    urls = recommendation_click_urls(recommendation_list=shown_list, absolute=True)
    alone = recommendation_click_url(recommendation_list=shown_list, position=2, absolute=True)

    tokens = [url.rstrip("/").rsplit("/", 1)[1] for url in [*urls, alone]]
    assert [click_token_read(token=token) for token in tokens] == [
        ClickLink("req42", 1, shown_list.items[0].offer_id, shown_list.user_id),
        ClickLink("req42", 2, shown_list.items[1].offer_id, shown_list.user_id),
        ClickLink("req42", 2, shown_list.items[1].offer_id, shown_list.user_id),
    ]


def test_the_absolute_link_starts_with_the_site_url(shown_list, settings):
    url = recommendation_click_url(recommendation_list=shown_list, position=1, absolute=True)

    assert url.startswith(f"{settings.SITE_URL}/r/")


def book(shopper, offer, at) -> Booking:
    return BookingFactory(user=shopper, offer=offer, amount=offer.price, created_at=at)


def clicked(shown_list, position, at):
    item = shown_list.items[position - 1]
    return click_record(
        link=ClickLink(shown_list.request_id, position, item.offer_id, shown_list.user_id),
        clicked_at=at,
    )


def test_a_booking_within_seven_days_of_the_click_is_attributed_to_what_was_shown(
    shown_list, offer, shopper
):
    clicked_at = timezone.now() - timedelta(days=10)
    exposure_of(shown_list, 2, shown_at=clicked_at - timedelta(minutes=1))
    click = clicked(shown_list, 2, clicked_at)
    booking = book(shopper, offer, clicked_at + timedelta(days=6, hours=23))

    assert booking_attributions_record(since=clicked_at) == 1

    attribution = BookingAttribution.objects.get()
    assert (attribution.booking_id, attribution.click_id) == (booking.pk, click.pk)
    assert (attribution.strategy, attribution.variant, attribution.model_version) == (
        "geo",
        "treatment",
        "v7",
    )
    assert booking_attributions_record(since=clicked_at) == 0  # idempotent


def test_a_booking_eight_days_after_the_click_is_not_attributed(shown_list, offer, shopper):
    clicked_at = timezone.now() - timedelta(days=10)
    exposure_of(shown_list, 2, shown_at=clicked_at)
    clicked(shown_list, 2, clicked_at)
    book(shopper, offer, clicked_at + timedelta(days=8))

    assert booking_attributions_record(since=clicked_at) == 0
    assert not BookingAttribution.objects.exists()


def test_a_booking_of_another_offer_or_by_another_user_is_not_attributed(
    shown_list, offer, shopper
):
    from tests.factories import UserFactory

    clicked_at = timezone.now() - timedelta(days=2)
    exposure_of(shown_list, 2, shown_at=clicked_at)
    clicked(shown_list, 2, clicked_at)
    book(shopper, OfferFactory(), clicked_at + timedelta(hours=1))
    book(UserFactory(), offer, clicked_at + timedelta(hours=1))

    assert booking_attributions_record(since=clicked_at) == 0


def test_a_click_is_attributed_once_its_exposure_is_drained(shown_list, offer, shopper):
    clicked_at = timezone.now() - timedelta(days=1)
    clicked(shown_list, 2, clicked_at)
    book(shopper, offer, clicked_at + timedelta(hours=2))

    assert booking_attributions_record(since=clicked_at) == 0  # exposure still in the buffer
    exposure_of(shown_list, 2, shown_at=clicked_at)
    assert booking_attributions_record(since=clicked_at) == 1


def test_the_template_tag_writes_the_signed_click_link_of_a_position():
    offer_ids = (11, 12, 13)
    recommendations = RecommendationList(
        request_id="req9",
        items=tuple(RecommendedItem(offer_id=pk, score=1.0, reason=None) for pk in offer_ids),
        strategy="geo",
        generated_at=timezone.now(),
        user_id=5,
    )
    template = Template(
        "{% load recommendation_links %}{% for item in recommendations.items %}"
        "{% recommendation_click_url recommendations forloop.counter %} {% endfor %}"
    )

    links = template.render(Context({"recommendations": recommendations})).split()

    assert len(set(links)) == 3
    assert all(link.startswith("/r/") for link in links)
