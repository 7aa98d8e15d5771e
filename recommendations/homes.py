"""A user's home by id, as the geo strategy reads it on every request.

Compiled once per process from its ORM definition, like the availability
queries (ADR 0009): a request asks for one user, and building the queryset
cost more than running it. A test compares it with its ORM twin.
"""

import functools

from django.db import connection

from marketplace.models import User
from recommendations.lists import Location


def homes_queryset(user_id: int):
    """The ORM definition: the user's coordinates and city, if both coordinates are set."""
    return User.objects.filter(
        pk=user_id, home_latitude__isnull=False, home_longitude__isnull=False
    ).values_list("home_latitude", "home_longitude", "home_city")


@functools.cache
def home_sql() -> tuple[str, tuple]:
    return homes_queryset(0).query.sql_with_params()


def user_home(user_id: int | None) -> Location | None:
    """The user's home labelled with its city, None without coordinates (or without a user)."""
    if user_id is None:
        return None
    sql, params = home_sql()
    # The id is the first parameter (and the only one: `isnull` adds none).
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, *params[1:]])
        row = cursor.fetchone()
    return None if row is None else Location(latitude=row[0], longitude=row[1], label=row[2])
