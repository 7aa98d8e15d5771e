"""Simulated shoppers: the demo generator's people, read as tastes, reach, budget and activity.

The demo seed draws each person's favourite categories, fidelity, travel
radius and activity to write a booking history; the simulator draws the same
people again from the same seed (they are not stored) and turns them into the
parameters of a choice model. Only the budget and the daily visit rate are
added here, derived from the same random stream of the run.
"""

from dataclasses import asdict, dataclass, replace

import numpy as np

from marketplace.demo.catalogue import CATEGORY_INDEX, CATEGORY_SLUGS
from marketplace.demo.opendata import Communes
from marketplace.demo.people import People, category_appeal

# Median budget for one booking (euros) and its spread: most cultural outings cost
# under 30 €, a few people pay for festivals and concerts without blinking.
BUDGET_MEDIAN_EUR, BUDGET_SIGMA = 25.0, 0.6
# A visit ends in a booking about this often, so a person with the demo's activity
# visits 1 / VISITS_PER_BOOKING times as often as they book.
BOOKINGS_PER_VISIT = 0.35
VISIT_RATE_BOUNDS = (0.01, 0.6)


@dataclass(frozen=True)
class ChoiceWeights:
    """How a shopper weighs what they see (`simulation.choice`): chosen so that a favourite
    category near home at a price within budget is booked about half the time it is seen,
    and a far, off-taste offer almost never (ADR 0031 says how little these are worth).
    The same for everyone; a behaviour drift changes them for everyone."""

    taste: float = 1.5
    distance: float = 1.2  # per radius of travel tolerance
    price: float = 0.8  # per budget
    popularity: float = 0.25  # per log(1 + bookings of the last 30 days): the crowd's pull
    digital: float = -0.8  # an offer with no venue is less of an outing
    nothing: float = 1.5  # the utility of booking nothing


@dataclass(frozen=True)
class Population:
    """One row per simulated shopper (the demo's people, in their order)."""

    user_ids: np.ndarray  # database ids
    taste: np.ndarray  # (n, categories): share of interest per category, rows sum to 1
    latitude: np.ndarray
    longitude: np.ndarray
    radius_km: np.ndarray  # travel tolerance
    budget_eur: np.ndarray
    visit_rate: np.ndarray  # probability of visiting the site on a given day
    newsletter_reader: np.ndarray  # consent given, so they receive the newsletter
    weights: ChoiceWeights = ChoiceWeights()

    def __len__(self) -> int:
        return len(self.user_ids)


def tastes_from_people(*, people: People) -> np.ndarray:
    """Interest per category: favourites with the person's fidelity, the rest by general appeal."""
    n, categories = len(people), len(CATEGORY_SLUGS)
    favourite = np.zeros((n, categories))
    rows = np.repeat(np.arange(n), people.favourites.shape[1])
    columns = people.favourites.ravel()
    known = columns >= 0
    np.add.at(favourite, (rows[known], columns[known]), people.favourite_weights.ravel()[known])
    fidelity = people.fidelity[:, None]
    return fidelity * favourite + (1 - fidelity) * category_appeal()[None, :]


def population_build(
    *,
    people: People,
    communes: Communes,
    user_ids: np.ndarray,
    history_days: float,
    rng: np.random.Generator,
) -> Population:
    """The shoppers of the demo's `people`, whose activity was counted over `history_days`."""
    bookings_per_day = people.activity / max(history_days, 1.0)
    return Population(
        user_ids=np.asarray(user_ids, dtype=np.int64),
        taste=tastes_from_people(people=people),
        latitude=communes.latitude[people.commune].astype(float),
        longitude=communes.longitude[people.commune].astype(float),
        radius_km=people.radius_km.astype(float),
        budget_eur=rng.lognormal(np.log(BUDGET_MEDIAN_EUR), BUDGET_SIGMA, len(people)),
        visit_rate=np.clip(bookings_per_day / BOOKINGS_PER_VISIT, *VISIT_RATE_BOUNDS),
        newsletter_reader=people.newsletter_consent.copy(),
    )


@dataclass(frozen=True)
class TasteDrift:
    """Interest moving from one category to another: `share` of each person's interest in
    `source` goes to `target`. Nothing in the system is told."""

    source: str
    target: str
    share: float


def taste_swap(first: str, second: str, *, share: float) -> tuple[TasteDrift, TasteDrift]:
    """`share` of the interest in each of two categories goes to the other: a person who
    liked the first now likes the second as much, and the other way round."""
    return (
        TasteDrift(source=first, target=second, share=share),
        TasteDrift(source=second, target=first, share=share),
    )


@dataclass(frozen=True)
class BehaviourDrift:
    """Everyone's choice weights change to these (None: unchanged); tastes stay. What a
    ranker's weights encode (the pull of popularity, the cost of distance) changes, and
    its nightly inputs cannot follow it as they follow tastes (ADR 0031)."""

    popularity: float | None = None
    distance: float | None = None
    nothing: float | None = None


# The drift first used (until 2026-12-06): cinema, books and recorded music lose ground to
# live shows and museums. It moves interest from offers that everyone can reach (digital
# albums and ebooks, a cinema in most towns) to venues few people live near, at higher
# prices: it removes demand (ADR 0031), so what follows it measures the catalogue as much
# as the recommender. Kept to be named and compared, no longer the default.
ONE_WAY_DRIFTS = (
    TasteDrift(source="cinema", target="shows", share=0.8),
    TasteDrift(source="books", target="museums-heritage", share=0.8),
    TasteDrift(source="recorded-music", target="live-music", share=0.8),
)
# The default drift: interest swaps between categories of like supply (how they are
# delivered, how many offers, at what prices: the demo catalogue's KINDS), so the appetite
# stays and only where it points changes. A ranker that learnt the old tastes shows the
# wrong categories; one that learns the new ones can win back what was lost.
DEFAULT_DRIFTS = (
    *taste_swap("live-music", "shows", share=0.8),  # dated events at venues, 8 € and up
    *taste_swap("recorded-music", "films-series", share=0.8),  # digital, up to 15-17 €
    *taste_swap("cinema", "museums-heritage", share=0.8),  # cheap outings near home
)
# A drift of behaviour, not of tastes: people turn away from what the crowd books (a
# booked-out feeling, a taste for the confidential), the pull of popularity reversed to
# four times its strength. Tastes stay, so the ranker's nightly inputs do not follow it;
# only retraining can (ADR 0031). "Book nothing" is lowered so that the world keeps its
# appetite for this system: a run drifted on day 0, whose every model learnt the drifted
# behaviour, books about as much under `ml` as the run without drift did before day 30
# (5,000 users, seed 1: 97 % of the bookings and of the 7-day north star at -2.3, 90 % and
# 94 % at -1.8). Calibrated on an oracle's six best offers instead (-0.3 with a reversal of
# -0.5), the world left this ranker 82 % at most, and the recovery measured the world.
CROWD_AVERSE_DRIFTS = (BehaviourDrift(popularity=-1.0, nothing=-2.3),)
DRIFTS = {"swap": DEFAULT_DRIFTS, "one-way": ONE_WAY_DRIFTS, "crowd-averse": CROWD_AVERSE_DRIFTS}


def population_drift(
    *, population: Population, drifts: tuple[TasteDrift | BehaviourDrift, ...]
) -> Population:
    """The same people with their interest moved and their choice weights changed as
    `drifts` say; taste rows still sum to 1.

    Every move takes its share of the interest held before the drift, so that moves
    do not chain (a swap exchanges two interests instead of returning part of one).
    """
    weights = population.weights
    for drift in drifts:
        if isinstance(drift, BehaviourDrift):
            changed = {name: value for name, value in asdict(drift).items() if value is not None}
            weights = replace(weights, **changed)
    moves = [drift for drift in drifts if isinstance(drift, TasteDrift)]
    outgoing: dict[str, float] = {}
    for drift in moves:
        outgoing[drift.source] = outgoing.get(drift.source, 0.0) + drift.share
    if any(not 0 <= share <= 1 for share in outgoing.values()):
        raise ValueError(f"each category can give away 0 to all of its interest: {outgoing}")
    before = population.taste
    taste = before.copy()
    for drift in moves:
        source, target = CATEGORY_INDEX[drift.source], CATEGORY_INDEX[drift.target]
        moved = before[:, source] * drift.share
        taste[:, source] -= moved
        taste[:, target] += moved
    return replace(population, taste=taste, weights=weights)
