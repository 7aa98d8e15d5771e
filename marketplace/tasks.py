"""Celery tasks of the marketplace: entrances that take ids and call the services."""

from celery import shared_task

from marketplace.geocoding import USER_HOME, VENUE, rows_geocode


@shared_task(acks_late=True)
def users_geocode_task(user_ids: list[int]) -> dict[str, int]:
    """Geocode a chunk of customers' homes; idempotent, so a redelivery is harmless."""
    return rows_geocode(fields=USER_HOME, ids=user_ids).as_dict()


@shared_task(acks_late=True)
def venues_geocode_task(venue_ids: list[int]) -> dict[str, int]:
    """Geocode a chunk of venues; idempotent, so a redelivery is harmless."""
    return rows_geocode(fields=VENUE, ids=venue_ids).as_dict()
