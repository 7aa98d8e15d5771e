"""The registry's entrances: the admin actions, the daily task on a real worker, its schedule."""

import pytest
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from recommendations.models import ModelVersion, RetrainingDecision
from recommendations.registry.learner import artifact_storage
from recommendations.registry.tasks import model_monitoring_run_task

CHANGELIST = reverse("admin:recommendations_modelversion_changelist")
Status = ModelVersion.Status


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
