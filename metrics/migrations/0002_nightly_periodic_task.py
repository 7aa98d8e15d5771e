"""Schedule the nightly metrics computation in django-celery-beat's database.

get_or_create only: re-running the migration (or a fresh deploy) never
overwrites a schedule that staff changed in the admin.
"""

from django.db import migrations

TASK_NAME = "metrics: compute yesterday's metrics"


def create_periodic_task(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # 01:30 Paris time: the day is over, and late-evening bookings are in.
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="1",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Europe/Paris",
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "metrics.tasks.metrics_compute_day",
            "crontab": schedule,
            "description": "Computes and stores the metrics of the day before (ADR 0007).",
        },
    )


def delete_periodic_task(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_periodic_task, delete_periodic_task)]
