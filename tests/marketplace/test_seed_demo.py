"""The seed_demo command: determinism, the structure of its data, and its safety rules."""

import itertools
import math
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Q, Sum
from django.utils import timezone

from marketplace.demo.opendata import venues_load
from marketplace.geocoding import postcode_locate
from marketplace.models import Booking, Category, Offer, User, UserBucketFlag, Venue
from marketplace.services import booking_create
from marketplace.territories import OUTSIDE, TERRITORIES, territories_of, territory_of
from tests.factories import OfferFactory, UserFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
TODAY = "2026-11-25"
NOW = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)  # midnight in Paris, the seed's "now"
SMALL = ["--users=150", "--offers=120", "--months=4", f"--today={TODAY}"]
# Metropolitan France and Corsica.


def seed(*arguments: str) -> str:
    out = StringIO()
    call_command("seed_demo", *SMALL, *arguments, verbosity=0, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list[tuple]]:
    """Everything the seed writes, without database ids of rows it does not control."""
    return {
        "venues": list(
            Venue.objects.order_by("external_ref").values_list(
                "external_ref", "name", "kind", "address", "postcode", "city", "latitude",
                "longitude",
            )
        ),
        "offers": list(
            Offer.objects.order_by("pk").values_list(
                "pk", "title", "description", "category__slug", "venue__external_ref", "url",
                "price", "starts_at", "ends_at", "stock", "booked_quantity", "is_active",
                "created_at",
            )
        ),
        "users": list(
            User.objects.filter(is_staff=False).order_by("email").values_list(
                "email", "first_name", "last_name", "home_postcode", "home_city",
                "home_latitude", "home_longitude", "newsletter_consent", "newsletter_consent_at",
                "date_joined", "last_login",
            )
        ),
        "bookings": list(
            Booking.objects.order_by("pk").values_list(
                "pk", "user__email", "offer_id", "quantity", "amount", "status", "created_at",
                "cancelled_at",
            )
        ),
    }  # fmt: skip


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dlat, dlon = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = (
        math.sin(dlat / 2) ** 2
        + math.cos(math.radians(lat1)) * math.cos(math.radians(lat2)) * math.sin(dlon / 2) ** 2
    )
    return 2 * 6371 * math.asin(math.sqrt(a))


def test_the_same_seed_gives_the_same_marketplace_and_another_seed_a_different_one():
    seed("--seed=7")
    first = snapshot()
    seed("--seed=7", "--reset")
    assert snapshot() == first
    seed("--seed=8", "--reset")
    other = snapshot()
    assert other["offers"] != first["offers"]
    assert other["users"] != first["users"]
    assert other["bookings"] != first["bookings"]


def test_offers_cover_every_category_with_venues_for_events_and_urls_for_digital_ones():
    seed()
    slugs = set(Category.objects.values_list("slug", flat=True))
    assert set(Offer.objects.values_list("category__slug", flat=True)) == slugs
    for category in Category.objects.filter(is_digital=True):
        offers = Offer.objects.filter(category=category)
        assert not offers.filter(venue__isnull=False).exists()
        assert not offers.filter(url="").exists()
    assert Offer.objects.filter(venue__kind="cinema", category__slug="cinema").exists()
    assert Offer.objects.filter(venue__kind="museum", category__slug="museums-heritage").exists()
    assert Offer.objects.filter(starts_at__lt=NOW).exists()
    assert Offer.objects.filter(starts_at__gt=NOW).exists()
    assert (
        Offer.objects.filter(category__slug="museums-heritage", ends_at__gt=NOW)
        .exclude(starts_at=None)
        .exists()
    )
    assert Offer.objects.filter(price=0).exists()
    assert Offer.objects.filter(stock=None).exists()
    assert Offer.objects.filter(url="", venue=None).count() == 0


def test_venues_are_real_places_in_france_each_hosting_offers():
    seed()
    venues = Venue.objects.all()
    assert venues.exists()
    for venue in venues:
        assert territory_of(latitude=venue.latitude, longitude=venue.longitude) != OUTSIDE, venue
        assert venue.external_ref.split(":")[0] in {"museofile", "cnc", "festival"}
        assert venue.kind in {"museum", "cinema", "festival"}
    assert not Venue.objects.filter(offers=None).exists()


def test_booked_quantities_match_live_bookings_within_stock_and_amounts_match_prices():
    seed()
    live = Booking.objects.exclude(status=Booking.Status.CANCELLED)
    totals = dict(live.values("offer").annotate(q=Sum("quantity")).values_list("offer", "q"))
    for offer in Offer.objects.all():
        assert offer.booked_quantity == totals.get(offer.pk, 0)
        assert offer.stock is None or offer.booked_quantity <= offer.stock
    for booking in Booking.objects.select_related("offer"):
        assert booking.amount == booking.offer.price * booking.quantity
    pairs = Counter(live.values_list("user_id", "offer_id"))
    assert max(pairs.values()) == 1


def test_booking_times_and_statuses_follow_the_offers_dates():
    seed()
    bookings = list(Booking.objects.select_related("offer"))
    assert len(bookings) > 500
    for booking in bookings:
        offer = booking.offer
        assert offer.created_at <= booking.created_at <= NOW
        if booking.status == Booking.Status.CANCELLED:
            assert booking.created_at < booking.cancelled_at <= NOW
        else:
            assert booking.cancelled_at is None
        is_event = offer.starts_at and offer.ends_at - offer.starts_at < timedelta(days=1)
        if is_event:
            assert booking.created_at < offer.starts_at
            past = offer.starts_at < NOW
            expected = {"used", "cancelled"} if past else {"confirmed", "cancelled"}
            assert booking.status in expected
    statuses = Counter(booking.status for booking in bookings)
    assert statuses["used"] > statuses["confirmed"] > statuses["cancelled"] > 0
    # People book in the evening far more than in the middle of the night (Paris time).
    hours = Counter(booking.created_at.astimezone(PARIS).hour for booking in bookings)
    assert sum(hours[h] for h in range(18, 23)) > 4 * sum(hours[h] for h in range(1, 6))


def test_people_live_in_real_communes_and_mostly_accept_the_newsletter():
    seed()
    people = User.objects.filter(is_staff=False)
    assert people.count() == 150
    for person in people:
        place = postcode_locate(postcode=person.home_postcode, city=person.home_city)
        assert place is not None, person.home_postcode
        assert (place.latitude, place.longitude) == (person.home_latitude, person.home_longitude)
        assert person.newsletter_consent == (person.newsletter_consent_at is not None)
    assert people.filter(newsletter_consent=True).count() > 0.6 * people.count()
    # Weighted by population: a big city holds many people, a village a few at most.
    assert people.filter(home_postcode__startswith="75").count() >= 2


def test_bookings_concentrate_on_each_persons_favourite_categories():
    seed("--users=300", "--offers=300")
    categories: dict[int, list[int]] = defaultdict(list)
    for user_id, category_id in Booking.objects.values_list("user_id", "offer__category_id"):
        categories[user_id].append(category_id)
    active = [values for values in categories.values() if len(values) >= 6]
    assert len(active) > 50

    def top_share(histories: list[list[int]]) -> float:
        return float(np.mean([Counter(h).most_common(1)[0][1] / len(h) for h in histories]))

    # The same bookings dealt out at random: what the top share would be without tastes.
    everything = np.array([c for values in active for c in values])
    shuffled = np.random.default_rng(0).permutation(everything)
    bounds = np.cumsum([0] + [len(values) for values in active])
    baseline = [shuffled[a:b].tolist() for a, b in itertools.pairwise(bounds)]
    assert top_share(active) > 0.45
    assert top_share(active) > top_share(baseline) + 0.15


def test_people_book_venues_near_home_far_more_than_chance():
    seed("--users=300", "--offers=300")
    rows = np.array(
        Booking.objects.filter(offer__venue__isnull=False).values_list(
            "user__home_latitude", "user__home_longitude", "offer__venue__latitude",
            "offer__venue__longitude",
        )
    )  # fmt: skip
    real = np.median([distance_km(*row) for row in rows])
    # The same venues booked by people picked at random.
    homes = np.random.default_rng(0).permutation(rows[:, :2])
    pairs = zip(homes, rows[:, 2:], strict=True)
    chance = np.median([distance_km(*home, *venue) for home, venue in pairs])
    assert real < 0.3 * chance


def test_demo_accounts_are_printed_and_work():
    output = seed("--offers=1500")
    assert "shopper@passerelle.test / passerelle-demo" in output
    assert "staff@passerelle.test / passerelle-demo" in output
    shopper = User.objects.get(email="shopper@passerelle.test")
    assert shopper.check_password("passerelle-demo")
    assert shopper.home_city.startswith("Lyon") and not shopper.is_staff
    assert shopper.bookings.count() >= 10
    favourites = shopper.bookings.filter(
        offer__category__slug__in=["cinema", "live-music", "museums-heritage"]
    )
    assert favourites.count() > 0.6 * shopper.bookings.count()
    assert shopper.bookings.filter(offer__venue__city__startswith="Lyon").exists()
    staff = User.objects.get(email="staff@passerelle.test")
    assert staff.is_staff and staff.is_superuser and staff.check_password("passerelle-demo")
    assert "Seeded" in output and " s." in output


def test_ids_continue_after_the_seed_so_new_bookings_work():
    seed()
    offer = OfferFactory(stock=5)
    assert offer.pk > Offer.objects.exclude(pk=offer.pk).order_by("-pk").first().pk
    booking = booking_create(user=UserFactory(), offer_id=offer.pk)
    assert booking.pk > Booking.objects.exclude(pk=booking.pk).order_by("-pk").first().pk


def test_refuses_a_database_holding_marketplace_data_without_reset():
    UserFactory(email="real.person@example.org")
    with pytest.raises(CommandError, match="already holds marketplace data"):
        seed()
    assert not Offer.objects.exists()
    assert list(User.objects.values_list("email", flat=True)) == ["real.person@example.org"]


def test_staff_accounts_alone_do_not_count_as_marketplace_data(staff_user):
    seed()
    assert User.objects.filter(pk=staff_user.pk, is_staff=True).exists()
    assert Offer.objects.exists()


def test_reset_replaces_marketplace_data_and_keeps_staff_accounts(staff_user):
    old_offer = OfferFactory(title="A real concert")
    seed("--reset")
    assert not Offer.objects.filter(title="A real concert").exists()
    assert not Venue.objects.filter(pk=old_offer.venue_id, name=old_offer.venue.name).exists()
    assert User.objects.filter(pk=staff_user.pk).exists()
    assert Offer.objects.count() == 120


def test_reset_removes_what_depends_on_deleted_users_and_nothing_of_staff(staff_user):
    person = UserFactory()
    team = Group.objects.create(name="Testers")
    team.user_set.add(person, staff_user)
    flag = UserBucketFlag.objects.create(name="canary")
    flag.users.add(person, staff_user)
    for user in (person, staff_user):
        LogEntry.objects.log_actions(
            user_id=user.pk, queryset=[team], action_flag=CHANGE, change_message="renamed"
        )
    seed("--reset")
    assert not User.objects.filter(email=person.email).exists()
    assert list(team.user_set.all()) == [staff_user]
    assert list(flag.users.all()) == [staff_user]
    assert list(LogEntry.objects.values_list("user_id", flat=True)) == [staff_user.pk]


def test_if_empty_leaves_existing_data_alone_and_seeds_an_empty_database():
    UserFactory()
    output = seed("--if-empty")
    assert "not seeded" in output
    assert not Offer.objects.exists()
    User.objects.all().delete()
    seed("--if-empty")
    assert Offer.objects.count() == 120


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--users=0"], "--users must be between 1 and 1000000."),
        (["--offers=3"], "--offers must be between 16 and 200000."),
        (["--months=1000000"], "--months must be between 1 and 120."),
        (["--seed=-1"], "--seed must be between 0 and 2147483647."),
        (["--bookings=-1"], "--bookings must be between 0 and 10000000."),
        (["--bookings=100000000000000000000000"], "--bookings must be between 0 and 10000000."),
        (
            ["--users=1000000", "--months=120"],
            "--users 1000000 over --months 120 aim at 200000000 bookings, more than 10000000",
        ),
        (["--today=2026-02-30"], "Invalid --today '2026-02-30': expected a date as YYYY-MM-DD."),
        (["--today=9999-12-31"], "Invalid --today 9999-12-31: expected a date from 1970-01-01"),
        (["--today=1969-12-31"], "Invalid --today 1969-12-31: expected a date from 1970-01-01"),
    ],
)
def test_bad_input_is_refused_in_one_line_before_anything_is_written(arguments, message):
    with pytest.raises(CommandError) as refusal:
        seed(*arguments)

    assert message in str(refusal.value) and "\n" not in str(refusal.value)
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "arguments",
    [
        ["--today=1970-01-01", "--months=120", "--users=20"],
        [f"--today={timezone.localdate() + timedelta(days=365)}", "--months=1"],
    ],
)
def test_the_furthest_dates_accepted_seed_a_marketplace(arguments):
    seed(*arguments)

    assert Offer.objects.exists() and Booking.objects.exists()


def table_schema() -> list[tuple]:
    """Indexes and constraints of the tables the seed loads (PostgreSQL)."""
    tables = ["marketplace_venue", "marketplace_offer", "marketplace_user", "marketplace_booking"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "UNION ALL SELECT conrelid::regclass::text, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
            [tables, tables],
        )
        return cursor.fetchall()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_copy_writes_the_same_marketplace_as_the_generic_insert_path(monkeypatch):
    """On PostgreSQL the tables go through COPY; the generic INSERT path must agree."""
    from marketplace.demo import database

    schema = table_schema()
    seed("--seed=3")
    # The load drops secondary indexes and foreign keys; all must be back.
    assert table_schema() == schema
    copied = snapshot()
    monkeypatch.setattr(database.connection, "vendor", "generic")
    seed("--seed=3", "--reset")
    monkeypatch.undo()
    assert snapshot() == copied
    assert Booking.objects.filter(~Q(status="cancelled")).exists()


def test_places_go_first_come_first_served_and_repeats_are_refused():
    from marketplace.demo.bookings import CANCELLED, CONFIRMED, _admitted

    bookings = {
        "user": np.array([1, 2, 3, 4, 1, 5]),
        "offer": np.array([0, 0, 0, 0, 1, 1]),
        "quantity": np.array([2, 1, 1, 1, 1, 1]),
        "created": np.array([10, 30, 20, 5, 1, 2]),
        "status": np.array([CONFIRMED, CONFIRMED, CONFIRMED, CANCELLED, CONFIRMED, CONFIRMED]),
    }
    stock = np.array([3, -1])  # offer 1 is unlimited
    # Offer 0: user 1 (2 places, t=10) and user 3 (t=20) fill it; user 2 (t=30) is
    # refused; user 4's cancelled booking took no place.
    assert _admitted(bookings, stock, n_offers=2).tolist() == [True, False, True, True, True, True]
    repeated = {name: np.append(values, values[0]) for name, values in bookings.items()}
    assert not _admitted(repeated, np.array([10, -1]), n_offers=2)[-1]


def test_paris_wall_clock_times_convert_to_utc_across_daylight_saving():
    from marketplace.demo.clock import DAY, HOUR, NULL, local_day, local_to_utc, to_datetime

    winter = local_day(date(2026, 1, 15)) * DAY + 20 * HOUR + 30 * 60
    summer = local_day(date(2026, 7, 15)) * DAY + 20 * HOUR + 30 * 60
    utc = local_to_utc(np.array([winter, summer, NULL]))
    assert to_datetime(utc[0]) == datetime(2026, 1, 15, 19, 30, tzinfo=UTC)
    assert to_datetime(utc[1]) == datetime(2026, 7, 15, 18, 30, tzinfo=UTC)
    assert to_datetime(utc[2]) is None


def test_the_shipped_venues_cover_every_overseas_departement():
    venues = venues_load()

    lands = territories_of(latitudes=venues.latitude, longitudes=venues.longitude)
    names = {TERRITORIES[land][0] for land in lands.tolist()}
    assert {"Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte"} <= names
    assert OUTSIDE not in lands


def test_people_of_overseas_france_live_and_book_on_their_own_land():
    seed("--users=300", "--offers=600")
    rows = np.array(
        Booking.objects.filter(offer__venue__isnull=False).values_list(
            "user__home_latitude", "user__home_longitude", "offer__venue__latitude",
            "offer__venue__longitude",
        )
    )  # fmt: skip
    home_land = territories_of(latitudes=rows[:, 0], longitudes=rows[:, 1])
    venue_land = territories_of(latitudes=rows[:, 2], longitudes=rows[:, 3])

    mainland = TERRITORIES.index(next(t for t in TERRITORIES if t[0].startswith("Mainland")))
    assert (home_land != mainland).sum() > 0  # overseas people booked venues
    assert (home_land == venue_land).all()
    assert User.objects.filter(home_postcode__startswith="97").exists()
    assert Venue.objects.filter(postcode__startswith="97").exists()


def test_offer_texts_are_written_in_french():
    seed("--users", "200", "--offers", "300", "--bookings", "500")

    texts = " ".join(Offer.objects.values_list("description", flat=True))

    for english in (" by ", " at ", "Exhibition", "Entry ticket", "workshop", "Talk:"):
        assert english not in texts
    assert (
        Offer.objects.filter(title__startswith="Exposition : ").exists()
        or Offer.objects.filter(title__startswith="Billet d'entrée : ").exists()
    )
