"""Drop waffle's own flag tables, unused since WAFFLE_FLAG_MODEL points at UserBucketFlag.

Waffle's first migration creates them whatever the setting, and their foreign
keys to users and groups make PostgreSQL refuse the TRUNCATE of a database
flush (django-waffle issue #317).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0002_categories"),
        ("waffle", "0004_update_everyone_nullbooleanfield"),
    ]

    operations = [
        migrations.RunSQL(f"DROP TABLE IF EXISTS {table}", migrations.RunSQL.noop)
        for table in ("waffle_flag_users", "waffle_flag_groups", "waffle_flag")
    ]
