"""The weekly campaign schedule, the stalled-campaign sweep and the kill switch (ADR 0006).

get_or_create keeps this idempotent and leaves rows edited in the admin alone;
rolling back keeps them too, since they may carry such edits.
"""

from django.db import migrations
from django.utils import timezone

WEEKLY_TASK = "newsletter: weekly campaign"
SWEEP_TASK = "newsletter: resume stalled campaigns"


def create_schedule_and_switch(apps, schema_editor):
    Switch = apps.get_model("waffle", "Switch")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")

    Switch.objects.get_or_create(
        name="newsletter_paused",
        defaults={
            "active": False,
            "note": "On: newsletter chunks send nothing and leave sends pending; "
            "off: stalled campaigns resume at the next sweep.",
        },
    )
    thursday_morning, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="9",
        day_of_week="4",
        day_of_month="*",
        month_of_year="*",
        timezone="Europe/Paris",
    )
    PeriodicTask.objects.get_or_create(
        name=WEEKLY_TASK,
        defaults={
            "task": "newsletter.campaign_weekly_start",
            "crontab": thursday_morning,
            "description": "Creates this week's campaign (once per ISO week) and sends it.",
        },
    )
    every_ten_minutes, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=SWEEP_TASK,
        defaults={
            "task": "newsletter.campaigns_resume_stalled",
            "interval": every_ten_minutes,
            "description": "Re-dispatches sending campaigns left with pending sends "
            "(crashed worker, kill switch turned off).",
        },
    )
    # A running beat reloads its schedule when this timestamp changes.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0001_initial"),
        ("waffle", "0004_update_everyone_nullbooleanfield"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule_and_switch, migrations.RunPython.noop)]
