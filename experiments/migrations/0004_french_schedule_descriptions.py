"""The exposure drain's and the attribution's schedule descriptions in French (ADR 0027);
a description edited in the admin is kept."""

from django.db import migrations

from config.data_rewording import rewording

DESCRIPTIONS = {
    "experiments: drain the exposure buffer": (
        "Moves exposures buffered in Redis into PostgreSQL (ADR 0021).",
        "Transfère dans PostgreSQL les expositions mises en attente dans Redis (ADR 0021).",
    ),
    "experiments: attribute bookings to recommendation clicks": (
        "Credits bookings made within 7 days of a recommendation click (ADR 0021).",
        "Attribue à une recommandation les réservations faites dans les 7 jours "
        "qui suivent un clic sur elle (ADR 0021).",
    ),
}


class Migration(migrations.Migration):
    dependencies = [("experiments", "0003_french_labels")]

    operations = [rewording("django_celery_beat", "PeriodicTask", "description", DESCRIPTIONS)]
