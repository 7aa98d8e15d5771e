"""How a simulated shopper picks among the offers they saw: a multinomial logit.

Each offer's utility adds the shopper's taste for its category, a cost of
distance relative to how far they are willing to go, a cost of price relative
to their budget, and a pull of popularity (what others book looks safer), with
the weights of `simulation.behaviour.ChoiceWeights`. The "book nothing" option
has a utility of its own, so a session ends without a booking when nothing seen
is attractive enough. Drawing the argmax of utilities plus
Gumbel noise is exactly sampling the logit's probabilities.
"""

import numpy as np

from simulation.behaviour import Population
from simulation.offers import OfferShelf, distances_km


def offer_utilities(
    *, population: Population, person: int, shelf: OfferShelf, rows: np.ndarray
) -> np.ndarray:
    """The utility, for person `person`, of the offers at `rows` of the shelf."""
    weights = population.weights
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
        weights.taste * taste
        - weights.distance * distance / population.radius_km[person]
        - weights.price * shelf.price_eur[rows] / population.budget_eur[person]
        + weights.popularity * np.log1p(shelf.popularity[rows])
        + np.where(digital, weights.digital, 0.0)
    )


def choice_draw(*, utilities: np.ndarray, nothing: float, rng: np.random.Generator) -> int | None:
    """The index of the chosen offer, or None when "book nothing" (of utility `nothing`) wins.

    Always draws one Gumbel per option plus one for nothing, so that the random
    stream advances the same way whatever is chosen.
    """
    noisy = np.append(utilities, nothing) + rng.gumbel(size=len(utilities) + 1)
    chosen = int(np.argmax(noisy))
    return None if chosen == len(utilities) else chosen
