"""The serving selector: stored list, cleaned and filtered, else computed, else popular."""

import pytest

from recommendations.cache import recommendations_cache
from recommendations.lists import ListSource, RecommendationRequest
from recommendations.precompute import recommendation_lists_precompute
from recommendations.serving import recommendation_list_serve
from recommendations.stored import stored_list_key
from recommendations.strategies import STRATEGIES, strategy_register
from tests.factories import BookingFactory, CategoryFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db


def popular_offers(count: int, **fields) -> list:
    """`count` offers near the factories' Lyon home, the first the most booked."""
    offers = [OfferFactory(stock=100, **fields) for _ in range(count)]
    for rank, offer in enumerate(offers):
        BookingFactory.create_batch(count - rank, offer=offer)
    return offers


def serve(user, *, limit: int = 3, strategy: str = "popular", **fields):
    request = RecommendationRequest(user_id=user.pk, limit=limit, variant="treatment", **fields)
    served, _offers = recommendation_list_serve(request=request, strategy=strategy)
    return served


def test_a_stored_list_is_served_trimmed_to_the_limit_with_the_variant():
    offers = popular_offers(5)
    user = UserFactory()
    recommendation_lists_precompute(user_ids=[user.pk], strategy="popular")

    served = serve(user, limit=3)

    assert served.source == ListSource.PRECOMPUTED
    assert served.offer_ids == [offer.pk for offer in offers[:3]]
    assert (served.variant, served.strategy, served.user_id) == ("treatment", "popular", user.pk)


def test_a_stored_list_loses_an_offer_that_sold_out_without_being_recomputed():
    offers = popular_offers(5)
    user = UserFactory()
    recommendation_lists_precompute(user_ids=[user.pk], strategy="popular")
    stored_before = recommendations_cache.get(stored_list_key(strategy="popular", user_id=user.pk))
    sold_out = offers[0]
    sold_out.stock = sold_out.booked_quantity
    sold_out.save(update_fields=["stock"])

    served = serve(user, limit=3)

    assert served.source == ListSource.PRECOMPUTED
    assert served.offer_ids == [offer.pk for offer in offers[1:4]]
    assert (
        recommendations_cache.get(stored_list_key(strategy="popular", user_id=user.pk))
        == stored_before
    )


def test_a_stored_list_loses_an_offer_the_user_booked_since():
    offers = popular_offers(5)
    user = UserFactory()
    recommendation_lists_precompute(user_ids=[user.pk], strategy="popular")
    BookingFactory(user=user, offer=offers[1])

    assert serve(user, limit=3).offer_ids == [offers[0].pk, offers[2].pk, offers[3].pk]


def test_categories_filter_the_stored_list():
    music = popular_offers(3, category=CategoryFactory(slug="live-music"))
    cinema = popular_offers(2, category=CategoryFactory(slug="cinema"))
    user = UserFactory()
    recommendation_lists_precompute(user_ids=[user.pk], strategy="popular")

    served = serve(user, limit=2, categories=("cinema",))

    assert served.source == ListSource.PRECOMPUTED
    assert set(served.offer_ids) == {offer.pk for offer in cinema}
    assert not set(served.offer_ids) & {offer.pk for offer in music}


def test_a_list_short_of_the_limit_after_cleaning_is_computed_on_the_fly(settings):
    settings.RECOMMENDATION_STORED_LIST_SIZE = 3
    offers = popular_offers(4)
    user = UserFactory()
    recommendation_lists_precompute(user_ids=[user.pk], strategy="popular")
    withdrawn = offers[0]
    withdrawn.is_active = False
    withdrawn.save(update_fields=["is_active"])

    served = serve(user, limit=3)

    assert served.source == ListSource.COMPUTED
    assert served.offer_ids == [offer.pk for offer in offers[1:]]


def test_without_a_stored_list_the_list_is_computed_with_the_asked_strategy():
    popular_offers(4)

    served = serve(UserFactory(), limit=3, strategy="geo")

    assert (served.source, served.strategy, len(served.items)) == (ListSource.COMPUTED, "geo", 3)


def test_with_redis_down_the_popular_list_is_served_from_the_database(unavailable_cache):
    offers = popular_offers(4)

    served = serve(UserFactory(), limit=2, strategy="geo")

    assert (served.source, served.strategy) == (ListSource.FALLBACK, "popular")
    assert served.offer_ids == [offers[0].pk, offers[1].pk]


@pytest.fixture
def broken_strategy():
    @strategy_register("broken")
    def recommend_broken(*, user, limit):
        raise RuntimeError("model file missing")

    yield "broken"
    del STRATEGIES["broken"]


def test_a_failing_strategy_falls_back_to_popular(broken_strategy):
    offers = popular_offers(2)

    served = serve(UserFactory(), limit=2, strategy=broken_strategy)

    assert (served.source, served.offer_ids) == (ListSource.FALLBACK, [o.pk for o in offers])
