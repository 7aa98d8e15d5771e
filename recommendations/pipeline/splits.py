"""Temporal splits of an interaction log: what a model learns from, and what it is judged on.

`time`: the last `test_fraction` of all interactions (by time) are the test
set, as if the model had been fitted at one moment and used afterwards.
`user-time`: of each user with at least MIN_USER_INTERACTIONS, the last
floor(fraction x n) interactions are the test set; the others stay whole in
training. Ties in time are broken by position in the log, so a split is
reproducible (a tie is never "before": equal times may fall on both sides).
The validation split used for tuning is the same split applied to the
training set alone: it never sees a test interaction (ADR 0020).
"""

from dataclasses import dataclass

import numpy as np

from recommendations.pipeline.interactions import Interactions

TIME = "time"
USER_TIME = "user-time"
SPLIT_KINDS = (TIME, USER_TIME)
MIN_USER_INTERACTIONS = 5


@dataclass(frozen=True)
class Split:
    """Training and test interactions on the same positions.

    `now` is the moment a model is fitted at: the last training interaction's time.
    The training set's catalogue is what may be recommended; by default the
    items seen in training (the dataset's own catalogue further restricts it).
    """

    kind: str
    test_fraction: float
    train: Interactions
    test: Interactions
    now: float


def split_make(interactions: Interactions, *, kind: str, test_fraction: float) -> Split:
    if kind not in SPLIT_KINDS:
        raise ValueError(f"Unknown split {kind!r}; choose one of: {', '.join(SPLIT_KINDS)}.")
    if not 0 < test_fraction < 1:
        raise ValueError("The test fraction must be between 0 and 1 (exclusive).")
    in_test = (
        time_test_mask(interactions, test_fraction=test_fraction)
        if kind == TIME
        else user_time_test_mask(interactions, test_fraction=test_fraction)
    )
    train = interactions.select(~in_test)
    seen = np.bincount(train.items, minlength=interactions.n_items) > 0
    train = train.with_catalogue(interactions.catalogue & seen)
    now = float(train.timestamps.max()) if len(train) else 0.0
    return Split(
        kind=kind,
        test_fraction=test_fraction,
        train=train,
        test=interactions.select(in_test).with_catalogue(train.catalogue),
        now=now,
    )


def validation_split(split: Split) -> Split:
    """The same kind of split carved from `split`'s training set only, for tuning."""
    return split_make(split.train, kind=split.kind, test_fraction=split.test_fraction)


def chronological_order(interactions: Interactions) -> np.ndarray:
    """Positions of the interactions by time, ties by position in the log."""
    return np.argsort(interactions.timestamps, kind="stable")


def time_test_mask(interactions: Interactions, *, test_fraction: float) -> np.ndarray:
    order = chronological_order(interactions)
    n_test = int(np.floor(test_fraction * len(order)))
    in_test = np.zeros(len(order), dtype=bool)
    if n_test:
        in_test[order[len(order) - n_test :]] = True
    return in_test


def user_time_test_mask(interactions: Interactions, *, test_fraction: float) -> np.ndarray:
    """Each user's last floor(fraction x n) interactions, for users with MIN_USER_INTERACTIONS+."""
    return users_last_fraction(
        users=interactions.users,
        timestamps=interactions.timestamps,
        n_users=interactions.n_users,
        fraction=test_fraction,
    )


def users_last_fraction(
    *, users: np.ndarray, timestamps: np.ndarray, n_users: int, fraction: float
) -> np.ndarray:
    """Mask of each user's last floor(fraction x n) interactions (users with
    MIN_USER_INTERACTIONS+), on plain arrays: the ranker hides its validation this way."""
    # Sort by user, then time, then log position: each user's interactions are a run.
    order = np.lexsort((np.arange(len(users)), timestamps, users))
    sorted_users = users[order]
    counts = np.bincount(sorted_users, minlength=n_users)
    n_test = np.where(
        counts >= MIN_USER_INTERACTIONS, np.floor(fraction * counts).astype(np.int64), 0
    )
    run_end = np.cumsum(counts)
    rank_from_end = run_end[sorted_users] - 1 - np.arange(len(order))
    in_test = np.zeros(len(order), dtype=bool)
    in_test[order] = rank_from_end < n_test[sorted_users]
    return in_test
