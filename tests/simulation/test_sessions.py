from decimal import Decimal

import numpy as np
import pytest

from marketplace.demo.catalogue import CATEGORY_INDEX, CATEGORY_SLUGS
from marketplace.models import Booking
from simulation.behaviour import Population
from simulation.offers import offer_shelf_read
from simulation.sessions import BROWSE_REACH, NewsletterOpened, Session, browse, session_live
from tests.factories import CategoryFactory, OfferFactory, UserFactory, VenueFactory

LYON = (45.7578, 4.8320)
PARIS = {"latitude": 48.8566, "longitude": 2.3522}


def music_lovers(user_ids: list[int]) -> Population:
    """People in Lyon who care only for live music, with a 10 km reach and a large budget."""
    n = len(user_ids)
    taste = np.full((n, len(CATEGORY_SLUGS)), 1e-6)
    taste[:, CATEGORY_INDEX["live-music"]] = 1.0
    taste /= taste.sum(axis=1, keepdims=True)
    return Population(
        user_ids=np.array(user_ids),
        taste=taste,
        latitude=np.full(n, LYON[0]),
        longitude=np.full(n, LYON[1]),
        radius_km=np.full(n, 10.0),
        budget_eur=np.full(n, 1000.0),
        visit_rate=np.full(n, 1.0),
        newsletter_reader=np.zeros(n, dtype=bool),
    )


@pytest.mark.django_db
def test_the_last_place_goes_to_one_shopper_and_a_sold_out_offer_to_nobody():
    music = CategoryFactory(slug="live-music")
    last_place = OfferFactory(category=music, price=Decimal("0"), stock=1)
    sold_out = OfferFactory(category=music, price=Decimal("0"), stock=1)
    Booking.objects.create(user=UserFactory(), offer=sold_out, amount=0)
    sold_out.booked_quantity = 1
    sold_out.save(update_fields=["booked_quantity"])
    people = music_lovers([UserFactory().pk for _ in range(6)])
    shelf = offer_shelf_read()
    rng = np.random.default_rng(1)
    outcomes = [
        session_live(
            session=Session(person=p, newsletter=NewsletterOpened(0, (sold_out.pk, last_place.pk))),
            population=people,
            shelf=shelf,
            booked=set(),
            rng=rng,
        )
        for p in range(len(people))
    ]
    booked = [o.booked_offer_id for o in outcomes if o.booked_offer_id is not None]
    assert booked == [last_place.pk]
    assert Booking.objects.filter(offer=last_place).count() == 1
    assert Booking.objects.filter(offer=sold_out).count() == 1  # only the one made before


@pytest.mark.django_db
def test_a_shopper_books_only_what_they_saw_and_never_twice():
    music = CategoryFactory(slug="live-music")
    shown = OfferFactory(category=music, price=Decimal("0"))
    # In Paris: out of a Lyon shopper's browsing reach, and never shown to them.
    unseen = OfferFactory(category=music, price=Decimal("0"), venue=VenueFactory(**PARIS))
    people = music_lovers([UserFactory().pk])
    shelf, rng, booked = offer_shelf_read(), np.random.default_rng(2), set()
    outcomes = [
        session_live(
            session=Session(person=0, newsletter=NewsletterOpened(0, (shown.pk,))),
            population=people,
            shelf=shelf,
            booked=booked,
            rng=rng,
        )
        for _ in range(10)
    ]
    made = [o.booked_offer_id for o in outcomes if o.booked_offer_id]
    assert made == [shown.pk]
    assert all(o.booked_offer_id in o.seen for o in outcomes if o.booked_offer_id)
    assert not Booking.objects.filter(offer=unseen).exists()


@pytest.mark.django_db
def test_browsing_finds_only_offers_of_one_category_within_reach():
    music = CategoryFactory(slug="live-music")
    near = [OfferFactory(category=music) for _ in range(3)]
    far = OfferFactory(category=music, venue=VenueFactory(**PARIS))
    OfferFactory(category=CategoryFactory(slug="cinema"))
    people = music_lovers([UserFactory().pk])
    found = browse(
        population=people, person=0, shelf=offer_shelf_read(), rng=np.random.default_rng(3)
    )
    assert sorted(found) == sorted(offer.pk for offer in near)
    assert far.pk not in found
    assert BROWSE_REACH * 10 < 390  # Paris is ~390 km from Lyon: out of reach
