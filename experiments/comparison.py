"""Compare two arms of an experiment: every metric per variant with its interval, the
difference treatment - control, the sample-ratio check and the verdict in plain words.

Works on per-user arrays only (no database), so the report and the simulated
experiments of the tests run the same code.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from django.template.defaultfilters import floatformat
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_lazy

from config.numbers import number_rounded
from experiments.formatting import p_value_text
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
    # How the figure reads: "share" in percent, "mean" as a number.
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


@dataclass(frozen=True)
class MetricSpec:
    """How one metric of the report is estimated per arm and compared between arms."""

    key: str
    label: str  # lazy translations, read in the language active when the report is made
    unit: str
    test: str
    estimate: Callable[[ArmData], Estimate]
    difference: Callable[[ArmData, ArmData], Difference]  # (treatment, control)
    total: Callable[[ArmData], int]


def share_spec(key: str, label: str, hits: Callable[[ArmData], int], total_of) -> MetricSpec:
    """A share of users, `hits(arm)` out of `total_of(arm)`."""
    return MetricSpec(
        key=key,
        label=label,
        unit="share",
        test=gettext_lazy("two-proportion z-test"),
        estimate=lambda arm: proportion_estimate(int(hits(arm)), int(total_of(arm))),
        difference=lambda treatment, control: proportion_difference(
            int(hits(treatment)),
            int(total_of(treatment)),
            int(hits(control)),
            int(total_of(control)),
        ),
        total=lambda arm: int(hits(arm)),
    )


def mean_spec(key: str, label: str, values: Callable[[ArmData], np.ndarray]) -> MetricSpec:
    """A mean over exposed users of a per-user count."""
    return MetricSpec(
        key=key,
        label=label,
        unit="mean",
        test=gettext_lazy("Welch's t-test"),
        estimate=lambda arm: mean_estimate(values(arm)),
        difference=lambda treatment, control: mean_difference(values(treatment), values(control)),
        total=lambda arm: int(values(arm).sum()),
    )


def exposed(arm: ArmData) -> int:
    return arm.users_exposed


METRICS = (
    share_spec(
        "exposed",
        gettext_lazy("Users exposed (share of assigned)"),
        exposed,
        lambda arm: arm.users_assigned,
    ),
    mean_spec(
        "impressions", gettext_lazy("Impressions per exposed user"), lambda arm: arm.impressions
    ),
    MetricSpec(
        key="ctr",
        label=gettext_lazy("Click-through rate (clicks per impression)"),
        unit="share",
        test=gettext_lazy("delta method, z-test"),
        estimate=lambda arm: ratio_estimate(arm.clicks, arm.impressions),
        difference=lambda treatment, control: ratio_difference(
            treatment.clicks, treatment.impressions, control.clicks, control.impressions
        ),
        total=lambda arm: int(arm.clicks.sum()),
    ),
    share_spec(
        "clicked",
        gettext_lazy("Exposed users who clicked"),
        lambda arm: (arm.clicks > 0).sum(),
        exposed,
    ),
    mean_spec("bookings", gettext_lazy("Bookings per exposed user"), lambda arm: arm.bookings),
    mean_spec(
        "attributed",
        gettext_lazy("Attributed bookings per exposed user"),
        lambda arm: arm.attributed_bookings,
    ),
    share_spec(
        "north_star",
        gettext_lazy("North star: exposed users booking 2+ categories"),
        lambda arm: arm.north_star.sum(),
        exposed,
    ),
)


def arm_estimates(arm: ArmData) -> dict[str, Estimate]:
    """Every metric of one arm, without comparison (for the charts over time)."""
    return {spec.key: spec.estimate(arm) for spec in METRICS}


def arms_compare(*, control: ArmData, treatment: ArmData, treatment_share: float) -> Comparison:
    """Every metric of the report for two arms; `treatment_share` is the split of the
    assigned shoppers that the sample-ratio check expects of the exposed."""
    metrics = [
        MetricComparison(
            key=spec.key,
            # Plain strings: the report is also written as JSON, in the active language.
            label=str(spec.label),
            unit=spec.unit,
            control=spec.estimate(control),
            treatment=spec.estimate(treatment),
            difference=spec.difference(treatment, control),
            test=str(spec.test),
            totals={"control": spec.total(control), "treatment": spec.total(treatment)},
        )
        for spec in METRICS
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
    return number_rounded(share * 100, 1)


def verdict_write(
    *,
    north_star: MetricComparison,
    sample_ratio: SampleRatioCheck,
    needed_per_arm: int | None,
    smallest_arm: int,
) -> str:
    """The experiment's conclusion in one sentence, about the north-star metric."""
    if sample_ratio.mismatch:
        return gettext(
            "Sample ratio mismatch: do not trust this experiment (exposed users %(control)d "
            "control / %(treatment)d treatment, %(p_value)s against the assigned split)."
        ) % {
            "control": sample_ratio.observed[0],
            "treatment": sample_ratio.observed[1],
            "p_value": p_value_text(sample_ratio.p_value),
        }
    difference = north_star.difference
    if difference.value is None:
        return gettext("No verdict yet: both variants need exposed users.")
    if difference.significant:
        figures = {
            "points": points(abs(difference.value)),
            "low": points(difference.low),
            "high": points(difference.high),
            "p_value": p_value_text(difference.p_value),
        }
        if difference.value > 0:
            return (
                gettext(
                    "Treatment raises the north-star metric by %(points)s points "
                    "[%(low)s; %(high)s], %(p_value)s — significant."
                )
                % figures
            )
        return (
            gettext(
                "Treatment lowers the north-star metric by %(points)s points "
                "[%(low)s; %(high)s], %(p_value)s — significant."
            )
            % figures
        )
    if needed_per_arm is None:
        return gettext("No significant difference yet.")
    missing = needed_per_arm - smallest_arm
    lift = floatformat(DETECTABLE_LIFT * 100, -1)
    if missing > 0:
        return gettext(
            "No significant difference yet: about %(missing)s more users per arm are needed "
            "to detect %(lift)s points."
        ) % {"missing": number_format(missing, force_grouping=True), "lift": lift}
    return gettext(
        "No significant difference: with %(users)s users per arm a %(lift)s-point effect "
        "would most likely have been detected, so any effect is smaller."
    ) % {"users": number_format(smallest_arm, force_grouping=True), "lift": lift}
