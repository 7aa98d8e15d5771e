"""The simulated world at day 0: the demo marketplace seeded, and its people as shoppers."""

from dataclasses import dataclass
from datetime import date

import numpy as np

from marketplace.demo.opendata import communes_load
from marketplace.demo.seed import (
    default_bookings,
    demo_marketplace_seed,
    demo_people_generate,
    demo_seed_streams,
)
from marketplace.models import User
from simulation.behaviour import Population, population_build
from simulation.database import simulation_database_check

HISTORY_MONTHS = 2
OFFERS_PER_USER = 0.5
MIN_OFFERS = 200
DAYS_PER_MONTH = 30.44


@dataclass(frozen=True)
class World:
    population: Population
    start: date
    history_days: int


def catalogue_size(*, users: int) -> int:
    return max(MIN_OFFERS, round(users * OFFERS_PER_USER))


def world_create(
    *, users: int, seed: int, start: date, rng: np.random.Generator, progress: bool = False
) -> World:
    """Seed the demo marketplace as of `start` and rebuild its people's tastes.

    Raises DatabaseRefused unless the database is free of marketplace data
    (RealDataRefused when it holds real bookings).
    """
    simulation_database_check()
    demo_marketplace_seed(
        users=users,
        offers=catalogue_size(users=users),
        months=HISTORY_MONTHS,
        seed=seed,
        today=start,
        progress=progress,
    )
    people = demo_people_generate(
        stream=demo_seed_streams(seed=seed)[1],
        communes=(communes := communes_load()),
        users=users,
        target_bookings=default_bookings(users=users, months=HISTORY_MONTHS),
    )
    ids_by_email = dict(User.objects.filter(is_staff=False).values_list("email", "pk"))
    population = population_build(
        people=people,
        communes=communes,
        user_ids=np.array([ids_by_email[email] for email in people.email]),
        history_days=HISTORY_MONTHS * DAYS_PER_MONTH,
        rng=rng,
    )
    return World(
        population=population, start=start, history_days=round(HISTORY_MONTHS * DAYS_PER_MONTH)
    )
