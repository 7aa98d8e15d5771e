"""The list a strategy serves is the list the offline evaluation ranks for the same data.

Each test builds bookings in the database, asks the served entry point, then
runs the evaluator's path on the same bookings (the database log, the
strategy's scorer fitted at the same `now`, the pipeline's ranking with the
user's history excluded over the bookable catalogue) and compares the lists.
"""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from recommendations.interaction_log import bookable_catalogue, interactions_from_database
from recommendations.lists import RecommendationRequest
from recommendations.pipeline.scoring import lists_rank, scorer_spec
from recommendations.strategies import recommendation_list_compute
from tests.factories import (
    BookingFactory,
    CategoryFactory,
    DigitalOfferFactory,
    OfferFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

# Homes on the centre of a distance-cache cell, which served distances start from.
HOME = (45.76, 4.84)
CATEGORIES = ("live-music", "museums", "cinema")


def marketplace(seed: int = 5):
    """Offers around Lyon, one far away, two digital; 25 users booking with shared tastes."""
    rng = np.random.default_rng(seed)
    offers = []
    for position in range(12):
        venue = VenueFactory(
            latitude=HOME[0] + rng.uniform(-0.15, 0.15), longitude=HOME[1] + rng.uniform(-0.2, 0.2)
        )
        category = CategoryFactory(slug=CATEGORIES[position % 3])
        offers.append(OfferFactory(venue=venue, category=category))
    offers.append(OfferFactory(venue=VenueFactory(latitude=48.86, longitude=2.38)))
    offers.extend([DigitalOfferFactory(), DigitalOfferFactory()])
    users = UserFactory.create_batch(25, home_latitude=HOME[0], home_longitude=HOME[1])
    now = timezone.now()
    for number, user in enumerate(users):
        taste = rng.choice(len(offers), size=int(rng.integers(2, 6)), replace=False)
        for position in sorted(taste, key=lambda p: (p + number) % 5):
            BookingFactory(
                user=user,
                offer=offers[position],
                created_at=now - timedelta(days=float(rng.uniform(1, 25))),
            )
    return users


def evaluated_offer_ids(*, strategy: str, user_id: int, limit: int) -> list[int]:
    now = timezone.now()
    train = interactions_from_database(until=now)
    train = train.with_catalogue(bookable_catalogue(interactions=train, at=now.timestamp()))
    spec = scorer_spec(strategy)
    scorer = spec.build().fit(train=train, now=now.timestamp())
    users = train.user_positions([user_id])
    ranked = lists_rank(
        scorer=scorer,
        spec=spec,
        train=train,
        users=users,
        k=limit,
        allowed=train.catalogue,
        exclude=train.matrix()[users],
    )[0]
    return train.item_ids[ranked[ranked >= 0]].tolist()


def served_offer_ids(*, strategy: str, user_id: int, limit: int) -> list[int]:
    request = RecommendationRequest(user_id=user_id, limit=limit)
    return recommendation_list_compute(request=request, strategy=strategy).offer_ids


def assert_same_lists(strategy: str, limit: int = 5) -> None:
    users = marketplace()
    compared = 0
    for user in users[:8]:
        served = served_offer_ids(strategy=strategy, user_id=user.pk, limit=limit)
        evaluated = evaluated_offer_ids(strategy=strategy, user_id=user.pk, limit=limit)
        assert served == evaluated, user.pk
        compared += bool(served)
    assert compared >= 6


def test_served_popular_is_the_evaluated_popular():
    assert_same_lists("popular")


def test_served_geo_is_the_evaluated_geo():
    assert_same_lists("geo")


def test_served_itemknn_is_the_evaluated_itemknn():
    assert_same_lists("itemknn")


def test_served_ease_is_the_evaluated_ease():
    assert_same_lists("ease")
