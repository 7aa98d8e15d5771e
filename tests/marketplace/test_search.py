"""The catalogue's search and filters on a hand-made catalogue, and its soonest-first order."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from marketplace.models import Offer
from marketplace.search import (
    Near,
    OfferSearch,
    offer_search,
    period_of,
    text_fold,
    venue_on_land_of,
)
from marketplace.territories import TERRITORIES, territory_of
from tests.factories import CategoryFactory, DigitalOfferFactory, OfferFactory, VenueFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
# A Wednesday: the weekend is the 4th and 5th, the week ends on Sunday the 5th.
NOW = datetime(2030, 5, 1, 12, 0, tzinfo=PARIS)


def at(day: int, hour: int = 20, month: int = 5) -> datetime:
    return datetime(2030, month, day, hour, 0, tzinfo=PARIS)


@pytest.fixture
def catalogue() -> dict:
    """Lyon and Vienne (30 km apart), Paris far away; a few kinds of offers."""
    lyon = VenueFactory(name="Salle Molière", city="Lyon", latitude=45.7578, longitude=4.8320)
    vienne = VenueFactory(name="Théâtre antique", city="Vienne", latitude=45.5240, longitude=4.8777)
    paris = VenueFactory(name="Le Zénith", city="Paris", latitude=48.8940, longitude=2.3930)
    music = CategoryFactory(slug="live-music")
    shows = CategoryFactory(slug="shows")
    museums = CategoryFactory(slug="museums-heritage")
    return {
        "tonight_concert": OfferFactory(
            title="Concert de jazz",
            venue=lyon,
            category=music,
            starts_at=at(1, 20),
            price=Decimal("12"),
        ),
        "weekend_play": OfferFactory(
            title="Le Misanthrope",
            description="Une pièce de théâtre de Molière.",
            venue=vienne,
            category=shows,
            starts_at=at(4, 20),
            price=Decimal("25"),
        ),
        "sunday_free_concert": OfferFactory(
            title="Fanfare au kiosque",
            venue=vienne,
            category=music,
            starts_at=at(5, 16),
            price=Decimal("0"),
        ),
        "paris_concert": OfferFactory(
            title="Concert symphonique",
            venue=paris,
            category=music,
            starts_at=at(4, 21),
            price=Decimal("40"),
        ),
        "exhibition": OfferFactory(
            title="Exposition : le Moyen Âge en couleurs",
            venue=lyon,
            category=museums,
            starts_at=at(1, 10, month=3),
            ends_at=at(30, 18, month=9),
            price=Decimal("8"),
        ),
        "next_month_concert": OfferFactory(
            title="Concert de printemps",
            venue=lyon,
            category=music,
            starts_at=at(10, 20, month=6),
            price=Decimal("18"),
        ),
        "film": DigitalOfferFactory(title="Film en ligne", starts_at=None, price=Decimal("5")),
    }


def found(catalogue: dict, **criteria) -> set[str]:
    names = {offer.pk: name for name, offer in catalogue.items()}
    return {names[offer.pk] for offer in offer_search(search=OfferSearch(**criteria), now=NOW)}


def test_without_criteria_every_bookable_offer_comes_soonest_first(catalogue):
    offers = list(offer_search(search=OfferSearch(), now=NOW))

    names = {offer.pk: name for name, offer in catalogue.items()}
    assert [names[offer.pk] for offer in offers] == [
        # Tonight's concert first; the exhibition open since March ranks by its
        # closing day, so it no longer buries what is on soon; undated offers last.
        "tonight_concert",
        "weekend_play",
        "paris_concert",
        "sunday_free_concert",
        "next_month_concert",
        "exhibition",
        "film",
    ]


def test_today_keeps_tonight_and_what_is_open_today(catalogue):
    assert found(catalogue, when="today") == {"tonight_concert", "exhibition"}


def test_this_weekend_is_saturday_and_sunday(catalogue):
    assert found(catalogue, when="weekend") == {
        "weekend_play",
        "sunday_free_concert",
        "paris_concert",
        "exhibition",
    }


def test_this_week_runs_from_now_to_sunday(catalogue):
    assert found(catalogue, when="week") == {
        "tonight_concert",
        "weekend_play",
        "sunday_free_concert",
        "paris_concert",
        "exhibition",
    }


def test_a_date_keeps_what_happens_that_day(catalogue):
    assert found(catalogue, when="date", on_date=date(2030, 6, 10)) == {
        "next_month_concert",
        "exhibition",
    }


def test_a_date_at_the_end_of_the_calendar_keeps_that_days_offers(catalogue):
    # The day after it does not exist: counting up to the next midnight overflowed.
    last_day = OfferFactory(starts_at=datetime(9999, 12, 31, 20, 0, tzinfo=PARIS))

    offers = offer_search(search=OfferSearch(when="date", on_date=date.max), now=NOW)

    assert list(offers) == [last_day]


def test_a_date_keeps_an_event_starting_in_its_last_minute_and_not_the_next_midnight(catalogue):
    late = OfferFactory(starts_at=datetime(2030, 6, 20, 23, 59, 59, 999999, tzinfo=PARIS))
    OfferFactory(starts_at=datetime(2030, 6, 21, 0, 0, tzinfo=PARIS))

    offers = offer_search(search=OfferSearch(when="date", on_date=date(2030, 6, 20)), now=NOW)

    assert set(offers) == {late, catalogue["exhibition"]}


def test_on_a_sunday_this_weekend_is_today():
    assert period_of(when="weekend", on_date=None, today=date(2030, 5, 5)) == (
        date(2030, 5, 5),
        date(2030, 5, 5),
    )


def test_near_home_keeps_venues_within_the_radius(catalogue):
    lyon_home = (45.7640, 4.8357)

    assert found(catalogue, near=Near(*lyon_home, radius_km=10)) == {
        "tonight_concert",
        "exhibition",
        "next_month_concert",
    }
    assert found(catalogue, near=Near(*lyon_home, radius_km=40)) == {
        "tonight_concert",
        "exhibition",
        "next_month_concert",
        "weekend_play",
        "sunday_free_concert",
    }


def test_near_home_never_crosses_the_sea_to_another_land():
    # Marigot (Saint-Martin) is 31 km from Gustavia (Saint-Barthélemy), but a sea crossing away.
    gustavia = OfferFactory(venue=VenueFactory(latitude=17.8958, longitude=-62.8508))
    OfferFactory(venue=VenueFactory(latitude=18.0675, longitude=-63.0825))
    home_in_gustavia = Near(17.8962, -62.8498, radius_km=50)

    assert list(offer_search(search=OfferSearch(near=home_in_gustavia))) == [gustavia]


def test_the_search_puts_every_point_on_the_land_the_territories_module_says():
    # Each box's centre, the corner Saint-Barthélemy and Saint-Martin share, and two
    # points in no box (Wallis, Clipperton), which make one land of their own.
    points = [
        ((south + north) / 2, (west + east) / 2) for _, south, north, west, east in TERRITORIES
    ]
    points += [(18.0, -62.95), (-13.28, -176.16), (10.3, -109.22)]
    offers = {
        point: OfferFactory(venue=VenueFactory(latitude=point[0], longitude=point[1]))
        for point in points
    }

    for latitude, longitude in points:
        land = territory_of(latitude=latitude, longitude=longitude)
        found = Offer.objects.filter(venue_on_land_of(latitude=latitude, longitude=longitude))
        assert set(found) == {
            offer
            for point, offer in offers.items()
            if territory_of(latitude=point[0], longitude=point[1]) == land
        }, (latitude, longitude)


def test_a_city_keeps_its_venues_whatever_the_case(catalogue):
    assert found(catalogue, city="vienne") == {"weekend_play", "sunday_free_concert"}


def test_free_and_under_a_price(catalogue):
    assert found(catalogue, price="free") == {"sunday_free_concert"}
    assert found(catalogue, price="under", price_max=Decimal("12")) == {
        "tonight_concert",
        "sunday_free_concert",
        "exhibition",
        "film",
    }


def test_category(catalogue):
    assert found(catalogue, category_slug="shows") == {"weekend_play"}


def test_filters_combine(catalogue):
    lyon_home = (45.7640, 4.8357)

    assert found(
        catalogue,
        when="weekend",
        near=Near(*lyon_home, radius_km=40),
        category_slug="live-music",
    ) == {"sunday_free_concert"}
    assert found(catalogue, text="concert", when="weekend", price="under", price_max=30) == set()
    assert found(catalogue, text="concert", when="weekend") == {"paris_concert"}


def test_text_matches_titles_descriptions_venues_and_cities(catalogue):
    assert found(catalogue, text="Misanthrope") == {"weekend_play"}
    assert found(catalogue, text="Molière") == {"weekend_play", "tonight_concert",
                                                 "exhibition", "next_month_concert"}  # fmt: skip
    assert found(catalogue, text="Vienne") == {"weekend_play", "sunday_free_concert"}


def test_text_ignores_accents_and_case(catalogue):
    assert found(catalogue, text="theatre") == {"weekend_play", "sunday_free_concert"}
    assert found(catalogue, text="ZENITH") == {"paris_concert"}


@pytest.mark.postgres
def test_postgres_search_stems_french_words(catalogue):
    # "concerts" and "couleur" find "Concert" and "couleurs" through the French stemmer.
    assert found(catalogue, text="concerts") == {
        "tonight_concert",
        "paris_concert",
        "next_month_concert",
    }
    assert found(catalogue, text="couleur") == {"exhibition"}


def test_text_fold_drops_accents_and_case():
    assert text_fold("Théâtre ÉTÉ Noël") == "theatre ete noel"


def test_digital_offers_are_not_near_anything(catalogue):
    assert "film" not in found(catalogue, near=Near(45.76, 4.83, radius_km=1000))


def test_a_past_event_is_never_listed(catalogue):
    OfferFactory(title="Hier", starts_at=NOW - timedelta(days=1))

    assert "Hier" not in {offer.title for offer in offer_search(search=OfferSearch(), now=NOW)}
