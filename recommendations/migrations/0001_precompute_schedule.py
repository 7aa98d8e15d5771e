"""The nightly precomputation of the stored lists (ADR 0016), editable in the admin.

get_or_create keeps this idempotent and leaves a schedule edited in the admin alone.
"""

from django.db import migrations
from django.utils import timezone

PRECOMPUTE_TASK = "recommendations: precompute lists"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    # After the night's bookings and before the morning's visitors.
    night, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="4",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Europe/Paris",
    )
    PeriodicTask.objects.get_or_create(
        name=PRECOMPUTE_TASK,
        defaults={
            "task": "recommendations.precompute_dispatch",
            "crontab": night,
            "description": "Stores each user's top lists in Redis for the homepage and the API.",
        },
    )
    # A running beat reloads its schedule when this timestamp changes.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = [migrations.RunPython(create_schedule, migrations.RunPython.noop)]
