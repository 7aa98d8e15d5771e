"""The evaluation protocol: who is evaluated on what, and a strategy's figures on a split.

A user is evaluated when they have training history and at least one test
item in the catalogue that they did not have in training; those items are
their relevant set. Items they had in training are left out of their ranking,
which runs over the whole catalogue (no sampled negatives). ADR 0020.
"""

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from recommendations.evaluation.metrics import metrics_compute
from recommendations.pipeline.interactions import CATEGORY
from recommendations.pipeline.scoring import ScorerSpec, lists_rank
from recommendations.pipeline.splits import Split


@dataclass(frozen=True)
class EvaluationTarget:
    """The evaluated users (positions), their training items and their relevant test items;
    `eligible`, how many users could have been evaluated (more when they were sampled)."""

    users: np.ndarray
    history: sp.csr_matrix
    relevant: sp.csr_matrix
    eligible: int


def evaluation_target(
    split: Split, *, max_users: int | None = None, seed: int = 0
) -> EvaluationTarget:
    """Who `split` evaluates; `max_users` draws that many of them at random (tuning runs,
    and an evaluation sampled with `evaluate_recommenders --users`)."""
    history = split.train.matrix()
    test = split.test.matrix()
    # Relevant: test pairs of catalogue items the user did not have in training.
    relevant = (test - test.multiply(history)) @ sp.diags(split.train.catalogue.astype(np.float32))
    relevant = sp.csr_matrix(relevant)
    relevant.eliminate_zeros()
    has_history = np.diff(history.indptr) > 0
    has_relevant = np.diff(relevant.indptr) > 0
    users = np.flatnonzero(has_history & has_relevant)
    eligible = len(users)
    if max_users is not None and len(users) > max_users:
        users = np.sort(np.random.default_rng(seed).choice(users, size=max_users, replace=False))
    return EvaluationTarget(
        users=users, history=history[users], relevant=relevant[users], eligible=eligible
    )


def strategy_evaluate(
    *, spec: ScorerSpec, params: dict, split: Split, target: EvaluationTarget, k: int
) -> dict[str, float | int | None]:
    """The metrics of `spec`'s scorer with `params`, fitted on the split's training set."""
    started = time.perf_counter()
    scorer = spec.build(**params).fit(train=split.train, now=split.now)
    fitted = time.perf_counter()
    recommended = lists_rank(
        scorer=scorer,
        spec=spec,
        train=split.train,
        users=target.users,
        k=k,
        allowed=split.train.catalogue,
        exclude=target.history,
    )
    ranked = time.perf_counter()
    has_categories = CATEGORY in split.train.attributes
    figures = metrics_compute(
        recommended=recommended,
        relevant=target.relevant,
        history=target.history,
        item_categories=split.train.item_categories if has_categories else None,
        train_item_counts=split.train.item_counts(),
        catalogue_size=int(split.train.catalogue.sum()),
    )
    return figures | {"fit_seconds": fitted - started, "recommend_seconds": ranked - fitted}
