"""Benchmark: send a newsletter campaign to ~20,000 demo users through a local SMTP server.

Run it on PostgreSQL with Redis, so that real Celery workers send the chunks:

    createdb -h 127.0.0.1 -U postgres passerelle_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/passerelle_bench \
    REDIS_URL=redis://127.0.0.1:6379/12 \
        .venv/bin/python benchmarks/newsletter_send.py [--users 26000] [--concurrency 4]

It migrates the database, seeds the demo marketplace when it is empty
(`seed_demo --users 26000`: 78 % consent, so about 20,300 recipients), starts an
aiosmtpd server in a thread that counts the messages it accepts, starts a
`celery worker` process (prefork, `--concurrency`, default twice the cores),
then creates a campaign, dispatches it (recipients materialised, one task per
chunk) and waits until it is sent. It prints the recipients, the sends by
status and messages per second from the dispatch to the end of the campaign.
Without REDIS_URL it sends the chunks in this process one after the other, as
`send_newsletter` does.

Each run creates a new campaign and leaves it in the database (the weekly
campaign is not touched). Use a database and a Redis DB of their own: the
queue is purged before the run.
"""

import argparse
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


class CountingInbox:
    """An aiosmtpd handler that accepts every message and tallies what it received.

    Distinct recipients and sizes show that the figure counts whole, personalised
    messages, one per recipient, not merely SMTP transactions.
    """

    def __init__(self) -> None:
        self.count = 0
        self.total_bytes = 0
        self.recipients: set[str] = set()

    async def handle_DATA(self, server, session, envelope) -> str:
        self.count += 1
        self.total_bytes += len(envelope.content)
        self.recipients.update(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_worker(concurrency: int) -> subprocess.Popen:
    from config.celery import app

    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        cwd=BASE_DIR,
    )
    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=1):
        if time.monotonic() > deadline or worker.poll() is not None:
            worker.kill()
            raise SystemExit("The Celery worker did not start.")
    return worker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=26_000, help="demo users to seed if empty")
    # Twice the cores: each process waits on SMTP and PostgreSQL round trips
    # between messages, which another process's CPU work can fill.
    parser.add_argument("--concurrency", type=int, default=2 * (os.cpu_count() or 2))
    options = parser.parse_args()

    from aiosmtpd.controller import Controller

    inbox = CountingInbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    # Before Django reads its settings, so this process and the worker send to it.
    os.environ.update(EMAIL_HOST=smtp.hostname, EMAIL_PORT=str(smtp.port))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    # As in production: cached templates, no per-query debug log (DEBUG=true costs ~30 %).
    os.environ.setdefault("DEBUG", "false")

    import django

    django.setup()
    # aiosmtpd logs every SMTP command at INFO; at hundreds of messages a second
    # that logging would cost this process more than serving the messages.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from config.celery import app as celery_app
    from newsletter.selectors import campaign_send_counts
    from newsletter.services import campaign_create, campaign_send_chunk, campaign_start
    from newsletter.tasks import campaign_dispatch_task

    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--if-empty", users=options.users)
    campaign = campaign_create(subject="Benchmark picks", planned_at=timezone.now())
    if settings.REDIS_URL:
        # Chunks left queued by an interrupted earlier run would be counted too.
        celery_app.control.purge()
    worker = start_worker(options.concurrency) if settings.REDIS_URL else None
    mode = f"{options.concurrency} Celery worker process(es)" if worker else "this process"
    print(
        f"Sending campaign {campaign.pk} from {mode}, chunks of {settings.NEWSLETTER_CHUNK_SIZE}…"
    )
    started = time.perf_counter()
    try:
        if worker:
            campaign_dispatch_task.delay(campaign.pk)
            while campaign.status != campaign.Status.SENT:
                time.sleep(0.2)
                campaign.refresh_from_db(fields=["status"])
        else:
            for first, last in campaign_start(campaign_id=campaign.pk):
                campaign_send_chunk(campaign_id=campaign.pk, first_send_id=first, last_send_id=last)
        elapsed = time.perf_counter() - started
    finally:
        if worker:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
        smtp.stop()

    counts = campaign_send_counts(campaign=campaign)
    print(
        f"recipients: {sum(counts.values())} ({', '.join(f'{n} {s}' for s, n in counts.items())})"
    )
    print(
        f"messages accepted by the SMTP server: {inbox.count} "
        f"({len(inbox.recipients)} distinct recipients, "
        f"{inbox.total_bytes / max(inbox.count, 1) / 1024:.1f} KiB on average)"
    )
    print(f"elapsed: {elapsed:.1f} s (materialising recipients included)")
    print(f"throughput: {counts['sent'] / elapsed:.0f} messages/s")


if __name__ == "__main__":
    main()
