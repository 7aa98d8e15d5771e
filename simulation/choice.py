"""How a simulated shopper picks among the offers they saw: a multinomial logit.

Each offer's utility adds the shopper's taste for its category, a cost of
distance relative to how far they are willing to go, a cost of price relative
to their budget, and a pull of popularity (what others book looks safer). The
"book nothing" option has a fixed utility, so a session ends without a booking
when nothing seen is attractive enough. Drawing the argmax of utilities plus
Gumbel noise is exactly sampling the logit's probabilities.
"""

import numpy as np

from simulation.behaviour import Population
from simulation.offers import OfferShelf, distances_km

# Weights of the utility; chosen so that a favourite category near home at a
# price within budget is booked about half the time it is seen, and a far,
# off-taste offer almost never (ADR 0031 says how little these are worth).
TASTE_WEIGHT = 1.5
DISTANCE_WEIGHT = 1.2
PRICE_WEIGHT = 0.8
POPULARITY_WEIGHT = 0.25
DIGITAL_OFFER_UTILITY = -0.8
NOTHING_UTILITY = 1.5


def offer_utilities(
    *, population: Population, person: int, shelf: OfferShelf, rows: np.ndarray
) -> np.ndarray:
    """The utility, for person `person`, of the offers at `rows` of the shelf."""
    categories = population.taste.shape[1]
    taste = np.log(population.taste[person, shelf.category[rows]] * categories)
    distance = distances_km(
        latitude=population.latitude[person],
        longitude=population.longitude[person],
        shelf=shelf,
        rows=rows,
    )
    digital = np.isnan(shelf.latitude[rows])
    return (
        TASTE_WEIGHT * taste
        - DISTANCE_WEIGHT * distance / population.radius_km[person]
        - PRICE_WEIGHT * shelf.price_eur[rows] / population.budget_eur[person]
        + POPULARITY_WEIGHT * np.log1p(shelf.popularity[rows])
        + np.where(digital, DIGITAL_OFFER_UTILITY, 0.0)
    )


def choice_draw(*, utilities: np.ndarray, rng: np.random.Generator) -> int | None:
    """The index of the chosen offer, or None when "book nothing" wins.

    Always draws one Gumbel per option plus one for nothing, so that the random
    stream advances the same way whatever is chosen.
    """
    noisy = np.append(utilities, NOTHING_UTILITY) + rng.gumbel(size=len(utilities) + 1)
    chosen = int(np.argmax(noisy))
    return None if chosen == len(utilities) else chosen
