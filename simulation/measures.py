"""The north-star metric per variant and day, as the dashboard defines it.

A user is active over a window when they hold a live booking created in it;
the north star is the share of active users whose bookings of the window
span at least two categories (metrics.computations, ADR 0007).
"""

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from metrics.computations import ROLLING_WINDOW_DAYS, day_start, live_bookings_between


@dataclass(frozen=True)
class VariantWindow:
    """Per active user of one variant over a window: booked two categories or more."""

    multi_category: np.ndarray  # bool per active user

    @property
    def active_users(self) -> int:
        return len(self.multi_category)

    @property
    def multi_category_users(self) -> int:
        return int(self.multi_category.sum())

    @property
    def north_star(self) -> float | None:
        return float(self.multi_category.mean()) if len(self.multi_category) else None


def variant_windows(
    *, end: date, variant_of_user: dict[int, str], days: int = ROLLING_WINDOW_DAYS
) -> dict[str, VariantWindow]:
    """Each variant's active users over the `days` days ending on `end` (included): the
    dashboard's 30 by default."""
    pairs = np.array(
        list(
            live_bookings_between(
                day_start(end - timedelta(days=days - 1)),
                day_start(end + timedelta(days=1)),
            )
            # Without order_by(), the model's ordering (created_at) joins the DISTINCT and a
            # user's two bookings of one category counted as two categories.
            .order_by()
            .values_list("user_id", "offer__category_id")
            .distinct()
        ),
        dtype=np.int64,
    ).reshape(-1, 2)
    users, categories = np.unique(pairs[:, 0], return_counts=True)
    windows = {}
    for variant in sorted(set(variant_of_user.values())):
        mine = np.array([variant_of_user.get(u) == variant for u in users.tolist()], dtype=bool)
        windows[variant] = VariantWindow(multi_category=categories[mine] >= 2)
    return windows
