"""The homepage canary's flag and kill switch notes in French (ADR 0027); a note
edited in the admin is kept."""

from django.db import migrations

from config.data_rewording import rewording

FLAG_NOTES = {
    "homepage_recommendations": (
        "Treatment: the 'Recommended for you' section on the homepage. "
        "Set the percentage of users in the canary; assignment hashes the user id.",
        "Traitement : la section « Recommandé pour vous » de la page d’accueil. "
        "Réglez le pourcentage d’utilisateurs du canari ; chacun y est affecté "
        "par un hachage de son identifiant.",
    ),
}
SWITCH_NOTES = {
    "homepage_recommendations_off": (
        "On: removes the homepage's recommended section for everyone at once.",
        "Activé : retire d’un coup à tout le monde la section des recommandations "
        "de la page d’accueil.",
    ),
}


class Migration(migrations.Migration):
    dependencies = [("storefront", "0001_homepage_canary")]

    operations = [
        rewording("marketplace", "UserBucketFlag", "note", FLAG_NOTES),
        rewording("waffle", "Switch", "note", SWITCH_NOTES),
    ]
