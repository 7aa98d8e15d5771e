"""Shared fixtures and the rules for tests that need real services.

A test marked `postgres` (or using the `redis_url` fixture) is skipped on a
developer's SQLite run but fails in CI (CI=true), where the services must be there.
"""

import os

import pytest
from django.db import connection

from tests.factories import UserFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: set DATABASE_URL=postgres://…")


@pytest.fixture
def shopper(db):
    return UserFactory()


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True, is_superuser=True)
