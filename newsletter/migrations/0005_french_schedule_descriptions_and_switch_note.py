"""The newsletter schedules' descriptions and the kill switch's note in French
(ADR 0027); a text edited in the admin is kept."""

from django.db import migrations

from config.data_rewording import rewording

DESCRIPTIONS = {
    "newsletter: weekly campaign": (
        "Creates this week's campaign (once per ISO week) and sends it.",
        "Crée la campagne de la semaine (une par semaine ISO) et l’envoie.",
    ),
    "newsletter: resume stalled campaigns": (
        "Re-dispatches sending campaigns left with pending sends "
        "(crashed worker, kill switch turned off).",
        "Relance les campagnes en cours d’envoi qui ont encore des envois en attente "
        "(worker tombé, interrupteur d’arrêt désactivé).",
    ),
}
NOTES = {
    "newsletter_paused": (
        "On: newsletter chunks send nothing and leave sends pending; "
        "off: stalled campaigns resume at the next sweep.",
        "Activé : les lots de la newsletter n’envoient rien et laissent les envois en attente ; "
        "désactivé : les campagnes bloquées reprennent au passage suivant.",
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0004_french_labels"),
        ("waffle", "0004_update_everyone_nullbooleanfield"),
    ]

    operations = [
        rewording("django_celery_beat", "PeriodicTask", "description", DESCRIPTIONS),
        rewording("waffle", "Switch", "note", NOTES),
    ]
