"""The nightly task, through a real Celery worker, and its schedule in django-celery-beat."""

import importlib
from datetime import date, timedelta

import pytest
import time_machine
from django.apps import apps as installed_apps
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from config.celery import app
from marketplace.models import Category
from metrics.models import DailyCategoryMetrics, DailyMetrics
from metrics.services import metrics_compute_for_day, metrics_compute_nightly
from metrics.tasks import metrics_compute_day
from tests.factories import BookingFactory, UserFactory
from tests.metrics.scenario import OCT_31, at, build_scenario

schedule_migration = importlib.import_module("metrics.migrations.0002_nightly_periodic_task")


def test_worker_computes_and_stores_the_metrics_of_the_given_date(celery_worker):
    build_scenario()

    result = metrics_compute_day.delay(OCT_31.isoformat())

    assert result.get(timeout=30) == ["2026-10-31"]
    daily = DailyMetrics.objects.get(date=OCT_31)
    assert (daily.bookings, daily.month_active_users, daily.month_multi_category_users) == (7, 7, 3)
    assert DailyCategoryMetrics.objects.filter(date=OCT_31).count() == Category.objects.count()


def test_worker_run_twice_keeps_one_set_of_rows(celery_worker):
    build_scenario()

    metrics_compute_day.delay(OCT_31.isoformat()).get(timeout=30)
    metrics_compute_day.delay(OCT_31.isoformat()).get(timeout=30)

    assert DailyMetrics.objects.filter(date=OCT_31).count() == 1
    assert DailyCategoryMetrics.objects.filter(date=OCT_31).count() == Category.objects.count()


@pytest.mark.django_db
def test_nightly_periodic_task_exists_after_migrations_and_names_a_registered_task():
    periodic = PeriodicTask.objects.select_related("crontab").get(name=schedule_migration.TASK_NAME)

    assert periodic.enabled
    assert periodic.task == metrics_compute_day.name
    assert periodic.task in app.tasks
    assert (periodic.crontab.hour, periodic.crontab.minute) == ("1", "30")
    assert str(periodic.crontab.timezone) == "Europe/Paris"


@pytest.mark.django_db
def test_rerunning_the_schedule_migration_keeps_admin_edits():
    periodic = PeriodicTask.objects.get(name=schedule_migration.TASK_NAME)
    periodic.enabled = False
    periodic.crontab.hour = "4"
    periodic.crontab.save()
    periodic.save()

    schedule_migration.create_periodic_task(installed_apps, None)

    assert PeriodicTask.objects.filter(name=schedule_migration.TASK_NAME).count() == 1
    periodic.refresh_from_db()
    assert not periodic.enabled
    assert periodic.crontab.hour == "4"


@pytest.mark.django_db
def test_without_a_date_the_task_computes_yesterday_and_the_missed_days_of_the_window(settings):
    settings.METRICS_CATCH_UP_DAYS = 7
    yesterday = timezone.localdate() - timedelta(days=1)
    already_stored = [yesterday - timedelta(days=n) for n in (1, 2, 4, 5, 6)]
    for day in already_stored:
        metrics_compute_for_day(day=day)
    stored_rows = {row.date: row.computed_at for row in DailyMetrics.objects.all()}

    computed = metrics_compute_day()

    # Days 3 (a missed night) and 0 (yesterday) of the window; nothing older than 6 days back.
    assert computed == [(yesterday - timedelta(days=3)).isoformat(), yesterday.isoformat()]
    assert set(DailyMetrics.objects.values_list("date", flat=True)) == {
        *already_stored,
        yesterday - timedelta(days=3),
        yesterday,
    }
    for day, computed_at in stored_rows.items():
        assert DailyMetrics.objects.get(date=day).computed_at == computed_at


@pytest.mark.django_db
def test_the_nightly_run_recomputes_yesterday_even_when_it_is_stored(settings):
    settings.METRICS_CATCH_UP_DAYS = 3
    today = timezone.localdate()
    for n in (1, 2, 3):
        metrics_compute_for_day(day=today - timedelta(days=n))

    assert metrics_compute_nightly(today=today) == [today - timedelta(days=1)]


@pytest.mark.django_db
def test_a_day_stored_before_it_ended_is_recomputed_by_a_later_night_after_a_missed_one(settings):
    settings.METRICS_CATCH_UP_DAYS = 7
    shopper = UserFactory()
    BookingFactory(user=shopper, created_at=at("2026-11-10", "09:00"))
    with time_machine.travel(at("2026-11-10", "10:00"), tick=False):
        metrics_compute_for_day(day=date(2026, 11, 10))
    BookingFactory(user=shopper, created_at=at("2026-11-10", "20:00"))

    # The night of the 11th never ran; the night of the 12th must heal the 10th.
    with time_machine.travel(at("2026-11-12", "01:30"), tick=False):
        computed = metrics_compute_nightly(today=date(2026, 11, 12))

    assert date(2026, 11, 10) in computed
    assert DailyMetrics.objects.get(date=date(2026, 11, 10)).bookings == 2


@pytest.mark.django_db
def test_a_day_stored_after_it_ended_is_not_recomputed_by_the_nightly_run(settings):
    settings.METRICS_CATCH_UP_DAYS = 7
    with time_machine.travel(at("2026-11-11", "00:00"), tick=False):
        metrics_compute_for_day(day=date(2026, 11, 10))

    with time_machine.travel(at("2026-11-12", "01:30"), tick=False):
        computed = metrics_compute_nightly(today=date(2026, 11, 12))

    assert date(2026, 11, 10) not in computed
