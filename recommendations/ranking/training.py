"""Training the ranker: examples at a cutoff, the model families compared, the best one kept.

The cutoff is the time before which `1 - label_fraction` of the interactions
happened: the snapshot (features) is taken there, the interactions after it are
the labels. Users are split (seeded) into a fitting group and a validation group;
each family is fitted on the first and judged by NDCG@10 over the second's full
candidate lists (ADR 0023). Everything random draws from one seeded generator.
"""

import time
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline

from recommendations.ranking.data import RankingData
from recommendations.ranking.examples import Examples, Exposures, examples_build, label_pairs
from recommendations.ranking.families import FAMILIES, model_build
from recommendations.ranking.features import FEATURE_NAMES
from recommendations.ranking.snapshot import snapshot_build

VALIDATION_K = 10


class TrainingError(ValueError):
    """The data cannot train a model (too little of it, no label after the cutoff)."""


@dataclass(frozen=True)
class TrainingOptions:
    seed: int = 0
    per_source: int = 40
    negatives_per_positive: float = 10.0
    label_fraction: float = 0.2
    max_users: int = 20_000
    validation_share: float = 0.2
    families: tuple[str, ...] = FAMILIES


@dataclass
class TrainedRanker:
    family: str
    model: Pipeline
    per_source: int
    feature_names: tuple[str, ...] = FEATURE_NAMES
    window: dict = field(default_factory=dict)
    data_size: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)


def ranker_train(
    *, data: RankingData, options: TrainingOptions, exposures: Exposures | None = None
) -> TrainedRanker:
    started = time.perf_counter()
    if len(data.time) < 10:
        raise TrainingError(f"Too few interactions to train on ({len(data.time)}).")
    rng = np.random.default_rng(options.seed)
    cutoff = float(np.quantile(data.time, 1 - options.label_fraction))
    snapshot = snapshot_build(data=data, at=cutoff)
    labelled = np.unique(data.user[data.time >= cutoff])
    labelled = labelled[snapshot.user_count[labelled] > 0]
    if len(labelled) < 2:
        raise TrainingError("Too few users have interactions on both sides of the cutoff.")
    if len(labelled) > options.max_users:
        labelled = np.sort(rng.choice(labelled, size=options.max_users, replace=False))
    validating = rng.random(len(labelled)) < options.validation_share
    if validating.all() or not validating.any():
        validating = np.arange(len(labelled)) % 5 == 0
    fit_users, validation_users = labelled[~validating], labelled[validating]
    fitting = examples_build(
        data=data,
        snapshot=snapshot,
        users=fit_users,
        per_source=options.per_source,
        negatives_per_positive=options.negatives_per_positive,
        rng=rng,
        exposures=exposures,
    )
    if len(np.unique(fitting.labels)) < 2:
        raise TrainingError("The candidates proposed none of the interactions after the cutoff.")
    validation = examples_build(
        data=data,
        snapshot=snapshot,
        users=validation_users,
        per_source=options.per_source,
        negatives_per_positive=None,
        rng=rng,
    )
    relevant = np.bincount(
        label_pairs(data=data, snapshot=snapshot, users=validation_users) // data.catalogue.size,
        minlength=data.n_users,
    )
    compared, models = {}, {}
    for family in options.families:
        begun = time.perf_counter()
        model = model_build(family=family, seed=options.seed).fit(fitting.features, fitting.labels)
        compared[family] = validation_figures(model=model, examples=validation, relevant=relevant)
        compared[family]["fit_seconds"] = round(time.perf_counter() - begun, 2)
        models[family] = model
    best = max(options.families, key=lambda name: (compared[name]["ndcg@10"], name))
    return TrainedRanker(
        family=best,
        model=models[best],
        per_source=options.per_source,
        window={
            "since": float(data.time.min()),
            "cutoff": cutoff,
            "until": float(data.time.max()),
        },
        data_size={
            "interactions": len(data.time),
            "users": int(data.n_users),
            "items": int(data.catalogue.size),
            "training_users": len(fit_users),
            "validation_users": len(validation_users),
            "examples": len(fitting.labels),
            "positives": int(fitting.labels.sum()),
        },
        metrics={
            "families": compared,
            "chosen": best,
            "candidate_recall": round(fitting.candidate_recall, 4),
            "train_seconds": round(time.perf_counter() - started, 2),
        },
    )


def validation_figures(*, model: Pipeline, examples: Examples, relevant: np.ndarray) -> dict:
    """NDCG@10 of the model's order of each validation user's candidates, and the pairs' AUC.

    The ideal DCG counts every interaction after the cutoff, proposed or not, so
    a family is not flattered by candidates that missed.
    """
    if not len(examples.labels):
        return {"ndcg@10": 0.0, "auc": None}
    scores = model.predict_proba(examples.features)[:, 1]
    return {
        "ndcg@10": round(
            grouped_ndcg(
                users=examples.users, scores=scores, labels=examples.labels, relevant=relevant
            ),
            4,
        ),
        "auc": round(float(roc_auc_score(examples.labels, scores)), 4)
        if len(np.unique(examples.labels)) > 1
        else None,
    }


def grouped_ndcg(
    *, users: np.ndarray, scores: np.ndarray, labels: np.ndarray, relevant: np.ndarray
) -> float:
    order = np.lexsort((-scores, users))
    users, labels = users[order], labels[order]
    first = np.searchsorted(users, users, side="left")
    rank = np.arange(len(users)) - first
    hit = (rank < VALIDATION_K) & (labels > 0)
    dcg = np.bincount(users[hit], weights=1 / np.log2(rank[hit] + 2), minlength=len(relevant))
    evaluated = np.unique(users)
    discounts = 1 / np.log2(np.arange(VALIDATION_K) + 2)
    ideal = np.cumsum(discounts)[np.minimum(relevant[evaluated], VALIDATION_K) - 1]
    ideal = np.where(relevant[evaluated] > 0, ideal, np.nan)
    return float(np.nanmean(dcg[evaluated] / ideal)) if np.isfinite(ideal).any() else 0.0
