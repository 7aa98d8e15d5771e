"""The batch entry points, the popular strategy's batch form, and the availability and
already-booked filter's compiled queries held to their ORM twins."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.models import Booking, Offer
from recommendations.availability import (
    offer_ids_booked,
    offer_ids_booked_by_users,
    offer_ids_still_bookable,
)
from recommendations.homes import homes_queryset, user_home
from recommendations.lists import Location, RecommendationRequest
from recommendations.offers import recommended_lists_for_users
from recommendations.strategies import (
    UnknownStrategyError,
    recommendation_lists_compute,
)
from tests.factories import BookingFactory, DigitalOfferFactory, OfferFactory, UserFactory
from tests.recommended import recommended_offers, recommended_offers_by_user

pytestmark = pytest.mark.django_db


def popular_catalogue(size: int) -> list:
    """Offers booked size, size - 1, … 1 times: ranked in creation order."""
    offers = [OfferFactory() for _ in range(size)]
    for rank, offer in enumerate(offers):
        for _ in range(size - rank):
            BookingFactory(offer=offer)
    return offers


def test_popular_batch_gives_each_user_the_same_list_as_one_by_one():
    offers = popular_catalogue(6)
    fan, casual, newcomer = UserFactory(), UserFactory(), UserFactory()
    for offer in offers[:3]:
        BookingFactory(user=fan, offer=offer)
    BookingFactory(user=casual, offer=offers[1])
    BookingFactory(user=casual, offer=offers[0], status=Booking.Status.CANCELLED)
    users = [fan, casual, newcomer]

    batch = recommended_offers_by_user(users=users, limit=3, strategy="popular")

    assert set(batch) == {fan.pk, casual.pk, newcomer.pk}
    for user in users:
        assert batch[user.pk] == recommended_offers(user=user, limit=3, strategy="popular")
    assert [r.offer for r in batch[fan.pk]] == offers[3:6]
    assert [r.offer for r in batch[casual.pk]] == [offers[0], offers[2], offers[3]]
    assert [r.offer for r in batch[newcomer.pk]] == offers[:3]


def test_popular_batch_queries_do_not_grow_with_the_number_of_users():
    popular_catalogue(4)
    few, many = [UserFactory() for _ in range(2)], [UserFactory() for _ in range(12)]
    recommended_offers_by_user(users=few, limit=2, strategy="popular")  # caches the ranking

    with CaptureQueriesContext(connection) as for_few:
        recommended_offers_by_user(users=few, limit=2, strategy="popular")
    with CaptureQueriesContext(connection) as for_many:
        recommended_offers_by_user(users=many, limit=2, strategy="popular")

    # Categories of the ranked offers, live bookings, availability, offers at the edge.
    assert len(for_many) == len(for_few) <= 4


def test_popular_batch_skips_offers_sold_out_since_the_ranking():
    offers = popular_catalogue(3)
    user = UserFactory()
    recommended_offers_by_user(users=[user], limit=2, strategy="popular")  # caches the ranking
    offers[0].stock = offers[0].booked_quantity = 3
    offers[0].save(update_fields=["stock", "booked_quantity"])

    batch = recommended_offers_by_user(users=[user], limit=2, strategy="popular")

    assert [r.offer for r in batch[user.pk]] == offers[1:3]


@pytest.mark.parametrize("strategy", ["popular", "geo", "itemknn", "ease"])
def test_every_strategy_answers_a_batch_in_the_requests_order(strategy):
    offers = popular_catalogue(3)
    users = UserFactory.create_batch(2)
    BookingFactory(user=users[0], offer=offers[0])
    requests = [RecommendationRequest(user_id=user.pk, limit=2) for user in users]
    requests.append(RecommendationRequest(limit=2))

    lists = recommendation_lists_compute(requests=requests, strategy=strategy)

    assert [answer.request_id for answer in lists] == [r.request_id for r in requests]
    assert offers[0].pk not in lists[0].offer_ids
    assert all(len(answer.items) <= 2 for answer in lists)


def test_batch_entry_point_checks_the_strategy_and_the_limit():
    popular_catalogue(2)
    user = UserFactory()

    assert recommended_lists_for_users(user_ids=[user.pk], limit=0, strategy="popular") == {}
    assert recommended_lists_for_users(user_ids=[], limit=5, strategy="popular") == {}
    with pytest.raises(UnknownStrategyError, match="popular"):
        recommended_lists_for_users(user_ids=[user.pk], limit=5, strategy="astrology")


def test_compiled_booked_query_gives_what_its_orm_twin_gives():
    user, other = UserFactory(), UserFactory()
    kept, cancelled, outside = OfferFactory(), OfferFactory(), OfferFactory()
    BookingFactory(user=user, offer=kept)
    BookingFactory(user=user, offer=outside)
    BookingFactory(user=user, offer=cancelled, status=Booking.Status.CANCELLED)
    BookingFactory(user=other, offer=cancelled)

    orm = offer_ids_booked_by_users(user_ids=[user.pk, other.pk, UserFactory().pk])

    assert orm == {user.pk: {kept.pk, outside.pk}, other.pk: {cancelled.pk}}
    assert offer_ids_booked(user_id=user.pk) == orm[user.pk]
    assert offer_ids_booked(user_id=other.pk) == orm[other.pk]
    assert offer_ids_booked(user_id=None) == set()
    # A lone user goes through the compiled statement: the same answer as in a batch.
    assert offer_ids_booked_by_users(user_ids=[user.pk]) == {user.pk: orm[user.pk]}
    assert offer_ids_booked_by_users(user_ids={UserFactory().pk}) == {}


def test_compiled_bookable_query_gives_what_its_orm_twin_gives():
    now = timezone.now()
    offers = [
        OfferFactory(),
        OfferFactory(is_active=False),
        OfferFactory(starts_at=now - timedelta(days=1)),
        OfferFactory(starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=4)),
        OfferFactory(stock=1, booked_quantity=1),
        DigitalOfferFactory(),
    ]
    ids = [offer.pk for offer in offers]
    for moment in (now, now + timedelta(days=2), now + timedelta(days=5)):
        orm = set(
            Offer.objects.bookable(now=moment).filter(pk__in=ids).values_list("pk", flat=True)
        )
        assert offer_ids_still_bookable(ids, now=moment) == orm
    assert offer_ids_still_bookable([]) == set()


def test_compiled_home_query_gives_what_its_orm_twin_gives():
    located = UserFactory(home_latitude=43.3, home_longitude=5.37, home_city="Marseille")
    unlocated = UserFactory(home_latitude=None, home_longitude=None)

    assert list(homes_queryset(located.pk)) == [(43.3, 5.37, "Marseille")]
    assert user_home(located.pk) == Location(latitude=43.3, longitude=5.37, label="Marseille")
    assert list(homes_queryset(unlocated.pk)) == [] and user_home(unlocated.pk) is None
    assert user_home(None) is None
