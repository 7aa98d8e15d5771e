"""The seam between the registry and the learned ranker (issue 15) and its evaluation (issue 6).

The registry only needs five things from them, each one function here: load an
artifact, make it answer a probe, read an artifact's metadata, train a
challenger on a window, and evaluate a version offline on a period. Adapting
the registry to a change of the ranker's interface means editing this module
only.
"""

import json
from dataclasses import dataclass
from datetime import datetime

import joblib
import numpy as np
from django.core.files.storage import default_storage
from django.utils.dateparse import parse_datetime


class LearnerUnavailableError(RuntimeError):
    """The learned ranker's training or evaluation is not installed in this deployment."""


@dataclass(frozen=True)
class TrainedArtifact:
    """A model the ranker saved in the storage: its joblib file, its metadata file and content."""

    artifact_name: str
    metadata_name: str
    metadata: dict


def artifact_load(*, name: str, metadata: dict):
    """The estimator in the joblib file `name` of the default storage."""
    with default_storage.open(name, "rb") as artifact:
        return joblib.load(artifact)


def artifact_answer_probe(*, model, metadata: dict) -> None:
    """Raise unless `model` scores one row of its features with finite numbers.

    The probe is a row of zeros as wide as the feature list in the metadata:
    what matters is that the estimator accepts the shape and answers.
    """
    features = metadata.get("feature_names") or []
    if not features:
        raise ValueError("the metadata lists no feature names")
    probe = np.zeros((1, len(features)))
    score = getattr(model, "predict_proba", None) or getattr(model, "decision_function", None)
    if score is None:
        raise TypeError(f"{type(model).__name__} has neither predict_proba nor decision_function")
    answer = np.asarray(score(probe), dtype=float)
    if answer.size == 0 or not np.all(np.isfinite(answer)):
        raise ValueError("the model answers no finite score")


def artifact_metadata_read(*, metadata_name: str) -> dict:
    with default_storage.open(metadata_name, "rb") as stored:
        return json.load(stored)


@dataclass(frozen=True)
class MetadataFields:
    """What the registry keeps from an artifact's metadata (CONVENTIONS §10)."""

    version_id: str
    trained_since: datetime | None
    trained_until: datetime | None
    training_rows: int
    offline_metrics: dict


def metadata_fields(*, metadata: dict) -> MetadataFields:
    window = metadata.get("training_window") or {}
    return MetadataFields(
        version_id=str(metadata["version_id"]),
        trained_since=parse_datetime(window["since"]) if window.get("since") else None,
        trained_until=parse_datetime(window["until"]) if window.get("until") else None,
        training_rows=int(metadata.get("data_size") or 0),
        offline_metrics=dict(metadata.get("metrics") or {}),
    )


def challenger_train(*, since: datetime, until: datetime) -> TrainedArtifact:
    """Train the ranker on bookings in [since, until) and save it, as `train_model` does."""
    try:
        from recommendations.ranking.training import model_train
    except ImportError as error:
        raise LearnerUnavailableError(
            f"the learned ranker is not installed ({error}); merge issue 15's ranking package"
        ) from None
    saved = model_train(since=since, until=until)
    return TrainedArtifact(
        artifact_name=saved.artifact_name,
        metadata_name=saved.metadata_name,
        metadata=saved.metadata,
    )


def version_evaluate(*, artifact_name: str, since: datetime, until: datetime) -> dict[str, float]:
    """Offline metrics of the artifact's model on the bookings of [since, until), trained on
    nothing newer than `since` (the evaluation of issue 6 with the `ml` strategy)."""
    try:
        from recommendations.ranking.evaluation import artifact_evaluate
    except ImportError as error:
        raise LearnerUnavailableError(
            f"the offline evaluation of the ranker is not installed ({error})"
        ) from None
    return artifact_evaluate(artifact_name=artifact_name, since=since, until=until)
