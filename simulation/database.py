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
from django.db import DatabaseError, connections

from marketplace.demo.database import marketplace_has_data
from marketplace.models import Booking

SIMULATED_EMAIL_SUFFIX = ".test"


class DatabaseRefused(Exception):
    """The database is not one the simulator may run in; the message says why."""


class RealDataRefused(DatabaseRefused):
    """The database holds bookings of real people."""


def real_bookings_count() -> int:
    """Bookings made by someone whose address is not in the reserved `.test` domain."""
    return Booking.objects.exclude(user__email__iendswith=SIMULATED_EMAIL_SUFFIX).count()


def simulation_database_check() -> None:
    """Raise DatabaseRefused unless the database is free of marketplace data.

    Real bookings get their own refusal (RealDataRefused); an earlier
    simulation is refused too, since its campaigns and metrics would change
    what a new run sees.
    """
    real = real_bookings_count()
    if real:
        raise RealDataRefused(
            f"This database holds {real} real booking(s) (users outside the .test domain); "
            "the simulator only runs on a database of its own."
        )
    if marketplace_has_data():
        raise DatabaseRefused(
            "This database already holds a simulated or demo marketplace; "
            "give the simulation a new database file."
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
    """Point the default database at the SQLite file `path` (created and migrated) for a while.

    Raises DatabaseRefused when `path` cannot be a SQLite database (a folder, another
    kind of file, a place where nothing can be written).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatabaseRefused(f"Cannot create the folder of {path}: {error.strerror}.") from None
    # The connection in use is set aside untouched (a caller's transaction stays open).
    saved_connection, saved_settings = connections["default"], connections.settings["default"]
    connections.settings["default"] = connections.configure_settings(
        {"default": sqlite_settings(path=path)}
    )["default"]
    connections["default"] = connections.create_connection("default")
    try:
        try:
            call_command("migrate", interactive=False, verbosity=0)
        except DatabaseError as error:
            raise DatabaseRefused(f"Cannot use {path} as a SQLite database: {error}.") from None
        yield
    finally:
        connections["default"].close()
        connections.settings["default"] = saved_settings
        connections["default"] = saved_connection
