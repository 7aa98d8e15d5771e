"""GET /api/v1/recommendations/: who may read which list, parameters, throttling, outages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import F
from django.http import QueryDict
from rest_framework.test import APIClient

from api.serializers import RecommendationQuerySerializer
from marketplace.models import Offer
from recommendations.precompute import recommendation_lists_precompute
from tests.api.clients import token_client
from tests.canary import homepage_flag_set
from tests.factories import (
    BookingFactory,
    CategoryFactory,
    DigitalOfferFactory,
    OfferFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

URL = "/api/v1/recommendations/"


@pytest.fixture
def offers():
    """Offers near the factories' Lyon home, the first the most booked, and a digital one."""
    made = [OfferFactory(stock=100) for _ in range(4)]
    for rank, offer in enumerate(made):
        BookingFactory.create_batch(4 - rank, offer=offer)
    made.append(DigitalOfferFactory())
    return made


def test_a_shopper_reads_their_own_list_with_every_documented_field(shopper, offers):
    response = token_client(shopper).get(URL, {"limit": 2})

    assert response.status_code == 200
    body = response.json()
    assert set(body["meta"]) == {
        "strategy",
        "model_version",
        "variant",
        "request_id",
        "source",
        "generated_at",
        "personalised",
    }
    assert body["meta"]["strategy"] == "geo" and body["meta"]["personalised"] is True
    assert body["meta"]["source"] == "computed" and body["meta"]["model_version"] is None
    first = body["results"][0]
    assert first["offer_id"] == offers[0].pk and first["position"] == 1
    # The category's name in the caller's language: English here, as this module runs
    # under the `english` fixture (French callers: tests/config/test_i18n.py).
    assert first["category"] == {"slug": "live-music", "name": "Live music"}
    assert first["venue"] == {"name": offers[0].venue.name, "city": "Lyon"}
    assert first["url"] == f"http://testserver/offers/{offers[0].pk}/"
    assert first["price"] == str(offers[0].price) and first["distance_km"] > 0
    assert "Lyon" in first["reason"] or "popular" in first["reason"]
    assert [item["position"] for item in body["results"]] == [1, 2]


def test_a_precomputed_list_says_so(shopper, offers):
    recommendation_lists_precompute(user_ids=[shopper.pk], strategy="geo")

    body = token_client(shopper).get(URL, {"limit": 3}).json()

    assert body["meta"]["source"] == "precomputed"
    assert len(body["results"]) == 3


def test_session_authentication_works_too(client, shopper, offers):
    client.force_login(shopper)

    body = client.get(URL).json()

    assert body["meta"]["personalised"] is True


def test_a_shopper_cannot_read_another_users_list(shopper, offers):
    other = UserFactory()

    response = token_client(shopper).get(URL, {"user_id": other.pk})

    assert response.status_code == 403
    assert response.json() == {"detail": "Only staff may read another user's list."}


def test_staff_read_any_users_list_in_that_users_variant(staff_user, offers):
    homepage_flag_set(0, everyone=True)
    shopper = UserFactory()

    body = token_client(staff_user).get(URL, {"user_id": shopper.pk}).json()

    assert body["meta"]["variant"] == "treatment" and body["meta"]["personalised"] is True
    missing = token_client(UserFactory(is_staff=True)).get(URL, {"user_id": 999_999})
    assert missing.status_code == 404 and "999999" in missing.json()["detail"]


def test_an_anonymous_caller_gets_a_non_personalised_list(offers):
    body = APIClient().get(URL).json()

    assert body["meta"]["personalised"] is False
    assert {item["offer_id"] for item in body["results"]} >= {offers[0].pk, offers[4].pk}


def test_an_anonymous_caller_with_a_location_gets_offers_near_it(offers):
    marseille = OfferFactory(
        venue=VenueFactory(city="Marseille", postcode="13001", latitude=43.297, longitude=5.38)
    )

    body = APIClient().get(URL, {"lat": 43.2965, "lon": 5.3698, "limit": 5}).json()

    assert marseille.pk in [item["offer_id"] for item in body["results"]]
    assert offers[0].pk not in [item["offer_id"] for item in body["results"]]
    assert body["meta"]["personalised"] is False


def test_categories_restrict_the_list(shopper, offers):
    cinema = OfferFactory(category=CategoryFactory(slug="cinema"))

    body = token_client(shopper).get(f"{URL}?category=cinema&category=books").json()

    assert [item["offer_id"] for item in body["results"]] == [cinema.pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 51}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"category": "astrology"}, "category"),
        ({"lat": 45.7}, "lon"),
        ({"lon": 4.8}, "lat"),
        ({"lat": 91, "lon": 4.8}, "lat"),
        ({"lat": 45.7, "lon": -181}, "lon"),
        ({"lat": "north", "lon": 4.8}, "lat"),
        ({"user_id": "me"}, "user_id"),
    ],
)
def test_each_bad_parameter_is_a_400_naming_it(shopper, query, field):
    response = token_client(shopper).get(URL, query)

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_a_wrong_token_is_a_json_401(offers):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")

    response = client.get(URL)

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}
    assert response["WWW-Authenticate"] == "Token"


def test_throttling_answers_429_with_retry_after(monkeypatch, shopper):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "2/min"})
    client = token_client(shopper)

    statuses = [client.get(URL).status_code for _ in range(3)]
    anonymous = [APIClient().get(URL).status_code for _ in range(3)]

    assert statuses == [200, 200, 429] and anonymous == [200, 200, 429]
    refused = client.get(URL)
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "throttled" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        # As configured here (no proxy), and with none said: what a caller writes in
        # X-Forwarded-For names nobody.
        (None, ["10.0.0.1", "10.0.0.2", "10.0.0.3"], [200, 200, 429]),
        (0, ["10.0.0.1", "10.0.0.2", "10.0.0.3"], [200, 200, 429]),
        # One proxy: the address it appended counts, whatever the caller put before it.
        (1, ["1.1.1.1, 10.0.0.9", "2.2.2.2, 10.0.0.9", "10.0.0.9"], [200, 200, 429]),
        (1, ["10.0.0.1", "10.0.0.2", "10.0.0.3"], [200, 200, 200]),
    ],
    ids=["configured", "no proxy", "one proxy, forged prefix", "one proxy, three clients"],
)
def test_the_anonymous_throttle_counts_clients_by_the_address_trusted_proxies_saw(
    monkeypatch, settings, proxies, forwarded, expected
):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "2/min"})
    if proxies is not None:
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
    client = APIClient()

    statuses = [client.get(URL, HTTP_X_FORWARDED_FOR=address).status_code for address in forwarded]

    assert statuses == expected


def test_with_redis_down_the_api_answers_200_with_the_fallback(unavailable_cache, shopper, offers):
    response = token_client(shopper).get(URL, {"limit": 2})

    assert response.status_code == 200
    body = response.json()
    assert (body["meta"]["source"], body["meta"]["strategy"]) == ("fallback", "popular")
    assert [item["offer_id"] for item in body["results"]] == [offers[0].pk, offers[1].pk]


def test_an_unknown_api_path_is_a_json_404():
    response = APIClient().get("/api/v1/nothing-here/")

    assert response.status_code == 404
    assert response.json() == {"detail": "No such API endpoint."}


def precomputed_items(api, **headers) -> list[dict]:
    body = api.get(URL, {"limit": 2}, **headers).json()
    assert body["meta"]["source"] == "precomputed"
    return body["results"]


def test_an_offer_changed_after_its_first_answer_is_answered_as_it_is_now(shopper, offers):
    """Each worker remembers how it wrote an offer's price, date and category name
    (api.serializers.rendered_offer_fields): a change must never answer stale values."""
    recommendation_lists_precompute(user_ids=[shopper.pk], strategy="geo")
    api = token_client(shopper)
    first = offers[0]
    before = precomputed_items(api)[0]
    assert before["offer_id"] == first.pk

    first.title = "Concert déplacé"
    first.price = Decimal("99.90")
    first.starts_at = first.starts_at + timedelta(days=1)
    first.save()
    first.venue.city = "Villeurbanne"
    first.venue.save()
    after = precomputed_items(api)[0]

    assert after["title"] == "Concert déplacé" and after["price"] == "99.90"
    assert after["starts_at"] != before["starts_at"]
    assert after["venue"]["city"] == "Villeurbanne"


def test_a_renamed_category_is_answered_under_its_new_name(shopper, offers):
    recommendation_lists_precompute(user_ids=[shopper.pk], strategy="geo")
    api = token_client(shopper)
    assert precomputed_items(api)[0]["category"]["name"] == "Live music"

    category = offers[0].category
    category.name = "Concerts"
    category.save()

    assert precomputed_items(api)[0]["category"] == {"slug": "live-music", "name": "Concerts"}


def test_a_sold_out_offer_leaves_the_answer_after_being_answered(shopper, offers):
    recommendation_lists_precompute(user_ids=[shopper.pk], strategy="geo")
    api = token_client(shopper)
    assert offers[0].pk in [item["offer_id"] for item in precomputed_items(api)]

    Offer.objects.filter(pk=offers[0].pk).update(stock=F("booked_quantity"))

    assert offers[0].pk not in [item["offer_id"] for item in precomputed_items(api)]


def test_the_category_name_follows_each_callers_language(shopper, offers):
    recommendation_lists_precompute(user_ids=[shopper.pk], strategy="geo")
    api = token_client(shopper)

    english = precomputed_items(api, HTTP_ACCEPT_LANGUAGE="en")[0]
    french = precomputed_items(api, HTTP_ACCEPT_LANGUAGE="fr")[0]
    english_again = precomputed_items(api, HTTP_ACCEPT_LANGUAGE="en")[0]

    assert english["category"]["name"] == english_again["category"]["name"] == "Live music"
    assert french["category"]["name"] == "Musique live"


@pytest.mark.parametrize("query", ["", "limit=1", "limit=10", "limit=50", "limit=07"])
def test_the_usual_query_reads_as_the_serializer_validates_it(query):
    """The view's shortcut for no query or a bare `limit`
    (RecommendationQuerySerializer.plain_query) answers what the serializer answers."""
    params = QueryDict(query)
    serializer = RecommendationQuerySerializer(data=params)

    assert serializer.is_valid()
    assert RecommendationQuerySerializer.plain_query(params) == dict(serializer.validated_data)


@pytest.mark.parametrize(
    "query",
    [
        *("limit=0", "limit=51", "limit=ten", "limit=", "limit=5&limit=7", "limit=\u0665"),
        *("limit=+5", "limit=%205", "limit=5.0", "category=cinema", "limit=3&category=cinema"),
        *("lat=45.7&lon=4.8", "user_id=3", "other=1"),
    ],
)
def test_any_other_query_is_left_to_the_serializer(query):
    assert RecommendationQuerySerializer.plain_query(QueryDict(query)) is None
