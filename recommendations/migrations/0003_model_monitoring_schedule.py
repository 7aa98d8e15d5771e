"""Schedule the daily monitoring of the champion in django-celery-beat's database.

get_or_create only: re-running the migration never overwrites a schedule that
staff changed in the admin.
"""

from django.db import migrations

TASK_NAME = "recommendations: monitor the model, retrain if degraded"


def create_periodic_task(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # 02:30 Paris time: after the nightly metrics (01:30) and before the lists are
    # precomputed (04:30), so a promoted challenger serves the next morning's lists.
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="2",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Europe/Paris",
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "recommendations.model_monitoring_run",
            "crontab": schedule,
            "description": (
                "Measures the champion model (online rates, input drift, age) and retrains "
                "behind the promotion gate when a check fires (ADRs 0029, 0030)."
            ),
        },
    )


def delete_periodic_task(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0002_model_registry"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_periodic_task, delete_periodic_task)]
