"""Offers by id with their category and venue, read in one fixed SQL statement (ADR 0016).

A list computed on the fly (the `ml` strategy's lone request, the newsletter's
chunks) names its offers by id; showing it loads them with their category and
venue. Through the ORM (`select_related("category", "venue").in_bulk(ids)`)
composing and compiling the query cost 1.3 ms of a one-user list's 12 ms
(100k-user demo, ADR 0023), more than PostgreSQL took to run it. The statement
is written once here, as the stored-list path's is (`recommendations.servable`),
and prepared on PostgreSQL.

The ORM stays the definition: `tests/recommendations/test_offers_by_id.py`
holds what this returns equal to what `select_related(...).in_bulk()` loads.
"""

from collections.abc import Collection
from functools import cache

from django.db import connection

from marketplace.models import Offer
from recommendations.servable import (
    CATEGORY,
    OFFER,
    VENUE,
    offers_from_parts,
    placeholders,
    prepared_rows,
    rows_cut,
    selected_models,
)

OFFERS_SQL = f"""
SELECT {{columns}} FROM {OFFER} o
JOIN {CATEGORY} c ON c.id = o.category_id
LEFT JOIN {VENUE} v ON v.id = o.venue_id
WHERE {{offer_ids}}"""

# The portable form binds one placeholder per id: SQLite before 3.32 accepts 999
# variables in a statement.
PORTABLE_BATCH = 900


@cache
def selected_columns(vendor: str) -> str:
    """The offer's, its category's and its venue's columns, in `selected_models`' order."""
    return ", ".join(column for selected in selected_models(vendor) for column in selected.columns)


def offers_sql(offer_ids: str) -> str:
    """The statement with `offer_ids`, its condition on o.id."""
    return OFFERS_SQL.format(columns=selected_columns(connection.vendor), offer_ids=offer_ids)


def offer_rows(offer_ids: Collection[int], portable: bool) -> list[tuple]:
    """The statement's rows for `offer_ids`, an id of no offer giving none."""
    if not portable:
        return prepared_rows(
            sql=offers_sql("o.id = ANY(%(ids)s::bigint[])"), params={"ids": list(offer_ids)}
        )
    ids = list(offer_ids)
    rows = []
    with connection.cursor() as cursor:
        for start in range(0, len(ids), PORTABLE_BATCH):
            batch = ids[start : start + PORTABLE_BATCH]
            cursor.execute(offers_sql(f"o.id IN ({placeholders(len(batch))})"), batch)
            rows += cursor.fetchall()
    return rows


def offers_by_id(offer_ids: Collection[int], *, portable: bool | None = None) -> dict[int, Offer]:
    """The offers of `offer_ids` that exist, by id, each with its category and venue loaded,
    as `Offer.objects.select_related("category", "venue").in_bulk(offer_ids)` returns them.

    On PostgreSQL the statement is prepared (ADR 0016); `portable` forces the form any
    database runs (the default off PostgreSQL).
    """
    if not offer_ids:
        return {}
    if portable is None:
        portable = connection.vendor != "postgresql"
    rows = offer_rows(offer_ids, portable)
    return offers_from_parts(rows_cut(selected_models(connection.vendor), rows))
