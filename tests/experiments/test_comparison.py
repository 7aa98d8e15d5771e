"""Simulated experiments through the report's comparison: false positives of A/A tests,
power against a real effect, the sample-ratio alarm and the wording of the verdict."""

import numpy as np
import pytest

from experiments.comparison import ArmData, arms_compare

START = np.datetime64("2026-11-01")


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


def test_about_five_percent_of_200_aa_experiments_are_called_significant():
    rng = np.random.default_rng(2026)
    significant = 0
    for _ in range(200):
        comparison = arms_compare(
            control=simulated_arm(rng, users=1000, north_star=0.2),
            treatment=simulated_arm(rng, users=1000, north_star=0.2),
            treatment_share=0.5,
        )
        significant += comparison.verdict.startswith("Treatment")
    assert 4 <= significant <= 18  # 2 % to 9 % of 200


def test_a_five_point_effect_with_5000_users_per_arm_is_detected():
    rng = np.random.default_rng(5)

    comparison = arms_compare(
        control=simulated_arm(rng, users=5000, north_star=0.20),
        treatment=simulated_arm(rng, users=5000, north_star=0.25),
        treatment_share=0.5,
    )

    north_star = comparison.metric("north_star")
    assert north_star.difference.significant
    assert north_star.difference.low > 0.02
    assert comparison.verdict.startswith("Treatment raises the north-star metric by")
    assert "— significant" in comparison.verdict


def test_a_55_45_split_configured_as_50_50_on_20000_users_raises_the_mismatch_warning():
    rng = np.random.default_rng(55)
    treatment_users = rng.binomial(20_000, 0.55)

    comparison = arms_compare(
        control=simulated_arm(rng, users=20_000 - treatment_users, north_star=0.2),
        treatment=simulated_arm(rng, users=treatment_users, north_star=0.3),
        treatment_share=0.5,
    )

    assert comparison.sample_ratio.mismatch
    # Even a large effect is not reported: the mismatch blocks the verdict.
    assert comparison.verdict.startswith("Sample ratio mismatch: do not trust this experiment")


def test_the_configured_split_is_what_the_sample_ratio_is_checked_against():
    rng = np.random.default_rng(10)

    comparison = arms_compare(
        control=simulated_arm(rng, users=18_000, north_star=0.2),
        treatment=simulated_arm(rng, users=2_000, north_star=0.2),
        treatment_share=0.1,
    )

    assert not comparison.sample_ratio.mismatch


def test_an_underpowered_experiment_says_how_many_more_users_it_needs():
    rng = np.random.default_rng(3)

    comparison = arms_compare(
        control=simulated_arm(rng, users=500, north_star=0.2),
        treatment=simulated_arm(rng, users=500, north_star=0.2),
        treatment_share=0.5,
    )

    assert comparison.verdict.startswith("No significant difference yet: about ")
    assert comparison.verdict.endswith("more users per arm are needed to detect 2 points.")
    missing = comparison.users_needed_per_arm - 500
    assert f"{missing:,}" in comparison.verdict


def test_every_metric_has_an_interval_per_variant_and_a_tested_difference():
    rng = np.random.default_rng(1)

    comparison = arms_compare(
        control=simulated_arm(rng, users=800, north_star=0.2),
        treatment=simulated_arm(rng, users=800, north_star=0.2),
        treatment_share=0.5,
    )

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
    rng = np.random.default_rng(0)

    comparison = arms_compare(
        control=simulated_arm(rng, users=50, north_star=north_star),
        treatment=simulated_arm(rng, users=50, north_star=north_star),
        treatment_share=0.5,
    )

    assert comparison.metric("north_star").difference.p_value is None
