"""Unsubscriptions made by staff; the stalled-campaign sweep every minute (ADR 0006).

The sweep moves from every 10 minutes to every minute only where it still has
the interval the previous migration gave it: a schedule edited in the admin is
left alone, and rolling back leaves the sweep as it is.
"""

from django.db import migrations, models
from django.utils import timezone

SWEEP_TASK = "newsletter: resume stalled campaigns"


def sweep_every_minute(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    moved = PeriodicTask.objects.filter(
        name=SWEEP_TASK, interval__every=10, interval__period="minutes"
    ).update(interval=every_minute)
    if moved:
        # A running beat reloads its schedule when this timestamp changes.
        PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0002_schedule_and_kill_switch"),
    ]

    operations = [
        migrations.AlterField(
            model_name="unsubscription",
            name="method",
            field=models.CharField(
                choices=[
                    ("one-click", "One-click (mail client)"),
                    ("page", "Confirmation page"),
                    ("staff", "Staff, in the admin"),
                ],
                max_length=10,
            ),
        ),
        migrations.RunPython(sweep_every_minute, migrations.RunPython.noop),
    ]
