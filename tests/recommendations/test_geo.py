import json
import logging
import re
from datetime import timedelta
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.models import Venue
from recommendations import geo as geo_module
from recommendations.availability import BATCH_AVAILABILITY_MIN_REQUESTS
from recommendations.cache import recommendations_cache
from recommendations.distance.providers import haversine_km
from recommendations.lists import RecommendationRequest
from recommendations.strategies import recommendation_list_compute, recommendation_lists_compute
from tests.factories import (
    BookingFactory,
    CategoryFactory,
    DigitalOfferFactory,
    OfferFactory,
    UserFactory,
    VenueFactory,
)
from tests.recommendations.conftest import DETOUR
from tests.recommended import recommended_offers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

# Real places, with their great-circle distance from the Lyon user's home (69003).
PLACES = {
    "lyon": ("Lyon", "69002", 45.7578, 4.8320),  # 3 km
    "villeurbanne": ("Villeurbanne", "69100", 45.7719, 4.8902),  # 2.5 km
    "vienne": ("Vienne", "38200", 45.5256, 4.8744),  # 25 km
    "grenoble": ("Grenoble", "38000", 45.1885, 5.7245),  # 91 km
    "paris": ("Paris", "75011", 48.8590, 2.3800),  # 390 km
}


def venue(place: str, **fields) -> Venue:
    city, postcode, latitude, longitude = PLACES[place]
    return VenueFactory(
        city=city, postcode=postcode, latitude=latitude, longitude=longitude, **fields
    )


def event(place: str, category: str = "live-music", venue_kind: str = "other", **fields):
    return OfferFactory(
        venue=venue(place, kind=venue_kind), category=CategoryFactory(slug=category), **fields
    )


def book(offer, times: int) -> None:
    for _ in range(times):
        BookingFactory(offer=offer)


def lyon_user(**fields):
    return UserFactory(home_postcode="69003", home_city="Lyon", **fields)


def geo(user, limit: int = 10):
    return recommended_offers(user=user, limit=limit, strategy="geo")


def test_a_lyon_user_gets_lyon_area_events_and_none_beyond_their_category_radius():
    concert_lyon = event("lyon")
    concert_vienne = event("vienne")
    cinema_villeurbanne = event("villeurbanne", category="cinema")
    festival_grenoble = event("grenoble", venue_kind=Venue.Kind.FESTIVAL)
    # Out of reach, however popular: an evening concert in Paris, a concert
    # 91 km away (live music: 60 km), a cinema 25 km away (cinema: 15 km).
    concert_paris = event("paris", starts_at=timezone.now() + timedelta(days=3, hours=20))
    concert_grenoble = event("grenoble")
    cinema_vienne = event("vienne", category="cinema")
    for offer in (concert_paris, concert_grenoble, cinema_vienne):
        book(offer, 20)

    recommendations = geo(lyon_user())

    assert {r.offer for r in recommendations} == {
        concert_lyon,
        concert_vienne,
        cinema_villeurbanne,
        festival_grenoble,
    }
    distances = {r.offer: r.distance_km for r in recommendations}
    assert distances[concert_lyon] == pytest.approx(3.0, abs=0.8)
    assert distances[festival_grenoble] == pytest.approx(91, abs=1)


def test_nearer_offers_rank_first_at_equal_popularity_and_popularity_can_beat_a_short_distance():
    near, further, popular_further = event("lyon"), event("vienne"), event("vienne")
    book(popular_further, 30)

    recommendations = geo(lyon_user())

    assert [r.offer for r in recommendations] == [popular_further, near, further]
    assert recommendations[0].score > recommendations[1].score > recommendations[2].score


def test_each_recommendation_says_how_far_and_why():
    popular = event("villeurbanne", category="cinema")
    book(popular, 3)
    quiet = event("vienne")
    digital = DigitalOfferFactory()
    book(digital, 2)

    reasons = {r.offer: r.reason for r in geo(lyon_user())}

    assert re.fullmatch(r"popular near Lyon, [23] km", reasons[popular])
    assert reasons[quiet] == "near Lyon, 25 km"
    assert reasons[digital] == "online, popular this month (2 bookings)"


def test_digital_offers_appear_for_everyone():
    for _ in range(6):
        book(event("lyon"), 5)
    book(event("paris"), 5)
    digital = DigitalOfferFactory()
    in_lyon = lyon_user()
    in_paris = UserFactory(
        home_postcode="75011", home_city="Paris", home_latitude=48.8590, home_longitude=2.3800
    )
    nowhere = UserFactory(home_postcode="", home_city="", home_latitude=None, home_longitude=None)

    for user in (in_lyon, in_paris, nowhere, None):
        recommendations = geo(user, limit=5)
        assert digital in [r.offer for r in recommendations], user
        assert [r.distance_km for r in recommendations if r.offer == digital] == [None]
    # Six popular Lyon events and room for five: the digital offer takes the last place.
    assert len(geo(in_lyon, limit=5)) == 5


def test_a_user_without_coordinates_gets_digital_and_nationally_popular_offers():
    paris, lyon, unbooked = event("paris"), event("lyon"), event("lyon")
    book(paris, 4)
    book(lyon, 2)
    digital = DigitalOfferFactory()
    book(digital, 1)
    user = UserFactory(home_postcode="", home_city="", home_latitude=None, home_longitude=None)

    recommendations = geo(user)

    assert [r.offer for r in recommendations] == [paris, lyon, digital]
    assert all(r.distance_km is None for r in recommendations)
    assert recommendations[0].reason == "nationally popular this month (4 bookings)"
    assert unbooked not in [r.offer for r in recommendations]


def test_geo_leaves_out_what_the_user_booked_and_what_cannot_be_booked():
    user = lyon_user()
    booked = event("lyon")
    BookingFactory(user=user, offer=booked)
    sold_out = event("lyon", stock=1)
    BookingFactory(offer=sold_out)
    past = event("lyon", starts_at=timezone.now() - timedelta(days=1))
    withdrawn = event("lyon", is_active=False)
    bookable = event("lyon")

    assert [r.offer for r in geo(user)] == [bookable]
    assert {booked, sold_out, past, withdrawn}.isdisjoint(r.offer for r in geo(user))


def test_offers_that_stop_being_bookable_after_the_index_is_built_are_left_out():
    user = lyon_user()
    sold_out, over, withdrawn, still = (event("lyon", stock=5) for _ in range(4))
    cancelled = event("lyon")
    BookingFactory(user=user, offer=cancelled, status="cancelled")
    assert {r.offer for r in geo(user)} == {sold_out, over, withdrawn, still, cancelled}

    # The index (a few minutes' lifetime) still lists them: the per-request check must not.
    type(sold_out).objects.filter(pk=sold_out.pk).update(booked_quantity=5)
    type(over).objects.filter(pk=over.pk).update(
        starts_at=timezone.now() - timedelta(days=2), ends_at=timezone.now() - timedelta(days=1)
    )
    type(withdrawn).objects.filter(pk=withdrawn.pk).update(is_active=False)
    index = geo_module.geo_index()

    assert {r.offer for r in geo(user)} == {still, cancelled}
    assert geo_module.geo_index() is index
    assert geo_module.offer_ids_still_bookable([sold_out.pk, over.pk, still.pk]) == {still.pk}
    assert geo_module.offer_ids_still_bookable([]) == set()


def test_category_radii_come_from_settings(settings):
    cinema_vienne = event("vienne", category="cinema")
    user = lyon_user()
    assert geo(user) == []

    settings.RECOMMENDATION_GEO_RADIUS_KM = {**settings.RECOMMENDATION_GEO_RADIUS_KM, "cinema": 30}
    recommendations_cache.clear()  # the strategy's index holds each offer's radius

    assert [r.offer for r in geo(user)] == [cinema_vienne]


def test_with_the_routing_provider_road_distances_decide_the_radius(osrm, settings):
    # 25 km as the crow flies, 32.5 km by road: within live music's 60 km, beyond shows' 30.
    settings.RECOMMENDATION_GEO_RADIUS_KM = {"live-music": 60, "shows": 30}
    concert, show = event("vienne"), event("vienne", category="shows")

    first = geo(lyon_user())
    second = geo(lyon_user())

    assert [r.offer for r in first] == [r.offer for r in second] == [concert]
    assert first[0].distance_km == pytest.approx(25 * DETOUR, abs=1.5)
    assert show not in [r.offer for r in first]
    # The neighbour's request was answered from the cache.
    assert len(osrm.requests) == 1


def test_geo_asks_distances_only_for_offers_that_can_reach_the_top(osrm, settings):
    settings.RECOMMENDATION_GEO_RADIUS_KM = {"live-music": 200}
    for _ in range(3):
        book(event("lyon"), 10)
    for _ in range(60):
        event("grenoble")

    recommendations = geo(lyon_user(), limit=3)

    assert all(r.offer.venue.city == "Lyon" for r in recommendations)
    # One batch of 20 offers was enough to prove the top 3: 63 venues are in the
    # radius, 20 went to the provider.
    destinations = sum(request.split("?")[0].count(";") for request in osrm.requests)
    assert destinations == 20


def test_recommend_uses_the_geo_strategy_when_configured(settings):
    settings.RECOMMENDATION_STRATEGY = "geo"
    concert = event("lyon", title="Nuits de Fourvière")
    book(concert, 2)
    digital = DigitalOfferFactory(title="Opéra en ligne")
    event("paris")
    out = StringIO()

    call_command("recommend", "--user-id", lyon_user().pk, "--json", stdout=out)

    rows = json.loads(out.getvalue())
    assert [row["title"] for row in rows] == ["Nuits de Fourvière", "Opéra en ligne"]
    assert rows[0]["distance_km"] == pytest.approx(3.0, abs=0.8)
    assert rows[0]["reason"].startswith("popular near Lyon, ")
    assert rows[1]["distance_km"] is None
    assert digital.pk == rows[1]["offer_id"]


def test_recommendations_survive_an_unavailable_cache(unavailable_cache, caplog, monkeypatch):
    concert, digital = event("lyon"), DigitalOfferFactory()
    user = lyon_user()
    # A process that has not built its offer index yet.
    monkeypatch.setattr(geo_module.local_index, "local", None)

    with caplog.at_level(logging.WARNING, logger="recommendations.distance.service"):
        first = geo(user)
        index = geo_module.local_index.local
        second = geo(user)

    assert [r.offer for r in first] == [r.offer for r in second] == [concert, digital]
    assert first[0].distance_km == pytest.approx(3.0, abs=0.8)
    assert "Distance cache unavailable" in caplog.text
    # Without the shared version key, the process keeps the index it built.
    assert geo_module.local_index.local is index


def test_an_offer_across_the_sea_is_never_near_even_inside_its_radius(settings):
    # Terre-de-Haut (Les Saintes, Guadeloupe) and Grand'Rivière (Martinique): 110 km
    # apart as the crow flies, inside a festival's radius, but a sea crossing away.
    user = UserFactory(
        home_postcode="97137",
        home_city="Terre-de-Haut",
        home_latitude=15.862,
        home_longitude=-61.586,
    )
    festival = CategoryFactory(slug="live-music")
    in_martinique = OfferFactory(
        category=festival,
        venue=VenueFactory(
            city="Grand'Rivière",
            postcode="97218",
            latitude=14.849,
            longitude=-61.179,
            kind=Venue.Kind.FESTIVAL,
        ),
    )
    in_guadeloupe = OfferFactory(
        category=festival,
        venue=VenueFactory(
            city="Pointe-à-Pitre",
            postcode="97110",
            latitude=16.236,
            longitude=-61.537,
            kind=Venue.Kind.FESTIVAL,
        ),
    )
    book(in_martinique, 20)
    crow_flies_km = haversine_km(
        latitude=15.862,
        longitude=-61.586,
        latitudes=np.array([14.849]),
        longitudes=np.array([-61.179]),
    )[0]
    assert crow_flies_km < settings.RECOMMENDATION_GEO_FESTIVAL_RADIUS_KM

    assert [r.offer for r in geo(user)] == [in_guadeloupe]


def batch_requests(users, limit: int = 5):
    now = timezone.now()
    return [RecommendationRequest(user_id=user.pk, limit=limit, now=now) for user in users]


@pytest.mark.parametrize("size", [3, BATCH_AVAILABILITY_MIN_REQUESTS])
def test_a_batch_gets_the_lists_its_requests_get_one_by_one(size):
    offers = [event(place) for place in ("lyon", "villeurbanne", "vienne", "grenoble", "paris")]
    for times, offer in enumerate(offers, start=1):
        book(offer, times)
    DigitalOfferFactory()
    sold_out = event("lyon", stock=5)
    users = [lyon_user() for _ in range(size - 2)]
    users += [UserFactory(home_latitude=None, home_longitude=None), UserFactory()]
    BookingFactory(user=users[0], offer=offers[0])
    requests = batch_requests(users)
    geo_module.geo_index()
    # Sold out after the index was built: only the availability check can leave it out.
    type(sold_out).objects.filter(pk=sold_out.pk).update(booked_quantity=5)

    batch = recommendation_lists_compute(requests=requests, strategy="geo")

    for request, answer in zip(requests, batch, strict=True):
        alone = recommendation_list_compute(request=request, strategy="geo")
        assert answer.items == alone.items and answer.request_id == request.request_id
        assert sold_out.pk not in answer.offer_ids
    assert offers[0].pk not in batch[0].offer_ids and offers[0].pk in batch[1].offer_ids
    assert any(item.distance_km is not None for item in batch[0].items)
    assert all(item.distance_km is None for item in batch[-2].items)


def test_a_large_batch_costs_the_same_queries_whatever_its_size():
    for place in ("lyon", "vienne", "grenoble"):
        book(event(place), 2)
    DigitalOfferFactory()
    size = BATCH_AVAILABILITY_MIN_REQUESTS
    few, many = [lyon_user() for _ in range(size)], [lyon_user() for _ in range(3 * size)]
    recommendation_lists_compute(requests=batch_requests(few), strategy="geo")  # the index

    with CaptureQueriesContext(connection) as for_few:
        recommendation_lists_compute(requests=batch_requests(few), strategy="geo")
    with CaptureQueriesContext(connection) as for_many:
        recommendation_lists_compute(requests=batch_requests(many), strategy="geo")

    # Homes, live bookings, the offers bookable now.
    assert len(for_many) == len(for_few) == 3
