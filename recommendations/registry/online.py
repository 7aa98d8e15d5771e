"""Online health of the champion: is its click-through (or booking) rate significantly lower now?

A rate here is a ratio of sums over users (clicks per impression). Users, not
impressions, are the independent draws, so each period is summarised by
per-user sufficient statistics and the ratio's variance comes from the delta
method (CONVENTIONS §11). Every function works on NumPy arrays as well as on
plain numbers, so a test can simulate a hundred weeks in one call.
"""

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class RatioSample:
    """Sufficient statistics of a ratio Σy/Σx over users: x impressions, y clicks (or bookings)."""

    users: np.ndarray | float
    sum_x: np.ndarray | float
    sum_y: np.ndarray | float
    sum_xx: np.ndarray | float
    sum_yy: np.ndarray | float
    sum_xy: np.ndarray | float

    @classmethod
    def from_users(cls, *, x: np.ndarray, y: np.ndarray, axis: int = -1) -> "RatioSample":
        """Summarise per-user counts (users along `axis`)."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        return cls(
            users=np.sum(x > 0, axis=axis).astype(float),
            sum_x=x.sum(axis=axis),
            sum_y=y.sum(axis=axis),
            sum_xx=(x * x).sum(axis=axis),
            sum_yy=(y * y).sum(axis=axis),
            sum_xy=(x * y).sum(axis=axis),
        )

    def as_dict(self) -> dict:
        return {name: float(value) for name, value in vars(self).items()}

    @property
    def ratio(self) -> np.ndarray | float:
        sum_x, sum_y = np.asarray(self.sum_x, float), np.asarray(self.sum_y, float)
        return np.divide(sum_y, sum_x, out=np.zeros_like(sum_y), where=sum_x > 0)

    @property
    def ratio_variance(self) -> np.ndarray | float:
        """Delta-method variance of Σy/Σx: Var(ȳ - R·x̄) / x̄², with x̄, ȳ per-user means."""
        n = np.maximum(np.asarray(self.users, dtype=float), 2.0)
        mean_x = self.sum_x / n
        ratio = self.ratio
        # The residuals y - R·x sum to zero at R = Σy/Σx, so their sample variance is
        # their sum of squares (expanded in the sums) over n - 1.
        residual_ss = self.sum_yy - 2 * ratio * self.sum_xy + ratio**2 * self.sum_xx
        residual_var = np.maximum(residual_ss, 0) / (n - 1)
        return residual_var / (n * np.maximum(mean_x, 1e-12) ** 2)


@dataclass(frozen=True)
class RatioComparison:
    """Relative change of a rate, `recent` against `reference`, with its interval."""

    name: str
    reference_rate: float
    recent_rate: float
    relative_change: float
    low: float
    high: float
    fired: bool
    detail: str

    def as_dict(self) -> dict:
        return vars(self).copy()


def ratio_relative_change(
    *, recent: RatioSample, reference: RatioSample, confidence: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """recent/reference - 1 and its two-sided interval at `confidence`.

    Built on the log of the ratio of rates (whose variance is the sum of both
    relative variances, the periods or arms being independent samples of
    users), then mapped back, so the interval is never below -100%.
    """
    recent_rate, reference_rate = recent.ratio, reference.ratio
    safe_recent = np.maximum(recent_rate, 1e-12)
    safe_reference = np.maximum(reference_rate, 1e-12)
    log_change = np.log(safe_recent / safe_reference)
    standard_error = np.sqrt(
        recent.ratio_variance / safe_recent**2 + reference.ratio_variance / safe_reference**2
    )
    z = stats.norm.ppf(0.5 + confidence / 2)
    return (
        np.exp(log_change) - 1,
        np.exp(log_change - z * standard_error) - 1,
        np.exp(log_change + z * standard_error) - 1,
    )


def ratio_drop_fires(
    *,
    recent: RatioSample,
    reference: RatioSample,
    confidence: float,
    min_relative_drop: float,
    min_impressions: int,
) -> np.ndarray:
    """Whether the rate fell: the whole interval below zero AND a drop of at least the minimum.

    Vectorised over simulated periods; a period with too few impressions never fires.
    """
    change, _, high = ratio_relative_change(
        recent=recent, reference=reference, confidence=confidence
    )
    enough = (np.asarray(recent.sum_x) >= min_impressions) & (
        np.asarray(reference.sum_x) >= min_impressions
    )
    return enough & (high < 0) & (change <= -min_relative_drop)


def ratio_drop_compare(
    *,
    name: str,
    recent: RatioSample,
    reference: RatioSample,
    confidence: float,
    min_relative_drop: float,
    min_impressions: int,
) -> RatioComparison:
    """One online check, with the figures staff read on the dashboard."""
    fired = bool(
        ratio_drop_fires(
            recent=recent,
            reference=reference,
            confidence=confidence,
            min_relative_drop=min_relative_drop,
            min_impressions=min_impressions,
        )
    )
    change, low, high = (
        float(v)
        for v in ratio_relative_change(recent=recent, reference=reference, confidence=confidence)
    )
    too_few = min(recent.sum_x, reference.sum_x) < min_impressions
    if too_few:
        detail = (
            f"not enough data ({int(recent.sum_x)} and {int(reference.sum_x)} impressions, "
            f"{min_impressions} needed in each)"
        )
    else:
        detail = f"{change:+.1%} [{low:+.1%}; {high:+.1%}] at {confidence:.0%}"
    return RatioComparison(
        name=name,
        reference_rate=float(reference.ratio),
        recent_rate=float(recent.ratio),
        relative_change=change,
        low=low,
        high=high,
        fired=fired,
        detail=detail,
    )
