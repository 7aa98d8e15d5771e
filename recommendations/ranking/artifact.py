"""Model artifacts: the trained ranker as joblib next to a JSON of metadata, in Django's storage.

The storage is RECOMMENDATION_MODEL_STORAGE (a `STORAGES` alias; a local folder by
default, object storage to share one store between machines). `latest.json`
names the current version. Loading refuses an artifact whose feature list or
library versions differ from this code's: a model silently fed other columns, or
unpickled by another scikit-learn, ranks garbage without an error. So does a
popularity fallback fitted for other definitions of the prior's terms. It also
refuses a model that does not score a probe row.
"""

import hashlib
import io
import json
import os
from dataclasses import asdict
from datetime import UTC, datetime

import joblib
import numpy as np
import scipy
import sklearn
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages

from recommendations.ranking.features import FEATURE_NAMES
from recommendations.ranking.prior import PRIOR_TERMS, PopularityPrior
from recommendations.ranking.training import POPULARITY_FALLBACK, TrainedRanker

LATEST = "latest.json"


class ArtifactError(Exception):
    """No usable model: missing, unreadable, or made for other features or libraries."""


def library_versions() -> dict[str, str]:
    return {
        "scikit-learn": sklearn.__version__,
        "joblib": joblib.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    }


def model_storage():
    return storages[settings.RECOMMENDATION_MODEL_STORAGE]


def artifact_path(name: str) -> str:
    return f"{settings.RECOMMENDATION_MODEL_PREFIX}/{name}"


def artifact_save(*, trained: TrainedRanker, seed: int) -> dict:
    """Store `trained` under a new version id and make it the latest; returns its metadata.

    The id is the time of saving and the start of the artifact's sha256 (with a
    counter when the same model was already saved that second), not a random
    suffix: a replayed run, as the simulator's, names its versions the same way
    each time, and two different models never share one.
    """
    storage = model_storage()
    buffer = io.BytesIO()
    joblib.dump(trained.model, buffer)
    digest = hashlib.sha256(buffer.getvalue()).hexdigest()[:8]
    version = first_free_version(
        storage=storage, base=datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ-") + digest
    )
    metadata = {
        "version": version,
        "family": trained.family,
        "feature_names": list(trained.feature_names),
        "per_source": trained.per_source,
        "seed": seed,
        "training_window": {
            key: datetime.fromtimestamp(value, tz=UTC).isoformat()
            for key, value in trained.window.items()
        },
        "data_size": trained.data_size,
        "library_versions": library_versions(),
        "metrics": trained.metrics,
        "prior": asdict(trained.prior),
        "prior_terms": list(PRIOR_TERMS),
        "created_at": datetime.now(tz=UTC).isoformat(),
    }
    storage.save(artifact_path(f"{version}.joblib"), ContentFile(buffer.getvalue()))
    storage.save(
        artifact_path(f"{version}.json"), ContentFile(json.dumps(metadata, indent=2).encode())
    )
    latest_point(storage=storage, version=version)
    return metadata


def latest_point(*, storage, version: str) -> None:
    """Make `latest.json` name `version`.

    In a folder the pointer is written under a name of its own, then renamed over
    `latest.json`: the rename is atomic, so a reader finds the old pointer or the new
    one, never none, and two saves at once never leave a renamed `latest_XXXX.json`.
    Other storages have no rename; there a pointer saved under another name than
    `latest.json` (another save came in between) is an error, not a silent stray.
    """
    latest = artifact_path(LATEST)
    content = ContentFile(json.dumps({"version": version}).encode())
    if isinstance(storage, FileSystemStorage):
        written = storage.save(artifact_path(f"latest-{version}.json"), content)
        os.replace(storage.path(written), storage.path(latest))
        return
    if storage.exists(latest):
        storage.delete(latest)
    written = storage.save(latest, content)
    if written != latest:
        raise ArtifactError(
            f"Model {version} is saved but not the latest: another save wrote {latest} "
            f"meanwhile, this one went to {written}."
        )


def first_free_version(*, storage, base: str) -> str:
    version, copy = base, 1
    while storage.exists(artifact_path(f"{version}.json")):
        copy += 1
        version = f"{base}-{copy}"
    return version


def artifact_load(*, version: str | None = None) -> tuple[TrainedRanker, dict]:
    """The ranker of `version` (default: the latest) and its metadata, once it has answered a
    probe; raises ArtifactError and nothing else, whatever the store holds.

    The store's files can be anything: metadata of another shape, a version named outside
    the store (SuspiciousFileOperation), another estimator's pickle. Each is no usable model,
    and callers fall back on one error rather than retrying on every request.
    """
    storage = model_storage()
    try:
        if version is None:
            version = metadata_read(storage=storage, name=LATEST)["version"]
        metadata = metadata_read(storage=storage, name=f"{version}.json")
        metadata_check(version=version, metadata=metadata)
        with storage.open(artifact_path(f"{version}.joblib")) as file:
            model = joblib.load(io.BytesIO(file.read()))
        trained = TrainedRanker(
            family=metadata["family"],
            model=model,
            per_source=metadata["per_source"],
            data_size=metadata["data_size"],
            metrics=metadata["metrics"],
            prior=PopularityPrior(**metadata.get("prior", {})),
        )
        artifact_answer_probe(trained=trained)
    except ArtifactError:
        raise
    except Exception as error:  # unpickling a corrupt file raises anything
        model_name = f"Model {version}" if version else "The latest model"
        raise ArtifactError(
            f"{model_name} cannot be loaded ({type(error).__name__}: {error})."
        ) from error
    return trained, metadata


def metadata_read(*, storage, name: str) -> dict:
    with storage.open(artifact_path(name)) as file:
        metadata = json.load(file)
    if not isinstance(metadata, dict):
        raise ArtifactError(f"{name} holds no JSON object.")
    return metadata


def metadata_check(*, version: str, metadata: dict) -> None:
    """Raise ArtifactError unless the model was made for this code's features and libraries."""
    if metadata.get("feature_names") != list(FEATURE_NAMES):
        raise ArtifactError(
            f"Model {version} was trained on other features than this code computes."
        )
    if metadata.get("library_versions") != library_versions():
        raise ArtifactError(
            f"Model {version} was saved with {metadata.get('library_versions')}, "
            f"this process runs {library_versions()}."
        )
    # A learned family serves its own model, whatever the prior's terms were.
    if metadata.get("family") == POPULARITY_FALLBACK and metadata.get("prior_terms") != list(
        PRIOR_TERMS
    ):
        raise ArtifactError(
            f"Model {version} is a popularity prior fitted for other terms than this code "
            "computes; train a new model."
        )


def artifact_answer_probe(*, trained: TrainedRanker) -> None:
    """Raise unless the ranker scores one row of its features with a finite probability.

    The probe is a row of zeros as wide as its feature list: what matters is
    that the estimator accepts the shape and answers.
    """
    probe = np.zeros((1, len(trained.feature_names)))
    answer = np.asarray(trained.model.predict_proba(probe), dtype=float)
    if answer.size == 0 or not np.all(np.isfinite(answer)):
        raise ValueError("the model answers no finite score")
