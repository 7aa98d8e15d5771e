"""The statistics of the experiment report, on per-user arrays (ADR 0022).

Every estimate comes with its 95% confidence interval, every difference
(treatment - control) with its interval and p-value, all from scipy and
statsmodels: Welch's t-test for per-user means, the delta method for ratios
of sums (clicks per impression), a two-proportion z-test for shares of users,
a chi-square test of the sample ratio, and statsmodels' power analysis for the
users an experiment still needs.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportion_effectsize,
    proportions_ztest,
)

CONFIDENCE = 0.95
ALPHA = 1 - CONFIDENCE
# Below this p-value the observed split is too unlikely under the configured one
# to trust anything else the experiment says (the usual threshold, ADR 0022).
SAMPLE_RATIO_ALPHA = 0.001
POWER = 0.8


@dataclass(frozen=True)
class Estimate:
    """A figure and its 95% confidence interval (None when it cannot be computed)."""

    value: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Difference:
    """Treatment - control, its 95% confidence interval and the two-sided p-value."""

    value: float | None
    low: float | None
    high: float | None
    p_value: float | None

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA


@dataclass(frozen=True)
class SampleRatioCheck:
    observed: tuple[int, ...]
    expected_shares: tuple[float, ...]
    p_value: float | None

    @property
    def mismatch(self) -> bool:
        return self.p_value is not None and self.p_value < SAMPLE_RATIO_ALPHA


UNKNOWN_ESTIMATE = Estimate(None, None, None)
UNKNOWN_DIFFERENCE = Difference(None, None, None, None)


def finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def mean_estimate(values: np.ndarray) -> Estimate:
    """The mean with Student's t interval."""
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return UNKNOWN_ESTIMATE
    mean = float(values.mean())
    if len(values) < 2 or values.std() == 0:
        return Estimate(mean, mean, mean)
    low, high = stats.t.interval(CONFIDENCE, df=len(values) - 1, loc=mean, scale=stats.sem(values))
    return Estimate(mean, float(low), float(high))


def mean_difference(treatment: np.ndarray, control: np.ndarray) -> Difference:
    """Welch's t-test: the per-user means of two groups of unequal variances."""
    treatment, control = np.asarray(treatment, float), np.asarray(control, float)
    if len(treatment) < 2 or len(control) < 2:
        return UNKNOWN_DIFFERENCE
    value = float(treatment.mean() - control.mean())
    if treatment.var() == 0 and control.var() == 0:
        return Difference(value, value, value, None)
    result = stats.ttest_ind(treatment, control, equal_var=False)
    interval = result.confidence_interval(confidence_level=CONFIDENCE)
    return Difference(
        value, float(interval.low), float(interval.high), finite_or_none(result.pvalue)
    )


def proportion_estimate(successes: int, total: int) -> Estimate:
    """A share with Wilson's score interval (sound near 0 and 1, unlike the Wald one)."""
    if total == 0:
        return UNKNOWN_ESTIMATE
    low, high = proportion_confint(successes, total, alpha=ALPHA, method="wilson")
    return Estimate(successes / total, float(low), float(high))


def proportion_difference(
    treatment_successes: int, treatment_total: int, control_successes: int, control_total: int
) -> Difference:
    """The two-proportion z-test (pooled under the null), with a Newcombe interval."""
    if treatment_total == 0 or control_total == 0:
        return UNKNOWN_DIFFERENCE
    value = treatment_successes / treatment_total - control_successes / control_total
    successes = treatment_successes + control_successes
    if successes in (0, treatment_total + control_total):
        return Difference(value, value, value, None)
    _, p_value = proportions_ztest(
        [treatment_successes, control_successes], [treatment_total, control_total]
    )
    low, high = confint_proportions_2indep(
        treatment_successes,
        treatment_total,
        control_successes,
        control_total,
        compare="diff",
        method="newcomb",
        alpha=ALPHA,
    )
    return Difference(value, float(low), float(high), finite_or_none(p_value))


def ratio_variance(numerators: np.ndarray, denominators: np.ndarray) -> tuple[float, float]:
    """A ratio of sums and the delta-method variance of that ratio.

    Clicks per impression is Σclicks / Σimpressions over users; a user's
    impressions are not independent draws, so the variance comes from the
    per-user pairs: Var(ȳ/x̄) ≈ (s²_y - 2R s_xy + R² s²_x) / (n x̄²).
    """
    numerators, denominators = np.asarray(numerators, float), np.asarray(denominators, float)
    n = len(numerators)
    ratio = numerators.sum() / denominators.sum()
    covariance = np.cov(numerators, denominators, ddof=1)
    variance = (covariance[0, 0] - 2 * ratio * covariance[0, 1] + ratio**2 * covariance[1, 1]) / (
        n * denominators.mean() ** 2
    )
    return float(ratio), float(max(variance, 0.0))


def ratio_estimate(numerators: np.ndarray, denominators: np.ndarray) -> Estimate:
    if len(numerators) < 2 or np.sum(denominators) == 0:
        return UNKNOWN_ESTIMATE
    ratio, variance = ratio_variance(numerators, denominators)
    half_width = stats.norm.ppf(1 - ALPHA / 2) * math.sqrt(variance)
    return Estimate(ratio, ratio - half_width, ratio + half_width)


def ratio_difference(
    treatment_numerators: np.ndarray,
    treatment_denominators: np.ndarray,
    control_numerators: np.ndarray,
    control_denominators: np.ndarray,
) -> Difference:
    """The difference of two ratios of sums, with a z-test on delta-method variances."""
    if (
        len(treatment_numerators) < 2
        or len(control_numerators) < 2
        or np.sum(treatment_denominators) == 0
        or np.sum(control_denominators) == 0
    ):
        return UNKNOWN_DIFFERENCE
    treatment, treatment_variance = ratio_variance(treatment_numerators, treatment_denominators)
    control, control_variance = ratio_variance(control_numerators, control_denominators)
    value = treatment - control
    standard_error = math.sqrt(treatment_variance + control_variance)
    if standard_error == 0:
        return Difference(value, value, value, None)
    half_width = stats.norm.ppf(1 - ALPHA / 2) * standard_error
    p_value = 2 * stats.norm.sf(abs(value) / standard_error)
    return Difference(value, value - half_width, value + half_width, float(p_value))


def sample_ratio_check(*, observed: list[int], expected_shares: list[float]) -> SampleRatioCheck:
    """Pearson's chi-square of the observed group sizes against the expected split."""
    total = sum(observed)
    if total == 0 or any(share <= 0 for share in expected_shares):
        return SampleRatioCheck(tuple(observed), tuple(expected_shares), None)
    expected = [share * total for share in expected_shares]
    result = stats.chisquare(observed, f_exp=expected)
    return SampleRatioCheck(tuple(observed), tuple(expected_shares), float(result.pvalue))


def users_needed_per_arm(*, baseline: float, lift: float) -> int | None:
    """Users per arm for an 80% chance of detecting `lift` (absolute) on a share
    of `baseline` with a two-sided 5% test; None when the question makes no sense."""
    target = baseline + lift
    if not 0 < target < 1 or not 0 <= baseline < 1:
        return None
    effect = abs(proportion_effectsize(target, baseline))
    users = NormalIndPower().solve_power(
        effect_size=effect, alpha=ALPHA, power=POWER, ratio=1.0, alternative="two-sided"
    )
    return math.ceil(users)
