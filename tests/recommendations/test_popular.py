import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from marketplace.models import Booking
from recommendations.strategies import UnknownStrategyError
from tests.factories import BookingFactory, DigitalOfferFactory, OfferFactory, UserFactory
from tests.recommended import recommended_offers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def book(offer, times: int, **fields) -> None:
    for _ in range(times):
        BookingFactory(offer=offer, **fields)


def test_popular_ranks_offers_by_recent_live_bookings():
    first, second, third = OfferFactory(), OfferFactory(), DigitalOfferFactory()
    book(second, 3)
    book(first, 5)
    book(third, 1)

    recommendations = recommended_offers(user=UserFactory(), limit=5, strategy="popular")

    assert [r.offer for r in recommendations] == [first, second, third]
    assert [r.score for r in recommendations] == [5.0, 3.0, 1.0]
    assert recommendations[0].reason == "popular this month (5 bookings)"


def test_popular_ignores_cancelled_and_old_bookings():
    recent, old = OfferFactory(), OfferFactory()
    book(recent, 2)
    book(recent, 5, status=Booking.Status.CANCELLED)
    book(old, 4, created_at=timezone.now() - timedelta(days=31))

    recommendations = recommended_offers(user=None, limit=5, strategy="popular")

    assert [(r.offer, r.score) for r in recommendations] == [(recent, 2.0)]


def test_popular_never_recommends_what_the_user_already_booked():
    shopper = UserFactory()
    booked, other = OfferFactory(), OfferFactory()
    book(booked, 4)
    book(other, 1)
    BookingFactory(user=shopper, offer=booked)

    recommendations = recommended_offers(user=shopper, limit=5, strategy="popular")

    assert [r.offer for r in recommendations] == [other]


def test_popular_leaves_out_offers_that_cannot_be_booked():
    past = OfferFactory(starts_at=timezone.now() - timedelta(days=1))
    inactive = OfferFactory(is_active=False)
    sold_out = OfferFactory(stock=2)
    bookable = OfferFactory()
    for offer in (past, inactive, bookable):
        book(offer, 2)
    book(sold_out, 2)

    recommendations = recommended_offers(user=None, limit=5, strategy="popular")

    assert [r.offer for r in recommendations] == [bookable]


def test_popular_breaks_ties_by_offer_id_and_respects_the_limit():
    offers = [OfferFactory() for _ in range(4)]
    for offer in offers:
        book(offer, 2)

    recommendations = recommended_offers(user=None, limit=3, strategy="popular")

    assert [r.offer for r in recommendations] == offers[:3]


def test_an_unknown_strategy_is_refused_with_the_known_names():
    with pytest.raises(UnknownStrategyError, match="popular"):
        recommended_offers(user=None, limit=5, strategy="astrology")


def test_recommend_command_prints_json_with_the_documented_fields():
    offer = OfferFactory(title="Jazz à Vienne")
    book(offer, 2)
    user = UserFactory()
    out = StringIO()

    call_command("recommend", "--user-id", user.pk, "--strategy", "popular", "--json", stdout=out)

    rows = json.loads(out.getvalue())
    assert rows == [
        {
            "offer_id": offer.pk,
            "title": "Jazz à Vienne",
            "category": "live-music",
            "score": 2.0,
            "reason": "popular this month (2 bookings)",
            "distance_km": None,
        }
    ]


def test_recommend_command_prints_a_readable_table():
    book(OfferFactory(title="Orchestre national"), 1)
    out = StringIO()

    call_command("recommend", "--user-id", UserFactory().pk, "--limit", "1", stdout=out)

    assert "1. [live-music] Orchestre national" in out.getvalue()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--user-id", "424242"], "No user with id 424242"),
        (["--strategy", "astrology"], "Unknown strategy 'astrology'"),
        (["--limit", "0"], "--limit must be between 1 and 1000"),
        (["--limit", str(10**20)], "--limit must be between 1 and 1000"),
    ],
)
def test_recommend_command_refuses_bad_input_with_one_line(arguments, message):
    user = UserFactory()
    arguments = arguments if "--user-id" in arguments else ["--user-id", user.pk, *arguments]

    with pytest.raises(CommandError, match=message):
        call_command("recommend", *arguments)


def test_with_redis_down_popular_gives_the_same_list_from_the_database(unavailable_cache):
    first, second = OfferFactory(), OfferFactory()
    book(second, 2)
    book(first, 3)

    recommendations = recommended_offers(user=UserFactory(), limit=5, strategy="popular")

    assert [r.offer for r in recommendations] == [first, second]


def test_the_recommend_command_uses_geo_by_default():
    book(OfferFactory(title="Orchestre national"), 1)
    out = StringIO()

    call_command("recommend", "--user-id", UserFactory().pk, "--json", stdout=out)

    [row] = json.loads(out.getvalue())
    assert row["distance_km"] is not None and "km" in row["reason"]
