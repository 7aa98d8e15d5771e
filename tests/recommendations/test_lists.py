"""The request/list entry point that surfaces (API, pages, precomputation) call."""

import pytest

from recommendations.lists import Location, RecommendationRequest
from recommendations.reasons import popularity_reason, reason_text
from recommendations.strategies import recommendation_list_compute, recommendation_lists_compute
from tests.factories import BookingFactory, CategoryFactory, OfferFactory, UserFactory, VenueFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

MARSEILLE = Location(latitude=43.2965, longitude=5.3698, label="Marseille")


def popular_offer(times: int, **fields):
    offer = OfferFactory(**fields)
    for _ in range(times):
        BookingFactory(offer=offer)
    return offer


def test_a_list_carries_its_request_id_strategy_variant_and_items_in_rank_order():
    first, second = popular_offer(3), popular_offer(2)
    user = UserFactory()
    request = RecommendationRequest(user_id=user.pk, limit=5, variant="treatment")

    answer = recommendation_list_compute(request=request, strategy="popular")

    assert answer.request_id == request.request_id
    assert (answer.strategy, answer.variant, answer.user_id) == ("popular", "treatment", user.pk)
    assert answer.offer_ids == [first.pk, second.pk]
    assert answer.items[0].score == 3.0
    assert answer.items[0].reason == popularity_reason(count=3, days=30)


def test_categories_restrict_the_list():
    popular_offer(5, category=CategoryFactory(slug="live-music"))
    museum = popular_offer(1, category=CategoryFactory(slug="museums"))
    request = RecommendationRequest(user_id=UserFactory().pk, limit=3, categories=("museums",))

    assert recommendation_list_compute(request=request, strategy="popular").offer_ids == [museum.pk]


def test_a_location_override_ranks_from_there_and_an_anonymous_list_is_not_personalised():
    marseille = VenueFactory(city="Marseille", postcode="13001", latitude=43.297, longitude=5.38)
    near_marseille = popular_offer(1, venue=marseille)
    popular_offer(4)  # in Lyon, out of a concert's radius from Marseille
    anonymous = RecommendationRequest(limit=3, location=MARSEILLE)

    answer = recommendation_list_compute(request=anonymous, strategy="geo")

    assert answer.offer_ids == [near_marseille.pk]
    assert "Marseille" in reason_text(answer.items[0].reason)
    assert answer.personalised is False and answer.user_id is None


def test_batch_answers_follow_the_requests_order():
    offer = popular_offer(2)
    users = UserFactory.create_batch(3)
    requests = [RecommendationRequest(user_id=user.pk, limit=2) for user in reversed(users)]
    requests.append(RecommendationRequest(limit=2))

    lists = recommendation_lists_compute(requests=requests, strategy="popular")

    assert [answer.request_id for answer in lists] == [r.request_id for r in requests]
    assert all(answer.offer_ids == [offer.pk] for answer in lists)
