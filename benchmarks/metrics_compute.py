"""Times the daily metrics computation against the database DATABASE_URL names.

Meant for a seeded marketplace (e.g. `seed_demo --users 100000 --offers 20000
--bookings 1000000 --months 12`): computes the metrics of the most recent
booking date and a few dates before it, and prints, for each, the time and
the number of SQL queries, then the time of the biggest aggregate alone.
It writes metrics rows (replacing those of the dates it computes).

    DATABASE_URL=postgres://… .venv/bin/python benchmarks/metrics_compute.py [--dates 5]
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from marketplace.models import Booking  # noqa: E402
from metrics.computations import active_user_counts  # noqa: E402
from metrics.services import metrics_compute_for_day  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dates", type=int, default=5, help="dates to compute, 1 week apart")
    options = parser.parse_args()

    total = Booking.objects.count()
    latest = Booking.objects.aggregate(latest=Max("created_at"))["latest"]
    if latest is None:
        sys.exit("No booking in this database: seed it first (manage.py seed_demo).")
    last_day = timezone.localtime(latest).date()
    print(f"{connection.vendor}, {total:,} bookings, latest on {last_day.isoformat()}")

    timings = []
    for week in range(options.dates):
        day = last_day - timedelta(days=7 * week)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            daily = metrics_compute_for_day(day=day)
            elapsed = time.perf_counter() - started
        timings.append(elapsed)
        print(
            f"{day.isoformat()}: {elapsed:6.2f} s, {len(queries)} queries; "
            f"{daily.bookings} bookings, rolling north star "
            f"{daily.rolling_multi_category_users}/{daily.rolling_active_users}"
        )
    started = time.perf_counter()
    active_user_counts(day=last_day)
    print(f"north-star aggregate alone: {time.perf_counter() - started:.2f} s")
    print(f"median per date: {statistics.median(timings):.2f} s")


if __name__ == "__main__":
    main()
