"""Benchmark: seeding the demo marketplace at full size on PostgreSQL, and the size it takes.

Run it against a migrated PostgreSQL database of its own (it refuses one holding
marketplace data unless --reset, which empties it first, untimed):

    createdb -h 127.0.0.1 -U postgres seedbench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/seedbench
    .venv/bin/python manage.py migrate
    .venv/bin/python benchmarks/seed_demo.py [--reset] [--users 100000] [--offers 20000]
        [--bookings 1000000] [--months 6] [--seed 1]

It prints the seed's time (generation, COPY, up to the commit), the rows
written, then `pg_database_size` and each marketplace table's size (data,
indexes and TOAST) after the planner's statistics are refreshed.
"""

import argparse
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

TABLES = ("marketplace_venue", "marketplace_offer", "marketplace_user", "marketplace_booking")


def megabytes(size: int) -> str:
    return f"{size / 1024**2:,.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--offers", type=int, default=20_000)
    parser.add_argument("--bookings", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reset", action="store_true", help="Empty the marketplace first.")
    arguments = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("DEBUG", "false")  # no query log growing with a million rows
    import django

    django.setup()
    from django.db import connection

    from marketplace.demo.database import marketplace_data_delete, marketplace_has_data
    from marketplace.demo.seed import demo_marketplace_seed

    if connection.vendor != "postgresql":
        sys.exit("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")
    if marketplace_has_data():
        if not arguments.reset:
            sys.exit("The database holds marketplace data: pass --reset to empty it first.")
        began = time.perf_counter()
        deleted = marketplace_data_delete()
        print(f"Emptied in {time.perf_counter() - began:.1f} s: {deleted}")

    report = demo_marketplace_seed(
        users=arguments.users,
        offers=arguments.offers,
        months=arguments.months,
        seed=arguments.seed,
        bookings=arguments.bookings,
    )
    print(
        f"Seeded {report.venues:,} venues, {report.offers:,} offers, {report.users:,} users, "
        f"{report.bookings:,} bookings in {report.seconds:.1f} s "
        f"({report.bookings / report.seconds:,.0f} bookings/s overall)"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        print(f"Database size: {megabytes(cursor.fetchone()[0])}")
        for table in TABLES:
            cursor.execute(
                "SELECT pg_total_relation_size(%s), pg_relation_size(%s), pg_indexes_size(%s)",
                [table, table, table],
            )
            total, data, indexes = cursor.fetchone()
            print(
                f"  {table:<22} {megabytes(total):>10} "
                f"(table {megabytes(data)}, indexes {megabytes(indexes)})"
            )


if __name__ == "__main__":
    main()
