"""Celery entrance of the daily monitoring (a data migration schedules it; the admin edits it)."""

from celery import shared_task
from django.utils import timezone

from recommendations.registry.retraining import model_retrain_if_degraded

MONITORING_ACTOR = "daily monitoring task"


# No acks_late here: a worker killed mid-training must not start a second training
# on redelivery; the next day's run picks the decision up again.
@shared_task(name="recommendations.model_monitoring_run", acks_late=False)
def model_monitoring_run_task() -> str:
    outcome = model_retrain_if_degraded(now=timezone.now(), actor=MONITORING_ACTOR)
    return f"{outcome.verdict}: {outcome.reason}"
