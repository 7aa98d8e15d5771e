"""Benchmark: `evaluate_recommenders` on a 100,000-line file and on the demo's live bookings.

Run it on a database seeded with the 1M-booking demo, e.g.

    createdb -h 127.0.0.1 -U postgres bench_eval
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_eval
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --users 100000 --offers 20000 --bookings 1000000
    .venv/bin/python benchmarks/evaluate_recommenders.py [--lines 100000] [--split user-time]

1. file: the `--lines` most recent live bookings are written to a CSV log with
   every optional column (category, offer and home coordinates), then the
   command evaluates all four baselines on it (target: under 30 s).
2. database: the command on every live booking (target: under 5 minutes).

Each run is timed end to end (reading, splitting, tuning on the validation
split, fitting, ranking, metrics) and prints its users evaluated, the load
average, and the figures of each strategy.
"""

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django.setup()

from django.core.management import call_command  # noqa: E402

from marketplace.models import Booking  # noqa: E402

COLUMNS = ("user_id", "item_id", "timestamp", "category")
COLUMNS += ("item_lat", "item_lon", "user_lat", "user_lon")
FILE_TARGET_SECONDS = 30
DATABASE_TARGET_SECONDS = 300


def log_export(path: Path, *, lines: int) -> None:
    rows = (
        Booking.objects.live()
        .order_by("-created_at")
        .values_list(
            "user_id",
            "offer_id",
            "created_at",
            "offer__category__slug",
            "offer__venue__latitude",
            "offer__venue__longitude",
            "user__home_latitude",
            "user__home_longitude",
        )[:lines]
    )
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "user_id",
                "item_id",
                "timestamp",
                "category",
                "item_lat",
                "item_lon",
                "user_lat",
                "user_lon",
            ]
        )
        for user, offer, created, slug, lat, lon, home_lat, home_lon in rows.iterator():
            cells = [lat, lon, home_lat, home_lon]
            writer.writerow(
                [user, offer, created.isoformat(), slug, *("" if c is None else c for c in cells)]
            )


def timed_run(label: str, target: float, *options: str) -> None:
    out = StringIO()
    started = time.perf_counter()
    call_command("evaluate_recommenders", "--json", *options, stdout=out, stderr=sys.stderr)
    seconds = time.perf_counter() - started
    document = json.loads(out.getvalue())
    verdict = "OK" if seconds < target else "MISSED"
    print(
        f"{label}: {seconds:.1f} s (target < {target} s, {verdict}); "
        f"{document['split']['train_interactions']} train, {document['split']['test_interactions']}"
        f" test, {document['split']['users_evaluated']} users evaluated; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    k = document["k"]
    for name, figures in document["strategies"].items():
        print(
            f"  {name:<8} ndcg@{k} {figures[f'ndcg@{k}']:.4f}  fit {figures['fit_seconds']:.1f} s"
            f"  recommend {figures['recommend_seconds']:.1f} s  params {figures['params']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--split", default="user-time")
    parser.add_argument("--skip-database", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "log.csv"
        log_export(path, lines=options.lines)
        timed_run(
            f"1. file of {options.lines} lines",
            FILE_TARGET_SECONDS,
            "--interactions",
            str(path),
            "--split",
            options.split,
        )
    if not options.skip_database:
        timed_run("2. database (live bookings)", DATABASE_TARGET_SECONDS, "--split", options.split)


if __name__ == "__main__":
    main()
