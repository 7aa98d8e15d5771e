"""Celery entrances of the experiments app: the exposure drain and the booking attribution."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from experiments.services import booking_attributions_record, exposures_drain


# Idempotent (the unique key absorbs a replay), so a lost connection is simply retried.
@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def exposures_drain_buffer() -> int:
    """Move the buffered exposures into PostgreSQL; returns the rows handled."""
    return exposures_drain()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def booking_attributions_update() -> int:
    """Attribute recent bookings to recommendation clicks; returns the new attributions.

    Looks back over the attribution window plus a day, so a click whose
    exposure was drained late is still attributed at the next run.
    """
    days = settings.EXPERIMENT_ATTRIBUTION_DAYS + 1
    return booking_attributions_record(since=timezone.now() - timedelta(days=days))
