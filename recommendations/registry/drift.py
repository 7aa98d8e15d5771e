"""Input drift: how far the recent distribution of a feature is from the one a model learned on.

At training time each key feature is cut into quantile bins and the share of
rows in each bin is stored with the version; later the same bins are filled
with recent values and compared by the population stability index (PSI).
"""

from dataclasses import dataclass

import numpy as np
from scipy import stats

# Ten quantile bins: the usual PSI granularity; fewer hide shifts, more make each bin noisy.
BIN_COUNT = 10
# An empty bin would make PSI infinite; a tiny share stands for "almost never".
EMPTY_BIN_SHARE = 1e-4
# The chance that sampling noise alone pushes PSI over the noise floor.
NOISE_FLOOR_QUANTILE = 0.999


def feature_bins_compute(*, values: np.ndarray) -> dict:
    """Quantile bin edges of `values` (NaN ignored) and the share of values in each bin."""
    values = values[np.isfinite(values)]
    if values.size == 0:
        return {"edges": [], "shares": [], "count": 0}
    quantiles = np.quantile(values, np.linspace(0, 1, BIN_COUNT + 1)[1:-1])
    # Heavily tied features (prices of 0, whole days) give repeated edges: keep each once.
    edges = np.unique(quantiles)
    shares = bin_shares(values=values, edges=edges)
    return {"edges": edges.tolist(), "shares": shares.tolist(), "count": int(values.size)}


def bin_shares(*, values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Share of `values` in each of the len(edges)+1 bins that `edges` cut (right-closed)."""
    counts = np.bincount(np.searchsorted(edges, values, side="left"), minlength=edges.size + 1)
    return counts / max(values.size, 1)


def population_stability_index(*, expected: np.ndarray, actual: np.ndarray) -> float:
    """PSI = Σ (actual - expected) · ln(actual / expected) over bins (a symmetric KL divergence)."""
    expected = np.maximum(np.asarray(expected, dtype=float), EMPTY_BIN_SHARE)
    actual = np.maximum(np.asarray(actual, dtype=float), EMPTY_BIN_SHARE)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def psi_noise_floor(*, bins: int, expected_count: int, actual_count: int) -> float:
    """The PSI that sampling noise alone stays under with probability NOISE_FLOOR_QUANTILE.

    Between two samples of one distribution, PSI behaves like a chi-square with
    bins - 1 degrees of freedom scaled by (1/n₁ + 1/n₂); so with small samples
    the threshold rises instead of firing on noise.
    """
    scale = 1 / max(expected_count, 1) + 1 / max(actual_count, 1)
    return float(stats.chi2.ppf(NOISE_FLOOR_QUANTILE, df=max(bins - 1, 1)) * scale)


@dataclass(frozen=True)
class DriftResult:
    feature: str
    psi: float | None
    threshold: float
    recent_count: int
    fired: bool
    detail: str


def feature_drift_measure(
    *,
    feature: str,
    training: dict,
    recent_values: np.ndarray,
    psi_threshold: float,
    min_sample: int,
) -> DriftResult:
    """Whether `recent_values` drifted from the training bins of `feature`."""
    recent_values = recent_values[np.isfinite(recent_values)]
    count = int(recent_values.size)
    if not training or not training.get("count"):
        return DriftResult(feature, None, psi_threshold, count, False, "no training statistics")
    if count < min_sample:
        detail = f"{count} recent values, fewer than the {min_sample} needed"
        return DriftResult(feature, None, psi_threshold, count, False, detail)
    edges = np.asarray(training["edges"], dtype=float)
    expected = np.asarray(training["shares"], dtype=float)
    psi = population_stability_index(
        expected=expected, actual=bin_shares(values=recent_values, edges=edges)
    )
    threshold = max(
        psi_threshold,
        psi_noise_floor(bins=expected.size, expected_count=training["count"], actual_count=count),
    )
    fired = psi >= threshold
    detail = f"PSI {psi:.3f} {'≥' if fired else '<'} {threshold:.3f} over {count} recent values"
    return DriftResult(feature, psi, threshold, count, fired, detail)
