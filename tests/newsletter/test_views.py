"""Pages behind newsletter links: unsubscribe (page and RFC 8058 one-click), click tracking."""

import time

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from experiments.models import RecommendationClick
from newsletter.models import Click, Send, Unsubscription
from newsletter.tokens import click_token_make, unsubscribe_token_make
from tests.factories import OfferFactory
from tests.newsletter.conftest import consenting_user

pytestmark = pytest.mark.django_db

SIXTY_ONE_DAYS = 61 * 24 * 3600


@pytest.fixture
def send(campaign):
    return Send.objects.create(campaign=campaign, user=consenting_user())


def made_long_ago(monkeypatch, make, seconds: int, **ids) -> str:
    """A token signed `seconds` ago."""
    now = time.time()
    with monkeypatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: now - seconds)
        return make(**ids)


def unsubscribe_url(token: str) -> str:
    return reverse("newsletter:unsubscribe", args=[token])


def test_the_unsubscribe_link_shows_a_confirmation_page_and_changes_nothing(client, send):
    response = client.get(unsubscribe_url(unsubscribe_token_make(send_id=send.pk)))

    assert response.status_code == 200
    assert b"Unsubscribe from the Passerelle newsletter?" in response.content
    send.user.refresh_from_db()
    assert send.user.newsletter_consent


def test_confirming_on_the_page_unsubscribes(client, send):
    url = unsubscribe_url(unsubscribe_token_make(send_id=send.pk))

    response = client.post(url, {"List-Unsubscribe": "One-Click", "confirm": "1"})

    assert response.status_code == 200
    assert b"You are unsubscribed" in response.content
    send.user.refresh_from_db()
    assert (send.user.newsletter_consent, send.user.newsletter_consent_at) == (False, None)
    assert Unsubscription.objects.get().method == Unsubscription.Method.PAGE


def test_one_click_post_answers_200_without_redirect_or_cookie(client, send):
    url = unsubscribe_url(unsubscribe_token_make(send_id=send.pk))
    csrf_client = client.__class__(enforce_csrf_checks=True)

    response = csrf_client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert "Location" not in response.headers
    assert "Set-Cookie" not in response.headers and not response.cookies
    send.user.refresh_from_db()
    assert not send.user.newsletter_consent
    unsubscription = Unsubscription.objects.get()
    assert (unsubscription.user, unsubscription.campaign, unsubscription.method) == (
        send.user,
        send.campaign,
        Unsubscription.Method.ONE_CLICK,
    )


def test_unsubscribing_twice_records_it_once(client, send):
    url = unsubscribe_url(unsubscribe_token_make(send_id=send.pk))

    client.post(url, {"List-Unsubscribe": "One-Click"})
    response = client.post(url, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert Unsubscription.objects.count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_unsubscribe_token_is_refused_and_changes_nothing(client, send, method):
    forged = f"{send.pk}:1xW4gI:not-the-signature"
    other_salt = signing.TimestampSigner(salt="newsletter.click").sign(str(send.pk))

    for token in (forged, other_salt):
        response = getattr(client, method)(unsubscribe_url(token))

        assert response.status_code == 400
        assert b"not valid" in response.content
    send.user.refresh_from_db()
    assert send.user.newsletter_consent
    assert not Unsubscription.objects.exists()


def test_an_expired_unsubscribe_token_is_refused_and_changes_nothing(client, send, monkeypatch):
    token = made_long_ago(monkeypatch, unsubscribe_token_make, SIXTY_ONE_DAYS, send_id=send.pk)

    response = client.post(unsubscribe_url(token), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 400
    assert b"expired" in response.content
    send.user.refresh_from_db()
    assert send.user.newsletter_consent


def test_a_click_is_recorded_and_lands_on_the_offer_page(client, send):
    offer = OfferFactory()
    before = timezone.now()

    response = client.get(
        reverse("newsletter:click", args=[click_token_make(send_id=send.pk, offer_id=offer.pk)])
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("storefront:offer_detail", args=[offer.pk])
    click = Click.objects.get()
    assert (click.send, click.campaign, click.user, click.offer) == (
        send,
        send.campaign,
        send.user,
        offer,
    )
    assert click.clicked_at >= before


def test_a_click_on_a_sent_offer_is_also_a_recommendation_click_at_its_position(client, send):
    offers = OfferFactory.create_batch(3)
    Send.objects.filter(pk=send.pk).update(offer_ids=[offer.pk for offer in offers])

    client.get(
        reverse("newsletter:click", args=[click_token_make(send_id=send.pk, offer_id=offers[1].pk)])
    )

    click = RecommendationClick.objects.get()
    assert (click.request_id, click.position, click.offer_id, click.user_id) == (
        f"newsletter-{send.pk}",
        2,
        offers[1].pk,
        send.user_id,
    )


def test_a_forged_click_link_is_refused_and_records_nothing(client, send):
    offer = OfferFactory()
    token = click_token_make(send_id=send.pk, offer_id=offer.pk)
    tampered = token.replace(f"{send.pk}-{offer.pk}", f"{send.pk}-{offer.pk + 1}")

    response = client.get(reverse("newsletter:click", args=[tampered]))

    assert response.status_code == 400
    assert not Click.objects.exists()


def test_an_old_click_link_still_lands_on_the_offer_but_is_not_recorded(client, send, monkeypatch):
    offer = OfferFactory()
    token = made_long_ago(
        monkeypatch, click_token_make, 91 * 24 * 3600, send_id=send.pk, offer_id=offer.pk
    )

    response = client.get(reverse("newsletter:click", args=[token]))

    assert response.status_code == 302
    assert response["Location"] == reverse("storefront:offer_detail", args=[offer.pk])
    assert not Click.objects.exists()
