"""A user's home by id, as the geo strategy reads it on every request.

Compiled once per process from its ORM definition, like the availability
queries (ADR 0009): a request asks for one user, and building the queryset
cost more than running it. A test compares it with its ORM twin.
"""

import functools
from collections.abc import Iterable

from django.db import connection

from marketplace.models import User
from recommendations.lists import Location


def located_users():
    return User.objects.filter(home_latitude__isnull=False, home_longitude__isnull=False)


def homes_queryset(user_id: int):
    """The ORM definition: the user's coordinates and city, if both coordinates are set."""
    return (
        located_users()
        .filter(pk=user_id)
        .values_list("home_latitude", "home_longitude", "home_city")
    )


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


def user_homes(user_ids: Iterable[int]) -> dict[int, Location]:
    """Each located user's home (by id), in one query: a batch's form of `user_home`.
    Users without coordinates are absent."""
    rows = located_users().filter(pk__in=list(user_ids))
    return {
        pk: Location(latitude=latitude, longitude=longitude, label=city)
        for pk, latitude, longitude, city in rows.values_list(
            "pk", "home_latitude", "home_longitude", "home_city"
        )
    }
