"""The fixtures that stand for production services really talk to them."""

import pytest
from celery import shared_task
from django.core.mail import send_mail

from marketplace.models import Category


@shared_task
def count_categories() -> int:
    return Category.objects.count()


def test_the_celery_worker_runs_tasks_against_the_test_database(celery_worker):
    # Written by the test, not left by a migration: an earlier transactional
    # test's flush may have emptied the categories.
    Category.objects.create(slug="worker-probe", name="Worker probe")

    assert count_categories.delay().get(timeout=20) == Category.objects.count() > 0


def test_django_mail_reaches_the_local_smtp_server(smtp_server):
    send_mail("Hello", "Body", "from@example.org", ["to@example.org"])

    assert smtp_server.recipients == ["to@example.org"]
    assert smtp_server.messages[0]["Subject"] == "Hello"


@pytest.mark.postgres
def test_the_postgres_marker_runs_on_postgresql(db):
    from django.db import connection

    assert connection.vendor == "postgresql"
