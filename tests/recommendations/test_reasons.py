"""Reasons are kept as a key and values and worded where they are shown, in the reader's
language: one precomputed list reads French to a French visitor and English to an English one."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from experiments.assignment import TREATMENT
from recommendations.cache import recommendations_cache
from recommendations.lists import ListSource, RecommendationList, RecommendedItem
from recommendations.precompute import recommendation_lists_precompute
from recommendations.reasons import (
    Reason,
    co_booking_reason,
    learned_reason,
    nationally_popular_reason,
    nearby_reason,
    online_reason,
    popularity_reason,
    reason_text,
)
from recommendations.serving import strategy_for_variant
from recommendations.stored import stored_list_get, stored_list_key, stored_lists_save
from tests.canary import homepage_flag_set
from tests.factories import BookingFactory, DigitalOfferFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db

RECOMMENDATIONS_API = "/api/v1/recommendations/"
NBSP = "\u00a0"

WORDED = [
    (
        popularity_reason(count=1, days=30),
        "populaire ce mois-ci (1 réservation)",
        "popular this month (1 booking)",
    ),
    (
        popularity_reason(count=12, days=30),
        "populaire ce mois-ci (12 réservations)",
        "popular this month (12 bookings)",
    ),
    (
        popularity_reason(count=2, days=14),
        "populaire ces 14 derniers jours (2 réservations)",
        "popular over the last 14 days (2 bookings)",
    ),
    (
        popularity_reason(count=1200, days=14),
        f"populaire ces 14 derniers jours (1{NBSP}200 réservations)",
        "popular over the last 14 days (1,200 bookings)",
    ),
    (
        nationally_popular_reason(count=1, days=30),
        "populaire dans toute la France ce mois-ci (1 réservation)",
        "nationally popular this month (1 booking)",
    ),
    (
        online_reason(count=0, days=30),
        "en ligne, accessible de partout",
        "online, available from anywhere",
    ),
    (
        online_reason(count=3, days=30),
        "en ligne, populaire ce mois-ci (3 réservations)",
        "online, popular this month (3 bookings)",
    ),
    (
        online_reason(count=25000, days=30),
        f"en ligne, populaire ce mois-ci (25{NBSP}000 réservations)",
        "online, popular this month (25,000 bookings)",
    ),
    (
        nearby_reason(place="Lyon 3e", distance_km=0.4, popular=True),
        f"populaire près de Lyon 3e, à moins d’1{NBSP}km",
        "popular near Lyon 3e, less than 1 km",
    ),
    (
        nearby_reason(place="", distance_km=4.4, popular=False),
        f"près de chez vous, à 4{NBSP}km",
        "near you, 4 km",
    ),
    (
        co_booking_reason(),
        "réservé par des personnes ayant réservé les mêmes offres que vous",
        "booked by people who booked what you booked",
    ),
    (learned_reason(), "choisi pour vous", "chosen for you"),
]


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.mark.parametrize(("reason", "french", "english"), WORDED)
def test_a_reason_is_worded_in_the_active_language_with_its_plural_form(reason, french, english):
    with translation.override("fr"):
        assert reason_text(reason) == french
    with translation.override("en"):
        assert reason_text(reason) == english


def test_an_item_without_a_reason_or_with_a_key_unknown_here_is_shown_without_one():
    assert reason_text(None) == ""
    assert reason_text(Reason("added_by_a_newer_release", (("count", 2),))) == ""


def test_the_same_precomputed_list_reads_french_and_english_in_the_api():
    nearby = OfferFactory(stock=100)
    BookingFactory.create_batch(2, offer=nearby)
    online = DigitalOfferFactory()
    BookingFactory(offer=online)
    shopper = UserFactory()
    # The nightly run works in the site's language; the list it stores has no language.
    with translation.override("fr"):
        recommendation_lists_precompute(user_ids=[shopper.pk], strategy="geo")
    api = token_client(shopper)

    french = api.get(RECOMMENDATIONS_API, {"limit": 2}).json()
    english = api.get(RECOMMENDATIONS_API, {"limit": 2}, HTTP_ACCEPT_LANGUAGE="en").json()

    assert french["meta"]["source"] == english["meta"]["source"] == ListSource.PRECOMPUTED
    french_reasons = {item["offer_id"]: item["reason"] for item in french["results"]}
    english_reasons = {item["offer_id"]: item["reason"] for item in english["results"]}
    assert french_reasons[online.pk] == "en ligne, populaire ce mois-ci (1 réservation)"
    assert english_reasons[online.pk] == "online, popular this month (1 booking)"
    assert french_reasons[nearby.pk].startswith("populaire près de Lyon, à ")
    assert english_reasons[nearby.pk].startswith("popular near Lyon, ")


def test_the_same_stored_list_reads_french_then_english_on_the_homepage(client, settings):
    """A list stored with counts no list computed now would give (nobody booked): the page
    can only have read the stored one."""
    settings.HOMEPAGE_RECOMMENDATIONS_SIZE = 2
    homepage_flag_set(0, everyone=True)
    first, second = OfferFactory(), OfferFactory()
    shopper = UserFactory()
    stored_lists_save(
        lists=[
            RecommendationList(
                request_id="nightly",
                items=(
                    RecommendedItem(
                        offer_id=first.pk, score=2.0, reason=popularity_reason(count=1, days=30)
                    ),
                    RecommendedItem(
                        offer_id=second.pk, score=1.0, reason=popularity_reason(count=7, days=30)
                    ),
                ),
                strategy=strategy_for_variant(TREATMENT),
                generated_at=timezone.now(),
                user_id=shopper.pk,
            )
        ]
    )
    client.force_login(shopper)

    french = client.get("/").content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get("/").content.decode()

    assert "Populaire ce mois-ci (1 réservation)" in french
    assert "Populaire ce mois-ci (7 réservations)" in french
    assert "Popular this month (1 booking)" in english
    assert "Popular this month (7 bookings)" in english
    assert "booking)" not in french and "réservation)" not in english


def test_a_stored_list_keeps_each_reason_as_its_key_and_values():
    offer = OfferFactory(stock=100)
    BookingFactory.create_batch(3, offer=offer)
    shopper = UserFactory()
    recommendation_lists_precompute(user_ids=[shopper.pk], strategy="popular")

    raw = recommendations_cache.get(stored_list_key(strategy="popular", user_id=shopper.pk))
    stored = stored_list_get(strategy="popular", user_id=shopper.pk, request_id="r")

    [[offer_id, _score, reason, _distance]] = json.loads(raw)["items"]
    assert (offer_id, reason) == (offer.pk, ["popular", {"count": 3, "days": 30}])
    assert stored.items[0].reason == popularity_reason(count=3, days=30)


def test_a_list_stored_in_the_former_text_format_is_never_read():
    offer = OfferFactory(stock=100)
    shopper = UserFactory()
    # Format 1: the reason's text, in the language the night ran in.
    former = json.dumps(
        {
            "strategy": "popular",
            "model_version": None,
            "generated_at": timezone.now().isoformat(),
            "items": [[offer.pk, 1.0, "populaire ce mois-ci (1 réservation)", None]],
        }
    )
    recommendations_cache.set(f"recommendations:list:v1:popular:{shopper.pk}", former)

    assert ":v1:" not in stored_list_key(strategy="popular", user_id=shopper.pk)
    assert stored_list_get(strategy="popular", user_id=shopper.pk, request_id="r") is None
