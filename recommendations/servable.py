"""Which offers of a stored list can still be served, read in one fixed SQL statement
(ADR 0016).

This read runs on every API call and homepage view that serves a precomputed
list. Built with the ORM (`Offer.objects.bookable()`, an `Exists` over the
user's live bookings, then `select_related(...).in_bulk()` for the offers
shown), composing and compiling the two queries cost more than PostgreSQL took
to run them: together about 40 % of the endpoint's time on the 20k-offer demo.
The statement is therefore written once here, in SQL that PostgreSQL and SQLite
both accept, and returns the servable offers with their category and venue, so
that serving a stored list costs one query (two when the list's head ran short,
`servable_rows`).

The ORM stays the definition: `tests/recommendations/test_servable.py` holds
this statement equal to `Offer.objects.bookable()` minus the user's
`Booking.objects.live()` offers on a catalogue of edge cases (undated, ended,
started, sold out, inactive, booked, cancelled, other categories), and the
loaded offers equal to what `select_related` loads, so a change to either side
that is not made to the other fails a test.

Two shapes are read by the same statement: model instances with their category
and venue (`servable_offers`, the homepage's section), and `OfferCard`s, the eight
plain columns an API item shows (`servable_offer_cards`): converting the forty
columns of three models into instances was half the statement's cost in Python,
and the API shows eight of them (ADR 0016).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import NamedTuple

from django.db import connection
from django.db.models import Model

from marketplace.models import Booking, Category, Offer, Venue


@dataclass(frozen=True)
class SelectedModel:
    """Some of a model's columns in the statement, and how to turn them back into values
    or an instance."""

    model: type[Model]
    alias: str
    attnames: tuple[str, ...]
    columns: tuple[str, ...]
    # Per column, the backend's and the field's converters (SQLite's text dates and
    # decimals), exactly as the ORM's compiler applies them.
    converters: tuple[tuple, ...]
    expressions: tuple
    # False on PostgreSQL for the usual fields: the values are used as they come.
    converts: bool

    @classmethod
    def of(cls, model: type[Model], alias: str, names: Sequence[str] | None = None):
        """`names` (field names) of `model`, every concrete column when None."""
        fields = tuple(
            model._meta.concrete_fields
            if names is None
            else (model._meta.get_field(name) for name in names)
        )
        expressions = tuple(field.get_col(alias) for field in fields)
        converters = tuple(
            tuple(
                connection.ops.get_db_converters(expression)
                + expression.get_db_converters(connection)
            )
            for expression in expressions
        )
        return cls(
            model=model,
            alias=alias,
            attnames=tuple(field.attname for field in fields),
            columns=tuple(f"{alias}.{field.column}" for field in fields),
            converters=converters,
            expressions=expressions,
            converts=any(converters),
        )

    def converted(self, values: Sequence) -> list:
        if not self.converts:
            return list(values)
        converted = []
        for value, expression, converters in zip(
            values, self.expressions, self.converters, strict=True
        ):
            for converter in converters:
                value = converter(value, expression, connection)
            converted.append(value)
        return converted

    def instance(self, values: Sequence) -> Model | None:
        if values[0] is None:  # the left-joined venue of a digital offer
            return None
        return self.model.from_db(connection.alias, self.attnames, self.converted(values))


@cache
def selected_models(vendor: str) -> tuple[SelectedModel, ...]:
    """Offer, category and venue with every concrete column, as `select_related` loads them."""
    return (
        SelectedModel.of(Offer, "o"),
        SelectedModel.of(Category, "c"),
        SelectedModel.of(Venue, "v"),
    )


class OfferCard(NamedTuple):
    """What an API item shows of an offer, as plain values: hashable, so that an item's
    rendering can be remembered by them (`api.serializers`)."""

    pk: int
    title: str
    price: Decimal
    starts_at: datetime | None
    category_slug: str
    category_name: str
    # None for a digital offer (no venue).
    venue_name: str | None
    venue_city: str | None

    @classmethod
    def of(cls, offer: Offer) -> "OfferCard":
        """The card of an offer loaded with its category and venue."""
        venue = offer.venue
        return cls(
            pk=offer.pk,
            title=offer.title,
            price=offer.price,
            starts_at=offer.starts_at,
            category_slug=offer.category.slug,
            category_name=offer.category.name,
            venue_name=None if venue is None else venue.name,
            venue_city=None if venue is None else venue.city,
        )


# Each OfferCard field's column, in order.
CARD_FIELDS = (
    (Offer, "o", ("id", "title", "price", "starts_at")),
    (Category, "c", ("slug", "name")),
    (Venue, "v", ("name", "city")),
)


@cache
def selected_card_columns(vendor: str) -> tuple[SelectedModel, ...]:
    return tuple(SelectedModel.of(model, alias, names) for model, alias, names in CARD_FIELDS)


OFFER = Offer._meta.db_table
BOOKING = Booking._meta.db_table
CATEGORY = Category._meta.db_table
VENUE = Venue._meta.db_table

CANCELLED = Booking.Status.CANCELLED.value
# Inlined below rather than bound: PostgreSQL's generic plan of the prepared form can
# then prove the predicate of the partial index on live bookings
# (booking_one_active_per_user_offer) and use it.
assert CANCELLED.isidentifier()

# Bookable: active, not over (undated; or ending later; or no end and starting
# later) and with places left (no stock limit, or fewer booked); then not held by a
# live booking of the user. {offer_ids} is the condition on o.id, {ordered} the
# category filter, the list's order and the limit; {now} and {user} are the
# placeholders of the moment (used twice) and the user.
SERVABLE_SQL = f"""
SELECT {{columns}} FROM {OFFER} o
JOIN {CATEGORY} c ON c.id = o.category_id
LEFT JOIN {VENUE} v ON v.id = o.venue_id
WHERE {{offer_ids}}
  AND o.is_active
  AND ((o.starts_at IS NULL AND o.ends_at IS NULL)
       OR o.ends_at > {{now}}
       OR (o.ends_at IS NULL AND o.starts_at > {{now}}))
  AND (o.stock IS NULL OR o.booked_quantity < o.stock)
  AND NOT EXISTS (
    SELECT 1 FROM {BOOKING} b
    WHERE b.offer_id = o.id AND b.user_id = {{user}} AND b.status <> '{CANCELLED}')
{{ordered}}"""

# PostgreSQL: one text whatever the list's length and categories, with arrays bound
# server-side, so that psycopg prepares it once per connection (ADR 0016). Named, so that
# each array is sent (and adapted) once although the text uses it twice.
PREPARED_IDS = "o.id = ANY(%(ids)s::bigint[])"
PREPARED_ORDER = (
    "AND (cardinality(%(categories)s::text[]) = 0 OR c.slug = ANY(%(categories)s::text[]))\n"
    "ORDER BY array_position(%(ids)s::bigint[], o.id) LIMIT %(limit)s"
)

# A list is read in two steps (ADR 0016): first its head, the first `limit` ids and
# half as many again (at least SERVABLE_READ_AHEAD more), and only when fewer than
# `limit` of those are still servable, the rest. A stored list is at most a day and a
# half old, so its head rarely lost more than a few offers, and the statement's cost
# grows with the ids it checks: 50 ids cost PostgreSQL 0.22 ms of CPU, 15 ids 0.12 ms.
SERVABLE_READ_AHEAD = 5


def servable_head_length(limit: int) -> int:
    return limit + max(SERVABLE_READ_AHEAD, limit // 2)


@cache
def prepared_sql(columns: tuple[str, ...]) -> str:
    """The prepared form's one text for `columns`."""
    return SERVABLE_SQL.format(
        columns=", ".join(columns),
        offer_ids=PREPARED_IDS,
        ordered=PREPARED_ORDER,
        now="%(now)s",
        user="%(user)s",
    )


def placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def servable_rows(
    *,
    columns: Sequence[str],
    offer_ids: Sequence[int],
    user_id: int,
    categories: Sequence[str],
    now: datetime,
    limit: int,
    portable: bool | None = None,
) -> list[tuple]:
    """`columns` of the first `limit` of `offer_ids` (in their order) that are bookable at
    `now`, in `categories` when given, and not held by a live booking of the user.

    Only those rows are read: a stored list keeps ten of its fifty offers, and
    reading and building the other forty cost as much as the query. The list's head
    is checked first and the rest only when the head runs short (SERVABLE_READ_AHEAD);
    with categories, which most of a list may not be in, the whole list at once.

    On PostgreSQL the statement is prepared (`prepared_rows`): planning it took
    twice as long as running it. `portable` forces the form that any database
    runs (the default off PostgreSQL).
    """
    if not offer_ids or limit < 1:
        return []
    if portable is None:
        portable = connection.vendor != "postgresql"
    moment = connection.ops.adapt_datetimefield_value(now)
    head = len(offer_ids) if categories else servable_head_length(limit)
    rows: list[tuple] = []
    # The rest is read only when the head held fewer than `limit` servable offers, all
    # of them in `rows` by then: the others come after them in the list.
    for part in (offer_ids[:head], offer_ids[head:]):
        if part and len(rows) < limit:
            rows += statement_rows(
                columns, part, user_id, categories, moment, limit - len(rows), portable
            )
    return rows


def statement_rows(
    columns: Sequence[str],
    offer_ids: Sequence[int],
    user_id: int,
    categories: Sequence[str],
    moment: datetime | str,
    limit: int,
    portable: bool,
) -> list[tuple]:
    """One run of the statement over `offer_ids` (see `servable_rows`), at `moment` as the
    backend adapted it."""
    if not portable:
        return prepared_rows(
            sql=prepared_sql(tuple(columns)),
            params={
                "ids": list(offer_ids),
                "now": moment,
                "user": user_id,
                "categories": list(categories),
                "limit": limit,
            },
        )
    ordered = ""
    category_params = []
    if categories:
        ordered = f"AND c.slug IN ({placeholders(len(categories))})\n"
        category_params = list(categories)
    # The list's order, in SQL every database accepts: CASE id WHEN ... THEN rank.
    ranks = " ".join(f"WHEN %s THEN {rank}" for rank in range(len(offer_ids)))
    ordered += f"ORDER BY CASE o.id {ranks} END LIMIT %s"
    sql = SERVABLE_SQL.format(
        columns=", ".join(columns),
        offer_ids=f"o.id IN ({placeholders(len(offer_ids))})",
        ordered=ordered,
        now="%s",
        user="%s",
    )
    params = [*offer_ids, moment, moment, user_id, *category_params, *offer_ids, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def prepared_rows(*, sql: str, params: dict) -> list[tuple]:
    """Run `sql` on a server-binding psycopg cursor, through Django's cursor wrapper (query
    logging, execute wrappers, error translation).

    Django's own cursors bind client-side and never prepare; a server-binding
    cursor is prepared by psycopg once its text has run `prepare_threshold` times on
    the connection (DATABASES OPTIONS, set for PostgreSQL in the settings; None
    disables it, behind a pooler that cannot keep prepared statements). Only this
    statement runs on such a cursor: every other query is bound as before.
    """
    from django.db.backends.postgresql.base import ServerBindingCursor

    # What Django does before handing out a cursor.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = ServerBindingCursor(connection.connection)
    wrapped = (
        connection.make_debug_cursor(raw)
        if connection.queries_logged
        else connection.make_cursor(raw)
    )
    with wrapped as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def servable_parts(
    models: Sequence[SelectedModel],
    offer_ids: Sequence[int],
    user_id: int,
    categories: Sequence[str],
    now: datetime,
    limit: int,
) -> list[list[Sequence]]:
    """The servable rows (`servable_rows`) of `models`' columns, each cut into one part per
    model. Positional, for the two readers below."""
    rows = servable_rows(
        columns=[column for selected in models for column in selected.columns],
        offer_ids=offer_ids,
        user_id=user_id,
        categories=categories,
        now=now,
        limit=limit,
    )
    return rows_cut(models, rows)


def rows_cut(models: Sequence[SelectedModel], rows: Sequence[tuple]) -> list[list[Sequence]]:
    """Each row of `models`' columns (in that order) cut into one part per model."""
    bounds, start = [], 0
    for selected in models:
        bounds.append((start, start + len(selected.columns)))
        start += len(selected.columns)
    return [[row[first:end] for first, end in bounds] for row in rows]


def offers_from_parts(parts: Sequence[Sequence[Sequence]]) -> dict[int, Offer]:
    """Offers by id, in the rows' order, each with its category and venue, from rows of
    `selected_models`' columns cut by `rows_cut`. Also read by `recommendations.offers_by_id`."""
    offer_model, category_model, venue_model = selected_models(connection.vendor)
    offers = {}
    for offer_part, category_part, venue_part in parts:
        offer = offer_model.instance(offer_part)
        offer.category = category_model.instance(category_part)
        offer.venue = venue_model.instance(venue_part)
        offers[offer.pk] = offer
    return offers


def servable_offers(
    *,
    offer_ids: Sequence[int],
    user_id: int,
    categories: Sequence[str],
    now: datetime,
    limit: int,
) -> dict[int, Offer]:
    """The servable offers by id, in the list's order, each with its category and venue
    loaded."""
    models = selected_models(connection.vendor)
    return offers_from_parts(servable_parts(models, offer_ids, user_id, categories, now, limit))


def servable_offer_cards(
    *,
    offer_ids: Sequence[int],
    user_id: int,
    categories: Sequence[str],
    now: datetime,
    limit: int,
) -> dict[int, OfferCard]:
    """The servable offers by id, in the list's order, as OfferCards: eight columns read,
    no model instance built."""
    models = selected_card_columns(connection.vendor)
    cards = {}
    for parts in servable_parts(models, offer_ids, user_id, categories, now, limit):
        card = OfferCard(
            *(
                value
                for selected, part in zip(models, parts, strict=True)
                for value in selected.converted(part)
            )
        )
        cards[card.pk] = card
    return cards
