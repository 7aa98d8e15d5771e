"""Celery entrance of the metrics: the nightly computation scheduled by django-celery-beat."""

from datetime import date, timedelta

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from metrics.services import metrics_compute_for_day


# A lost database connection is worth retrying; the computation is idempotent.
@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def metrics_compute_day(day: str | None = None) -> str:
    """Compute and store the metrics of `day` (ISO date), by default yesterday, the last full day.

    Idempotent: a redelivered or repeated run replaces the rows of that date.
    """
    target = date.fromisoformat(day) if day else timezone.localdate() - timedelta(days=1)
    metrics_compute_for_day(day=target)
    return target.isoformat()
