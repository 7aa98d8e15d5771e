"""Online health of the champion: is its click-through (or booking) rate significantly lower now?

A rate is a ratio of sums over people (clicks per impression); people, not
impressions, are the independent draws, so each rate's variance is the delta
method's of the experiment report (experiments.statistics, ADR 0022). A check
compares two rates by their relative change, with an interval at the
monitoring's own confidence level, and fires only on a drop that is both
significant and large enough to matter (ADR 0030).
"""

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from experiments.statistics import ratio_variance


@dataclass(frozen=True)
class PerPersonCounts:
    """Each exposed person's impressions and events (clicks, or attributed bookings)."""

    impressions: np.ndarray
    events: np.ndarray

    @property
    def impression_total(self) -> int:
        return int(np.sum(self.impressions))


@dataclass(frozen=True)
class RateComparison:
    """Relative change of a rate, `recent` against `reference`, with its interval."""

    name: str
    reference_rate: float | None
    recent_rate: float | None
    relative_change: float | None
    low: float | None
    high: float | None
    recent_impressions: int
    reference_impressions: int
    fired: bool
    detail: str

    def as_dict(self) -> dict:
        return asdict(self)


def rate_relative_change(
    *, recent: PerPersonCounts, reference: PerPersonCounts, confidence: float
) -> tuple[float, float, float]:
    """recent/reference - 1 and its two-sided interval at `confidence`.

    Built on the log of the ratio of rates (its variance is the sum of both
    relative variances, the two samples of people being independent), then
    mapped back, so that the interval never goes below -100%.
    """
    recent_rate, recent_variance = ratio_variance(recent.events, recent.impressions)
    reference_rate, reference_variance = ratio_variance(reference.events, reference.impressions)
    if reference_rate <= 0:
        # Nothing to fall from.
        return 0.0, -1.0, float("inf")
    if recent_rate <= 0:
        # No event at all lately: the log scale has no answer; the rule of three bounds
        # the rate from above (3 / impressions at 95%).
        return -1.0, -1.0, float(3 / recent.impression_total / reference_rate - 1)
    log_change = np.log(recent_rate / reference_rate)
    standard_error = np.sqrt(
        recent_variance / recent_rate**2 + reference_variance / reference_rate**2
    )
    z = stats.norm.ppf(0.5 + confidence / 2)
    return (
        float(np.expm1(log_change)),
        float(np.expm1(log_change - z * standard_error)),
        float(np.expm1(log_change + z * standard_error)),
    )


def rate_drop_compare(
    *,
    name: str,
    recent: PerPersonCounts,
    reference: PerPersonCounts,
    confidence: float,
    min_relative_drop: float,
    min_impressions: int,
) -> RateComparison:
    """One online check: it fires when the whole interval lies below zero AND the drop is
    at least `min_relative_drop`; with fewer than `min_impressions` on a side, never."""
    counts = {
        "recent_impressions": recent.impression_total,
        "reference_impressions": reference.impression_total,
    }
    if min(counts.values()) < min_impressions or min(len(recent.events), len(reference.events)) < 2:
        detail = (
            f"not enough data ({counts['recent_impressions']} and "
            f"{counts['reference_impressions']} impressions, {min_impressions} needed in each)"
        )
        return RateComparison(
            name, None, None, None, None, None, **counts, fired=False, detail=detail
        )
    change, low, high = rate_relative_change(
        recent=recent, reference=reference, confidence=confidence
    )
    fired = high < 0 and change <= -min_relative_drop
    return RateComparison(
        name=name,
        reference_rate=float(np.sum(reference.events) / reference.impression_total),
        recent_rate=float(np.sum(recent.events) / recent.impression_total),
        relative_change=change,
        low=low,
        high=high,
        **counts,
        fired=fired,
        detail=f"{change:+.1%} [{low:+.1%}; {high:+.1%}] at {confidence:.0%}",
    )
