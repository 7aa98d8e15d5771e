"""Real ranker artifacts for the registry's tests: the learned ranker trained once on a small
hand-made world and saved, version after version, through its own artifact store (a
temporary folder)."""

import pytest
from django.core.files.base import ContentFile

from recommendations.models import ModelVersion
from recommendations.ranking.artifact import artifact_save
from recommendations.ranking.families import LOGISTIC_REGRESSION
from recommendations.ranking.training import TrainedRanker, TrainingOptions, ranker_train
from recommendations.registry.learner import artifact_names, artifact_storage
from recommendations.registry.services import model_version_register
from tests.recommendations.ranking.conftest import world


@pytest.fixture(scope="session")
def trained_ranker() -> TrainedRanker:
    # One family keeps the session's single training to a second or two; fresh offers
    # that draw ten times more are what the learned family sees and the prior does not,
    # so it passes the gate (ADR 0023).
    return ranker_train(
        data=world(n_users=200, fresh_pull=10),
        options=TrainingOptions(seed=0, families=(LOGISTIC_REGRESSION,)),
    )


@pytest.fixture
def artifact_store(model_folder):
    """The ranker's artifact storage in a temporary folder, as the registry reaches it."""
    return artifact_storage()


@pytest.fixture
def register(artifact_store, trained_ranker):
    """Save the trained ranker as a new version and register it as a candidate."""

    def save_and_register(*, trained: TrainedRanker | None = None) -> ModelVersion:
        metadata = artifact_save(trained=trained or trained_ranker, seed=0)
        artifact_name, metadata_name = artifact_names(version_id=metadata["version"])
        return model_version_register(artifact_name=artifact_name, metadata_name=metadata_name)

    return save_and_register


def artifact_overwrite(version: ModelVersion, content: bytes) -> None:
    storage = artifact_storage()
    storage.delete(version.artifact_name)
    storage.save(version.artifact_name, ContentFile(content))
