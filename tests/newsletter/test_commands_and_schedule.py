"""The send_newsletter command, and the schedule and kill switch created by the data migration."""

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask
from waffle.models import Switch
from waffle.testutils import override_switch

from config.celery import app as celery_app
from newsletter.management.commands import send_newsletter
from newsletter.models import Campaign, Send
from newsletter.services import campaign_start
from tests.factories import UserFactory
from tests.newsletter.conftest import consenting_user, text_part

# Written against the English wording; French has its own tests.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def run(*args: str) -> str:
    out = StringIO()
    call_command("send_newsletter", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_dry_run_prints_who_would_get_what_and_sends_and_writes_nothing(
    smtp_server, popular_offers
):
    user = consenting_user()
    UserFactory(newsletter_consent=False, email="no@example.org")

    output = run("--dry-run")

    assert f"{user.email}: #{popular_offers[0].pk} Offer 0;" in output
    assert "no@example.org" not in output
    assert "Dry run: 1 would be mailed, 0 skipped; nothing sent." in output
    assert smtp_server.messages == []
    assert not Campaign.objects.exists() and not Send.objects.exists()


def test_the_command_sends_this_weeks_campaign_once(smtp_server, popular_offers):
    users = [consenting_user() for _ in range(3)]

    output = run()

    campaign = Campaign.objects.get()
    assert f"Campaign {campaign.pk}: 3 sent, 0 skipped, 0 failed; status sent." in output
    assert sorted(smtp_server.recipients) == sorted(user.email for user in users)
    assert "Offer 0" in text_part(smtp_server.messages[0])

    assert "already sent; nothing to do" in run()
    assert "already sent; nothing to do" in run("--campaign", str(campaign.pk))
    assert len(smtp_server.messages) == 3


def test_a_dry_run_of_a_started_campaign_lists_only_the_recipients_left(
    smtp_server, popular_offers, campaign
):
    done, left = consenting_user(), consenting_user()
    with override_switch("newsletter_paused", active=True):
        run("--dry-run")  # the preview works while paused
        campaign_start(campaign_id=campaign.pk)
    Send.objects.filter(user=done).update(status="sent", sent_at=campaign.planned_at)

    output = run("--dry-run", "--campaign", str(campaign.pk))

    assert left.email in output and done.email not in output


@override_switch("newsletter_paused", active=True)
def test_the_command_refuses_to_send_while_the_kill_switch_is_on(smtp_server, popular_offers):
    consenting_user()

    with pytest.raises(CommandError, match="paused"):
        run()

    assert smtp_server.messages == [] and not Campaign.objects.exists()


def test_a_kill_switch_turned_on_mid_run_stops_in_process_sending_with_a_readable_error(
    smtp_server, popular_offers, monkeypatch
):
    consenting_user()
    start = send_newsletter.campaign_start

    def start_then_pause(*, campaign_id: int) -> list[tuple[int, int]]:
        ranges = start(campaign_id=campaign_id)
        # Staff turn the switch on once the command checked it: the chunk finds it on.
        switch = Switch.objects.get(name="newsletter_paused")
        switch.active = True
        switch.save()
        switch.flush()  # save() flushes waffle's cache on commit, which a test never reaches
        return ranges

    monkeypatch.setattr(send_newsletter, "campaign_start", start_then_pause)

    # override_switch puts the switch (and waffle's cache) back afterwards.
    with (
        override_switch("newsletter_paused", active=False),
        pytest.raises(CommandError, match=r"paused.*resumes when it is turned off"),
    ):
        run()

    campaign = Campaign.objects.get()
    assert smtp_server.messages == [] and campaign.status == Campaign.Status.SENDING
    assert campaign.sends.get().status == Send.Status.PENDING


def test_an_unknown_campaign_is_a_readable_error():
    with pytest.raises(CommandError, match="No campaign with id 999"):
        run("--campaign", "999")


def test_the_weekly_schedule_and_the_sweep_are_in_the_database_with_registered_tasks():
    weekly = PeriodicTask.objects.get(name="newsletter: weekly campaign")
    sweep = PeriodicTask.objects.get(name="newsletter: resume stalled campaigns")

    crontab = weekly.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week) == ("0", "9", "4")
    assert str(crontab.timezone) == "Europe/Paris"
    # Every minute: a crashed worker's sends wait for their lease and at most this.
    assert (sweep.interval.every, sweep.interval.period) == (1, "minutes")
    celery_app.loader.import_default_modules()
    assert {weekly.task, sweep.task} <= set(celery_app.tasks)
    assert Switch.objects.get(name="newsletter_paused").active is False


def test_the_schedule_migration_is_idempotent_and_keeps_admin_edits():
    migration = importlib.import_module("newsletter.migrations.0002_schedule_and_kill_switch")
    weekly = PeriodicTask.objects.get(name="newsletter: weekly campaign")
    weekly.enabled = False
    weekly.save(update_fields=["enabled"])
    Switch.objects.filter(name="newsletter_paused").update(active=True)
    count = PeriodicTask.objects.count()

    migration.create_schedule_and_switch(apps, None)

    assert PeriodicTask.objects.count() == count
    assert PeriodicTask.objects.get(name="newsletter: weekly campaign").enabled is False
    assert Switch.objects.get(name="newsletter_paused").active is True


def test_with_redis_down_the_newsletter_goes_out_and_the_kill_switch_still_holds(
    unavailable_cache, smtp_server, popular_offers, caplog
):
    users = [consenting_user() for _ in range(3)]

    # The switch is read from the database when its cached value cannot be.
    with (
        override_switch("newsletter_paused", active=True),
        pytest.raises(CommandError, match="paused"),
    ):
        run()
    output = run()

    assert "3 sent, 0 skipped, 0 failed; status sent." in output
    assert sorted(smtp_server.recipients) == sorted(user.email for user in users)
    assert "Offer 0" in text_part(smtp_server.messages[0])
    # Each cache call the outage turned into a miss is logged, on one line.
    assert "Exception ignored: Redis ConnectionError" in caplog.text
    assert "Traceback" not in caplog.text


# Transactional: the command runs outside a transaction, so the chunks are sent at once.
@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_queueing_fails_in_one_line_and_the_campaign_can_be_resumed(
    unreachable_broker, smtp_server, popular_offers
):
    users = [consenting_user() for _ in range(3)]

    with pytest.raises(CommandError, match="Could not reach the Celery broker") as failure:
        run("--queue")

    campaign = Campaign.objects.get()
    assert "\n" not in str(failure.value)
    assert f"send_newsletter --campaign {campaign.pk}" in str(failure.value)
    assert campaign.status == Campaign.Status.SENDING
    assert campaign.sends.filter(status=Send.Status.PENDING).count() == 3
    assert smtp_server.messages == []

    output = run("--campaign", str(campaign.pk))

    assert "3 sent, 0 skipped, 0 failed; status sent." in output
    assert sorted(smtp_server.recipients) == sorted(user.email for user in users)
