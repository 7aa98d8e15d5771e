"""The serving path's fixed SQL statement stays equal to the ORM's definitions, in both its
forms (prepared with arrays on PostgreSQL, portable elsewhere) and both its shapes (model
instances, OfferCards)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone

from marketplace.models import Booking, Offer
from recommendations.servable import (
    SERVABLE_READ_AHEAD,
    OfferCard,
    servable_head_length,
    servable_offer_cards,
    servable_offers,
    servable_rows,
)
from tests.factories import (
    BookingFactory,
    CategoryFactory,
    DigitalOfferFactory,
    OfferFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# The portable form runs everywhere; the prepared one only on PostgreSQL.
FORMS = [
    pytest.param(True, id="portable"),
    pytest.param(False, id="prepared", marks=pytest.mark.postgres),
]


@pytest.fixture(params=FORMS)
def portable(request, monkeypatch):
    """Run the test with the statement in one form, whatever the database's default."""
    import recommendations.servable as servable

    def in_form(**kwargs):
        return servable_rows(**kwargs, portable=request.param)

    monkeypatch.setattr(servable, "servable_rows", in_form)
    return request.param


def orm_servable(*, offer_ids, user_id, categories, now) -> set[int]:
    """The definition: bookable offers, in the categories asked, minus the user's live bookings."""
    offers = Offer.objects.bookable(now=now).filter(pk__in=offer_ids)
    if categories:
        offers = offers.filter(category__slug__in=categories)
    booked = Booking.objects.live().filter(user_id=user_id, offer_id=OuterRef("pk"))
    return set(offers.exclude(Exists(booked)).values_list("pk", flat=True))


def as_loaded(offer: Offer) -> tuple[dict, dict, dict | None]:
    """Every column of the offer, its category and its venue, as loaded."""

    def columns(instance) -> dict:
        return {
            field.attname: getattr(instance, field.attname)
            for field in type(instance)._meta.concrete_fields
        }

    venue = None if offer.venue is None else columns(offer.venue)
    return columns(offer), columns(offer.category), venue


@pytest.fixture
def edge_cases():
    """One offer per way of being (or not being) servable, and the user who asks."""
    now = timezone.now()
    hour = timedelta(hours=1)
    user = UserFactory()
    music = CategoryFactory(slug="live-music")
    cinema = CategoryFactory(slug="cinema")
    offers = {
        "undated": OfferFactory(starts_at=None, ends_at=None, category=music),
        "starts later": OfferFactory(starts_at=now + hour, ends_at=None, category=music),
        "started, ends later": OfferFactory(
            starts_at=now - hour, ends_at=now + hour, category=cinema
        ),
        "started, no end": OfferFactory(starts_at=now - hour, ends_at=None, category=music),
        "ended": OfferFactory(starts_at=now - 2 * hour, ends_at=now - hour, category=music),
        "ends exactly now": OfferFactory(starts_at=now - hour, ends_at=now, category=music),
        "inactive": OfferFactory(is_active=False, category=music),
        "no stock limit": OfferFactory(stock=None, category=cinema),
        "sold out": OfferFactory(stock=1, category=music),
        "booked by the user": OfferFactory(stock=10, category=music),
        "booked then cancelled": OfferFactory(stock=10, category=music),
        "booked by someone else": OfferFactory(stock=10, category=music),
        "used by the user": OfferFactory(stock=10, category=cinema),
    }
    BookingFactory(offer=offers["sold out"])
    BookingFactory(offer=offers["booked by the user"], user=user)
    BookingFactory(
        offer=offers["booked then cancelled"], user=user, status=Booking.Status.CANCELLED
    )
    BookingFactory(offer=offers["booked by someone else"])
    BookingFactory(offer=offers["used by the user"], user=user, status=Booking.Status.USED)
    return user, offers, now


@pytest.mark.parametrize("categories", [(), ("live-music",), ("cinema", "live-music"), ("dance",)])
def test_the_statement_selects_what_the_orm_definition_selects(edge_cases, categories, portable):
    user, offers, now = edge_cases
    ids = [offer.pk for offer in offers.values()]

    expected = orm_servable(offer_ids=ids, user_id=user.pk, categories=categories, now=now)
    got = servable_offers(
        offer_ids=ids, user_id=user.pk, categories=categories, now=now, limit=len(ids)
    )

    assert set(got) == expected
    cards = servable_offer_cards(
        offer_ids=ids, user_id=user.pk, categories=categories, now=now, limit=len(ids)
    )
    assert set(cards) == expected


def test_the_edge_cases_are_decided_as_a_shopper_expects(edge_cases, portable):
    user, offers, now = edge_cases

    got = servable_offers(
        offer_ids=[offer.pk for offer in offers.values()],
        user_id=user.pk,
        categories=(),
        now=now,
        limit=99,
    )

    assert {name for name, offer in offers.items() if offer.pk in got} == {
        "undated",
        "starts later",
        "started, ends later",
        "no stock limit",
        "booked then cancelled",
        "booked by someone else",
    }


def test_the_offers_come_loaded_as_select_related_loads_them(edge_cases, portable):
    user, offers, now = edge_cases
    digital = DigitalOfferFactory(price=Decimal("7.50"))
    ids = [offers["starts later"].pk, offers["undated"].pk, digital.pk]

    got = servable_offers(offer_ids=ids, user_id=user.pk, categories=(), now=now, limit=3)

    expected = Offer.objects.select_related("category", "venue").in_bulk(ids)
    assert {pk: as_loaded(offer) for pk, offer in got.items()} == {
        pk: as_loaded(offer) for pk, offer in expected.items()
    }
    assert isinstance(got[digital.pk].price, Decimal)
    assert got[offers["starts later"].pk].starts_at == offers["starts later"].starts_at


def test_the_cards_hold_what_the_loaded_offers_hold(edge_cases, portable):
    user, offers, now = edge_cases
    digital = DigitalOfferFactory(price=Decimal("7.50"))
    ids = [offers["starts later"].pk, digital.pk, offers["undated"].pk]

    got = servable_offer_cards(offer_ids=ids, user_id=user.pk, categories=(), now=now, limit=3)

    expected = Offer.objects.select_related("category", "venue").in_bulk(ids)
    assert list(got) == ids
    assert got == {pk: OfferCard.of(expected[pk]) for pk in ids}
    assert got[digital.pk].venue_name is None and got[digital.pk].price == Decimal("7.50")
    assert got[offers["starts later"].pk].starts_at == offers["starts later"].starts_at


def test_no_ids_selects_nothing_without_a_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert (
            servable_offers(offer_ids=[], user_id=1, categories=(), now=timezone.now(), limit=10)
            == {}
        )


def test_the_first_servable_offers_in_the_lists_order_are_read_up_to_the_limit(
    edge_cases, portable
):
    user, offers, now = edge_cases
    ranked = [
        offers["no stock limit"],
        offers["sold out"],
        offers["undated"],
        offers["ended"],
        offers["starts later"],
        offers["booked by someone else"],
    ]

    got = servable_offers(
        offer_ids=[offer.pk for offer in ranked], user_id=user.pk, categories=(), now=now, limit=3
    )

    assert list(got) == [offers[name].pk for name in ("no stock limit", "undated", "starts later")]


@pytest.mark.postgres
def test_on_postgresql_the_statement_is_prepared_once_for_lists_of_any_length(
    edge_cases, django_assert_num_queries
):
    """Planning the statement cost twice as much as running it (ADR 0016)."""
    user, offers, now = edge_cases
    ids = [offer.pk for offer in offers.values()]

    with django_assert_num_queries(3):
        for count, categories in ((len(ids), ()), (3, ("cinema",)), (1, ())):
            servable_offer_cards(
                offer_ids=ids[:count], user_id=user.pk, categories=categories, now=now, limit=2
            )

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%array_position%"],
        )
        assert cursor.fetchone()[0] == 1


@pytest.fixture
def long_list():
    """A list of 30 offers whose head, 3 offers asked plus the read-ahead, holds only 2
    servable ones; the rest are all servable."""
    now = timezone.now()
    user = UserFactory()
    category = CategoryFactory(slug="theatre")
    head = servable_head_length(3)
    ranked = [OfferFactory(stock=10, category=category) for _ in range(30)]
    for offer in ranked[: head - 2]:
        BookingFactory(offer=offer, user=user)
    return user, [offer.pk for offer in ranked], now, head


def test_a_head_short_of_the_limit_is_completed_from_the_rest_of_the_list(
    long_list, portable, django_assert_num_queries
):
    user, ids, now, head = long_list

    with django_assert_num_queries(2):
        got = servable_offer_cards(offer_ids=ids, user_id=user.pk, categories=(), now=now, limit=3)

    assert list(got) == [ids[head - 2], ids[head - 1], ids[head]]
    servable = orm_servable(offer_ids=ids, user_id=user.pk, categories=(), now=now)
    assert list(got) == [pk for pk in ids if pk in servable][:3]


def test_a_head_holding_the_limit_is_read_alone(long_list, portable, django_assert_num_queries):
    user, ids, now, head = long_list

    with django_assert_num_queries(1):
        got = servable_offers(
            offer_ids=ids[head - 2 :], user_id=user.pk, categories=(), now=now, limit=3
        )

    assert list(got) == ids[head - 2 : head + 1]


def test_with_categories_the_whole_list_is_read_at_once(
    long_list, portable, django_assert_num_queries
):
    user, ids, now, head = long_list

    with django_assert_num_queries(1):
        got = servable_offer_cards(
            offer_ids=ids, user_id=user.pk, categories=("theatre",), now=now, limit=3
        )

    assert list(got) == [ids[head - 2], ids[head - 1], ids[head]]


def test_the_head_is_the_limit_and_half_as_many_again_at_least_the_read_ahead():
    assert servable_head_length(1) == 1 + SERVABLE_READ_AHEAD
    assert servable_head_length(10) == 10 + max(SERVABLE_READ_AHEAD, 5)
    assert servable_head_length(50) == 75
