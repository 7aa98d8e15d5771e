"""The registry's entrances: the admin actions, the daily task on a real worker, its schedule."""

from datetime import UTC, datetime

import pytest
from django.contrib import admin
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from recommendations.admin import ModelVersionAdmin
from recommendations.models import ModelVersion, RetrainingDecision
from recommendations.registry.learner import artifact_storage
from recommendations.registry.tasks import model_monitoring_run_task

CHANGELIST = reverse("admin:recommendations_modelversion_changelist")
Status = ModelVersion.Status
# 22:30 UTC on July 1st is 00:30 on July 2nd in Paris (summer time).
LATE_EVENING_UTC = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)


def admin_action(client, action: str, *versions: ModelVersion):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [version.pk for version in versions]},
        follow=True,
    )


@pytest.mark.django_db
def test_staff_promote_a_candidate_and_roll_back_from_the_admin(
    client, staff_user, register, english
):
    first, second = register(), register()
    client.force_login(staff_user)
    admin_action(client, "promote", first)
    page = admin_action(client, "promote", second).content.decode()
    assert f"{second.version_id} is champion" in page
    second.refresh_from_db()
    assert second.promoted_by == f"admin: {staff_user.email}"

    page = admin_action(client, "rollback", second).content.decode()
    assert f"{first.version_id} is champion again" in page
    assert ModelVersion.objects.get(pk=first.pk).status == Status.CHAMPION
    assert ModelVersion.objects.get(pk=second.pk).status == Status.RETIRED


@pytest.mark.django_db
def test_the_admin_refuses_to_promote_a_broken_artifact(client, staff_user, register):
    candidate = register()
    artifact_storage().delete(candidate.artifact_name)
    client.force_login(staff_user)
    page = admin_action(client, "promote", candidate).content.decode()
    assert "not promoted" in page and "missing" in page
    assert not ModelVersion.objects.filter(status=Status.CHAMPION).exists()


@pytest.mark.django_db
def test_the_versions_list_shows_metrics_age_and_status(client, staff_user, register):
    version = register()
    client.force_login(staff_user)
    page = client.get(CHANGELIST).content.decode()
    assert version.version_id in page and "ndcg@10" in page and "candidate" in page


def test_the_versions_list_writes_the_training_window_in_the_sites_time_zone(english):
    version = ModelVersion(trained_since=LATE_EVENING_UTC, trained_until=LATE_EVENING_UTC)

    window = ModelVersionAdmin(ModelVersion, admin.site).training_window(version)

    assert window == "2026-07-02 to 2026-07-02"


def test_a_retraining_decision_is_named_by_its_minute_in_the_sites_time_zone(english):
    decision = RetrainingDecision(
        created_at=LATE_EVENING_UTC, verdict=RetrainingDecision.Verdict.NO_TRIGGER
    )

    assert str(decision).startswith("2026-07-02 00:30 ")


@pytest.mark.django_db
def test_the_daily_monitoring_is_scheduled_and_editable():
    task = PeriodicTask.objects.get(task="recommendations.model_monitoring_run")
    assert task.enabled and task.crontab.hour == "2"


@pytest.mark.postgres
def test_the_daily_task_runs_on_a_real_worker_and_records_its_decision(
    celery_worker, artifact_store
):
    """No champion and no bookings: the run fires, cannot train, and says so."""
    answer = model_monitoring_run_task.delay().get(timeout=120)
    decision = RetrainingDecision.objects.get()
    assert answer.startswith("failed: retraining failed")
    assert decision.fired == ["no_champion"] and decision.triggered_by == "daily monitoring task"
