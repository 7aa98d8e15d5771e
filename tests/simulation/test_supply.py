from datetime import timedelta

import numpy as np
import pytest
import time_machine

from marketplace.demo.catalogue import UPCOMING_DAYS
from marketplace.demo.seed import demo_marketplace_seed
from marketplace.models import Offer
from simulation.database import sqlite_database_use
from simulation.loop import SIMULATION_START, local_time
from simulation.supply import living_catalogue_start, offers_publish_nightly

OFFERS = 300
DAYS = 40


def living_catalogue_days(path, *, seed: int, publish: bool = True) -> dict:
    """Seed a small marketplace, then live DAYS nights; the bookable catalogue each night."""
    sizes, far_ahead, titles = [], [], []
    with (
        sqlite_database_use(path=path),
        time_machine.travel(local_time(SIMULATION_START, 3), tick=False) as clock,
    ):
        demo_marketplace_seed(
            users=50, offers=OFFERS, months=2, seed=seed, today=SIMULATION_START,
            progress=False,
        )  # fmt: skip
        catalogue = living_catalogue_start(
            seed=seed, offers=OFFERS, months=2, start=SIMULATION_START,
            rng=np.random.default_rng(seed),
        )  # fmt: skip
        for day in range(DAYS):
            today = SIMULATION_START + timedelta(days=day)
            clock.move_to(local_time(today, 4))
            if publish:
                offers_publish_nightly(catalogue=catalogue, today=today)
            bookable = Offer.objects.bookable()
            sizes.append(bookable.count())
            # Events more than two months ahead: what an ageing catalogue runs out of.
            horizon = local_time(today, 4) + timedelta(days=60)
            far_ahead.append(bookable.filter(starts_at__gt=horizon).count())
        titles = list(Offer.objects.order_by("pk").values_list("title", "starts_at"))
    return {"sizes": sizes, "far_ahead": far_ahead, "titles": titles}


@pytest.mark.django_db
def test_the_bookable_catalogue_keeps_its_size_and_its_far_events(fresh_sqlite):
    living = living_catalogue_days(fresh_sqlite(), seed=2)
    ageing = living_catalogue_days(fresh_sqlite(), seed=2, publish=False)
    first = living["sizes"][0]
    assert all(abs(size - first) <= 0.05 * first for size in living["sizes"])
    # The seed's festival season makes a bump of far events that passes; new events
    # at the horizon keep a share of them (an ageing catalogue keeps none).
    assert min(living["far_ahead"]) >= 0.4 * living["far_ahead"][0] > 0
    # Without the venues' new offers the same world runs out of upcoming events.
    assert ageing["sizes"][-1] < 0.85 * first
    assert ageing["far_ahead"][-1] == 0
    assert UPCOMING_DAYS > 60


@pytest.mark.django_db
def test_the_living_catalogue_is_the_same_for_a_seed_and_differs_for_another(fresh_sqlite):
    first = living_catalogue_days(fresh_sqlite(), seed=3)
    again = living_catalogue_days(fresh_sqlite(), seed=3)
    other = living_catalogue_days(fresh_sqlite(), seed=4)
    assert len(first["titles"]) > OFFERS  # offers were published
    assert first == again
    assert first["titles"][OFFERS:] != other["titles"][OFFERS:]


def test_a_day_of_online_offers_only_and_its_events_at_the_horizon_are_generated():
    from marketplace.demo.catalogue import KINDS, catalogue_generate
    from marketplace.demo.clock import DAY, local_day
    from marketplace.demo.opendata import communes_load, venues_load

    names = [kind.name for kind in KINDS]
    day = local_day(SIMULATION_START)
    venues, communes = venues_load(), communes_load()
    online = np.zeros(len(KINDS), dtype=np.int64)
    online[names.index("ebook")] = 2
    ebooks = catalogue_generate(
        rng=np.random.default_rng(1), venues=venues, communes=communes, offers=2, today=day,
        months=0, counts=online, events_from=day + UPCOMING_DAYS,
    )  # fmt: skip
    assert len(ebooks) == 2 and (ebooks.venue == -1).all() and np.isnan(ebooks.latitude).all()
    concerts = np.zeros(len(KINDS), dtype=np.int64)
    concerts[names.index("concert")] = 5
    new = catalogue_generate(
        rng=np.random.default_rng(1), venues=venues, communes=communes, offers=5, today=day,
        months=0, counts=concerts, events_from=day + UPCOMING_DAYS,
    )  # fmt: skip
    assert (new.starts_at // DAY == day + UPCOMING_DAYS).all()
