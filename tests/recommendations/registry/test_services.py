"""Promotion and rollback: atomic, one champion, and never a broken artifact."""

import pytest
from django.db import IntegrityError, transaction
from sklearn.linear_model import LogisticRegression

from recommendations.models import ModelVersion
from recommendations.registry.artifacts import artifact_checksum
from recommendations.registry.learner import artifact_storage
from recommendations.registry.selectors import model_version_champion
from recommendations.registry.services import (
    RegistryError,
    model_version_promote,
    model_version_register,
    model_version_rollback,
)
from tests.recommendations.registry.conftest import artifact_overwrite

pytestmark = pytest.mark.django_db
Status = ModelVersion.Status


def promote(version: ModelVersion) -> ModelVersion:
    return model_version_promote(version_id=version.version_id, actor="test", reason="test")


def status_of(*versions: ModelVersion) -> list[str]:
    return [ModelVersion.objects.get(pk=version.pk).status for version in versions]


def test_promoting_a_candidate_retires_the_champion_and_remembers_it(register):
    first, second = register(), register()
    promote(first)
    promoted = promote(second)
    assert status_of(first, second) == [Status.RETIRED, Status.CHAMPION]
    assert promoted.previous_champion == first
    retired = ModelVersion.objects.get(pk=first.pk)
    assert retired.retired_by == "test"
    assert f"replaced by {second.version_id}" in retired.retirement_reason


def test_an_artifact_changed_after_registration_is_never_promoted(register):
    champion, candidate = register(), register()
    promote(champion)
    artifact_overwrite(candidate, b"\x80\x04corrupted half-written file")
    with pytest.raises(RegistryError, match="changed since registration"):
        promote(candidate)
    assert status_of(champion, candidate) == [Status.CHAMPION, Status.CANDIDATE]


def test_an_artifact_that_does_not_load_is_never_promoted(register):
    candidate = register()
    artifact_overwrite(candidate, b"not a joblib file at all")
    # Registered as it is now: the checksum matches, the content does not load.
    ModelVersion.objects.filter(pk=candidate.pk).update(
        artifact_checksum=artifact_checksum(name=candidate.artifact_name)
    )
    with pytest.raises(RegistryError, match="does not load and answer"):
        promote(candidate)
    assert model_version_champion() is None


def test_an_artifact_that_does_not_answer_is_never_promoted(register, trained_ranker):
    """It loads (a scikit-learn estimator with predict_proba) but was never fitted."""
    unfitted = type(trained_ranker)(
        family=trained_ranker.family, model=LogisticRegression(), per_source=10
    )
    candidate = register(trained=unfitted)
    with pytest.raises(RegistryError, match="does not load and answer"):
        promote(candidate)
    assert model_version_champion() is None


def test_a_missing_artifact_is_never_promoted(register):
    candidate = register()
    artifact_storage().delete(candidate.artifact_name)
    with pytest.raises(RegistryError, match="missing"):
        promote(candidate)


def test_an_artifact_deleted_while_it_is_checked_is_refused_not_raised(
    register, artifact_store, monkeypatch
):
    """The storage said it exists, then the file was gone when read: a refusal with its
    reason, so the retraining's fallback to the evaluated challenger records its run."""
    candidate = register()
    artifact_store.delete(candidate.artifact_name)
    monkeypatch.setattr(artifact_store, "exists", lambda name: True)
    with pytest.raises(RegistryError, match="does not load"):
        promote(candidate)
    assert model_version_champion() is None


def test_only_a_candidate_can_be_promoted(register):
    version = register()
    promote(version)
    with pytest.raises(RegistryError, match="only a candidate"):
        promote(version)


def test_a_version_judged_against_another_champion_than_the_current_one_is_refused(register):
    judged_against, crowned_meanwhile, challenger = register(), register(), register()
    promote(judged_against)
    promote(crowned_meanwhile)

    with pytest.raises(RegistryError, match=f"champion is now {crowned_meanwhile.version_id}"):
        model_version_promote(
            version_id=challenger.version_id, actor="test", reason="test", replacing=judged_against
        )

    assert status_of(crowned_meanwhile, challenger) == [Status.CHAMPION, Status.CANDIDATE]
    with pytest.raises(RegistryError, match="judged against no champion"):
        model_version_promote(
            version_id=challenger.version_id, actor="test", reason="test", replacing=None
        )
    model_version_promote(
        version_id=challenger.version_id, actor="test", reason="test", replacing=crowned_meanwhile
    )
    assert status_of(crowned_meanwhile, challenger) == [Status.RETIRED, Status.CHAMPION]


def test_rollback_restores_the_previous_champion_and_retires_the_current_one(register):
    first, second, third = register(), register(), register()
    for version in (first, second, third):
        promote(version)
    restored = model_version_rollback(actor="staff", reason="bad clicks")
    assert restored == second
    assert status_of(first, second, third) == [Status.RETIRED, Status.CHAMPION, Status.RETIRED]
    assert "rolled back: bad clicks" in ModelVersion.objects.get(pk=third.pk).retirement_reason
    # A second rollback goes one step further back.
    assert model_version_rollback(actor="staff", reason="again") == first


def test_rollback_is_refused_when_the_previous_artifact_is_broken(register):
    first, second = register(), register()
    promote(first)
    promote(second)
    artifact_storage().delete(first.artifact_name)
    with pytest.raises(RegistryError, match="Cannot roll back"):
        model_version_rollback(actor="staff", reason="test")
    assert status_of(first, second) == [Status.RETIRED, Status.CHAMPION]


def test_rollback_without_an_earlier_champion_is_refused(register):
    promote(register())
    with pytest.raises(RegistryError, match="replaced no earlier version"):
        model_version_rollback(actor="staff", reason="test")


@pytest.mark.postgres
def test_the_database_refuses_a_second_champion(register):
    first, second = register(), register()
    promote(first)
    with pytest.raises(IntegrityError), transaction.atomic():
        ModelVersion.objects.filter(pk=second.pk).update(status=Status.CHAMPION)


def test_registering_keeps_the_training_window_metrics_and_a_checksum(register):
    version = register()
    assert version.status == Status.CANDIDATE
    assert version.offline_metrics["family"] == "logistic_regression"
    assert "ndcg@10" in version.offline_metrics
    assert version.training_rows > 0 and version.trained_until is not None
    assert len(version.artifact_checksum) == 64
    assert set(version.feature_statistics) == {"distance_km", "price", "days_until_event"}


def test_registering_a_version_twice_keeps_one_row(register):
    version = register()
    again = model_version_register(
        artifact_name=version.artifact_name, metadata_name=version.metadata_name
    )
    assert again == version
    assert ModelVersion.objects.filter(version_id=version.version_id).count() == 1
