"""Input drift by population stability index against the training-time bins."""

import numpy as np
import pytest

from recommendations.registry.drift import (
    feature_bins_compute,
    feature_drift_measure,
    population_stability_index,
)


def distance_drift(training_km: np.ndarray, recent_km: np.ndarray, *, min_sample: int = 200):
    return feature_drift_measure(
        feature="distance_km",
        training=feature_bins_compute(values=training_km),
        recent_values=recent_km,
        psi_threshold=0.2,
        min_sample=min_sample,
    )


def test_population_stability_index_matches_a_hand_computed_value():
    expected = np.array([0.5, 0.5])
    actual = np.array([0.25, 0.75])
    by_hand = (0.25 - 0.5) * np.log(0.25 / 0.5) + (0.75 - 0.5) * np.log(0.75 / 0.5)
    assert population_stability_index(expected=expected, actual=actual) == pytest.approx(by_hand)


def test_training_bins_hold_a_tenth_of_the_values_each():
    values = np.random.default_rng(1).lognormal(2, 1, size=10_000)
    bins = feature_bins_compute(values=values)
    assert len(bins["edges"]) == 9 and bins["count"] == 10_000
    assert np.allclose(bins["shares"], 0.1, atol=0.002)


def test_a_shift_of_the_distance_distribution_is_detected():
    rng = np.random.default_rng(2)
    training = rng.lognormal(np.log(8), 0.8, size=20_000)
    # People now travel about twice as far (a venue closed, a line opened).
    farther = rng.lognormal(np.log(16), 0.8, size=3_000)
    result = distance_drift(training, farther)
    assert result.fired, result.detail
    assert result.psi > 0.2


def test_the_same_distance_distribution_is_not_drift():
    rng = np.random.default_rng(3)
    training = rng.lognormal(np.log(8), 0.8, size=20_000)
    assert not distance_drift(training, rng.lognormal(np.log(8), 0.8, size=3_000)).fired


def test_a_small_sample_raises_the_threshold_above_its_noise():
    """With 250 recent values, PSI from noise alone can near 0.1; the threshold rises
    with the sampling noise so that a few bookings never fire."""
    rng = np.random.default_rng(4)
    training = rng.lognormal(np.log(8), 0.8, size=2_000)
    alarms = [
        distance_drift(training, rng.lognormal(np.log(8), 0.8, size=250), min_sample=200).fired
        for _ in range(200)
    ]
    assert sum(alarms) <= 1


def test_too_few_recent_values_are_not_judged():
    rng = np.random.default_rng(5)
    result = distance_drift(rng.normal(10, 2, 5_000), rng.normal(40, 2, 50))
    assert not result.fired and result.psi is None


def test_missing_distances_are_ignored():
    rng = np.random.default_rng(6)
    training = rng.lognormal(np.log(8), 0.8, size=5_000)
    recent = np.concatenate([rng.lognormal(np.log(8), 0.8, size=1_000), np.full(500, np.nan)])
    result = distance_drift(training, recent)
    assert result.recent_count == 1_000 and not result.fired
