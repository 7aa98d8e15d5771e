"""The simulator's own database: a SQLite file built with the project's migrations.

A simulated shopper's email is in the `.test` top-level domain, which RFC 2606
reserves for testing: no real person can hold one. A database whose bookings
all belong to such addresses is simulated (or demo) data and may be replaced;
one booking by any other address makes it real, and the simulator refuses it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.management import call_command
from django.db import connections

from marketplace.models import Booking

SIMULATED_EMAIL_SUFFIX = ".test"


class RealDataRefused(Exception):
    """The database holds bookings of real people."""


def real_bookings_count() -> int:
    """Bookings made by someone whose address is not in the reserved `.test` domain."""
    return Booking.objects.exclude(user__email__iendswith=SIMULATED_EMAIL_SUFFIX).count()


def simulated_database_check() -> None:
    """Raise RealDataRefused unless every booking of the database is simulated."""
    real = real_bookings_count()
    if real:
        raise RealDataRefused(
            f"This database holds {real} real booking(s) (users outside the .test domain); "
            "the simulator only runs on a database of its own."
        )


def sqlite_settings(*, path: Path) -> dict:
    # Durability is worthless for a throwaway file: skipping the fsync of every
    # booking's commit makes the run several times faster.
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {"init_command": "PRAGMA synchronous=OFF; PRAGMA journal_mode=WAL;"},
    }


@contextmanager
def sqlite_database_use(*, path: Path) -> Iterator[None]:
    """Point the default database at the SQLite file `path` (created and migrated) for a while."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connections["default"].close()
    saved = connections.settings["default"]
    connections.settings["default"] = connections.configure_settings(
        {"default": sqlite_settings(path=path)}
    )["default"]
    del connections["default"]
    try:
        call_command("migrate", interactive=False, verbosity=0)
        yield
    finally:
        connections["default"].close()
        connections.settings["default"] = saved
        del connections["default"]
