"""Schedule the exposure drain (every 5 s) and the booking attribution (every 10 min)
in django-celery-beat's database.

get_or_create only: re-running the migration never overwrites a schedule that
staff changed in the admin.
"""

from django.db import migrations

SCHEDULES = (
    (
        "experiments: drain the exposure buffer",
        "experiments.tasks.exposures_drain_buffer",
        5,
        "seconds",
        "Moves exposures buffered in Redis into PostgreSQL (ADR 0021).",
    ),
    (
        "experiments: attribute bookings to recommendation clicks",
        "experiments.tasks.booking_attributions_update",
        10,
        "minutes",
        "Credits bookings made within 7 days of a recommendation click (ADR 0021).",
    ),
)


def create_periodic_tasks(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, every, period, description in SCHEDULES:
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={"task": task, "interval": interval, "description": description},
        )


def delete_periodic_tasks(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[schedule[0] for schedule in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("experiments", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_periodic_tasks, delete_periodic_tasks)]
