"""The catalogue's search and filters, and the listing's order (ADR 0028).

`offer_search` answers the homepage: bookable offers matching free text and
filters (when, where, price, category), soonest first. On PostgreSQL the text
goes through full-text search with a French, accent-blind configuration
(`passerelle_fr`, migration 0005) backed by GIN indexes; elsewhere (the SQLite
demo) every word must appear in the folded title, description, venue or city.
"""

import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Case, F, Func, Q, QuerySet, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone
from geopy.distance import great_circle

from marketplace.models import Offer
from marketplace.territories import OUTSIDE, TERRITORIES, territory_of

# The text search configuration made by migration 0005: French stemming after unaccent.
SEARCH_CONFIG = "passerelle_fr"
KM_PER_DEGREE_LATITUDE = 111.32

WHEN_TODAY, WHEN_WEEKEND, WHEN_WEEK, WHEN_DATE = "today", "weekend", "week", "date"
PRICE_FREE, PRICE_UNDER = "free", "under"


@dataclass(frozen=True)
class Near:
    """A circle around a point, e.g. a shopper's home."""

    latitude: float
    longitude: float
    radius_km: float


@dataclass(frozen=True)
class OfferSearch:
    """What a shopper asks the catalogue; every part is optional and they combine."""

    text: str = ""
    when: str = ""
    on_date: date | None = None
    near: Near | None = None
    city: str = ""
    price: str = ""
    price_max: Decimal | None = None
    category_slug: str = ""


def text_fold(text: str) -> str:
    """Lower case without accents: "Théâtre" → "theatre"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def period_of(*, when: str, on_date: date | None, today: date) -> tuple[date, date] | None:
    """The first and last day a `when` filter covers (the weekend is Saturday and Sunday,
    the week runs from today to Sunday), or None when it names no period."""
    if when == WHEN_TODAY:
        return today, today
    if when == WHEN_WEEKEND:
        if today.weekday() == 6:
            # On a Sunday, "this weekend" is what is left of it: today.
            return today, today
        saturday = today + timedelta(days=5 - today.weekday())
        return saturday, saturday + timedelta(days=1)
    if when == WHEN_WEEK:
        return today, today + timedelta(days=6 - today.weekday())
    if when == WHEN_DATE and on_date:
        return on_date, on_date
    return None


def happening_between(*, first: date, last: date, now: datetime) -> Q:
    """Dated offers taking place during those days (from now on for today): an event
    starting then, or a run (exhibition) open then. Undated offers are not "on" a day."""
    zone = timezone.get_current_timezone()
    start = max(datetime.combine(first, time.min, zone), now)
    # The last day's final microsecond (the columns' precision), not the next midnight:
    # a day after the last one does not exist when the last is the calendar's end.
    end = datetime.combine(last, time.max, zone)
    return Q(starts_at__lte=end) & (
        Q(ends_at__gt=start) | Q(ends_at__isnull=True, starts_at__gte=start)
    )


def venue_in_box(south: float, north: float, west: float, east: float) -> Q:
    return Q(
        venue__latitude__gte=south,
        venue__latitude__lte=north,
        venue__longitude__gte=west,
        venue__longitude__lte=east,
    )


def venue_on_land_of(*, latitude: float, longitude: float) -> Q:
    """Venues in the same territory as the point (ADR 0014: two lands are never near).

    `territory_of`'s rule, for the database to apply: a point belongs to the
    first box that holds it (Saint-Barthélemy's and Saint-Martin's share a corner),
    and the points in no box make one land of their own.
    """
    land = territory_of(latitude=latitude, longitude=longitude)
    boxes = [box for _, *box in TERRITORIES]
    earlier = boxes if land == OUTSIDE else boxes[:land]
    condition = Q() if land == OUTSIDE else venue_in_box(*boxes[land])
    for box in earlier:
        condition &= ~venue_in_box(*box)
    return condition


def within(offers: QuerySet[Offer], near: Near) -> QuerySet[Offer]:
    """Offers whose venue lies in the circle, on the same land as its centre.

    Equirectangular distance, exact to a few metres at these ranges and plain
    arithmetic, so it runs on SQLite as on PostgreSQL; the bounding box first
    lets the database skip most rows cheaply. The land's condition keeps
    Saint-Martin, 30 km away, out of a Saint-Barthélemy shopper's 50 km; on the
    mainland (the first box) it is four comparisons more."""
    lat_span = near.radius_km / KM_PER_DEGREE_LATITUDE
    cos_lat = math.cos(math.radians(near.latitude))
    lon_span = lat_span / max(cos_lat, 0.01)
    dy = F("venue__latitude") - near.latitude
    dx = (F("venue__longitude") - near.longitude) * cos_lat
    return offers.alias(squared_degrees=dx * dx + dy * dy).filter(
        venue_in_box(
            near.latitude - lat_span,
            near.latitude + lat_span,
            near.longitude - lon_span,
            near.longitude + lon_span,
        ),
        venue_on_land_of(latitude=near.latitude, longitude=near.longitude),
        squared_degrees__lte=lat_span * lat_span,
    )


class Fold(Func):
    """SQLite's `passerelle_fold`, the Python `text_fold` registered on each connection."""

    function = "passerelle_fold"
    output_field = TextField()


def text_matching(offers: QuerySet[Offer], text: str) -> QuerySet[Offer]:
    if connection.vendor == "postgresql":
        # Two indexed searches (offer text, venue text) united, rather than one
        # expression over a join that no index could serve.
        vector = f"to_tsvector('{SEARCH_CONFIG}', {{}})"
        query = f"websearch_to_tsquery('{SEARCH_CONFIG}', %s)"
        sql = (
            f"SELECT id FROM marketplace_offer WHERE {vector.format(OFFER_TEXT)} @@ {query}"
            f" UNION SELECT o.id FROM marketplace_offer o JOIN marketplace_venue v"
            f" ON o.venue_id = v.id WHERE {vector.format(VENUE_TEXT)} @@ {query}"
        )
        return offers.filter(pk__in=RawSQL(sql, [text, text]))
    offers = offers.alias(
        haystack=Fold(
            Concat(
                "title",
                Value(" "),
                "description",
                Value(" "),
                Coalesce("venue__name", Value("")),
                Value(" "),
                Coalesce("venue__city", Value("")),
                output_field=TextField(),
            )
        )
    )
    for word in text_fold(text).split():
        offers = offers.filter(haystack__contains=word)
    return offers


# The indexed expressions of migration 0005; a query must repeat them exactly to use the index.
OFFER_TEXT = "title || ' ' || description"
VENUE_TEXT = "v.name || ' ' || v.city"


def soonest_first(now: datetime) -> tuple:
    """The listing's order (issue 8): what the shopper must act on soonest comes first.
    An event to come ranks by its start; a run already open (an exhibition since July)
    by its closing day, so it rises as its last days near and does not bury tonight's
    concert; undated offers (digital, permanent) come last."""
    moment = Case(
        When(starts_at__gte=now, then=F("starts_at")),
        When(ends_at__isnull=False, then=F("ends_at")),
        default=None,
    )
    return (moment.asc(nulls_last=True), "pk")


def offer_search(*, search: OfferSearch, now: datetime | None = None) -> QuerySet[Offer]:
    """Bookable offers matching `search`, soonest first."""
    now = now or timezone.now()
    # Venues are fetched for the page only (one more short query): joined in,
    # PostgreSQL joined all ~10,000 bookable offers to their venue before keeping
    # the first 24, half the time of the unfiltered listing (ADR 0028).
    offers = Offer.objects.bookable(now).select_related("category").prefetch_related("venue")
    if search.text.strip():
        offers = text_matching(offers, search.text.strip())
    period = period_of(when=search.when, on_date=search.on_date, today=timezone.localdate(now))
    if period:
        offers = offers.filter(happening_between(first=period[0], last=period[1], now=now))
    if search.near:
        offers = within(offers, search.near)
    if search.city.strip():
        offers = offers.filter(venue__city__iexact=search.city.strip())
    if search.price == PRICE_FREE:
        offers = offers.filter(price=0)
    elif search.price == PRICE_UNDER and search.price_max is not None:
        offers = offers.filter(price__lte=search.price_max)
    if search.category_slug:
        offers = offers.filter(category__slug=search.category_slug)
    return offers.order_by(*soonest_first(now))


def offer_distances_km(
    *, offers: Iterable[Offer], latitude: float, longitude: float
) -> dict[int, float]:
    """Great-circle distance from a point to each offer's venue (digital offers have none)."""
    return {
        offer.pk: great_circle((latitude, longitude), (venue.latitude, venue.longitude)).km
        for offer in offers
        if (venue := offer.venue) is not None and venue.latitude is not None
    }
