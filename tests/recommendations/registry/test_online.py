"""The online checks fire on a real drop of click-through and stay quiet on noise.

Weeks of exposures are simulated per person, vectorised and seeded: people
differ in how often they see lists and how likely they click, as real ones do.
"""

import json

import numpy as np
import pytest

from recommendations.registry.online import PerPersonCounts, rate_drop_compare

PEOPLE = 4000
BASE_CTR = 0.05
BOOKING_PER_CLICK = 0.1
DAYS = 7
RATES = ("click_through", "booking_rate")
# The defaults of the settings (ADR 0030).
CONFIDENCE = 0.99
MIN_DROP = 0.10
MIN_IMPRESSIONS = 2000


def simulated_weeks(
    rng: np.random.Generator, *, weeks: int, ctr_by_day: np.ndarray
) -> list[dict[str, PerPersonCounts]]:
    """`weeks` independent weeks of PEOPLE: impressions per day ~ Poisson, each person's
    click propensity ~ Beta around BASE_CTR, scaled by the day's factor, and one click
    in ten followed by a booking. Both online rates of each week, as the checks see them."""
    propensity = rng.beta(2, 2 / BASE_CTR - 2, size=(weeks, PEOPLE, 1))
    daily = rng.poisson(1.5, size=(weeks, PEOPLE, DAYS))
    clicks = rng.binomial(daily, np.clip(propensity * ctr_by_day, 0, 1)).sum(axis=2)
    bookings = rng.binomial(clicks, BOOKING_PER_CLICK)
    impressions = daily.sum(axis=2)
    return [
        {
            "click_through": PerPersonCounts(impressions=impressions[week], events=clicks[week]),
            "booking_rate": PerPersonCounts(impressions=impressions[week], events=bookings[week]),
        }
        for week in range(weeks)
    ]


def fires(recent: PerPersonCounts, reference: PerPersonCounts) -> bool:
    return rate_drop_compare(
        name="check",
        recent=recent,
        reference=reference,
        confidence=CONFIDENCE,
        min_relative_drop=MIN_DROP,
        min_impressions=MIN_IMPRESSIONS,
    ).fired


def test_a_hundred_healthy_weeks_raise_at_most_five_false_alarms():
    """A week alarms if any of the six online checks fires: both rates, against the
    champion's first days, the control arm and the serving variant's previous week."""
    rng = np.random.default_rng(20261130)
    steady = np.ones(DAYS)
    first_days, recent, control, previous = (
        simulated_weeks(rng, weeks=100, ctr_by_day=steady) for _ in range(4)
    )
    alarms = sum(
        any(
            fires(recent[week][rate], first_days[week][rate])
            or fires(recent[week][rate], control[week][rate])
            or fires(recent[week][rate], previous[week][rate])
            for rate in RATES
        )
        for week in range(100)
    )
    assert alarms <= 5


@pytest.mark.parametrize(
    "ctr_by_day",
    [np.full(DAYS, 0.5), np.linspace(1.0, 0.5, DAYS)],
    ids=["halved-all-week", "falling-to-half-over-the-week"],
)
def test_click_through_halved_over_a_week_fires(ctr_by_day):
    rng = np.random.default_rng(7)
    first_days = simulated_weeks(rng, weeks=20, ctr_by_day=np.ones(DAYS))
    degraded = simulated_weeks(rng, weeks=20, ctr_by_day=ctr_by_day)
    assert all(
        fires(week["click_through"], first["click_through"])
        for week, first in zip(degraded, first_days, strict=True)
    )


def test_a_small_significant_dip_does_not_fire():
    """A 4% drop on a huge sample is significant but below the minimum that matters."""
    rng = np.random.default_rng(3)
    impressions = rng.poisson(10, size=400_000)
    reference = PerPersonCounts(impressions, rng.binomial(impressions, 0.05))
    recent = PerPersonCounts(impressions, rng.binomial(impressions, 0.048))
    comparison = rate_drop_compare(
        name="click_through_vs_first_days",
        recent=recent,
        reference=reference,
        confidence=CONFIDENCE,
        min_relative_drop=MIN_DROP,
        min_impressions=MIN_IMPRESSIONS,
    )
    assert comparison.high < 0 and comparison.relative_change > -MIN_DROP
    assert not comparison.fired


def test_too_few_impressions_never_fire():
    rng = np.random.default_rng(11)
    impressions = rng.poisson(2, size=300)
    reference = PerPersonCounts(impressions, rng.binomial(impressions, 0.2))
    recent = PerPersonCounts(impressions, np.zeros_like(impressions))
    assert not fires(recent, reference)


def test_clicks_falling_to_none_fire():
    rng = np.random.default_rng(12)
    impressions = rng.poisson(5, size=2000)
    reference = PerPersonCounts(impressions, rng.binomial(impressions, 0.05))
    assert fires(PerPersonCounts(impressions, np.zeros_like(impressions)), reference)


def test_a_rate_that_had_nothing_to_fall_from_is_stored_as_json():
    impressions = np.full(3000, 5)
    nothing = PerPersonCounts(impressions, np.zeros_like(impressions))
    comparison = rate_drop_compare(
        name="booking_rate_vs_first_days",
        recent=nothing,
        reference=nothing,
        confidence=CONFIDENCE,
        min_relative_drop=MIN_DROP,
        min_impressions=MIN_IMPRESSIONS,
    )
    assert not comparison.fired
    json.dumps(comparison.as_dict(), allow_nan=False)
