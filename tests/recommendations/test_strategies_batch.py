"""The batch entry point `recommendations_for_users` and the popular strategy's batch form."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.models import Booking
from recommendations.candidates import offer_ids_booked_by, offer_ids_booked_by_users
from recommendations.strategies import (
    STRATEGIES,
    Recommendation,
    UnknownStrategyError,
    recommendations_for_user,
    recommendations_for_users,
)
from tests.factories import BookingFactory, OfferFactory, UserFactory

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

    batch = recommendations_for_users(users=users, limit=3, strategy="popular")

    assert set(batch) == {fan.pk, casual.pk, newcomer.pk}
    for user in users:
        assert batch[user.pk] == recommendations_for_user(user=user, limit=3, strategy="popular")
    assert [r.offer for r in batch[fan.pk]] == offers[3:6]
    assert [r.offer for r in batch[casual.pk]] == [offers[0], offers[2], offers[3]]
    assert [r.offer for r in batch[newcomer.pk]] == offers[:3]


def test_popular_batch_queries_do_not_grow_with_the_number_of_users():
    popular_catalogue(4)
    few, many = [UserFactory() for _ in range(2)], [UserFactory() for _ in range(12)]
    recommendations_for_users(users=few, limit=2, strategy="popular")  # caches the ranking

    with CaptureQueriesContext(connection) as for_few:
        recommendations_for_users(users=few, limit=2, strategy="popular")
    with CaptureQueriesContext(connection) as for_many:
        recommendations_for_users(users=many, limit=2, strategy="popular")

    assert len(for_many) == len(for_few) <= 2


def test_popular_batch_skips_offers_sold_out_since_the_ranking():
    offers = popular_catalogue(3)
    user = UserFactory()
    recommendations_for_users(users=[user], limit=2, strategy="popular")  # caches the ranking
    offers[0].stock = offers[0].booked_quantity = 3
    offers[0].save(update_fields=["stock", "booked_quantity"])

    batch = recommendations_for_users(users=[user], limit=2, strategy="popular")

    assert [r.offer for r in batch[user.pk]] == offers[1:3]


def test_strategies_without_a_batch_form_are_asked_user_by_user(monkeypatch):
    def by_email(*, user, limit):
        offer = OfferFactory(title=user.email)
        return [Recommendation(offer=offer, score=1.0, reason="test")][:limit]

    monkeypatch.setitem(STRATEGIES, "by-email", by_email)
    first, second = UserFactory(), UserFactory()

    batch = recommendations_for_users(users=[first, second], limit=5, strategy="by-email")

    assert {pk: [r.offer.title for r in picks] for pk, picks in batch.items()} == {
        first.pk: [first.email],
        second.pk: [second.email],
    }


def test_batch_entry_point_checks_the_strategy_and_the_limit():
    popular_catalogue(2)
    user = UserFactory()

    assert recommendations_for_users(users=[user], limit=0, strategy="popular") == {user.pk: []}
    assert recommendations_for_users(users=[], limit=5, strategy="popular") == {}
    with pytest.raises(UnknownStrategyError, match="popular"):
        recommendations_for_users(users=[user], limit=5, strategy="astrology")


def test_booked_offer_ids_count_only_live_bookings_among_the_asked_offers():
    user, other = UserFactory(), UserFactory()
    kept, cancelled, outside = OfferFactory(), OfferFactory(), OfferFactory()
    BookingFactory(user=user, offer=kept)
    BookingFactory(user=user, offer=outside)
    BookingFactory(user=user, offer=cancelled, status=Booking.Status.CANCELLED)
    BookingFactory(user=other, offer=cancelled)

    assert offer_ids_booked_by(user=user, among=[kept.pk, cancelled.pk]) == {kept.pk}
    assert offer_ids_booked_by(user=user, among=None) == {kept.pk, outside.pk}
    assert offer_ids_booked_by(user=user, among=[]) == set()
    assert offer_ids_booked_by(user=None, among=None) == set()
    assert offer_ids_booked_by_users(user_ids=[user.pk, other.pk, UserFactory().pk]) == {
        user.pk: {kept.pk, outside.pk},
        other.pk: {cancelled.pk},
    }
