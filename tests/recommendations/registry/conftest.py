"""Real model artifacts for the registry's tests: small scikit-learn estimators saved with
joblib in Django's storage (a temporary folder), next to their JSON metadata."""

import io
import json
from datetime import datetime

import joblib
import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from sklearn.linear_model import LogisticRegression

from recommendations.models import ModelVersion
from recommendations.registry.services import model_version_register

FEATURES = ["distance_km", "price", "days_until_event"]


@pytest.fixture
def artifact_store(settings, tmp_path):
    """Django's default storage in a temporary folder."""
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def fitted_model(*, seed: int = 0) -> LogisticRegression:
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(200, len(FEATURES)))
    labels = (features[:, 0] + rng.normal(scale=0.5, size=200) < 0).astype(int)
    return LogisticRegression(random_state=seed).fit(features, labels)


def artifact_save(
    *,
    version_id: str,
    payload: bytes | None = None,
    features: list[str] = FEATURES,
    metrics: dict | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[str, str]:
    """Save an artifact (a fitted model, or raw `payload` bytes) and its metadata."""
    if payload is None:
        buffer = io.BytesIO()
        joblib.dump(fitted_model(), buffer)
        payload = buffer.getvalue()
    metadata = {
        "version_id": version_id,
        "feature_names": features,
        "training_window": {
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
        },
        "data_size": 200,
        "metrics": metrics or {"ndcg@10": 0.2},
    }
    artifact = default_storage.save(f"models/{version_id}.joblib", ContentFile(payload))
    metadata_name = default_storage.save(
        f"models/{version_id}.json", ContentFile(json.dumps(metadata).encode())
    )
    return artifact, metadata_name


def version_register(version_id: str, **artifact) -> ModelVersion:
    artifact_name, metadata_name = artifact_save(version_id=version_id, **artifact)
    return model_version_register(artifact_name=artifact_name, metadata_name=metadata_name)
