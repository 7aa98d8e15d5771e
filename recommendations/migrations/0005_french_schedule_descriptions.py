"""The precomputation's and the model monitoring's schedule descriptions in French
(ADR 0027); a description edited in the admin is kept."""

from django.db import migrations

from config.data_rewording import rewording

DESCRIPTIONS = {
    "recommendations: precompute lists": (
        "Stores each user's top lists in Redis for the homepage and the API.",
        "Enregistre dans Redis les meilleures listes de chaque utilisateur "
        "pour la page d’accueil et l’API.",
    ),
    "recommendations: monitor the model, retrain if degraded": (
        "Measures the champion model (online rates, input drift, age) and retrains "
        "behind the promotion gate when a check fires (ADRs 0029, 0030).",
        "Mesure le modèle champion (taux en ligne, dérive des données d’entrée, âge) "
        "et, quand un contrôle se déclenche, réentraîne un challenger soumis à la règle "
        "de promotion (ADR 0029 et 0030).",
    ),
}


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0004_french_labels")]

    operations = [rewording("django_celery_beat", "PeriodicTask", "description", DESCRIPTIONS)]
