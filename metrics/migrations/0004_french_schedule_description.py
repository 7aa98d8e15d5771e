"""The nightly metrics schedule's description in French (ADR 0027); a description
edited in the admin is kept."""

from django.db import migrations

from config.data_rewording import rewording

DESCRIPTIONS = {
    "metrics: compute yesterday's metrics": (
        "Computes and stores the metrics of the day before (ADR 0007).",
        "Calcule et enregistre les indicateurs de la veille (ADR 0007).",
    ),
}


class Migration(migrations.Migration):
    dependencies = [("metrics", "0003_french_labels")]

    operations = [rewording("django_celery_beat", "PeriodicTask", "description", DESCRIPTIONS)]
