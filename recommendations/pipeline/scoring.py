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
from recommendations.pipeline.ranking import excluded_scores, top_k

NOT_A_CANDIDATE = -np.inf


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
    # Scores rows by blocks of this many users, to bound the dense array's memory.
    users_per_block: int = 2048

    def build(self, **params) -> Scorer:
        return self.make(**{**self.defaults, **params})


SCORERS: dict[str, ScorerSpec] = {}


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
    lists = []
    per_user_allowed = allowed is not None and np.ndim(allowed) == 2
    for start in range(0, len(users), spec.users_per_block):
        block = slice(start, start + spec.users_per_block)
        scores = excluded_scores(
            scores=scorer.score(users=users[block]),
            allowed=allowed[block] if per_user_allowed else allowed,
            exclude=exclude[block] if exclude is not None else None,
        )
        recommended = top_k(scores=scores, k=k)
        if spec.diversify is not None:
            recommended = spec.diversify(recommended=recommended, scores=scores, train=train)
        lists.append(recommended)
    return np.concatenate(lists) if lists else np.empty((0, k), dtype=np.int64)
