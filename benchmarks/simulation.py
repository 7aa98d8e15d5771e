"""Times the issue's reference run of the simulator: 5,000 users over 60 simulated days.

Runs `simulate` in a new SQLite file (no PostgreSQL needed) and prints its
wall-clock time next to the 15-minute target, with the machine's load.

    .venv/bin/python benchmarks/simulation.py [--users 5000] [--days 60]
        [--strategies control=popular,treatment=ml] [--drift-at DAY]
"""

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django.setup()

from django.core.management import call_command  # noqa: E402

TARGET_SECONDS = 15 * 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--strategies", default="control=popular,treatment=ml")
    parser.add_argument("--drift-at", type=int, default=None)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        call_command(
            "simulate",
            days=options.days,
            users=options.users,
            strategies=options.strategies,
            drift_at=options.drift_at,
            database=Path(folder) / "simulation.sqlite3",
            verbosity=0,
            stdout=io.StringIO(),
        )
        seconds = time.perf_counter() - began
    print(
        f"simulate: {options.users} users x {options.days} days in {seconds:.0f} s "
        f"(target < {TARGET_SECONDS} s), load {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
