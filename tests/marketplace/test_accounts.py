"""Accounts: one per email address whatever its case, in the database as in the forms."""

import importlib
import threading
import time

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from marketplace.models import User
from marketplace.services import user_register
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

email_migration = importlib.import_module(
    "marketplace.migrations.0006_user_email_unique_ignoring_case"
)


def test_two_accounts_cannot_share_an_email_whatever_its_case():
    UserFactory(email="lea@example.org")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="Lea@Example.org", password="a long enough passphrase")


@pytest.mark.postgres
def test_looking_an_account_up_by_email_whatever_its_case_uses_the_constraints_index():
    # Log-in (`get_by_natural_key`) and the "email taken" checks ask `email__iexact`,
    # which PostgreSQL can answer from the UPPER(email) index, not from a LOWER one.
    UserFactory(email="lea@example.org")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = User.objects.filter(email__iexact="LEA@example.org").explain()

    assert "user_email_unique_ignoring_case" in plan, plan


def test_the_migration_stops_on_accounts_whose_emails_differ_only_by_case():
    # As a database from before the constraint could hold them (dropped inside the
    # test's transaction, which puts it back).
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX user_email_unique_ignoring_case")
    UserFactory(email="lea@example.org")
    UserFactory(email="Lea@example.org")
    UserFactory(email="sam@example.org")
    UserFactory(email="SAM@EXAMPLE.ORG")
    UserFactory(email="camille@example.org")

    with pytest.raises(CommandError) as stopped:
        email_migration.duplicates_refuse(apps, None)

    assert str(stopped.value).startswith(
        "2 email address(es) belong to more than one account once case is ignored: "
        "lea@example.org, sam@example.org. "
    )


def test_the_migration_goes_on_when_every_email_has_one_account():
    UserFactory(email="lea@example.org")
    UserFactory(email="camille@example.org")

    assert email_migration.duplicates_refuse(apps, None) is None


def test_signing_up_with_a_taken_email_is_refused_on_the_email_whatever_its_case():
    UserFactory(email="lea@example.org")

    with pytest.raises(ValidationError) as refused:
        user_register(email="LEA@example.org", password="a long passphrase", home_postcode="69003")

    assert refused.value.message_dict == {
        "email": [
            "Un compte utilise déjà cette adresse e-mail. Connectez-vous ou réinitialisez "
            "votre mot de passe."
        ]
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_simultaneous_sign_up_with_the_same_email_is_refused_on_the_email():
    """A double-clicked "Sign up": the second request checks the address before the first
    commits, then its insert waits on the first one's row in the unique index."""
    inserted = threading.Event()

    def first_sign_up_in_flight() -> None:
        try:
            with transaction.atomic():
                user_register(
                    email="lea@example.org", password="a long passphrase", home_postcode="69003"
                )
                inserted.set()
                # Commits once the second sign-up's insert waits on this one.
                with connection.cursor() as cursor:
                    for _ in range(100):
                        cursor.execute(
                            "SELECT count(*) FROM pg_stat_activity"
                            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                        )
                        if cursor.fetchone()[0]:
                            break
                        time.sleep(0.1)
        finally:
            connection.close()

    first = threading.Thread(target=first_sign_up_in_flight)
    first.start()
    assert inserted.wait(10)

    with pytest.raises(ValidationError) as refused:
        user_register(email="Lea@example.org", password="a long passphrase", home_postcode="69003")
    first.join()

    assert list(refused.value.message_dict) == ["email"]
    assert User.objects.filter(email__iexact="lea@example.org").count() == 1
