"""Training examples: positives are interactions, negatives are candidates not taken (ADR 0024).

Features come from a snapshot at a cutoff; labels are the interactions at or
after it, so every feature is computed from data strictly before its label's
time. Negatives are the candidates the user could have booked at the cutoff and
did not, subsampled with a fixed seed. Offers shown without a click (the
exposure log, once it exists) enter as extra negatives through `exposures`.
"""

from dataclasses import dataclass

import numpy as np

from recommendations.pipeline.scoring import block_users
from recommendations.ranking.candidates import candidates_generate
from recommendations.ranking.data import RankingData
from recommendations.ranking.features import FEATURE_NAMES, features_compute
from recommendations.ranking.snapshot import Snapshot

# Users whose candidates are generated at once (their sources are users x items arrays):
# at most this many, fewer over a wide catalogue (`block_users`).
USERS_PER_CHUNK = 512


@dataclass
class Examples:
    features: np.ndarray
    labels: np.ndarray  # 1 = interacted after the cutoff
    users: np.ndarray  # user position of each row (groups for validation)
    positives_total: int  # label pairs, found by the candidates or not
    positives_found: int  # label pairs the candidates proposed

    @property
    def candidate_recall(self) -> float:
        return self.positives_found / self.positives_total if self.positives_total else 0.0


@dataclass(frozen=True)
class Exposures:
    """Offers shown to users who did not click them: (user positions, item positions).

    The exposure log is written by the experiments app; once it holds enough
    history, the training command passes the exposures of the label window here.
    """

    users: np.ndarray
    items: np.ndarray


def label_pairs(*, data: RankingData, snapshot: Snapshot, users: np.ndarray) -> np.ndarray:
    """Keys (user * n_items + item) of what `users` interacted with at or after the cutoff,
    leaving out items they had before (a repeat is not a discovery)."""
    n_items = data.catalogue.size
    after = data.time >= snapshot.at
    keys = np.unique(data.user[after].astype(np.int64) * n_items + data.item[after])
    keys = keys[np.isin(keys // n_items, users)]
    if not len(keys):
        return keys
    had = np.asarray(snapshot.seen[keys // n_items, keys % n_items]).ravel() > 0
    return keys[~had]


def examples_build(
    *,
    data: RankingData,
    snapshot: Snapshot,
    users: np.ndarray,
    per_source: int,
    negatives_per_positive: float | None,
    rng: np.random.Generator,
    exposures: Exposures | None = None,
) -> Examples:
    """Labelled candidate pairs of `users` (sorted positions); all negatives when
    `negatives_per_positive` is None (validation), else a sample of them."""
    n_items = data.catalogue.size
    positives = label_pairs(data=data, snapshot=snapshot, users=users)
    features, labels, rows = [], [], []
    found = 0
    size = block_users(n_items=n_items, at_most=USERS_PER_CHUNK)
    for start in range(0, len(users), size):
        chunk = users[start : start + size]
        forced = None
        if exposures is not None:
            shown = np.isin(exposures.users, chunk)
            forced = (exposures.users[shown], exposures.items[shown])
        candidates = candidates_generate(
            snapshot=snapshot, users=chunk, per_source=per_source, forced=forced
        )
        keys = candidates.user.astype(np.int64) * n_items + candidates.item
        label = np.isin(keys, positives)
        # Users none of whose interactions were proposed teach the ranker nothing.
        with_positive = np.isin(candidates.user, candidates.user[label])
        keep = with_positive.copy()
        if negatives_per_positive is not None:
            negatives = with_positive & ~label
            share = min(1.0, negatives_per_positive * label.sum() / max(negatives.sum(), 1))
            keep = label | (negatives & (rng.random(len(label)) < share))
        found += int(label.sum())
        subset = candidates.subset(keep)
        features.append(features_compute(snapshot=snapshot, candidates=subset))
        labels.append(label[keep])
        rows.append(candidates.user[keep])
    width = len(FEATURE_NAMES)
    return Examples(
        features=np.concatenate(features) if features else np.empty((0, width), dtype=np.float32),
        labels=np.concatenate(labels).astype(np.int8) if labels else np.empty(0, dtype=np.int8),
        users=np.concatenate(rows) if rows else np.empty(0, dtype=np.int64),
        positives_total=len(positives),
        positives_found=found,
    )


def examples_concatenate(parts: list[Examples]) -> Examples:
    if not parts:
        return Examples(
            features=np.empty((0, len(FEATURE_NAMES)), dtype=np.float32),
            labels=np.empty(0, dtype=np.int8),
            users=np.empty(0, dtype=np.int64),
            positives_total=0,
            positives_found=0,
        )
    return Examples(
        features=np.concatenate([part.features for part in parts]),
        labels=np.concatenate([part.labels for part in parts]),
        users=np.concatenate([part.users for part in parts]),
        positives_total=sum(part.positives_total for part in parts),
        positives_found=sum(part.positives_found for part in parts),
    )
