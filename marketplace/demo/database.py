"""Writing the demo tables: PostgreSQL COPY when available, batched INSERTs otherwise.

Tables come as columns (numpy arrays or lists) named after model fields, with
the ids set by the generator, so foreign keys are known before anything is
written and one COPY per table suffices.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import signals

from marketplace.demo.clock import NULL, to_datetime
from marketplace.models import Booking, Offer, User, Venue

COPY_CHUNK = 50_000
INSERT_BATCH = 2_000
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


@dataclass
class Column:
    """Values of one field; `kind` is int, float, bool, text, money (cents) or time (UTC seconds).

    `null` marks missing values (NULL times are recognised on their own).
    """

    kind: str
    values: np.ndarray | list
    null: np.ndarray | None = None

    def missing(self) -> np.ndarray:
        if self.null is not None:
            return self.null
        if self.kind == "time":
            return np.asarray(self.values) == NULL
        return np.zeros(len(self.values), dtype=bool)


@dataclass
class Table:
    model: type[models.Model]
    columns: dict[str, Column] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())).values)


def marketplace_has_data() -> bool:
    """Whether anything a shopper made or could book exists (staff accounts do not count)."""
    return (
        Booking.objects.exists()
        or Offer.objects.exists()
        or Venue.objects.exists()
        or User.objects.filter(is_staff=False).exists()
    )


class ResetRefused(Exception):
    """Other data refers to the marketplace's rows through a protecting relation."""


def _shoppers_delete() -> int:
    """Delete non-staff users: the rows that depend on them first, each relation in one statement.

    Django's deletion collector would load every user and query each relation
    with all their ids (minutes for 100,000 users). Here each relation is
    handled with a join, under the same rules: CASCADE rows go, SET_NULL rows
    are detached, DO_NOTHING is left to the database, and any other rule with
    rows present stops the reset. With delete signals connected to users, the
    collector is used after all, so they run.
    """
    shoppers = User.objects.filter(is_staff=False)
    if signals.pre_delete.has_listeners(User) or signals.post_delete.has_listeners(User):
        return shoppers.delete()[1].get(User._meta.label, 0)
    for relation in User._meta.related_objects:
        if relation.many_to_many:
            link = relation.field.m2m_reverse_field_name()
            relation.through._base_manager.filter(**{f"{link}__is_staff": False}).delete()
            continue
        name = relation.field.name
        rows = relation.related_model._base_manager.filter(**{f"{name}__is_staff": False})
        if relation.on_delete is models.CASCADE:
            rows.delete()
        elif relation.on_delete is models.SET_NULL:
            rows.update(**{name: None})
        elif relation.on_delete is not models.DO_NOTHING and rows.exists():
            raise ResetRefused(
                f"{relation.related_model._meta.verbose_name_plural} refer to users; "
                "the reset does not delete them."
            )
    for m2m in User._meta.many_to_many:
        link = m2m.m2m_field_name()
        m2m.remote_field.through._base_manager.filter(**{f"{link}__is_staff": False}).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM {} WHERE {} = %s".format(
                connection.ops.quote_name(User._meta.db_table),
                connection.ops.quote_name(User._meta.get_field("is_staff").column),
            ),
            [False],
        )
        return cursor.rowcount


def marketplace_data_delete() -> dict[str, int]:
    """Delete bookings, offers, venues and non-staff users; staff accounts stay.

    Raises ResetRefused when other data protects them.
    """
    counts = {}
    try:
        for label, queryset in (
            ("bookings", Booking.objects.all()),
            ("offers", Offer.objects.all()),
            ("venues", Venue.objects.all()),
        ):
            counts[label] = queryset.delete()[0]
    except models.ProtectedError as error:
        raise ResetRefused(str(error.args[0])) from None
    counts["users"] = _shoppers_delete()
    return counts


def _cut(column: Column, part: slice) -> Column:
    return Column(
        column.kind, column.values[part], None if column.null is None else column.null[part]
    )


def _copy_texts(column: Column) -> list[str]:
    """The column as COPY text-format fields."""
    values = column.values
    if column.kind == "text":
        texts = [value.translate(COPY_ESCAPES) for value in values]
    elif column.kind == "bool":
        texts = np.where(np.asarray(values), "t", "f").tolist()
    elif column.kind == "money":
        cents = np.asarray(values, dtype=np.int64)
        texts = [f"{c // 100}.{c % 100:02d}" for c in cents.tolist()]
    elif column.kind == "time":
        seconds = np.asarray(values, dtype=np.int64)
        stamps = np.datetime_as_string(
            np.where(seconds == NULL, 0, seconds).astype("datetime64[s]"), unit="s"
        )
        texts = np.char.add(stamps.astype(str), "+00").tolist()
    elif column.kind == "float":
        texts = [repr(value) for value in np.asarray(values, dtype=float).tolist()]
    else:
        texts = [str(value) for value in np.asarray(values).tolist()]
    missing = column.missing()
    if missing.any():
        for i in np.flatnonzero(missing).tolist():
            texts[i] = "\\N"
    return texts


def _python_values(column: Column) -> list:
    values = column.values
    if column.kind == "money":
        converted = [Decimal(c) / 100 for c in np.asarray(values, dtype=np.int64).tolist()]
    elif column.kind == "time":
        converted = [to_datetime(s) for s in np.asarray(values, dtype=np.int64).tolist()]
    elif column.kind == "text":
        converted = list(values)
    else:
        converted = np.asarray(values).tolist()
    missing = column.missing()
    return [
        None if gone else value for value, gone in zip(converted, missing.tolist(), strict=True)
    ]


def _copy(table: Table, progress) -> None:
    meta = table.model._meta
    names = [meta.get_field(name).column for name in table.columns]
    sql = "COPY {} ({}) FROM STDIN".format(
        connection.ops.quote_name(meta.db_table),
        ", ".join(connection.ops.quote_name(name) for name in names),
    )
    total = len(table)
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for start in range(0, total, COPY_CHUNK):
            part = slice(start, start + COPY_CHUNK)
            fields = [_copy_texts(_cut(column, part)) for column in table.columns.values()]
            copy.write("".join("\t".join(row) + "\n" for row in zip(*fields, strict=True)))
            progress.update(min(COPY_CHUNK, total - start))


def _insert(table: Table, progress) -> None:
    """Batched INSERTs through the backend's own value adaptation.

    Not bulk_create: it would stamp the auto_now fields (offers' and bookings'
    timestamps) with the current time instead of the generated history.
    """
    meta = table.model._meta
    fields = [meta.get_field(name) for name in table.columns]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        connection.ops.quote_name(meta.db_table),
        ", ".join(connection.ops.quote_name(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    total = len(table)
    with connection.cursor() as cursor:
        for start in range(0, total, INSERT_BATCH):
            part = slice(start, start + INSERT_BATCH)
            values = [
                [f.get_db_prep_save(v, connection) for v in _python_values(_cut(c, part))]
                for f, c in zip(fields, table.columns.values(), strict=True)
            ]
            cursor.executemany(sql, list(zip(*values, strict=True)))
            progress.update(min(INSERT_BATCH, total - start))


def table_write(*, table: Table, progress) -> None:
    """Insert the rows of `table` (ids included)."""
    if connection.vendor == "postgresql":
        _copy(table, progress)
    else:
        _insert(table, progress)


@contextmanager
def tables_bulk_load(*, models_loaded: list[type[models.Model]]) -> Iterator[None]:
    """On PostgreSQL, load without secondary indexes and foreign keys, then rebuild them.

    Building an index once over a million rows, and checking a foreign key with
    one join, is several times faster than updating seven indexes and queuing
    two foreign-key checks per row (PostgreSQL's "Populating a Database"
    advice). Indexes that back a constraint (primary keys, unique fields)
    stay. Everything happens in the caller's transaction, so a failure leaves
    the schema as it was.
    """
    if connection.vendor != "postgresql":
        yield
        return
    rebuild: list[str] = []
    with connection.cursor() as cursor:
        # Checks queued by earlier statements (a reset's deletions) would forbid ALTER TABLE.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for model in models_loaded:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                [model._meta.db_table],
            )
            for name, definition in cursor.fetchall():
                name = connection.ops.quote_name(name)
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
                rebuild.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
                "ORDER BY c.relname",
                [model._meta.db_table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                rebuild.insert(0, definition)  # indexes before the foreign keys they speed up
    yield
    with connection.cursor() as cursor:
        for statement in rebuild:
            cursor.execute(statement)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def tables_finish(*, models_written: list[type[models.Model]]) -> None:
    """Point the id sequences past the ids written, and refresh the planner's statistics."""
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models_written):
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            for model in models_written:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
