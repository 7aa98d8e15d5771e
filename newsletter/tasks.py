"""Celery entrances of the newsletter: the weekly start, the dispatch, the chunks and the sweep.

Tasks take ids and call services; a chunk is idempotent (it only takes sends
still to deliver), so acks_late redelivery and overlapping dispatches are safe.
"""

from celery import shared_task
from django.utils import timezone

from newsletter.services import (
    CHUNK_TASK_NAME,
    DeliveryError,
    campaign_dispatch,
    campaign_get_or_create_for_week,
    campaign_send_chunk,
    campaigns_to_resume,
)


# Backoff 1, 2, 4… up to 300 s (under the broker's visibility timeout); after the
# last retry the sends stay pending and the periodic sweep resumes them.
@shared_task(
    name=CHUNK_TASK_NAME,
    acks_late=True,
    autoretry_for=(DeliveryError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=6,
)
def campaign_send_chunk_task(campaign_id: int, first_send_id: int, last_send_id: int) -> dict:
    result = campaign_send_chunk(
        campaign_id=campaign_id, first_send_id=first_send_id, last_send_id=last_send_id
    )
    return {
        "sent": result.sent,
        "skipped": result.skipped,
        "failed": result.failed,
        "paused": result.paused,
    }


@shared_task(name="newsletter.campaign_dispatch", acks_late=True)
def campaign_dispatch_task(campaign_id: int) -> int:
    """Start or resume a campaign; returns how many chunks were enqueued."""
    return campaign_dispatch(campaign_id=campaign_id).chunks


@shared_task(name="newsletter.campaign_weekly_start", acks_late=True)
def campaign_weekly_start_task() -> int:
    """Create this ISO week's campaign if needed and send it; a second run finds it sent."""
    campaign = campaign_get_or_create_for_week(day=timezone.localdate())
    return campaign_dispatch(campaign_id=campaign.pk).chunks


@shared_task(name="newsletter.campaigns_resume_stalled", acks_late=True)
def campaigns_resume_stalled_task() -> list[int]:
    """Re-dispatch campaigns left with pending sends (crashed worker, kill switch turned off)
    or left sending with nothing to deliver, which the dispatch finishes."""
    campaign_ids = campaigns_to_resume()
    for campaign_id in campaign_ids:
        campaign_dispatch(campaign_id=campaign_id)
    return campaign_ids
