from dataclasses import replace

import numpy as np
import pytest

from marketplace.demo.catalogue import CATEGORY_INDEX, CATEGORY_SLUGS
from marketplace.demo.opendata import communes_load
from marketplace.demo.people import people_generate
from simulation.behaviour import (
    CROWD_AVERSE_DRIFTS,
    DEFAULT_DRIFTS,
    ONE_WAY_DRIFTS,
    BehaviourDrift,
    ChoiceWeights,
    TasteDrift,
    population_build,
    population_drift,
    taste_swap,
    tastes_from_people,
)
from simulation.choice import choice_draw, offer_utilities
from simulation.offers import OfferShelf

NOTHING = ChoiceWeights().nothing


@pytest.fixture(scope="module")
def people():
    return people_generate(
        rng=np.random.default_rng(4), communes=communes_load(), users=300, bookings=3000
    )


@pytest.fixture(scope="module")
def population(people):
    return population_build(
        people=people,
        communes=communes_load(),
        user_ids=np.arange(1, len(people) + 1),
        history_days=60,
        rng=np.random.default_rng(5),
    )


def test_each_person_is_most_interested_in_their_first_favourite(people):
    taste = tastes_from_people(people=people)
    assert np.allclose(taste.sum(axis=1), 1.0)
    assert (taste.argmax(axis=1) == people.favourites[:, 0]).mean() > 0.95


def test_drift_moves_the_named_share_from_source_to_target_and_nothing_else(population):
    drift = TasteDrift(source="cinema", target="shows", share=0.8)
    drifted = population_drift(population=population, drifts=(drift,))
    cinema, shows = CATEGORY_INDEX["cinema"], CATEGORY_INDEX["shows"]
    before, after = population.taste, drifted.taste
    assert np.allclose(after[:, cinema], before[:, cinema] * 0.2)
    assert np.allclose(after[:, shows], before[:, shows] + before[:, cinema] * 0.8)
    untouched = [i for i in range(len(CATEGORY_SLUGS)) if i not in (cinema, shows)]
    assert np.array_equal(after[:, untouched], before[:, untouched])
    assert np.allclose(after.sum(axis=1), 1.0)
    assert np.array_equal(population.taste, before)  # the original population is kept


def test_a_swap_exchanges_the_two_interests_and_nothing_else(population):
    drifted = population_drift(
        population=population, drifts=taste_swap("live-music", "shows", share=0.8)
    )
    music, shows = CATEGORY_INDEX["live-music"], CATEGORY_INDEX["shows"]
    before, after = population.taste, drifted.taste
    assert np.allclose(after[:, music], 0.2 * before[:, music] + 0.8 * before[:, shows])
    assert np.allclose(after[:, shows], 0.2 * before[:, shows] + 0.8 * before[:, music])
    untouched = [i for i in range(len(CATEGORY_SLUGS)) if i not in (music, shows)]
    assert np.array_equal(after[:, untouched], before[:, untouched])
    assert np.allclose(after.sum(axis=1), 1.0)


def test_a_full_swap_twice_gives_back_the_tastes(population):
    swap = taste_swap("cinema", "museums-heritage", share=1.0)
    twice = population_drift(
        population=population_drift(population=population, drifts=swap), drifts=swap
    )
    assert np.allclose(twice.taste, population.taste)


def test_the_default_drift_changes_the_six_categories_it_names_and_keeps_each_appetite(
    population,
):
    drifted = population_drift(population=population, drifts=DEFAULT_DRIFTS)
    named = {CATEGORY_INDEX[slug] for d in DEFAULT_DRIFTS for slug in (d.source, d.target)}
    assert {CATEGORY_SLUGS[i] for i in named} == {
        "live-music", "shows", "recorded-music", "films-series", "cinema", "museums-heritage",
    }  # fmt: skip
    changed = np.flatnonzero(np.any(drifted.taste != population.taste, axis=0))
    assert set(changed.tolist()) == named
    # Each person's interests are exchanged in pairs: per pair, the total stays.
    for first, second in zip(DEFAULT_DRIFTS[::2], DEFAULT_DRIFTS[1::2], strict=True):
        pair = [CATEGORY_INDEX[first.source], CATEGORY_INDEX[second.source]]
        assert np.allclose(
            drifted.taste[:, pair].sum(axis=1), population.taste[:, pair].sum(axis=1)
        )
    assert np.allclose(drifted.taste.sum(axis=1), 1.0)


def test_the_one_way_drift_empties_its_sources_into_its_targets(population):
    drifted = population_drift(population=population, drifts=ONE_WAY_DRIFTS)
    for drift in ONE_WAY_DRIFTS:
        source = CATEGORY_INDEX[drift.source]
        assert np.allclose(drifted.taste[:, source], population.taste[:, source] * 0.2)


def test_a_category_cannot_give_more_interest_than_it_holds(population):
    drifts = (
        TasteDrift(source="cinema", target="shows", share=0.7),
        TasteDrift(source="cinema", target="books", share=0.7),
    )
    with pytest.raises(ValueError, match="cinema"):
        population_drift(population=population, drifts=drifts)


def test_the_logit_picks_nothing_when_every_offer_is_far_below_staying_home():
    rng = np.random.default_rng(0)
    picks = [
        choice_draw(utilities=np.full(5, NOTHING - 20), nothing=NOTHING, rng=rng)
        for _ in range(200)
    ]
    assert picks == [None] * 200


def test_the_logit_follows_the_utilities_shares():
    rng = np.random.default_rng(0)
    utilities = np.array([NOTHING + np.log(3), NOTHING])
    picks = [choice_draw(utilities=utilities, nothing=NOTHING, rng=rng) for _ in range(5000)]
    # Probabilities 3/5, 1/5 and 1/5 for "nothing".
    assert abs(picks.count(0) / 5000 - 0.6) < 0.03
    assert abs(picks.count(None) / 5000 - 0.2) < 0.03


def test_a_behaviour_drift_changes_the_named_weights_and_nothing_else(population):
    drifted = population_drift(
        population=population, drifts=(BehaviourDrift(popularity=-0.1, nothing=0.5),)
    )
    assert drifted.weights == ChoiceWeights(popularity=-0.1, nothing=0.5)
    assert np.array_equal(drifted.taste, population.taste)
    for name in ("user_ids", "latitude", "radius_km", "budget_eur", "visit_rate"):
        assert np.array_equal(getattr(drifted, name), getattr(population, name))
    assert population.weights == ChoiceWeights()  # the original population is kept


def two_offer_shelf(*, popularity: tuple[float, float], kilometres: tuple[float, float]):
    """Two offers of the same category and price, `kilometres` due north of (45, 5)."""
    latitude = 45 + np.array(kilometres) / 111.195  # km per degree of latitude
    return OfferShelf(
        offer_ids=np.array([1, 2]),
        category=np.array([CATEGORY_INDEX["cinema"]] * 2),
        latitude=latitude,
        longitude=np.array([5.0, 5.0]),
        price_eur=np.array([10.0, 10.0]),
        remaining=np.array([np.inf, np.inf]),
        popularity=np.array(popularity, dtype=float),
        row_of={1: 0, 2: 1},
    )


def gap(population, shelf) -> float:
    """Utility of the first offer minus the second's, for the first person."""
    first, second = offer_utilities(population=population, person=0, shelf=shelf, rows=[0, 1])
    return float(first - second)


def test_after_the_crowd_averse_drift_the_crowd_repels_and_only_that_changes(population):
    n = len(population)
    here = replace(population, latitude=np.full(n, 45.0), longitude=np.full(n, 5.0))
    drifted = population_drift(population=here, drifts=CROWD_AVERSE_DRIFTS)
    crowded = two_offer_shelf(popularity=(50, 0), kilometres=(0, 0))
    assert gap(here, crowded) == pytest.approx(0.25 * np.log(51))
    assert gap(drifted, crowded) == pytest.approx(-1.0 * np.log(51))
    # Distance, tastes and prices weigh as before.
    far = two_offer_shelf(popularity=(0, 0), kilometres=(0, 20))
    assert gap(drifted, far) == pytest.approx(gap(here, far))
    assert gap(here, far) == pytest.approx(1.2 * 20 / here.radius_km[0], rel=1e-3)
    assert np.array_equal(drifted.taste, here.taste)
    # Booking nothing is made less tempting, so that the same appetite finds other offers.
    assert drifted.weights.nothing < here.weights.nothing
    assert replace(drifted.weights, popularity=0.25, nothing=1.5) == ChoiceWeights()
