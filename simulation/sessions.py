"""One simulated shopper's visit: what they see, and what (if anything) they book.

A shopper sees the homepage list served to them, this week's newsletter if
they opened it today, and what they find by browsing a category they like
near home. They choose with the logit of `simulation.choice` among what they
saw, minus what they already booked and what is sold out, and book through
the marketplace's own booking service.
"""

from dataclasses import dataclass

import numpy as np

from marketplace.models import User
from marketplace.services import BookingError, booking_create
from recommendations.lists import RecommendationList
from simulation.behaviour import Population
from simulation.choice import choice_draw, offer_utilities
from simulation.offers import OfferShelf, distances_km
from simulation.seams import homepage_click, newsletter_click

# A shopper browsing a category goes this far beyond their usual radius, and
# finds this many offers there (a page of search results, not the catalogue).
BROWSE_REACH = 1.5
BROWSE_FOUND = 6
BROWSE_PROBABILITY = 0.5


@dataclass(frozen=True)
class NewsletterOpened:
    send_id: int
    offer_ids: tuple[int, ...]


@dataclass(frozen=True)
class Session:
    """A visit: the homepage list served (None: came only through the newsletter) and the
    newsletter opened today, if any."""

    person: int
    homepage: RecommendationList | None = None
    newsletter: NewsletterOpened | None = None


@dataclass(frozen=True)
class SessionOutcome:
    person: int
    seen: frozenset[int]
    booked_offer_id: int | None
    source: str  # homepage, newsletter or browse; empty without a booking


def browse(
    *, population: Population, person: int, shelf: OfferShelf, rng: np.random.Generator
) -> list[int]:
    """Offer ids found by browsing one category (drawn by taste) within reach of home."""
    category = rng.choice(population.taste.shape[1], p=population.taste[person])
    rows = np.flatnonzero((shelf.category == category) & (shelf.remaining >= 1))
    if len(rows) == 0:
        return []
    distance = distances_km(
        latitude=population.latitude[person],
        longitude=population.longitude[person],
        shelf=shelf,
        rows=rows,
    )
    reachable = rows[distance <= population.radius_km[person] * BROWSE_REACH]
    found = rng.permutation(reachable)[:BROWSE_FOUND]
    return shelf.offer_ids[np.sort(found)].tolist()


def session_live(
    *,
    session: Session,
    population: Population,
    shelf: OfferShelf,
    booked: set[int],
    rng: np.random.Generator,
) -> SessionOutcome:
    """Run one visit; `booked` (the person's live bookings) and the shelf's stock are updated.

    The homepage list was shown (and its exposures logged) when it was served; a
    booked offer that was recommended is reached through its tracked link (a click)
    first.
    """
    person = session.person
    browsed = (
        browse(population=population, person=person, shelf=shelf, rng=rng)
        if rng.random() < BROWSE_PROBABILITY
        else []
    )
    sources: dict[int, str] = {}
    for source, offer_ids in (
        ("homepage", session.homepage.offer_ids if session.homepage else ()),
        ("newsletter", session.newsletter.offer_ids if session.newsletter else ()),
        ("browse", browsed),
    ):
        for offer_id in offer_ids:
            sources.setdefault(offer_id, source)
    seen = frozenset(sources)
    candidates = [i for i in sources if i not in booked]
    rows = shelf.rows(candidates)
    rows = rows[shelf.remaining[rows] >= 1] if len(rows) else rows
    if len(rows) == 0:
        return SessionOutcome(person=person, seen=seen, booked_offer_id=None, source="")
    utilities = offer_utilities(population=population, person=person, shelf=shelf, rows=rows)
    chosen = choice_draw(utilities=utilities, nothing=population.weights.nothing, rng=rng)
    if chosen is None:
        return SessionOutcome(person=person, seen=seen, booked_offer_id=None, source="")
    row = int(rows[chosen])
    offer_id = int(shelf.offer_ids[row])
    if sources[offer_id] == "homepage":
        homepage_click(recommendation_list=session.homepage, offer_id=offer_id)
    elif sources[offer_id] == "newsletter":
        newsletter_click(send_id=session.newsletter.send_id, offer_id=offer_id)
    try:
        booking_create(user=User(pk=int(population.user_ids[person])), offer_id=offer_id)
    except BookingError:
        # The shelf is read at the start of the day's sessions; an offer may
        # have started since. The shopper leaves empty-handed, as on the site.
        return SessionOutcome(person=person, seen=seen, booked_offer_id=None, source="")
    shelf.take(row=row, quantity=1)
    booked.add(offer_id)
    return SessionOutcome(
        person=person, seen=seen, booked_offer_id=offer_id, source=sources[offer_id]
    )
