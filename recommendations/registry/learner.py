"""The seam between the registry and the learned ranker (issue 15) with its offline
evaluation (issue 14).

The registry needs five things from them, each one function here: the storage
the artifacts live in, an artifact's file names, loading a version (the loader
makes it answer a probe), training a challenger on a window, and evaluating a
version offline on a held-out period. A change of the ranker's interface is adapted
here only.
"""

import json
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.conf import settings
from django.core.files.storage import Storage
from django.utils.dateparse import parse_datetime

from config.local_times import local_day
from recommendations.evaluation.protocol import evaluation_target, strategy_evaluate
from recommendations.pipeline.scoring import scorer_spec
from recommendations.pipeline.splits import TIME, split_make
from recommendations.ranking.artifact import artifact_load, artifact_path, model_storage
from recommendations.ranking.database import ranking_interactions_from_database
from recommendations.ranking.services import ranker_model_train
from recommendations.ranking.training import TrainedRanker, TrainingError

# The offline evaluation's list length: the metrics are read at 10 (ndcg@10...).
EVALUATION_K = 10


class EvaluationError(ValueError):
    """The held-out period cannot judge a version (no bookings on one side of it)."""


# Too little data to learn from or to judge on (a quiet week, a young marketplace): what
# a retraining expects to meet now and then, unlike a bug.
EXPECTED_ERRORS = (TrainingError, EvaluationError)


@dataclass(frozen=True)
class TrainedArtifact:
    """A model the ranker saved in its storage: its joblib file, its metadata file and content."""

    artifact_name: str
    metadata_name: str
    metadata: dict


@dataclass(frozen=True)
class MetadataFields:
    """What the registry keeps from an artifact's metadata (CONVENTIONS §10)."""

    version_id: str
    trained_since: datetime | None
    trained_until: datetime | None
    training_rows: int
    offline_metrics: dict


def artifact_storage() -> Storage:
    return model_storage()


def artifact_names(*, version_id: str) -> tuple[str, str]:
    """The joblib file and the metadata file of `version_id` in the artifact storage."""
    return artifact_path(f"{version_id}.joblib"), artifact_path(f"{version_id}.json")


def version_load(*, version_id: str) -> TrainedRanker:
    """The ranker of `version_id`; raises (ArtifactError) when it is missing, unreadable,
    made for other features or library versions, or does not answer a probe."""
    trained, _ = artifact_load(version=version_id)
    return trained


def metadata_fields(*, metadata: dict) -> MetadataFields:
    """The registry's fields from the ranker's metadata (`artifact_save`'s JSON)."""
    window = metadata.get("training_window") or {}
    data_size = metadata.get("data_size") or {}
    metrics = metadata.get("metrics") or {}
    chosen = metrics.get("chosen")
    offline = dict((metrics.get("families") or {}).get(chosen) or {})
    return MetadataFields(
        version_id=str(metadata["version"]),
        trained_since=parse_datetime(window["since"]) if window.get("since") else None,
        trained_until=parse_datetime(window["until"]) if window.get("until") else None,
        training_rows=int(data_size.get("interactions") or 0),
        offline_metrics=offline | ({"family": chosen} if chosen else {}),
    )


def challenger_train(*, since: datetime, until: datetime) -> TrainedArtifact:
    """Train the ranker on the bookings of [since, until) and save it, as `train_model` does."""
    metadata = ranker_model_train(since=since, until=until, seed=0)
    artifact_name, metadata_name = artifact_names(version_id=metadata["version"])
    return TrainedArtifact(artifact_name, metadata_name, metadata)


def version_evaluate(*, version_id: str, since: datetime, until: datetime) -> dict:
    """Offline metrics of `version_id` on the bookings of [since, until), with the
    evaluation protocol of issue 14: the model ranks from what was known at `since`,
    and is judged on what people booked afterwards."""
    trained = version_load(version_id=version_id)
    interactions, extra = ranking_interactions_from_database(until=until)
    held_out = int(np.sum(interactions.timestamps >= since.timestamp()))
    if held_out == 0 or held_out == len(interactions):
        raise EvaluationError(f"no bookings on both sides of {local_day(since)} to evaluate on")
    # The time split's test set is the last fraction of the log: exactly the held-out days.
    split = split_make(interactions, kind=TIME, test_fraction=(held_out + 0.5) / len(interactions))
    target = evaluation_target(split, max_users=settings.MODEL_RETRAIN_EVALUATION_USERS, seed=0)
    return strategy_evaluate(
        spec=scorer_spec("ml"),
        params={"trained": trained, "extra": extra},
        split=split,
        target=target,
        k=EVALUATION_K,
    ) | {"evaluated_users": len(target.users)}


def artifact_metadata_read(*, metadata_name: str) -> dict:
    with artifact_storage().open(metadata_name, "rb") as stored:
        return json.load(stored)
