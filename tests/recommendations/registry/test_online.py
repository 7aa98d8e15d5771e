"""The online checks fire on a real drop of click-through and stay quiet on noise.

Weeks of exposures are simulated per user, vectorised and seeded: users differ
in how often they see lists and how likely they click, as real users do.
"""

import numpy as np
import pytest

from recommendations.registry.online import (
    RatioSample,
    ratio_drop_compare,
    ratio_drop_fires,
    ratio_relative_change,
)

USERS = 4000
BASE_CTR = 0.05
BOOKING_PER_CLICK = 0.1
DAYS = 7
# The defaults of the settings (ADR 0030).
CONFIDENCE = 0.99
MIN_DROP = 0.10
MIN_IMPRESSIONS = 2000


def simulated_week(
    rng: np.random.Generator, *, weeks: int, ctr_by_day: np.ndarray, users: int = USERS
) -> dict[str, RatioSample]:
    """`weeks` independent weeks of `users` people: impressions per day ~ Poisson, each
    person's click propensity ~ Beta around BASE_CTR, scaled by the day's factor, and
    one click in ten followed by a booking. Both online rates, as the checks see them."""
    propensity = rng.beta(2, 2 / BASE_CTR - 2, size=(weeks, users, 1))
    impressions = rng.poisson(1.5, size=(weeks, users, DAYS))
    clicks = rng.binomial(impressions, np.clip(propensity * ctr_by_day, 0, 1)).sum(axis=2)
    bookings = rng.binomial(clicks, BOOKING_PER_CLICK)
    shown = impressions.sum(axis=2)
    return {
        "click_through": RatioSample.from_users(x=shown, y=clicks),
        "booking_rate": RatioSample.from_users(x=shown, y=bookings),
    }


def fires(recent: RatioSample, reference: RatioSample) -> np.ndarray:
    return ratio_drop_fires(
        recent=recent,
        reference=reference,
        confidence=CONFIDENCE,
        min_relative_drop=MIN_DROP,
        min_impressions=MIN_IMPRESSIONS,
    )


def test_a_hundred_healthy_weeks_raise_at_most_five_false_alarms():
    """A week alarms if any of the four online checks fires: both rates, against the
    champion's first days and against the control arm."""
    rng = np.random.default_rng(20261130)
    steady = np.ones(DAYS)
    first_days, recent, control = (
        simulated_week(rng, weeks=100, ctr_by_day=steady) for _ in range(3)
    )
    alarms = np.zeros(100, dtype=bool)
    for rate in ("click_through", "booking_rate"):
        alarms |= fires(recent[rate], first_days[rate]) | fires(recent[rate], control[rate])
    assert alarms.sum() <= 5


@pytest.mark.parametrize(
    "ctr_by_day",
    [np.full(DAYS, 0.5), np.linspace(1.0, 0.5, DAYS)],
    ids=["halved-all-week", "falling-to-half-over-the-week"],
)
def test_click_through_halved_over_a_week_fires(ctr_by_day):
    rng = np.random.default_rng(7)
    first_days = simulated_week(rng, weeks=20, ctr_by_day=np.ones(DAYS))
    degraded = simulated_week(rng, weeks=20, ctr_by_day=ctr_by_day)
    assert fires(degraded["click_through"], first_days["click_through"]).all()


def test_a_small_significant_dip_does_not_fire():
    """A 3% drop on a huge sample is significant but below the minimum that matters."""
    big = dict(users=1e6, sum_x=1e7, sum_xx=1.2e8)
    reference = RatioSample(**big, sum_y=5e5, sum_yy=1e6, sum_xy=6e6)
    recent = RatioSample(**big, sum_y=4.85e5, sum_yy=0.97e6, sum_xy=5.82e6)
    change, _, high = ratio_relative_change(
        recent=recent, reference=reference, confidence=CONFIDENCE
    )
    assert high < 0 and change == pytest.approx(-0.03)
    assert not fires(recent, reference)


def test_too_few_impressions_never_fire():
    rng = np.random.default_rng(11)
    impressions = rng.poisson(2, size=300)
    reference = RatioSample.from_users(x=impressions, y=rng.binomial(impressions, 0.2))
    recent = RatioSample.from_users(x=impressions, y=np.zeros_like(impressions))
    comparison = ratio_drop_compare(
        name="click_through_vs_first_days",
        recent=recent,
        reference=reference,
        confidence=CONFIDENCE,
        min_relative_drop=MIN_DROP,
        min_impressions=MIN_IMPRESSIONS,
    )
    assert not comparison.fired
    assert "not enough data" in comparison.detail


def test_delta_method_variance_matches_the_spread_of_simulated_ratios():
    """Users are the draws: the variance of Σclicks/Σimpressions over repeated samples
    is what the delta method predicts from one sample."""
    rng = np.random.default_rng(5)
    samples = simulated_week(rng, weeks=1000, ctr_by_day=np.ones(DAYS), users=500)["click_through"]
    observed = np.var(samples.ratio)
    predicted = np.median(samples.ratio_variance)
    assert predicted == pytest.approx(observed, rel=0.15)
