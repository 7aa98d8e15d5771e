"""Celery entrance of the metrics: the nightly computation scheduled by django-celery-beat."""

from datetime import date

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from metrics.services import metrics_compute_for_day, metrics_compute_nightly


# A lost database connection is worth retrying; the computation is idempotent.
@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def metrics_compute_day(day: str | None = None) -> list[str]:
    """Compute and store the metrics of `day` (ISO date); without one, the nightly run:
    yesterday plus the recent dates a missed night left without metrics.

    Idempotent: a redelivered or repeated run replaces the rows of those dates.
    Returns the dates computed.
    """
    if day:
        days = [date.fromisoformat(day)]
        metrics_compute_for_day(day=days[0])
    else:
        days = metrics_compute_nightly(today=timezone.localdate())
    return [computed.isoformat() for computed in days]
