"""Demo shoppers: where they live, and the tastes that shape their bookings.

Homes are real communes drawn by population. Tastes are not stored (the models
have no place for them and need none): they only steer the booking history,
which is where a recommender has to find them again.
"""

import unicodedata
from dataclasses import dataclass

import numpy as np

from marketplace.demo import vocabulary as words
from marketplace.demo.catalogue import CATEGORY_INDEX, CATEGORY_SLUGS
from marketplace.demo.clock import DAY, NULL
from marketplace.demo.opendata import Communes

EMAIL_DOMAIN = "demo.passerelle.test"
SHOPPER_EMAIL = "shopper@passerelle.test"
# How many people, in a hundred, have each category among their favourites (roughly
# the audiences of French cultural surveys: cinema first, then books and music).
CATEGORY_APPEAL = {
    "cinema": 20,
    "live-music": 14,
    "shows": 9,
    "museums-heritage": 10,
    "books": 11,
    "recorded-music": 7,
    "films-series": 8,
    "games": 6,
    "art-practice": 5,
    "conferences": 3,
    "press-media": 3,
    "instruments": 2,
}
FAVOURITE_WEIGHTS = np.array([0.6, 0.3, 0.1])
# The demo shopper: a cinema and concert lover in Lyon 3e, who also visits museums.
SHOPPER = {
    "postcode": "69003",
    "favourites": ("cinema", "live-music", "museums-heritage"),
    "radius_km": 12.0,
    "bookings": 24,
    "fidelity": 0.85,
}


@dataclass
class People:
    """Column table of the generated users; row 0 is the demo shopper."""

    commune: np.ndarray  # row of the communes file
    first_name: list[str]
    last_name: list[str]
    email: list[str]
    favourites: np.ndarray  # (n, 3) category indexes, -1 when fewer than three
    favourite_weights: np.ndarray  # (n, 3), rows sum to 1
    fidelity: np.ndarray  # share of bookings in favourite categories
    radius_km: np.ndarray
    activity: np.ndarray  # bookings over the period
    newsletter_consent: np.ndarray

    def __len__(self) -> int:
        return len(self.commune)


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text.lower() if ch.isalnum())


def category_appeal() -> np.ndarray:
    appeal = np.array([CATEGORY_APPEAL[slug] for slug in CATEGORY_SLUGS], dtype=float)
    return appeal / appeal.sum()


def people_generate(
    *, rng: np.random.Generator, communes: Communes, users: int, bookings: int
) -> People:
    """`users` people (the demo shopper first) whose activities add up to about `bookings`."""
    n = users
    commune = rng.choice(len(communes), size=n, p=communes.weight / communes.weight.sum())
    first = [words.FIRST_NAMES[i] for i in rng.integers(0, len(words.FIRST_NAMES), n)]
    last = [words.LAST_NAMES[i] for i in rng.integers(0, len(words.LAST_NAMES), n)]
    email = [
        f"{_ascii(f)}.{_ascii(la)}.{i}@{EMAIL_DOMAIN}"
        for i, (f, la) in enumerate(zip(first, last, strict=True))
    ]

    # 1 to 3 favourite categories without repeats, drawn by appeal (Gumbel top-k).
    how_many = rng.choice([1, 2, 3], size=n, p=[0.3, 0.45, 0.25])
    keys = np.log(category_appeal()) + rng.gumbel(size=(n, len(CATEGORY_SLUGS)))
    favourites = np.argsort(-keys, axis=1, kind="stable")[:, :3]
    favourites[np.arange(3) >= how_many[:, None]] = -1
    weights = np.where(favourites >= 0, FAVOURITE_WEIGHTS, 0.0)
    weights /= weights.sum(axis=1, keepdims=True)

    fidelity = rng.beta(8, 2, n)
    # Country people drive further than city people.
    rural = communes.population[commune] < 10_000
    radius = np.clip(rng.lognormal(np.log(10), 0.6, n) * np.where(rural, 2.0, 1.0), 2, 120)
    # Activity is heavy-tailed: a few enthusiasts, many occasional bookers.
    mean = bookings / max(n, 1)
    activity = rng.poisson(rng.gamma(1.2, mean / 1.2, n))
    consent = rng.random(n) < 0.78

    if n:
        commune[0] = communes.index_of(SHOPPER["postcode"])
        first[0], last[0], email[0] = "Camille", "Durand", SHOPPER_EMAIL
        favourites[0] = [CATEGORY_INDEX[slug] for slug in SHOPPER["favourites"]]
        weights[0] = FAVOURITE_WEIGHTS
        fidelity[0], radius[0] = SHOPPER["fidelity"], SHOPPER["radius_km"]
        activity[0], consent[0] = SHOPPER["bookings"], True
    return People(
        commune=commune,
        first_name=first,
        last_name=last,
        email=email,
        favourites=favourites,
        favourite_weights=weights,
        fidelity=fidelity,
        radius_km=radius,
        activity=activity.astype(np.int64),
        newsletter_consent=consent,
    )


def people_dates(
    *,
    rng: np.random.Generator,
    people: People,
    booking_users: np.ndarray,
    booking_times: np.ndarray,
    window_start: int,
    now: int,
) -> dict[str, np.ndarray]:
    """Sign-up, last log-in and consent times (local seconds) consistent with the bookings.

    People sign up before their first booking (some years ago for the oldest);
    those who never booked signed up at any time; consent is mostly given at sign-up.
    """
    n = len(people)
    first = np.full(n, now, dtype=np.int64)
    np.minimum.at(first, booking_users, booking_times)
    last = np.full(n, NULL, dtype=np.int64)
    np.maximum.at(last, booking_users, booking_times)
    booked = last != NULL
    joined = np.where(
        booked,
        first - rng.integers(DAY // 24, 120 * DAY, n),
        rng.integers(window_start - 730 * DAY, now - DAY, n),
    )
    joined -= joined % 60
    last_login = np.where(booked, np.minimum(last + rng.integers(0, 3 * DAY, n), now), joined)
    at_sign_up = rng.random(n) < 0.85
    consent_at = np.where(
        at_sign_up, joined + rng.integers(0, 600, n), joined + rng.random(n) * (now - joined)
    ).astype(np.int64)
    consent_at = np.where(people.newsletter_consent, consent_at, NULL)
    return {"date_joined": joined, "last_login": last_login, "newsletter_consent_at": consent_at}
