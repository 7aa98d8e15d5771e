"""Seeding a demo marketplace: generate everything with numpy, then write it in bulk.

The whole seed is one transaction: it refuses a database that holds marketplace
data unless asked to reset it, and leaves nothing behind if it fails.
"""

import dataclasses
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from tqdm import tqdm

from marketplace.demo import bookings as booking_history
from marketplace.demo.catalogue import CATEGORY_SLUGS, Catalogue, catalogue_generate
from marketplace.demo.clock import DAY, local_day, local_to_utc, to_datetime
from marketplace.demo.database import (
    Column,
    Table,
    marketplace_data_delete,
    marketplace_has_data,
    table_write,
    tables_bulk_load,
    tables_finish,
)
from marketplace.demo.opendata import communes_load, venues_load
from marketplace.demo.people import SHOPPER_EMAIL, People, people_dates, people_generate
from marketplace.models import Booking, Category, Offer, User, Venue

STAFF_EMAIL = "staff@passerelle.test"
DEMO_PASSWORD = "passerelle-demo"
BOOKINGS_PER_USER_MONTH = 10 / 6
# People plan this much more than the target, as some plans find no place left.
OVERSUPPLY = 1.15


class DemoDataExists(Exception):
    """The database already holds marketplace data and no reset was asked for."""


@dataclass(frozen=True)
class SeedReport:
    venues: int
    offers: int
    users: int
    bookings: int
    target_bookings: int
    deleted: dict[str, int]
    seconds: float
    shopper_email: str = SHOPPER_EMAIL
    staff_email: str = STAFF_EMAIL
    password: str = DEMO_PASSWORD


def default_bookings(*, users: int, months: int) -> int:
    """About ten bookings a person per six months."""
    return round(users * months * BOOKINGS_PER_USER_MONTH)


def _fit(model, name: str, values: list[str]) -> list[str]:
    """Cut texts to the field's max_length (a few festival names are very long)."""
    limit = model._meta.get_field(name).max_length
    return [value[:limit] for value in values]


def demo_seed_streams(*, seed: int) -> list[np.random.Generator]:
    """The independent random streams of a seed: catalogue, people, history, dates."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)]


def demo_people_generate(
    *, stream: np.random.Generator, communes, users: int, target_bookings: int
) -> People:
    """The people of a seed (its second stream), as the seed writes them as users.

    The simulator calls it again to recover their tastes, which are not stored.
    """
    return people_generate(
        rng=stream, communes=communes, users=users, bookings=round(target_bookings * OVERSUPPLY)
    )


def _venue_table(venue_rows: np.ndarray) -> Table:
    venues = venues_load()
    kinds = {"museum": "museum", "cinema": "cinema", "festival": "festival"}
    text = {
        name: _fit(Venue, name, getattr(venues, source)[venue_rows].tolist())
        for name, source in (
            ("name", "name"),
            ("address", "address"),
            ("postcode", "postcode"),
            ("city", "city"),
            ("external_ref", "ref"),
        )
    }
    return Table(
        Venue,
        {
            "id": Column("int", np.arange(1, len(venue_rows) + 1)),
            "kind": Column("text", [kinds.get(kind, "other") for kind in venues.kind[venue_rows]]),
            **{name: Column("text", values) for name, values in text.items()},
            "latitude": Column("float", venues.latitude[venue_rows]),
            "longitude": Column("float", venues.longitude[venue_rows]),
        },
    )


def _offer_table(catalogue, category_ids: np.ndarray, booked: np.ndarray) -> Table:
    n = len(catalogue)
    published = local_to_utc(catalogue.published_at)
    # A few offers without bookings were withdrawn by their venue.
    inactive = (booked == 0) & (np.arange(n) % 37 == 5)
    return Table(
        Offer,
        {
            "id": Column("int", np.arange(1, n + 1)),
            "title": Column("text", _fit(Offer, "title", catalogue.title)),
            "description": Column("text", catalogue.description),
            "category_id": Column("int", category_ids[catalogue.category]),
            "venue_id": Column("int", catalogue.venue + 1, null=catalogue.venue < 0),
            "url": Column("text", catalogue.url),
            "price": Column("money", catalogue.price_cents),
            "starts_at": Column("time", local_to_utc(catalogue.starts_at)),
            "ends_at": Column("time", local_to_utc(catalogue.ends_at)),
            "stock": Column("int", catalogue.stock, null=catalogue.stock < 0),
            "booked_quantity": Column("int", booked),
            "is_active": Column("bool", ~inactive),
            "created_at": Column("time", published),
            "updated_at": Column("time", published),
        },
    )


@transaction.atomic
def demo_offers_publish(*, catalogue: Catalogue) -> list[int]:
    """Write the offers of `catalogue` (one generated with `catalogue_generate`) as newly
    published ones, adding the venues the database does not hold yet; returns their ids.

    Unlike the seed's bulk load, this goes through the ORM, so that it suits a
    catalogue that grows a few offers at a time (the simulator's living catalogue).
    """
    venues = venues_load()
    refs = venues.ref[catalogue.venue_rows].tolist()
    known = dict(Venue.objects.filter(external_ref__in=refs).values_list("external_ref", "pk"))
    missing = [i for i, ref in enumerate(refs) if ref not in known]
    if missing:
        table = _venue_table(catalogue.venue_rows[missing])
        fields = {name: column.values for name, column in table.columns.items() if name != "id"}
        Venue.objects.bulk_create(
            Venue(**{name: values[i] for name, values in fields.items()})
            for i in range(len(missing))
        )
        known = dict(Venue.objects.filter(external_ref__in=refs).values_list("external_ref", "pk"))
    category_ids = _category_ids()
    starts, ends = local_to_utc(catalogue.starts_at), local_to_utc(catalogue.ends_at)
    titles = _fit(Offer, "title", catalogue.title)
    created = Offer.objects.bulk_create(
        Offer(
            title=titles[i],
            description=catalogue.description[i],
            category_id=int(category_ids[catalogue.category[i]]),
            venue_id=known[refs[catalogue.venue[i]]] if catalogue.venue[i] >= 0 else None,
            url=catalogue.url[i],
            price=Decimal(int(catalogue.price_cents[i])) / 100,
            starts_at=to_datetime(starts[i]),
            ends_at=to_datetime(ends[i]),
            stock=None if catalogue.stock[i] < 0 else int(catalogue.stock[i]),
        )
        for i in range(len(catalogue))
    )
    return [offer.pk for offer in created]


def _user_table(people, communes, dates, first_id: int, password_hash: str) -> Table:
    n = len(people)
    home = people.commune
    return Table(
        User,
        {
            "id": Column("int", np.arange(first_id, first_id + n)),
            "password": Column("text", [password_hash] * n),
            "last_login": Column("time", local_to_utc(dates["last_login"])),
            "is_superuser": Column("bool", np.zeros(n, dtype=bool)),
            "first_name": Column("text", people.first_name),
            "last_name": Column("text", people.last_name),
            "email": Column("text", people.email),
            "is_staff": Column("bool", np.zeros(n, dtype=bool)),
            "is_active": Column("bool", np.ones(n, dtype=bool)),
            "date_joined": Column("time", local_to_utc(dates["date_joined"])),
            "home_postcode": Column("text", communes.postcode[home].tolist()),
            "home_city": Column("text", _fit(User, "home_city", communes.name[home].tolist())),
            "home_latitude": Column("float", communes.latitude[home]),
            "home_longitude": Column("float", communes.longitude[home]),
            "newsletter_consent": Column("bool", people.newsletter_consent),
            "newsletter_consent_at": Column("time", local_to_utc(dates["newsletter_consent_at"])),
        },
    )


def _booking_table(history, first_user_id: int) -> Table:
    n = len(history)
    return Table(
        Booking,
        {
            "id": Column("int", np.arange(1, n + 1)),
            "user_id": Column("int", history.user + first_user_id),
            "offer_id": Column("int", history.offer + 1),
            "quantity": Column("int", history.quantity),
            "amount": Column("money", history.amount_cents),
            "status": Column(
                "text", [booking_history.STATUS_NAMES[s] for s in history.status.tolist()]
            ),
            "created_at": Column("time", local_to_utc(history.created_at)),
            "updated_at": Column("time", local_to_utc(history.updated_at)),
            "cancelled_at": Column("time", local_to_utc(history.cancelled_at)),
        },
    )


def _category_ids() -> np.ndarray:
    ids = dict(Category.objects.filter(slug__in=CATEGORY_SLUGS).values_list("slug", "pk"))
    missing = [slug for slug in CATEGORY_SLUGS if slug not in ids]
    if missing:
        raise LookupError(f"Categories missing (run the migrations): {', '.join(missing)}.")
    return np.array([ids[slug] for slug in CATEGORY_SLUGS], dtype=np.int64)


def _staff_account_ensure(password_hash: str) -> None:
    User.objects.update_or_create(
        email=STAFF_EMAIL,
        defaults={
            "password": password_hash,
            "is_staff": True,
            "is_superuser": True,
            "is_active": True,
            "first_name": "Dominique",
            "last_name": "Catalogue",
        },
    )


def demo_marketplace_seed(
    *,
    users: int,
    offers: int,
    months: int,
    seed: int,
    bookings: int | None = None,
    today: date | None = None,
    reset: bool = False,
    progress: bool = True,
) -> SeedReport:
    """Fill an empty marketplace (or, with `reset`, an emptied one) with demo data.

    The same arguments (and `today`, which defaults to the current Paris date)
    always give the same data. Raises DemoDataExists when marketplace data is
    there and `reset` is false. The time reported runs to the commit, where
    PostgreSQL checks the foreign keys.
    """
    began = time.perf_counter()
    with transaction.atomic():
        report = _seed(
            users=users, offers=offers, months=months, seed=seed, bookings=bookings,
            today=today or timezone.localdate(), reset=reset, progress=progress,
        )  # fmt: skip
    return dataclasses.replace(report, seconds=time.perf_counter() - began)


def _seed(
    *,
    users: int,
    offers: int,
    months: int,
    seed: int,
    bookings: int | None,
    today: date,
    reset: bool,
    progress: bool,
) -> SeedReport:
    deleted: dict[str, int] = {}
    if marketplace_has_data():
        if not reset:
            raise DemoDataExists(
                "The database already holds marketplace data; pass --reset to replace it."
            )
        deleted = marketplace_data_delete()
    if users < 1 or months < 1:
        raise ValueError("At least one user and one month are needed.")
    today_day = local_day(today)
    now = today_day * DAY
    window_start = (today_day - round(months * 30.44)) * DAY
    target = default_bookings(users=users, months=months) if bookings is None else bookings
    category_ids = _category_ids()
    streams = demo_seed_streams(seed=seed)

    steps = tqdm(total=3 + booking_history.ROUNDS, desc="Generating", disable=not progress)
    communes, venues = communes_load(), venues_load()
    catalogue = catalogue_generate(
        rng=streams[0], venues=venues, communes=communes, offers=offers, today=today_day,
        months=months,
    )  # fmt: skip
    steps.update(1)
    people = demo_people_generate(
        stream=streams[1], communes=communes, users=users, target_bookings=target
    )
    steps.update(1)
    history = booking_history.history_generate(
        rng=streams[2], people=people, communes=communes, catalogue=catalogue,
        window_start=window_start, now=now, target=target, progress=steps,
    )  # fmt: skip
    dates = people_dates(
        rng=streams[3], people=people, booking_users=history.user,
        booking_times=history.created_at, window_start=window_start, now=now,
    )  # fmt: skip
    steps.update(1)
    steps.close()

    password_hash = make_password(DEMO_PASSWORD)
    first_user_id = (User.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
    tables = [
        _venue_table(catalogue.venue_rows),
        _offer_table(catalogue, category_ids, history.booked_quantity),
        _user_table(people, communes, dates, first_user_id, password_hash),
        _booking_table(history, first_user_id),
    ]
    with tables_bulk_load(models_loaded=[table.model for table in tables]):
        for table in tables:
            name = table.model._meta.verbose_name_plural
            with tqdm(total=len(table), desc=f"Writing {name}", disable=not progress) as bar:
                table_write(table=table, progress=bar)
    tables_finish(models_written=[table.model for table in tables])
    _staff_account_ensure(password_hash)
    return SeedReport(
        venues=len(tables[0]),
        offers=len(catalogue),
        users=len(people),
        bookings=len(history),
        target_bookings=target,
        deleted=deleted,
        seconds=0.0,
    )
