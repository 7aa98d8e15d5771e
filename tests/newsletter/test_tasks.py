"""The newsletter through real Celery workers on Redis, delivering to a real SMTP server.

The crash test runs a separate `celery worker` process and kills it with
SIGKILL half-way through a campaign, as a machine failure would.
"""

import asyncio
import os
import signal
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone
from waffle.testutils import override_switch

from config.celery import app as celery_app
from newsletter.models import Campaign, Send
from newsletter.tasks import (
    campaign_dispatch_task,
    campaign_send_chunk_task,
    campaign_weekly_start_task,
    campaigns_resume_stalled_task,
)
from tests.newsletter.conftest import consenting_user, refuse_data
from tests.workers import wait_until, worker_process_start


def campaign_sent(campaign_id: int):
    return lambda: Campaign.objects.get(pk=campaign_id).status == Campaign.Status.SENT


def test_the_worker_delivers_a_campaign_in_chunks_exactly_once(
    celery_worker, smtp_server, popular_offers, campaign, settings
):
    settings.NEWSLETTER_CHUNK_SIZE = 3
    users = [consenting_user() for _ in range(7)]

    assert campaign_dispatch_task.delay(campaign.pk).get(timeout=20) == 3
    wait_until(campaign_sent(campaign.pk), what="the campaign to be sent")

    assert sorted(smtp_server.recipients) == sorted(user.email for user in users)
    assert campaign_dispatch_task.delay(campaign.pk).get(timeout=20) == 0
    assert len(smtp_server.messages) == 7


def test_the_weekly_task_creates_one_campaign_a_week_and_sends_it_once(
    celery_worker, smtp_server, popular_offers
):
    users = [consenting_user() for _ in range(2)]

    campaign_weekly_start_task.delay().get(timeout=20)
    campaign = Campaign.objects.get()
    wait_until(campaign_sent(campaign.pk), what="the weekly campaign to be sent")
    campaign_weekly_start_task.delay().get(timeout=20)

    assert Campaign.objects.count() == 1
    assert sorted(smtp_server.recipients) == sorted(user.email for user in users)


def test_the_worker_retries_a_chunk_after_an_smtp_failure(
    celery_worker, smtp_server, popular_offers, campaign
):
    users = [consenting_user() for _ in range(4)]
    refuse_data(smtp_server, attempts={2})

    campaign_dispatch_task.delay(campaign.pk).get(timeout=20)
    wait_until(campaign_sent(campaign.pk), what="the retried chunk to finish")

    assert sorted(smtp_server.recipients) == sorted(user.email for user in users)
    # Two tries of the refused message, one of each other.
    assert list(campaign.sends.values_list("attempts", flat=True)) == [1, 2, 1, 1]


def test_the_kill_switch_stops_the_worker_and_the_sweep_resumes_once_it_is_off(
    celery_worker, smtp_server, popular_offers, campaign, settings
):
    settings.NEWSLETTER_RESUME_AFTER_SECONDS = 0
    users = [consenting_user() for _ in range(3)]
    with override_switch("newsletter_paused", active=True):
        assert campaign_dispatch_task.delay(campaign.pk).get(timeout=20) == 0
        result = campaign_send_chunk_task.delay(campaign.pk, 0, 10**9).get(timeout=20)
        assert result["paused"] is True
        assert campaigns_resume_stalled_task.delay().get(timeout=20) == [campaign.pk]
    assert smtp_server.messages == []
    assert campaign.sends.filter(status=Send.Status.PENDING).count() == 3

    with override_switch("newsletter_paused", active=False):
        campaigns_resume_stalled_task.delay().get(timeout=20)
        wait_until(campaign_sent(campaign.pk), what="the resumed campaign")

    assert sorted(smtp_server.recipients) == sorted(user.email for user in users)


class Gate:
    """Accept `open_for` messages, then hold the next DATA without answering until released.

    The held message is kept (the server has it and will deliver it) but its
    "250" never reaches the worker, killed meanwhile: the one message a crash
    may repeat (ADR 0006). Later messages are accepted.
    """

    def __init__(self, inbox, open_for: int) -> None:
        self.reached = threading.Event()
        self.released = threading.Event()
        self.held_recipients: list[str] = []
        accept = inbox.handle_DATA
        count = {"data": 0}

        async def handle_DATA(server, session, envelope):
            count["data"] += 1
            if count["data"] != open_for + 1:
                return await accept(server, session, envelope)
            self.held_recipients = list(envelope.rcpt_tos)
            answer = await accept(server, session, envelope)
            self.reached.set()
            while not self.released.is_set():
                await asyncio.sleep(0.05)
            return answer

        inbox.handle_DATA = handle_DATA


# The killed worker's lease, scaled down from the 5 minutes of production so the
# test runs in seconds; the sweep runs every SWEEP_TICK instead of every minute.
TEST_LEASE_SECONDS = 4
SWEEP_TICK_SECONDS = 0.5


@pytest.mark.postgres
def test_a_killed_workers_sends_are_resent_by_the_sweep_within_the_lease_each_once(
    redis, transactional_db, smtp_server, popular_offers, campaign, settings, tmp_path
):
    settings.NEWSLETTER_CHUNK_SIZE = 4
    users = [consenting_user() for _ in range(12)]
    gate = Gate(smtp_server, open_for=6)
    celery_app.control.purge()
    worker = worker_process_start(
        log_path=tmp_path / "worker.log",
        EMAIL_HOST=settings.EMAIL_HOST,
        EMAIL_PORT=str(settings.EMAIL_PORT),
        NEWSLETTER_SEND_LEASE_SECONDS=str(TEST_LEASE_SECONDS),
    )
    try:
        campaign_dispatch_task.delay(campaign.pk)
        if not gate.reached.wait(timeout=90):
            raise AssertionError((tmp_path / "worker.log").read_text()[-3000:])
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        gate.released.set()
        if worker.poll() is None:
            worker.kill()
    wait_until(lambda: len(smtp_server.messages) == 7, what="the message in flight")
    assert campaign.sends.filter(status=Send.Status.SENT).count() == 6
    leases = campaign.sends.filter(status=Send.Status.SENDING).values_list(
        "claimed_until", flat=True
    )
    # The message in flight renewed its send's lease: the dead worker's claims run out
    # one after the other, the rest of its chunk first.
    first_lease_end, lease_end = min(leases), max(leases)

    # The campaign was dispatched moments ago: only the expired claims bring the
    # sweep back (NEWSLETTER_RESUME_AFTER_SECONDS stays at its 15 minutes). It ticks
    # as beat would, until the campaign is sent.
    with start_worker(celery_app, pool="threads", concurrency=2, perform_ping_check=False):
        resumed_at = None
        while not campaign_sent(campaign.pk)():
            assert timezone.now() < lease_end + timedelta(seconds=30), "never finished"
            if campaigns_resume_stalled_task.delay().get(timeout=20) and resumed_at is None:
                resumed_at = timezone.now()
            time.sleep(SWEEP_TICK_SECONDS)
    # The killed worker's unacknowledged message would come back after the
    # broker's visibility timeout; it would find nothing left, but drop it here.
    redis.delete("unacked", "unacked_index")

    # Taken again once a lease was over, not before, and within a sweep tick of it.
    assert first_lease_end <= resumed_at
    assert resumed_at <= first_lease_end + timedelta(seconds=SWEEP_TICK_SECONDS + 2)
    received = Counter(smtp_server.recipients)
    (in_flight,) = gate.held_recipients
    assert set(received) == {user.email for user in users}
    assert received.pop(in_flight) == 2  # accepted as the worker died, then sent again
    assert set(received.values()) == {1}
    copies = [m["Message-ID"] for m in smtp_server.messages if m["To"] == in_flight]
    assert len(set(copies)) == 1  # the same Message-ID, for the mailbox to fold them
    assert campaign.sends.filter(status=Send.Status.SENT).count() == 12
