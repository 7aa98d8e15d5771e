"""Compare two arms of an experiment: every metric per variant with its interval, the
difference treatment - control, the sample-ratio check and the verdict in plain words.

Works on per-user arrays only (no database), so the report and the simulated
experiments of the tests run the same code.
"""

from dataclasses import dataclass, field

import numpy as np

from experiments.statistics import (
    Difference,
    Estimate,
    SampleRatioCheck,
    mean_difference,
    mean_estimate,
    proportion_difference,
    proportion_estimate,
    ratio_difference,
    ratio_estimate,
    sample_ratio_check,
    users_needed_per_arm,
)

# The smallest effect on the north star worth detecting, in absolute share (2 points).
DETECTABLE_LIFT = 0.02


@dataclass(frozen=True)
class ArmData:
    """One arm's exposed users, one entry per user in every array."""

    users_assigned: int
    first_exposure_days: np.ndarray  # datetime64[D]
    impressions: np.ndarray
    clicks: np.ndarray
    bookings: np.ndarray
    attributed_bookings: np.ndarray
    north_star: np.ndarray  # bool: two or more categories booked in the window

    @property
    def users_exposed(self) -> int:
        return len(self.impressions)

    def until(self, day: np.datetime64) -> "ArmData":
        """The users first exposed on or before `day`."""
        keep = self.first_exposure_days <= day
        return ArmData(
            users_assigned=self.users_assigned,
            first_exposure_days=self.first_exposure_days[keep],
            impressions=self.impressions[keep],
            clicks=self.clicks[keep],
            bookings=self.bookings[keep],
            attributed_bookings=self.attributed_bookings[keep],
            north_star=self.north_star[keep],
        )


@dataclass(frozen=True)
class MetricComparison:
    key: str
    label: str
    # How the figure reads: "share" and "ratio" in percent, "mean" as a number.
    unit: str
    control: Estimate
    treatment: Estimate
    difference: Difference
    test: str
    # Totals behind the figure, per arm, when they speak for themselves (impressions…).
    totals: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Comparison:
    metrics: list[MetricComparison]
    sample_ratio: SampleRatioCheck
    users_needed_per_arm: int | None
    verdict: str

    def metric(self, key: str) -> MetricComparison:
        return next(metric for metric in self.metrics if metric.key == key)


def share_metric(
    key: str, label: str, control_hits, control_total, treatment_hits, treatment_total
):
    return MetricComparison(
        key=key,
        label=label,
        unit="share",
        control=proportion_estimate(int(control_hits), int(control_total)),
        treatment=proportion_estimate(int(treatment_hits), int(treatment_total)),
        difference=proportion_difference(
            int(treatment_hits), int(treatment_total), int(control_hits), int(control_total)
        ),
        test="two-proportion z-test",
        totals={"control": int(control_hits), "treatment": int(treatment_hits)},
    )


def mean_metric(key: str, label: str, control: np.ndarray, treatment: np.ndarray):
    return MetricComparison(
        key=key,
        label=label,
        unit="mean",
        control=mean_estimate(control),
        treatment=mean_estimate(treatment),
        difference=mean_difference(treatment, control),
        test="Welch's t-test",
        totals={"control": int(control.sum()), "treatment": int(treatment.sum())},
    )


def arms_compare(*, control: ArmData, treatment: ArmData, treatment_share: float) -> Comparison:
    """Every metric of the report for two arms; `treatment_share` is the configured
    split (the flag's percentage / 100) that the sample-ratio check expects."""
    metrics = [
        share_metric(
            "exposed",
            "Users exposed (share of assigned)",
            control.users_exposed,
            control.users_assigned,
            treatment.users_exposed,
            treatment.users_assigned,
        ),
        mean_metric(
            "impressions",
            "Impressions per exposed user",
            control.impressions,
            treatment.impressions,
        ),
        MetricComparison(
            key="ctr",
            label="Click-through rate (clicks per impression)",
            unit="ratio",
            control=ratio_estimate(control.clicks, control.impressions),
            treatment=ratio_estimate(treatment.clicks, treatment.impressions),
            difference=ratio_difference(
                treatment.clicks, treatment.impressions, control.clicks, control.impressions
            ),
            test="delta method, z-test",
            totals={"control": int(control.clicks.sum()), "treatment": int(treatment.clicks.sum())},
        ),
        share_metric(
            "clicked",
            "Exposed users who clicked",
            (control.clicks > 0).sum(),
            control.users_exposed,
            (treatment.clicks > 0).sum(),
            treatment.users_exposed,
        ),
        mean_metric("bookings", "Bookings per exposed user", control.bookings, treatment.bookings),
        mean_metric(
            "attributed",
            "Attributed bookings per exposed user",
            control.attributed_bookings,
            treatment.attributed_bookings,
        ),
        share_metric(
            "north_star",
            "North star: exposed users booking 2+ categories",
            control.north_star.sum(),
            control.users_exposed,
            treatment.north_star.sum(),
            treatment.users_exposed,
        ),
    ]
    sample_ratio = sample_ratio_check(
        observed=[control.users_exposed, treatment.users_exposed],
        expected_shares=[1 - treatment_share, treatment_share],
    )
    north_star = next(metric for metric in metrics if metric.key == "north_star")
    needed = (
        users_needed_per_arm(baseline=north_star.control.value, lift=DETECTABLE_LIFT)
        if north_star.control.value is not None
        else None
    )
    verdict = verdict_write(
        north_star=north_star,
        sample_ratio=sample_ratio,
        needed_per_arm=needed,
        smallest_arm=min(control.users_exposed, treatment.users_exposed),
    )
    return Comparison(
        metrics=metrics, sample_ratio=sample_ratio, users_needed_per_arm=needed, verdict=verdict
    )


def points(share: float) -> str:
    return f"{share * 100:.1f}"


def p_value_text(p_value: float) -> str:
    return "p < 0.0001" if p_value < 0.0001 else f"p = {p_value:.4f}"


def verdict_write(
    *,
    north_star: MetricComparison,
    sample_ratio: SampleRatioCheck,
    needed_per_arm: int | None,
    smallest_arm: int,
) -> str:
    """The experiment's conclusion in one sentence, about the north-star metric."""
    if sample_ratio.mismatch:
        return (
            "Sample ratio mismatch: do not trust this experiment "
            f"(exposed users {sample_ratio.observed[0]} control / {sample_ratio.observed[1]} "
            f"treatment, {p_value_text(sample_ratio.p_value)} against the configured split)."
        )
    difference = north_star.difference
    if difference.value is None:
        return "No verdict yet: both variants need exposed users."
    if difference.significant:
        direction = "raises" if difference.value > 0 else "lowers"
        return (
            f"Treatment {direction} the north-star metric by {points(abs(difference.value))} "
            f"points [{points(difference.low)}; {points(difference.high)}], "
            f"{p_value_text(difference.p_value)} — significant."
        )
    if needed_per_arm is None:
        return "No significant difference yet."
    missing = needed_per_arm - smallest_arm
    lift = points(DETECTABLE_LIFT).rstrip("0").rstrip(".")
    if missing > 0:
        return (
            f"No significant difference yet: about {missing:,} more users per arm are needed "
            f"to detect {lift} points."
        )
    return (
        f"No significant difference: with {smallest_arm:,} users per arm a {lift}-point "
        "effect would most likely have been detected, so any effect is smaller."
    )
