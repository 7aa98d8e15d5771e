"""Simulated experiments through the report's comparison: false positives of A/A tests,
power against a real effect, the sample-ratio alarm and the wording of the verdict."""

import numpy as np
import pytest

from experiments.comparison import ArmData, arms_compare

START = np.datetime64("2026-11-01")
# The verdict's English wording; the French one is in tests/config/test_i18n.py.
pytestmark = pytest.mark.usefixtures("english")


def simulated_arm(rng, *, users: int, north_star: float, assigned: int | None = None) -> ArmData:
    impressions = rng.poisson(5, users) + 1
    clicks = rng.binomial(impressions, 0.08)
    bookings = rng.poisson(0.4, users)
    return ArmData(
        users_assigned=assigned or users * 2,
        first_exposure_days=START + rng.integers(0, 14, users).astype("timedelta64[D]"),
        impressions=impressions,
        clicks=clicks,
        bookings=bookings,
        attributed_bookings=rng.binomial(bookings, 0.3),
        north_star=rng.random(users) < north_star,
    )


def simulated_experiment(
    seed_or_rng,
    *,
    control: tuple[int, float],
    treatment: tuple[int, float],
    treatment_share: float = 0.5,
):
    """The comparison of two simulated arms given as (users, north-star rate)."""
    rng = np.random.default_rng(seed_or_rng)
    return arms_compare(
        control=simulated_arm(rng, users=control[0], north_star=control[1]),
        treatment=simulated_arm(rng, users=treatment[0], north_star=treatment[1]),
        treatment_share=treatment_share,
    )


def test_about_five_percent_of_200_aa_experiments_are_called_significant():
    rng = np.random.default_rng(2026)
    significant = 0
    for _ in range(200):
        comparison = simulated_experiment(rng, control=(1000, 0.2), treatment=(1000, 0.2))
        significant += comparison.verdict.startswith("Treatment")
    assert 4 <= significant <= 18  # 2 % to 9 % of 200


def test_a_five_point_effect_with_5000_users_per_arm_is_detected():
    comparison = simulated_experiment(5, control=(5000, 0.20), treatment=(5000, 0.25))

    north_star = comparison.metric("north_star")
    assert north_star.difference.significant
    assert north_star.difference.low > 0.02
    assert comparison.verdict.startswith("Treatment raises the north-star metric by")
    assert "— significant" in comparison.verdict


def test_a_55_45_split_configured_as_50_50_on_20000_users_raises_the_mismatch_warning():
    treatment_users = np.random.default_rng(55).binomial(20_000, 0.55)

    comparison = simulated_experiment(
        55, control=(20_000 - treatment_users, 0.2), treatment=(treatment_users, 0.3)
    )

    assert comparison.sample_ratio.mismatch
    # Even a large effect is not reported: the mismatch blocks the verdict.
    assert comparison.verdict.startswith("Sample ratio mismatch: do not trust this experiment")


def test_the_configured_split_is_what_the_sample_ratio_is_checked_against():
    comparison = simulated_experiment(
        10, control=(18_000, 0.2), treatment=(2_000, 0.2), treatment_share=0.1
    )

    assert not comparison.sample_ratio.mismatch


def test_an_underpowered_experiment_says_how_many_more_users_it_needs():
    comparison = simulated_experiment(3, control=(500, 0.2), treatment=(500, 0.2))

    assert comparison.verdict.startswith("No significant difference yet: about ")
    assert comparison.verdict.endswith("more users per arm are needed to detect 2 points.")
    missing = comparison.users_needed_per_arm - 500
    assert f"{missing:,}" in comparison.verdict


def test_every_metric_has_an_interval_per_variant_and_a_tested_difference():
    comparison = simulated_experiment(1, control=(800, 0.2), treatment=(800, 0.2))

    for metric in comparison.metrics:
        for estimate in (metric.control, metric.treatment):
            assert estimate.low <= estimate.value <= estimate.high
        assert metric.difference.low <= metric.difference.value <= metric.difference.high
        assert 0 <= metric.difference.p_value <= 1


def test_only_users_first_exposed_by_a_day_are_kept_until_that_day():
    rng = np.random.default_rng(4)
    arm = simulated_arm(rng, users=300, north_star=0.2)

    first_week = arm.until(START + np.timedelta64(6, "D"))

    assert 0 < first_week.users_exposed < arm.users_exposed
    assert (first_week.first_exposure_days <= START + np.timedelta64(6, "D")).all()


@pytest.mark.parametrize("north_star", [0.0, 1.0])
def test_degenerate_arms_give_no_p_value_rather_than_an_error(north_star):
    comparison = simulated_experiment(0, control=(50, north_star), treatment=(50, north_star))

    assert comparison.metric("north_star").difference.p_value is None


def test_the_verdict_rounds_its_points_as_the_difference_line_does():
    """Django's number_format cuts digits: 4.46 points used to read "4.4" in the verdict
    while the report's difference line said "+4.46", rounded elsewhere to 4.5."""
    comparison = simulated_experiment(5, control=(5000, 0.20), treatment=(5000, 0.25))
    difference = comparison.metric("north_star").difference

    assert f"by {difference.value * 100:.1f} points" in comparison.verdict
    assert f"[{difference.low * 100:.1f}; {difference.high * 100:.1f}]" in comparison.verdict
