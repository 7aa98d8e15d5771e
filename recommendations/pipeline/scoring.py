"""The scorer interface: fitted on interactions, it scores every item for some users.

A strategy's scorer is what serving and offline evaluation share. Serving fits
it on the live bookings up to `now` and scores the users asking; evaluation
fits it on a split's training set and scores every evaluated user. Scores are
a dense float32 array (users x items), higher is better; -inf marks an item
that is not a candidate for that user (outside every radius, unknown to the
model), which the ranking leaves out.

A scorer registers a `ScorerSpec`: its name, the attributes it needs (a
dataset without them skips it with a note), its default hyper-parameters
and the grid they are tuned over on a validation split.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from recommendations.pipeline.interactions import Interactions
from recommendations.pipeline.ranking import NO_ITEM, excluded_scores, top_k

NOT_A_CANDIDATE = -np.inf
# Users are scored a block at a time into dense users x items arrays, several alive at
# once: a block's arrays hold at most this many cells each (256 MB of float32; geo's
# distances are float64, twice that). Over the demo's 20k offers a block is still 2,048
# users; over a log of 350k places it is 191, and the evaluation of all five strategies
# there peaked at 4.8 GB instead of 12.3 (ADR 0020).
CELLS_PER_BLOCK = 1 << 26


class Scorer(Protocol):
    def fit(self, *, train: Interactions, now: float) -> "Scorer":
        """Learn from `train` (interactions up to `now`, Unix seconds); returns self."""
        ...

    def score(self, *, users: np.ndarray) -> np.ndarray:
        """(len(users), n_items) float32 scores of the fitted items for `users` (positions)."""
        ...


@dataclass(frozen=True)
class ScorerSpec:
    name: str
    make: Callable[..., Scorer]
    defaults: dict = field(default_factory=dict)
    grid: tuple[dict, ...] = ()
    requires: frozenset[str] = frozenset()
    # A diversification hook (recommendations.pipeline.diversification), or None.
    diversify: Callable[..., np.ndarray] | None = None
    # Scores rows by blocks of at most this many users (fewer over a wide catalogue,
    # `block_users`), to bound the dense arrays' memory.
    users_per_block: int = 2048

    def build(self, **params) -> Scorer:
        return self.make(**{**self.defaults, **params})


SCORERS: dict[str, ScorerSpec] = {}


def block_users(*, n_items: int, at_most: int, cells: int = CELLS_PER_BLOCK) -> int:
    """How many users a block of dense (users x `n_items`) arrays takes: `at_most`, fewer
    where the catalogue is so wide that an array would pass `cells` cells, and at least one.
    Every scorer scores each row on its own, so the lists do not depend on the blocks."""
    return max(1, min(at_most, cells // max(n_items, 1)))


def scorer_register(spec: ScorerSpec) -> ScorerSpec:
    SCORERS[spec.name] = spec
    return spec


def scorer_spec(name: str) -> ScorerSpec:
    # The baselines register on import; importing here avoids a cycle at module load.
    import recommendations.pipeline.scorers  # noqa: F401

    return SCORERS[name]


def lists_rank(
    *,
    scorer: Scorer,
    spec: ScorerSpec,
    train: Interactions,
    users: np.ndarray,
    k: int,
    allowed: np.ndarray | None,
    exclude: sp.csr_matrix | None,
) -> np.ndarray:
    """(len(users), k) item positions: the fitted `scorer`'s lists, the step both serving and
    evaluation run. `exclude` has one row per user; `allowed` is per item or per user x item."""
    return lists_rank_scored(
        scorer=scorer, spec=spec, train=train, users=users, k=k, allowed=allowed, exclude=exclude
    )[0]


def lists_rank_scored(
    *,
    scorer: Scorer,
    spec: ScorerSpec,
    train: Interactions,
    users: np.ndarray,
    k: int,
    allowed: np.ndarray | None,
    exclude: sp.csr_matrix | None,
) -> tuple[np.ndarray, np.ndarray]:
    """`lists_rank`'s lists and the score of each listed item (-inf in empty slots)."""
    lists, listed_scores = [], []
    per_user_allowed = allowed is not None and np.ndim(allowed) == 2
    size = block_users(n_items=train.n_items, at_most=spec.users_per_block)
    for start in range(0, len(users), size):
        block = slice(start, start + size)
        scores = excluded_scores(
            scores=scorer.score(users=users[block]),
            allowed=allowed[block] if per_user_allowed else allowed,
            exclude=exclude[block] if exclude is not None else None,
        )
        recommended = top_k(scores=scores, k=k)
        if spec.diversify is not None:
            recommended = spec.diversify(recommended=recommended, scores=scores, train=train)
        lists.append(recommended)
        safe = np.where(recommended == NO_ITEM, 0, recommended)
        chosen = np.take_along_axis(scores, safe, axis=1)
        listed_scores.append(np.where(recommended == NO_ITEM, -np.inf, chosen))
    if not lists:
        return np.empty((0, k), dtype=np.int64), np.empty((0, k), dtype=np.float32)
    return np.concatenate(lists), np.concatenate(listed_scores)
