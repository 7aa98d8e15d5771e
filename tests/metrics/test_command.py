"""`compute_metrics`: one date, a backfill, and readable refusals of bad input."""

import subprocess
import sys
from datetime import date, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from metrics.models import DailyCategoryMetrics, DailyMetrics
from tests.metrics.scenario import NOV_1, OCT_31, build_scenario

pytestmark = pytest.mark.django_db


def compute(*args: str) -> str:
    out = StringIO()
    call_command("compute_metrics", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_computes_one_given_date():
    build_scenario()

    output = compute("--date", "2026-10-31")

    assert list(DailyMetrics.objects.values_list("date", "bookings")) == [(OCT_31, 7)]
    assert "1 day(s) ending on 2026-10-31" in output


def test_defaults_to_today():
    compute()

    assert list(DailyMetrics.objects.values_list("date", flat=True)) == [timezone.localdate()]


def test_backfill_computes_the_n_days_ending_on_the_date():
    build_scenario()

    compute("--date", "2026-11-01", "--backfill-days", "3")

    assert list(DailyMetrics.objects.values_list("date", flat=True)) == [
        date(2026, 10, 30),
        OCT_31,
        NOV_1,
    ]
    assert DailyMetrics.objects.get(date=NOV_1).rolling_active_users == 5
    assert DailyCategoryMetrics.objects.count() == 3 * 12


def test_backfill_over_stored_dates_replaces_them():
    build_scenario()
    compute("--date", "2026-10-31")

    compute("--date", "2026-11-01", "--backfill-days", "2")

    assert DailyMetrics.objects.count() == 2
    assert DailyCategoryMetrics.objects.filter(date=OCT_31).count() == 12


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2026-13-01"], "Invalid --date '2026-13-01': expected a date as YYYY-MM-DD."),
        (["--date", "yesterday"], "Invalid --date 'yesterday'"),
        (["--backfill-days", "0"], "Invalid --backfill-days '0'"),
        (["--backfill-days", "many"], "Invalid --backfill-days 'many'"),
        (["--date", "0001-01-01"], "Invalid --date 0001-01-01: expected a date from 2000-01-01"),
        (["--date", "2000-01-02", "--backfill-days", "3"], "Invalid --backfill-days 3: at most 2"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_stores_nothing(args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(".", r"\.")):
        compute(*args)

    assert not DailyMetrics.objects.exists()


def test_a_future_date_is_refused():
    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)

    with pytest.raises(CommandError) as refusal:
        compute("--date", tomorrow.isoformat())

    assert str(refusal.value) == (
        f"Invalid --date {tomorrow}: expected a date from 2000-01-01 to {today}."
    )


def test_bad_date_exits_non_zero_with_one_readable_line():
    result = subprocess.run(
        [sys.executable, "manage.py", "compute_metrics", "--date", "31/10/2026"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "CommandError: Invalid --date '31/10/2026': expected a date as YYYY-MM-DD."
    ]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["--backfill-days", "999999999"],
            "CommandError: Invalid --backfill-days 999999999: at most",
        ),
        (
            ["--date", "0001-01-01"],
            "CommandError: Invalid --date 0001-01-01: expected a date from 2000-01-01 to ",
        ),
    ],
)
def test_out_of_range_arguments_exit_non_zero_with_one_line_instead_of_a_traceback(args, line):
    result = subprocess.run(
        [sys.executable, "manage.py", "compute_metrics", *args],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    (only_line,) = result.stderr.strip().splitlines()
    assert only_line.startswith(line)
