"""Which offers of a stored list can still be served, read in one fixed SQL statement
(ADR 0016).

This read runs on every API call and homepage view that serves a precomputed
list. Built with the ORM (`Offer.objects.bookable()`, an `Exists` over the
user's live bookings, then `select_related(...).in_bulk()` for the offers
shown), composing and compiling the two queries cost more than PostgreSQL took
to run them: together about 40 % of the endpoint's time on the 20k-offer demo.
The statement is therefore written once here, in SQL that PostgreSQL and SQLite
both accept, and returns the servable offers with their category and venue, so
that serving a stored list costs one query.

The ORM stays the definition: `tests/recommendations/test_servable.py` holds
this statement equal to `Offer.objects.bookable()` minus the user's
`Booking.objects.live()` offers on a catalogue of edge cases (undated, ended,
started, sold out, inactive, booked, cancelled, other categories), and the
loaded offers equal to what `select_related` loads, so a change to either side
that is not made to the other fails a test.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.db import connection
from django.db.models import Model

from marketplace.models import Booking, Category, Offer, Venue


@dataclass(frozen=True)
class SelectedModel:
    """One model's columns in the statement, and how to turn them back into an instance."""

    model: type[Model]
    alias: str
    attnames: tuple[str, ...]
    columns: tuple[str, ...]
    # Per column, the backend's and the field's converters (SQLite's text dates and
    # decimals), exactly as the ORM's compiler applies them.
    converters: tuple[tuple, ...]
    expressions: tuple

    def instance(self, values: Sequence) -> Model | None:
        if values[0] is None:  # the left-joined venue of a digital offer
            return None
        converted = []
        for value, expression, converters in zip(
            values, self.expressions, self.converters, strict=True
        ):
            for converter in converters:
                value = converter(value, expression, connection)
            converted.append(value)
        return self.model.from_db(connection.alias, self.attnames, converted)


@cache
def selected_models(vendor: str) -> tuple[SelectedModel, ...]:
    """Offer, category and venue with every concrete column, as `select_related` loads them."""
    selected = []
    for model, alias in ((Offer, "o"), (Category, "c"), (Venue, "v")):
        fields = tuple(model._meta.concrete_fields)
        expressions = tuple(field.get_col(alias) for field in fields)
        selected.append(
            SelectedModel(
                model=model,
                alias=alias,
                attnames=tuple(field.attname for field in fields),
                columns=tuple(f"{alias}.{field.column}" for field in fields),
                converters=tuple(
                    tuple(
                        connection.ops.get_db_converters(expression)
                        + expression.get_db_converters(connection)
                    )
                    for expression in expressions
                ),
                expressions=expressions,
            )
        )
    return tuple(selected)


OFFER = Offer._meta.db_table
BOOKING = Booking._meta.db_table
CATEGORY = Category._meta.db_table
VENUE = Venue._meta.db_table

# Bookable: active, not over (undated; or ending later; or no end and starting
# later) and with places left (no stock limit, or fewer booked); then not held by a
# live booking of the user.
SERVABLE_SQL = f"""
SELECT {{columns}} FROM {OFFER} o
JOIN {CATEGORY} c ON c.id = o.category_id
LEFT JOIN {VENUE} v ON v.id = o.venue_id
WHERE o.id IN ({{offer_ids}})
  AND o.is_active = %s
  AND ((o.starts_at IS NULL AND o.ends_at IS NULL)
       OR o.ends_at > %s
       OR (o.ends_at IS NULL AND o.starts_at > %s))
  AND (o.stock IS NULL OR o.booked_quantity < o.stock)
  AND NOT EXISTS (
    SELECT 1 FROM {BOOKING} b
    WHERE b.offer_id = o.id AND b.user_id = %s AND b.status <> %s)
"""

CATEGORY_CLAUSE = " AND c.slug IN ({slugs})"


def placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def servable_offers(
    *,
    offer_ids: Sequence[int],
    user_id: int,
    categories: Sequence[str],
    now: datetime,
    limit: int,
) -> dict[int, Offer]:
    """The first `limit` of `offer_ids` (in their order) that are bookable at `now`, in
    `categories` when given, and not held by a live booking of the user, by id, each with
    its category and venue loaded.

    Only those rows are read: a stored list keeps ten of its fifty offers, and
    reading and building the other forty cost as much as the query.
    """
    if not offer_ids or limit < 1:
        return {}
    models = selected_models(connection.vendor)
    columns = [column for selected in models for column in selected.columns]
    moment = connection.ops.adapt_datetimefield_value(now)
    sql = SERVABLE_SQL.format(columns=", ".join(columns), offer_ids=placeholders(len(offer_ids)))
    params = [*offer_ids, True, moment, moment, user_id, Booking.Status.CANCELLED.value]
    if categories:
        sql += CATEGORY_CLAUSE.format(slugs=placeholders(len(categories)))
        params += list(categories)
    # The list's order, in SQL both databases accept: CASE id WHEN ... THEN rank.
    ranks = " ".join(f"WHEN %s THEN {rank}" for rank in range(len(offer_ids)))
    sql += f" ORDER BY CASE o.id {ranks} END LIMIT %s"
    params += [*offer_ids, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    offer_model, category_model, venue_model = models
    first = len(offer_model.columns)
    second = first + len(category_model.columns)
    offers = {}
    for row in rows:
        offer = offer_model.instance(row[:first])
        offer.category = category_model.instance(row[first:second])
        offer.venue = venue_model.instance(row[second:])
        offers[offer.pk] = offer
    return offers
