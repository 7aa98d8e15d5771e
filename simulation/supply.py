"""The living catalogue: every simulated night, venues publish offers to replace those gone.

Seeded once, the catalogue would only age: events pass, nothing new is
announced, and after a few weeks the bookings move closer to their events for
that reason alone, which the registry's drift checks rightly call a drift
(ADR 0031). So each night, for each kind of offer (a screening, a concert, an
ebook…), as many offers as stopped being bookable since the first day (past,
sold out) are drawn with the demo generator's catalogue model and published,
their dated events at the horizon (UPCOMING_DAYS ahead), where the seeded
catalogue's upcoming events end. The bookable catalogue keeps its size, its mix
of kinds and its profile of days until the event.
"""

from dataclasses import dataclass
from datetime import date

import numpy as np

from marketplace.demo.catalogue import KINDS, UPCOMING_DAYS, catalogue_generate
from marketplace.demo.clock import local_day
from marketplace.demo.opendata import Communes, Venues, communes_load, venues_load
from marketplace.demo.seed import demo_offers_publish, demo_seed_streams
from marketplace.models import Offer


@dataclass
class LivingCatalogue:
    """What the nightly publication needs: each offer's kind, and how many to keep bookable."""

    kind_of_offer: dict[int, int]  # offer id → index in the demo's KINDS
    bookable_target: np.ndarray  # bookable offers per kind on the first day
    venues: Venues
    communes: Communes
    rng: np.random.Generator

    def kinds_of(self, offer_ids) -> np.ndarray:
        return np.array([self.kind_of_offer[i] for i in offer_ids], dtype=np.int64)


def bookable_per_kind(*, catalogue: LivingCatalogue) -> np.ndarray:
    """Bookable offers now, counted per kind."""
    ids = Offer.objects.bookable().values_list("pk", flat=True)
    return np.bincount(catalogue.kinds_of(ids), minlength=len(KINDS))


def living_catalogue_start(
    *, seed: int, offers: int, months: int, start: date, rng: np.random.Generator
) -> LivingCatalogue:
    """The living catalogue of a world the demo seeded with these arguments.

    The seed stores offers, not their kinds: the seed's catalogue is drawn
    again from its own stream (offer ids follow its order, from 1).
    """
    venues, communes = venues_load(), communes_load()
    seeded = catalogue_generate(
        rng=demo_seed_streams(seed=seed)[0], venues=venues, communes=communes, offers=offers,
        today=local_day(start), months=months,
    )  # fmt: skip
    catalogue = LivingCatalogue(
        kind_of_offer={offer_id: int(kind) for offer_id, kind in enumerate(seeded.kind, start=1)},
        bookable_target=np.zeros(len(KINDS), dtype=np.int64),
        venues=venues,
        communes=communes,
        rng=rng,
    )
    catalogue.bookable_target = bookable_per_kind(catalogue=catalogue)
    return catalogue


@dataclass(frozen=True)
class Publication:
    published: int  # offers published this night
    bookable: int  # bookable offers once they were


def offers_publish_nightly(*, catalogue: LivingCatalogue, today: date) -> Publication:
    """Publish, kind for kind, as many new offers as are missing from the first day's
    bookable catalogue."""
    missing = np.maximum(catalogue.bookable_target - bookable_per_kind(catalogue=catalogue), 0)
    if not missing.any():
        return Publication(published=0, bookable=int(catalogue.bookable_target.sum()))
    day = local_day(today)
    published = catalogue_generate(
        rng=catalogue.rng, venues=catalogue.venues, communes=catalogue.communes,
        offers=int(missing.sum()), today=day, months=0, counts=missing,
        events_from=day + UPCOMING_DAYS,
    )  # fmt: skip
    offer_ids = demo_offers_publish(catalogue=published)
    catalogue.kind_of_offer.update(zip(offer_ids, published.kind.tolist(), strict=True))
    return Publication(
        published=len(offer_ids), bookable=int(bookable_per_kind(catalogue=catalogue).sum())
    )
