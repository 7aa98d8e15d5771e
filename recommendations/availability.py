"""The availability and already-booked filter: what a user may still be offered.

Two reads run on every served list, so they are compiled once per process
from their ORM definitions (`Offer.objects.bookable()`, `Booking.objects.live()`)
and only their parameters change: building a queryset cost more CPU than
running it (ADR 0009). Tests compare each with its ORM twin.
"""

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from marketplace.models import Booking, Offer

# From this many requests, a batch reads every bookable offer once instead of
# re-checking each list's candidates (one query instead of one a list, and no
# query with thousands of ids to bind).
BATCH_AVAILABILITY_MIN_REQUESTS = 16


def bookable_offers(*, now: datetime | None = None) -> QuerySet[Offer]:
    return Offer.objects.bookable(now=now).select_related("category", "venue")


_NOW_MARKER = datetime(2000, 1, 1, tzinfo=UTC)


@functools.cache
def bookable_sql() -> tuple[str, tuple, tuple[bool, ...]]:
    """`Offer.objects.bookable()`'s SQL, its parameters, and which of them is `now` (a mask)."""
    query = Offer.objects.bookable(now=_NOW_MARKER).order_by().values_list("pk").query
    sql, params = query.sql_with_params()
    marker = connection.ops.adapt_datetimefield_value(_NOW_MARKER)
    return sql, params, tuple(param == marker for param in params)


def offer_ids_still_bookable(offer_ids: list[int], *, now: datetime | None = None) -> set[int]:
    """Which of `offer_ids` are bookable at `now` (default: now), in one query."""
    if not offer_ids:
        return set()
    sql, params, is_now = bookable_sql()
    moment = connection.ops.adapt_datetimefield_value(now or timezone.now())
    params = [moment if now_here else param for param, now_here in zip(params, is_now, strict=True)]
    # bookable() always has a WHERE clause, so one more condition is ANDed to it.
    placeholders = ", ".join(["%s"] * len(offer_ids))
    sql = f'{sql} AND "{Offer._meta.db_table}"."id" IN ({placeholders})'
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *offer_ids])
        return {row[0] for row in cursor.fetchall()}


def bookable_offer_ids(*, now: datetime) -> set[int]:
    """Every offer bookable at `now`, in one query: a large batch's availability check
    (`offer_ids_still_bookable` of any ids is their intersection with this set)."""
    return set(Offer.objects.bookable(now=now).values_list("pk", flat=True))


def batch_availability(*, size: int) -> Callable[[datetime], Callable[[list[int]], set[int]]]:
    """For a moment, the availability check of a batch of `size` lists: a large batch
    reads every offer bookable then once (one query per distinct `now`), a small one checks
    each list's candidates as a lone request does. Both keep the same offers."""
    if size < BATCH_AVAILABILITY_MIN_REQUESTS:
        return lambda now: lambda ids: offer_ids_still_bookable(ids, now=now)
    bookable: dict[datetime, set[int]] = {}

    def check(now: datetime) -> Callable[[list[int]], set[int]]:
        if now not in bookable:
            bookable[now] = bookable_offer_ids(now=now)
        return lambda ids: bookable[now].intersection(ids)

    return check


@functools.cache
def booked_sql() -> tuple[str, tuple]:
    query = Booking.objects.filter(user_id=0).live().order_by().values_list("offer_id").query
    return query.sql_with_params()


def offer_ids_booked(*, user_id: int | None) -> set[int]:
    """The offers the user holds a live booking for (all at once: a few dozen rows)."""
    if user_id is None:
        return set()
    sql, params = booked_sql()
    # The user id is the first parameter (the filter comes before the exclusion).
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, *params[1:]])
        return {row[0] for row in cursor.fetchall()}


def offer_ids_booked_by_users(*, user_ids: Iterable[int]) -> dict[int, set[int]]:
    """The offers each user (by id) holds a live booking for, in one query (a batch's form).

    Users without a live booking are absent from the result."""
    user_ids = list(user_ids)
    if len(user_ids) == 1:
        # A lone request (a page, the API) takes the compiled statement: building the
        # queryset would cost more than running it.
        held = offer_ids_booked(user_id=user_ids[0])
        return {user_ids[0]: held} if held else {}
    booked: dict[int, set[int]] = defaultdict(set)
    rows = Booking.objects.live().filter(user_id__in=user_ids).values_list("user_id", "offer_id")
    for user_id, offer_id in rows:
        booked[user_id].add(offer_id)
    return dict(booked)
