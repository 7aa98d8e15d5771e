"""Small hand-made worlds for the ranker: two cities, three categories, tastes that show."""

import numpy as np
import pytest

from recommendations.ranking.data import DAY_SECONDS, Catalogue, RankingData

CITIES = np.array([[48.85, 2.35], [45.76, 4.84]])  # Paris, Lyon


def world(
    *, seed: int = 1, n_users: int = 60, n_items: int = 90, per_user: int = 10
) -> RankingData:
    """Users book mostly their favourite category (user % 3) in their city (user % 2)."""
    rng = np.random.default_rng(seed)
    item_category = np.arange(n_items) % 3
    item_city = (np.arange(n_items) // 3) % 2
    jitter = rng.normal(0, 0.03, (n_items, 2))
    places = CITIES[item_city] + jitter
    users, items, times = [], [], []
    for user in range(n_users):
        fitting = np.flatnonzero((item_category == user % 3) & (item_city == user % 2))
        picks = np.where(
            rng.random(per_user) < 0.85,
            rng.choice(fitting, per_user),
            rng.integers(0, n_items, per_user),
        )
        users.extend([user] * per_user)
        items.extend(picks.tolist())
        times.extend((rng.random(per_user) * 60 * DAY_SECONDS).tolist())
    homes = CITIES[np.arange(n_users) % 2]
    return RankingData(
        n_users=n_users,
        user=np.array(users),
        item=np.array(items),
        time=np.array(times),
        catalogue=Catalogue(
            size=n_items, category=item_category, latitude=places[:, 0], longitude=places[:, 1]
        ),
        home_latitude=homes[:, 0].astype(float),
        home_longitude=homes[:, 1].astype(float),
    )


@pytest.fixture
def small_world() -> RankingData:
    return world()
