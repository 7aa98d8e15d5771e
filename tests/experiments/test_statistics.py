"""The statistics of the report against published reference values, and the delta
method against the spread of simulated ratios."""

import numpy as np
import pytest

from experiments.statistics import (
    mean_difference,
    mean_estimate,
    proportion_difference,
    proportion_estimate,
    ratio_estimate,
    ratio_variance,
    sample_ratio_check,
    users_needed_per_arm,
)

# Welch's t-test, example 1 of the Wikipedia article "Welch's t-test":
# t = -2.46, df = 24.99, p = 0.021.
WELCH_A1 = [
    27.5,
    21.0,
    19.0,
    23.6,
    17.0,
    17.9,
    16.9,
    20.1,
    21.9,
    22.6,
    23.1,
    19.6,
    19.0,
    21.7,
    21.4,
]
WELCH_A2 = [
    27.1,
    22.0,
    20.8,
    23.4,
    23.4,
    23.5,
    25.8,
    22.0,
    24.8,
    20.2,
    21.9,
    22.1,
    22.9,
    20.5,
    24.4,
]


def test_welch_difference_matches_the_textbook_example():
    difference = mean_difference(WELCH_A1, WELCH_A2)

    assert difference.value == pytest.approx(20.82 - 22.9867, abs=1e-3)
    assert difference.p_value == pytest.approx(0.021, abs=5e-4)
    assert difference.low < difference.value < difference.high < 0
    assert difference.significant


def test_mean_interval_is_student_t_around_the_mean():
    estimate = mean_estimate(WELCH_A1)

    # mean 20.82, s = 2.805, t(0.975, 14) = 2.1448: 20.82 ± 1.553
    assert estimate.value == pytest.approx(20.82)
    assert (estimate.low, estimate.high) == pytest.approx((19.267, 22.373), abs=1e-3)


def test_wilson_interval_matches_newcombe_1998():
    # Newcombe (1998), "Two-sided confidence intervals for the single proportion", 81/263.
    estimate = proportion_estimate(81, 263)

    assert (estimate.low, estimate.high) == pytest.approx((0.2553, 0.3662), abs=1e-4)


def test_difference_of_proportions_matches_newcombe_and_the_pooled_z_test():
    # Newcombe (1998), "Interval estimation for the difference between independent
    # proportions", 56/70 - 48/80: method 10 gives [0.0524; 0.3339].
    difference = proportion_difference(56, 70, 48, 80)

    assert difference.value == pytest.approx(0.2)
    assert (difference.low, difference.high) == pytest.approx((0.0524, 0.3339), abs=1e-4)
    # Pooled z = 0.2 / sqrt(p(1-p)(1/70 + 1/80)) with p = 104/150: z = 2.650, p = 0.0080.
    assert difference.p_value == pytest.approx(0.0080, abs=1e-4)


def test_aspirin_trial_difference_is_significant_as_in_agresti():
    # Agresti, Categorical Data Analysis, Physicians' Health Study: 104/11037 heart
    # attacks on aspirin against 189/11034 on placebo, difference -0.0077 [-0.0107; -0.0047].
    difference = proportion_difference(104, 11037, 189, 11034)

    assert difference.value == pytest.approx(-0.0077, abs=1e-4)
    assert (difference.low, difference.high) == pytest.approx((-0.0107, -0.0047), abs=2e-4)
    assert difference.p_value < 1e-5


def test_delta_method_variance_matches_the_spread_of_simulated_ratios():
    rng = np.random.default_rng(7)
    replications, users = 2000, 400
    impressions = rng.poisson(6, size=(replications, users)) + 1
    # Users differ in their taste for clicking, so clicks of one user are correlated.
    taste = rng.beta(2, 18, size=(replications, users))
    clicks = rng.binomial(impressions, taste)
    ratios = clicks.sum(axis=1) / impressions.sum(axis=1)

    delta_variances = [ratio_variance(clicks[i], impressions[i])[1] for i in range(100)]

    assert np.sqrt(np.mean(delta_variances)) == pytest.approx(ratios.std(ddof=1), rel=0.1)


def test_ratio_interval_brackets_the_ratio_of_sums():
    estimate = ratio_estimate(np.array([1, 0, 2, 1]), np.array([5, 4, 6, 5]))

    assert estimate.value == pytest.approx(4 / 20)
    assert estimate.low < 0.2 < estimate.high


def test_sample_ratio_check_flags_55_45_against_a_50_50_split():
    check = sample_ratio_check(observed=[9000, 11000], expected_shares=[0.5, 0.5])

    # chi-square = 2 x 1000² / 10000 = 200 on one degree of freedom.
    assert check.p_value < 1e-40
    assert check.mismatch


def test_sample_ratio_check_accepts_a_split_close_to_the_configured_one():
    check = sample_ratio_check(observed=[9950, 10050], expected_shares=[0.5, 0.5])

    assert check.p_value == pytest.approx(0.4795, abs=1e-4)
    assert not check.mismatch


def test_users_needed_to_detect_two_points_on_twenty_percent():
    # Cohen's h for 0.22 against 0.20 is 0.0491; n = (1.96 + 0.8416)² / h² = 3254 per arm
    # for a one-sample design, twice that for two independent arms.
    assert users_needed_per_arm(baseline=0.20, lift=0.02) == pytest.approx(6508, abs=2)


def test_no_figures_without_users():
    assert proportion_estimate(0, 0).value is None
    assert mean_difference([], [1.0, 2.0]).p_value is None
