"""The newsletter through real Celery workers on Redis, delivering to a real SMTP server.

The crash test runs a separate `celery worker` process and kills it with
SIGKILL half-way through a campaign, as a machine failure would.
"""

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
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
from tests.workers import database_url, wait_until

BASE_DIR = Path(django_settings.BASE_DIR)


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
    assert campaign.sends.filter(attempts=2).count() == 3  # the refused one and those after it


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

    The held message is then refused, like one in flight when its worker dies;
    later ones are accepted.
    """

    def __init__(self, inbox, open_for: int) -> None:
        self.reached = threading.Event()
        self.released = threading.Event()
        accept = inbox.handle_DATA
        count = {"data": 0}

        async def handle_DATA(server, session, envelope):
            count["data"] += 1
            if count["data"] != open_for + 1:
                return await accept(server, session, envelope)
            self.reached.set()
            while not self.released.is_set():
                await asyncio.sleep(0.05)
            return "421 4.3.0 Closing"

        inbox.handle_DATA = handle_DATA


@pytest.mark.postgres
def test_a_campaign_interrupted_by_a_killed_worker_resumes_with_exactly_the_missing_messages(
    redis, transactional_db, smtp_server, popular_offers, campaign, settings, tmp_path
):
    settings.NEWSLETTER_CHUNK_SIZE = 4
    users = [consenting_user() for _ in range(12)]
    gate = Gate(smtp_server, open_for=6)
    celery_app.control.purge()
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ],
        cwd=BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "EMAIL_HOST": settings.EMAIL_HOST,
            "EMAIL_PORT": str(settings.EMAIL_PORT),
            # The killed worker's claims expire quickly, so the resume can take them.
            "NEWSLETTER_SEND_LEASE_SECONDS": "2",
        },
        stdout=log,
        stderr=subprocess.STDOUT,
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
        log.close()

    assert len(smtp_server.messages) == 6
    assert campaign.sends.filter(status=Send.Status.SENT).count() == 6
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING

    time.sleep(2.5)  # past the killed worker's lease
    with start_worker(celery_app, pool="threads", concurrency=2, perform_ping_check=False):
        campaign_dispatch_task.delay(campaign.pk).get(timeout=20)
        wait_until(campaign_sent(campaign.pk), what="the resumed campaign")
    # The killed worker's unacknowledged message would come back after the
    # broker's visibility timeout; it would find nothing left, but drop it here.
    redis.delete("unacked", "unacked_index")

    assert sorted(smtp_server.recipients) == sorted(user.email for user in users)
