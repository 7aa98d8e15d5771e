"""Hyper-parameters chosen on a validation split carved from the training data only.

Each candidate of a scorer's grid is fitted on the validation split's training
part and scored on its held-out part by NDCG@k; the best (first on ties) is
then fitted on the whole training set. The test split is never looked at.
At most TUNING_USERS (2,000) validation users are scored per candidate, drawn once
with a fixed seed, so tuning a big log stays within the command's time budget.
"""

from dataclasses import dataclass

from recommendations.evaluation.protocol import evaluation_target, strategy_evaluate
from recommendations.pipeline.scoring import ScorerSpec
from recommendations.pipeline.splits import Split, validation_split

TUNING_USERS = 2000


@dataclass(frozen=True)
class TuningResult:
    params: dict
    # (params, validation NDCG@k) of every candidate, in grid order.
    trials: tuple[tuple[dict, float | None], ...]


def hyperparameters_tune(*, spec: ScorerSpec, split: Split, k: int) -> TuningResult:
    grid = spec.grid or (spec.defaults,)
    if len(grid) == 1:
        return TuningResult(params={**spec.defaults, **grid[0]}, trials=())
    validation = validation_split(split)
    target = evaluation_target(validation, max_users=TUNING_USERS)
    trials = []
    for params in grid:
        figures = strategy_evaluate(spec=spec, params=params, split=validation, target=target, k=k)
        trials.append((params, figures[f"ndcg@{k}"]))
    scored = [(ndcg, position) for position, (_, ndcg) in enumerate(trials) if ndcg is not None]
    best = min(scored, key=lambda pair: (-pair[0], pair[1]))[1] if scored else 0
    return TuningResult(params={**spec.defaults, **grid[best]}, trials=tuple(trials))
