"""One account per email address whatever its case (ADR 0018).

Accounts whose addresses differ only by case cannot be merged by a migration:
which one keeps the bookings, the password, the consent is for staff to decide.
So the check runs first and stops the migration with the addresses to fix,
rather than letting the index fail on the first duplicate it meets.
"""

from django.core.management.base import CommandError
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Upper

# Enough to act on; the count says how many more there are.
DUPLICATES_SHOWN = 20


def duplicates_refuse(apps, schema_editor) -> None:
    """Stop with the addresses used by more than one account, ignoring case.

    A CommandError, so that `migrate` prints the message alone, not a traceback.
    """
    User = apps.get_model("marketplace", "User")
    duplicated = list(
        User.objects.annotate(address=Upper("email"))
        .values("address")
        .annotate(accounts=Count("pk"))
        .filter(accounts__gt=1)
        .order_by("address")
        .values_list("address", flat=True)
    )
    if duplicated:
        shown = ", ".join(address.lower() for address in duplicated[:DUPLICATES_SHOWN])
        more = len(duplicated) - DUPLICATES_SHOWN
        raise CommandError(
            f"{len(duplicated)} email address(es) belong to more than one account once "
            f"case is ignored: {shown}{f' and {more} more' if more > 0 else ''}. "
            "Log-in cannot tell those accounts apart. Change the address of all but one "
            "account of each (admin, Users), then migrate again."
        )


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('marketplace', '0005_french_labels'),
    ]

    operations = [
        migrations.RunPython(duplicates_refuse, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.UniqueConstraint(Upper('email'), name='user_email_unique_ignoring_case', violation_error_message='An account already uses this email address.'),
        ),
    ]
