"""The homepage canary's flag (off until a percentage is set in the admin) and its kill
switch (ADR 0017). get_or_create leaves rows edited in the admin alone."""

from django.db import migrations


def create_flag_and_switch(apps, schema_editor):
    Flag = apps.get_model("marketplace", "UserBucketFlag")
    Switch = apps.get_model("waffle", "Switch")
    Flag.objects.get_or_create(
        name="homepage_recommendations",
        defaults={
            "percent": 0,
            "note": "Treatment: the 'Recommended for you' section on the homepage. "
            "Set the percentage of users in the canary; assignment hashes the user id.",
        },
    )
    Switch.objects.get_or_create(
        name="homepage_recommendations_off",
        defaults={
            "active": False,
            "note": "On: removes the homepage's recommended section for everyone at once.",
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0001_initial"),
        ("waffle", "0004_update_everyone_nullbooleanfield"),
    ]

    operations = [migrations.RunPython(create_flag_and_switch, migrations.RunPython.noop)]
