import shutil
from pathlib import Path

import pytest
from django.db import connections

from simulation.database import sqlite_database_use


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory, django_db_blocker) -> Path:
    """A SQLite file with every migration applied, built once; each test copies it."""
    path = tmp_path_factory.mktemp("simulation") / "migrated.sqlite3"
    with django_db_blocker.unblock(), sqlite_database_use(path=path):
        connections["default"].close()
    return path


@pytest.fixture
def fresh_sqlite(migrated_sqlite, tmp_path):
    """Return a function giving a new, migrated, empty simulation database file."""
    count = iter(range(100))

    def copy() -> Path:
        path = tmp_path / f"simulation-{next(count)}.sqlite3"
        shutil.copy(migrated_sqlite, path)
        return path

    return copy
