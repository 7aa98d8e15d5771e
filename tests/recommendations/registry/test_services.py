"""Promotion and rollback: atomic, one champion, and never a broken artifact."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from recommendations.models import ModelVersion
from recommendations.registry.selectors import model_version_champion
from recommendations.registry.services import (
    RegistryError,
    model_version_promote,
    model_version_rollback,
)
from tests.recommendations.registry.conftest import version_register

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("artifact_store")]
Status = ModelVersion.Status


def promote(version_id: str) -> ModelVersion:
    return model_version_promote(version_id=version_id, actor="test", reason="test")


def statuses() -> dict[str, str]:
    return dict(ModelVersion.objects.values_list("version_id", "status"))


def test_promoting_a_candidate_retires_the_champion_and_remembers_it():
    version_register("v1")
    version_register("v2")
    promote("v1")
    promoted = promote("v2")
    assert statuses() == {"v1": Status.RETIRED, "v2": Status.CHAMPION}
    assert promoted.previous_champion.version_id == "v1"
    retired = ModelVersion.objects.get(version_id="v1")
    assert retired.retired_by == "test" and "replaced by v2" in retired.retirement_reason


def test_an_artifact_changed_after_registration_is_never_promoted():
    version_register("v1")
    promote("v1")
    version_register("v2")
    name = ModelVersion.objects.get(version_id="v2").artifact_name
    default_storage.delete(name)
    default_storage.save(name, ContentFile(b"\x80\x04corrupted half-written file"))
    with pytest.raises(RegistryError, match="changed since registration"):
        promote("v2")
    assert statuses() == {"v1": Status.CHAMPION, "v2": Status.CANDIDATE}


def test_an_artifact_that_does_not_load_is_never_promoted():
    version_register("v1", payload=b"not a joblib file at all")
    with pytest.raises(RegistryError, match="does not load and answer"):
        promote("v1")
    assert model_version_champion() is None


def test_an_artifact_that_does_not_answer_its_features_is_never_promoted():
    """The model was fitted on three features; its metadata promises five."""
    version_register("v1", features=["a", "b", "c", "d", "e"])
    with pytest.raises(RegistryError, match="does not load and answer"):
        promote("v1")
    assert model_version_champion() is None


def test_a_missing_artifact_is_never_promoted():
    version = version_register("v1")
    default_storage.delete(version.artifact_name)
    with pytest.raises(RegistryError, match="missing"):
        promote("v1")


def test_only_a_candidate_can_be_promoted():
    version_register("v1")
    promote("v1")
    with pytest.raises(RegistryError, match="only a candidate"):
        promote("v1")


def test_rollback_restores_the_previous_champion_and_retires_the_current_one():
    for version_id in ("v1", "v2", "v3"):
        version_register(version_id)
        promote(version_id)
    restored = model_version_rollback(actor="staff", reason="bad clicks")
    assert restored.version_id == "v2"
    assert statuses() == {"v1": Status.RETIRED, "v2": Status.CHAMPION, "v3": Status.RETIRED}
    assert "rolled back: bad clicks" in ModelVersion.objects.get(version_id="v3").retirement_reason
    # A second rollback goes one step further back.
    assert model_version_rollback(actor="staff", reason="again").version_id == "v1"


def test_rollback_is_refused_when_the_previous_artifact_is_broken():
    version_register("v1")
    promote("v1")
    version_register("v2")
    promote("v2")
    default_storage.delete(ModelVersion.objects.get(version_id="v1").artifact_name)
    with pytest.raises(RegistryError, match="Cannot roll back"):
        model_version_rollback(actor="staff", reason="test")
    assert statuses() == {"v1": Status.RETIRED, "v2": Status.CHAMPION}


def test_rollback_without_an_earlier_champion_is_refused():
    version_register("v1")
    promote("v1")
    with pytest.raises(RegistryError, match="replaced no earlier version"):
        model_version_rollback(actor="staff", reason="test")


@pytest.mark.postgres
def test_the_database_refuses_a_second_champion():
    version_register("v1")
    version_register("v2")
    promote("v1")
    with pytest.raises(IntegrityError), transaction.atomic():
        ModelVersion.objects.filter(version_id="v2").update(status=Status.CHAMPION)


def test_registering_keeps_the_training_window_metrics_and_a_checksum():
    version = version_register("v1", metrics={"ndcg@10": 0.31})
    assert version.status == Status.CANDIDATE
    assert version.offline_metrics == {"ndcg@10": 0.31}
    assert len(version.artifact_checksum) == 64
    assert set(version.feature_statistics) == {"distance_km", "price", "days_until_event"}
