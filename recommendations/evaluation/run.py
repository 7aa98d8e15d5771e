"""An offline evaluation from start to end: split, tune each strategy, fit, rank, measure."""

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
from tqdm import tqdm

from recommendations.evaluation.protocol import evaluation_target, strategy_evaluate
from recommendations.evaluation.tuning import hyperparameters_tune
from recommendations.pipeline.interactions import Interactions
from recommendations.pipeline.scoring import scorer_spec
from recommendations.pipeline.splits import Split, split_make

BASELINES = ("popular", "geo", "itemknn", "ease")


def split_with_catalogue(split: Split, catalogue: np.ndarray) -> Split:
    return replace(
        split,
        train=split.train.with_catalogue(catalogue),
        test=split.test.with_catalogue(catalogue),
    )


def evaluation_split(
    interactions: Interactions,
    *,
    kind: str,
    test_fraction: float,
    catalogue_at: Callable[[float], np.ndarray] | None = None,
) -> Split:
    """The split an evaluation measures on, its catalogue that of `catalogue_at(now)` when
    given (see `recommenders_evaluate`)."""
    split = split_make(interactions, kind=kind, test_fraction=test_fraction)
    if catalogue_at is not None:
        split = split_with_catalogue(split, catalogue_at(split.now))
    return split


def recommenders_evaluate(
    *,
    interactions: Interactions,
    kind: str,
    test_fraction: float,
    k: int,
    strategies: Sequence[str] = BASELINES,
    catalogue_at: Callable[[float], np.ndarray] | None = None,
    max_users: int | None = None,
    progress: bool = False,
) -> tuple[dict, list[str]]:
    """The `--json` document of the evaluation, and notes (strategies skipped and why).

    `catalogue_at(now)` gives the items that may be recommended at the split's
    time (the database's bookable offers); without it, the items seen in training.
    `max_users` evaluates that many of the eligible users, drawn at random (seed 0,
    the same for every strategy); training and tuning still use every interaction.
    """
    split = evaluation_split(
        interactions, kind=kind, test_fraction=test_fraction, catalogue_at=catalogue_at
    )
    target = evaluation_target(split, max_users=max_users)
    notes, results = [], {}
    for name in tqdm(strategies, desc="Evaluating strategies", disable=not progress):
        spec = scorer_spec(name)
        missing = sorted(spec.requires - interactions.attributes)
        if missing:
            notes.append(f"{name} skipped: the log has no {', '.join(missing)}.")
            continue
        if len(target.users) == 0:
            notes.append(f"{name} skipped: no user to evaluate.")
            continue
        tuned = hyperparameters_tune(spec=spec, split=split, k=k)
        figures = strategy_evaluate(spec=spec, params=tuned.params, split=split, target=target, k=k)
        results[name] = figures | {"params": tuned.params}
    document = {
        "k": k,
        "split": {
            "kind": kind,
            "test_fraction": test_fraction,
            "train_interactions": len(split.train),
            "test_interactions": len(split.test),
            "users_evaluated": len(target.users),
            "users_eligible": target.eligible,
        },
        "strategies": results,
    }
    return document, notes


def report_table(document: dict) -> str:
    """The text form: one line per strategy, one column per metric."""
    k = document["k"]
    split = document["split"]
    lines = [
        f"k={k} split={split['kind']} test_fraction={split['test_fraction']} "
        f"train={split['train_interactions']} test={split['test_interactions']} "
        f"users_evaluated={split['users_evaluated']}"
        + (
            f" (drawn from {split['users_eligible']})"
            if split["users_eligible"] > split["users_evaluated"]
            else ""
        )
    ]
    if not document["strategies"]:
        return "\n".join([*lines, "No strategy evaluated."])
    columns = [key for key in next(iter(document["strategies"].values())) if key != "params"]
    lines.append(
        "  ".join(
            [f"{'strategy':<10}", *(f"{column:>{max(len(column), 8)}}" for column in columns)]
        )
    )
    for name, figures in document["strategies"].items():
        cells = [f"{name:<10}"]
        for column in columns:
            value = figures[column]
            text = (
                "-"
                if value is None
                else (f"{value:.4f}" if isinstance(value, float) else str(value))
            )
            cells.append(f"{text:>{max(len(column), 8)}}")
        lines.append("  ".join(cells))
    lines.append("Hyper-parameters (tuned on a validation split of the training data):")
    lines.extend(
        f"  {name}: {figures['params']}" for name, figures in document["strategies"].items()
    )
    return "\n".join(lines)
