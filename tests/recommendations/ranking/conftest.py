"""Small hand-made worlds for the ranker: two cities, three categories, tastes that show,
and offers released over time (so that new offers, with no history, get booked)."""

import numpy as np
import pytest

from recommendations.ranking.data import DAY_SECONDS, Catalogue, RankingData

CITIES = np.array([[48.85, 2.35], [45.76, 4.84]])  # Paris, Lyon
DAYS = 60


def world(
    *,
    seed: int = 1,
    n_users: int = 60,
    n_items: int = 90,
    per_user: int = 10,
    fresh_pull: float = 3.0,
) -> RankingData:
    """Users book mostly their favourite category (user % 3) in their city (user % 2),
    among the offers released by then (a third of them come out during the period); an
    offer out for less than 10 days draws `fresh_pull` times more than before."""
    rng = np.random.default_rng(seed)
    item_category = np.arange(n_items) % 3
    item_city = (np.arange(n_items) // 3) % 2
    places = CITIES[item_city] + rng.normal(0, 0.03, (n_items, 2))
    released = np.where(
        np.arange(n_items) >= n_items * 2 // 3, rng.uniform(10, DAYS - 5, n_items), 0.0
    )
    users, items, times = [], [], []
    for user in range(n_users):
        fitting = (item_category == user % 3) & (item_city == user % 2)
        for day in np.sort(rng.random(per_user) * DAYS):
            out = released <= day
            # Fresh offers draw more than old ones: people book what is new.
            appeal = (
                out
                * np.where(fitting, 1.0, 0.03)
                * (1 + fresh_pull * (released > day - 10) * (released > 0))
            )
            users.append(user)
            items.append(int(rng.choice(n_items, p=appeal / appeal.sum())))
            times.append(day * DAY_SECONDS)
    homes = CITIES[np.arange(n_users) % 2]
    return RankingData(
        n_users=n_users,
        user=np.array(users),
        item=np.array(items),
        time=np.array(times),
        catalogue=Catalogue(
            size=n_items,
            category=item_category,
            latitude=places[:, 0],
            longitude=places[:, 1],
            available_from=released * DAY_SECONDS,
        ),
        home_latitude=homes[:, 0].astype(float),
        home_longitude=homes[:, 1].astype(float),
    )


@pytest.fixture
def small_world() -> RankingData:
    return world()
