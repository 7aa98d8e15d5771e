"""Popularity: items by their number of interactions in a window before `now`.

Items nobody chose in the window are not candidates, as in the served list
that ranks only offers booked lately.
"""

from dataclasses import dataclass

import numpy as np

from recommendations.pipeline.interactions import Interactions
from recommendations.pipeline.scoring import NOT_A_CANDIDATE, ScorerSpec, scorer_register

DAY_SECONDS = 86_400


def window_start(*, now: float, window_days: int | None) -> float | None:
    """The first instant counted, None for the whole history."""
    return None if window_days is None else now - window_days * DAY_SECONDS


def window_counts(*, train: Interactions, now: float, window_days: int | None) -> np.ndarray:
    """Interactions per item from the window's start up to `now` (repeats included)."""
    up_to_now = train.select(train.timestamps <= now)
    return up_to_now.item_counts(since=window_start(now=now, window_days=window_days))


@dataclass
class PopularScorer:
    window_days: int | None = None
    counts: np.ndarray | None = None

    def fit(self, *, train: Interactions, now: float) -> "PopularScorer":
        self.counts = window_counts(train=train, now=now, window_days=self.window_days)
        return self

    def score(self, *, users: np.ndarray) -> np.ndarray:
        row = np.where(self.counts > 0, self.counts, NOT_A_CANDIDATE).astype(np.float32)
        return np.broadcast_to(row, (len(users), len(row)))


scorer_register(
    ScorerSpec(
        name="popular",
        make=PopularScorer,
        defaults={"window_days": 30},
        grid=tuple({"window_days": days} for days in (7, 30, 90, 365, None)),
    )
)
