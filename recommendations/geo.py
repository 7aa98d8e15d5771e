"""The `geo` strategy: popular offers near the user's home, within each category's radius.

An offer at a venue is a candidate when its venue lies within the radius of its
category (festival sites have their own, longer one); its score is its recent
popularity times a distance decay that halves every third of that radius.
Digital offers are open to everyone, free of distance, and at least one of
them is in every list of two or more. Users without coordinates (and anonymous
visitors) get digital offers and the nationally popular ones. ADR 0009.

Each request ranks against an index of bookable offers (numpy arrays, built
at most every RECOMMENDATION_POPULAR_CACHE_SECONDS per process). Great-circle
distances to every venue bound the road distances from below, so only the
offers whose bound could still reach the top are sent to the distance service
(and its paid provider): the ranking is exact with a few dozen lookups.

A warm request costs two short queries (the user's live bookings, a re-check
that the chosen offers are still bookable), both compiled once per process,
and one cache round trip (the index version with the first batch of distances).
"""

import functools
import heapq
import math
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice

import numpy as np
from django.conf import settings
from django.db import connection
from django.utils import timezone

from marketplace.models import Booking, Offer, User, Venue
from marketplace.territories import territories_of, territory_of
from recommendations.cache import CACHE_ERRORS, recommendations_cache
from recommendations.candidates import bookable_offers
from recommendations.distance.providers import haversine_km
from recommendations.distance.service import DistanceService, OriginCell, distance_service
from recommendations.popular import popularity_reason
from recommendations.popularity import compute_popular_offer_ranking
from recommendations.strategies import Recommendation, strategy_register

INDEX_VERSION_KEY = "recommendations:geo-index-version"
# A distance decay that halves every third of the radius leaves 1/8 at its edge.
DECAY_HALVINGS_PER_RADIUS = 3


def popularity_weight(bookings: np.ndarray) -> np.ndarray:
    """1 for an offer nobody booked lately, growing slowly: 10 bookings weigh 3.4, 100 weigh 5.6."""
    return 1 + np.log1p(bookings)


def distance_decay(distance_km: np.ndarray, radius_km: np.ndarray) -> np.ndarray:
    return np.exp2(-DECAY_HALVINGS_PER_RADIUS * distance_km / radius_km)


@dataclass
class GeoIndex:
    """Bookable offers as arrays; physical offers point into the venue arrays by position."""

    version: str
    built_at: float  # time.monotonic()
    window_days: int
    offer_ids: np.ndarray
    offer_venue: np.ndarray
    offer_radius_km: np.ndarray
    # The territory (marketplace.territories) of each offer's venue: no radius
    # crosses the sea between mainland France and an overseas one, or two of those.
    offer_territory: np.ndarray
    offer_bookings: np.ndarray
    venue_ids: np.ndarray
    venue_latitudes: np.ndarray
    venue_longitudes: np.ndarray
    # Positions of the physical offers booked lately, most booked first (national ranking).
    national_order: np.ndarray
    digital_ids: np.ndarray
    digital_bookings: np.ndarray
    # Offers (with category and venue) recommended since the build, by id: a
    # request then only checks that they are still bookable, a much lighter
    # query. Titles and prices shown are at most the index's lifetime old.
    offers: dict[int, Offer] = field(default_factory=dict)


def category_radius_km(*, category_slug: str, venue_kind: str) -> float:
    radius = settings.RECOMMENDATION_GEO_RADIUS_KM.get(
        category_slug, settings.RECOMMENDATION_GEO_DEFAULT_RADIUS_KM
    )
    if venue_kind == Venue.Kind.FESTIVAL:
        radius = max(radius, settings.RECOMMENDATION_GEO_FESTIVAL_RADIUS_KM)
    return float(radius)


def geo_index_build(*, version: str) -> GeoIndex:
    window_days = settings.RECOMMENDATION_POPULAR_WINDOW_DAYS
    bookings = dict(compute_popular_offer_ranking(window_days=window_days, size=None))
    offers = bookable_offers()
    physical = list(
        offers.filter(venue__isnull=False)
        .order_by("pk")
        .values_list(
            "pk", "venue_id", "venue__latitude", "venue__longitude", "category__slug", "venue__kind"
        )
    )
    digital = offers.filter(venue__isnull=True).order_by("pk")
    digital_ids = list(digital.values_list("pk", flat=True))
    venue_position: dict[int, int] = {}
    venue_points: list[tuple[float, float]] = []
    for _, venue_id, latitude, longitude, _, _ in physical:
        if venue_id not in venue_position:
            venue_position[venue_id] = len(venue_points)
            # A venue not geocoded yet gets NaN: it is within no radius.
            located = latitude is not None and longitude is not None
            venue_points.append((latitude, longitude) if located else (math.nan, math.nan))
    offer_bookings = np.array([bookings.get(row[0], 0) for row in physical], dtype=float)
    digital_bookings = np.array([bookings.get(pk, 0) for pk in digital_ids], dtype=float)
    booked = np.flatnonzero(offer_bookings > 0)
    # Stable sort on -bookings keeps ties in offer id order, as the popular strategy does.
    national_order = booked[np.argsort(-offer_bookings[booked], kind="stable")]
    digital_order = np.argsort(-digital_bookings, kind="stable")
    points = np.array(venue_points, dtype=float).reshape(-1, 2)
    offer_venue = np.array([venue_position[row[1]] for row in physical], dtype=np.int64)
    venue_territory = territories_of(latitudes=points[:, 0], longitudes=points[:, 1])
    return GeoIndex(
        version=version,
        built_at=time.monotonic(),
        window_days=window_days,
        offer_ids=np.array([row[0] for row in physical], dtype=np.int64),
        offer_venue=offer_venue,
        offer_radius_km=np.array(
            [category_radius_km(category_slug=row[4], venue_kind=row[5]) for row in physical],
            dtype=float,
        ),
        offer_territory=venue_territory[offer_venue],
        offer_bookings=offer_bookings,
        venue_ids=np.array(list(venue_position), dtype=np.int64),
        venue_latitudes=points[:, 0],
        venue_longitudes=points[:, 1],
        national_order=national_order,
        digital_ids=np.array(digital_ids, dtype=np.int64)[digital_order],
        digital_bookings=digital_bookings[digital_order],
    )


_local_index: GeoIndex | None = None


def geo_index() -> GeoIndex:
    """This process's index, rebuilt when the shared version key changes or expires.

    The key lives in the shared cache with the popularity ranking's lifetime,
    so clearing the cache (or its expiry) makes every process rebuild. Without
    a reachable cache each process keeps its index for the same lifetime.
    """
    try:
        version, reachable = recommendations_cache.get(INDEX_VERSION_KEY), True
    except CACHE_ERRORS:
        version, reachable = None, False
    return current_local_index(version=version, reachable=reachable) or geo_index_rebuild()


def current_local_index(*, version: str | None, reachable: bool) -> GeoIndex | None:
    """This process's index if the shared `version` (read from the cache) says it is current."""
    index = _local_index
    if index is None:
        return None
    if reachable:
        return index if version == index.version else None
    young = time.monotonic() - index.built_at < settings.RECOMMENDATION_POPULAR_CACHE_SECONDS
    return index if young else None


def geo_index_rebuild() -> GeoIndex:
    global _local_index
    index = geo_index_build(version=uuid.uuid4().hex)
    try:
        # Processes racing to rebuild agree on the first version stored.
        lifetime = settings.RECOMMENDATION_POPULAR_CACHE_SECONDS
        if not recommendations_cache.add(INDEX_VERSION_KEY, index.version, lifetime):
            index.version = recommendations_cache.get(INDEX_VERSION_KEY) or index.version
    except CACHE_ERRORS:
        pass
    _local_index = index
    return index


@dataclass(frozen=True)
class Candidate:
    offer_id: int
    score: float
    bookings: int
    distance_km: float | None = None


@dataclass(frozen=True)
class NearbyOrder:
    """Positions of the offers within their radius of a cell, by the best score they could reach."""

    visit: np.ndarray
    bound: np.ndarray
    weight: np.ndarray

    def first_venues(self, *, index: GeoIndex, batch_size: int) -> np.ndarray:
        """Positions of the venues of the first batch sent to the distance service."""
        return np.unique(index.offer_venue[self.visit[:batch_size]])


def nearby_order(
    *, index: GeoIndex, cell: OriginCell, excluded: set[int] = frozenset()
) -> NearbyOrder:
    latitude, longitude = cell.centre
    as_the_crow_flies = haversine_km(
        latitude=latitude,
        longitude=longitude,
        latitudes=index.venue_latitudes,
        longitudes=index.venue_longitudes,
    )
    offer_distance = as_the_crow_flies[index.offer_venue]
    # NaN (venue without coordinates) compares false: never within a radius.
    same_land = index.offer_territory == territory_of(latitude=latitude, longitude=longitude)
    within = np.flatnonzero((offer_distance <= index.offer_radius_km) & same_land)
    if excluded:
        within = within[~np.isin(index.offer_ids[within], list(excluded))]
    weight = popularity_weight(index.offer_bookings[within])
    bound = weight * distance_decay(offer_distance[within], index.offer_radius_km[within])
    order = np.argsort(-bound, kind="stable")
    return NearbyOrder(visit=within[order], bound=bound[order], weight=weight[order])


def nearby_candidates(
    *,
    index: GeoIndex,
    cell: OriginCell,
    batch_size: int,
    excluded: set[int] = frozenset(),
    order: NearbyOrder | None = None,
    cached: dict | None = None,
) -> Iterator[Candidate]:
    """Physical offers within their radius of `cell`, but `excluded`, best score first, exactly.

    Offers are visited by the score their great-circle distance allows (an upper
    bound: roads are never shorter), and their real distance is asked from the
    distance service a batch at a time, only while an unvisited offer could
    still beat the best one waiting to be yielded. `order` is `nearby_order()`'s
    if already computed; `cached` the cache entries of the first batch if the
    caller already read them.
    """
    service = distance_service()
    order = order or nearby_order(index=index, cell=cell, excluded=excluded)
    visit, bound, weight = order.visit, order.bound, order.weight

    road: dict[int, float] = {}
    waiting: list[tuple[float, int, Candidate]] = []
    next_visit = 0
    while next_visit < len(visit) or waiting:
        best_unvisited = bound[next_visit] if next_visit < len(visit) else -math.inf
        if waiting and -waiting[0][0] >= best_unvisited:
            yield heapq.heappop(waiting)[2]
            continue
        batch = slice(next_visit, next_visit + batch_size)
        positions = visit[batch]
        venues = np.unique(index.offer_venue[positions])
        unknown = venues[[index.venue_ids[venue] not in road for venue in venues]]
        if len(unknown):
            found = service.venue_distances_km(
                cell=cell,
                venue_ids=index.venue_ids[unknown].tolist(),
                latitudes=index.venue_latitudes[unknown],
                longitudes=index.venue_longitudes[unknown],
                cached=cached,
            )
            cached = None
            road.update(zip(index.venue_ids[unknown].tolist(), found.tolist(), strict=True))
        for position, offer_weight in zip(positions, weight[batch], strict=True):
            distance = road[int(index.venue_ids[index.offer_venue[position]])]
            radius = index.offer_radius_km[position]
            if distance > radius:
                continue
            score = float(offer_weight * distance_decay(distance, radius))
            offer_id = int(index.offer_ids[position])
            candidate = Candidate(
                offer_id=offer_id,
                score=score,
                bookings=int(index.offer_bookings[position]),
                distance_km=distance,
            )
            heapq.heappush(waiting, (-score, offer_id, candidate))
        next_visit += batch_size


def nearby_batch_size(limit: int) -> int:
    """Offers sent to the distance service at a time: one batch usually settles a list."""
    return max(2 * limit, 20)


def ranked_candidates(
    *, offer_ids: np.ndarray, bookings: np.ndarray, weight: float, excluded: set[int], chunk: int
) -> Iterator[Candidate]:
    """Offers already in popularity order, but `excluded`, scored weight times popularity.

    Read `chunk` at a time: a list needs the first few of thousands of offers.
    """
    for start in range(0, len(offer_ids), chunk):
        part = slice(start, start + chunk)
        scores = weight * popularity_weight(bookings[part])
        for offer_id, score, count in zip(
            offer_ids[part].tolist(), scores.tolist(), bookings[part].tolist(), strict=True
        ):
            if offer_id not in excluded:
                yield Candidate(offer_id=offer_id, score=score, bookings=int(count))


def bookable_candidates(
    *, index: GeoIndex, streams: dict[str, Iterator[Candidate]], wanted: int
) -> dict[str, list[tuple[Candidate, Offer]]]:
    """The first `wanted` candidates of each stream that can still be booked, with their offer.

    Streams are read in chunks checked together, one query a chunk; the index
    is a few minutes old at most, so an offer sold out or withdrawn since is
    rare and a second chunk too. A chunk holds just what is still missing:
    reading further down the nearby stream would make it ask the distance
    service about offers that are not needed.
    """
    usable: dict[str, list[tuple[Candidate, Offer]]] = {name: [] for name in streams}
    open_streams = dict(streams)
    while open_streams:
        asked = {name: wanted - len(usable[name]) for name in open_streams}
        chunks = {name: list(islice(stream, asked[name])) for name, stream in open_streams.items()}
        ids = [candidate.offer_id for chunk in chunks.values() for candidate in chunk]
        still_bookable = offer_ids_still_bookable(ids)
        unknown = [offer_id for offer_id in still_bookable if offer_id not in index.offers]
        if unknown:
            index.offers.update(bookable_offers().in_bulk(unknown))
        offers = {offer_id: index.offers[offer_id] for offer_id in still_bookable}
        for name, chunk in chunks.items():
            usable[name].extend(
                (candidate, offers[candidate.offer_id])
                for candidate in chunk
                if candidate.offer_id in offers
            )
            if len(usable[name]) >= wanted or len(chunk) < asked[name]:
                del open_streams[name]
    return usable


# Building a queryset costs more CPU than running it (a warm request's two
# queries took a third of its time in the ORM); the two per-request queries are
# compiled once per process instead, and only their parameters change.
_NOW_MARKER = datetime(2000, 1, 1, tzinfo=UTC)


@functools.cache
def bookable_sql() -> tuple[str, tuple, tuple[bool, ...]]:
    """`Offer.objects.bookable()`'s SQL, its parameters, and which of them is `now` (a mask)."""
    query = Offer.objects.bookable(now=_NOW_MARKER).order_by().values_list("pk").query
    sql, params = query.sql_with_params()
    marker = connection.ops.adapt_datetimefield_value(_NOW_MARKER)
    return sql, params, tuple(param == marker for param in params)


def offer_ids_still_bookable(offer_ids: list[int]) -> set[int]:
    """Which of `offer_ids` are bookable right now (`Offer.objects.bookable()`), in one query."""
    if not offer_ids:
        return set()
    sql, params, is_now = bookable_sql()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    params = [now if now_here else param for param, now_here in zip(params, is_now, strict=True)]
    # bookable() always has a WHERE clause, so one more condition is ANDed to it.
    placeholders = ", ".join(["%s"] * len(offer_ids))
    sql = f'{sql} AND "{Offer._meta.db_table}"."id" IN ({placeholders})'
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *offer_ids])
        return {row[0] for row in cursor.fetchall()}


@functools.cache
def booked_sql() -> tuple[str, tuple]:
    query = Booking.objects.filter(user_id=0).live().order_by().values_list("offer_id").query
    return query.sql_with_params()


def offer_ids_booked(*, user: User | None) -> set[int]:
    """The offers the user holds a live booking for (all at once: a few dozen rows)."""
    if user is None or not user.is_authenticated:
        return set()
    sql, params = booked_sql()
    # The user id is the first parameter (the filter comes before the exclusion).
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, *params[1:]])
        return {row[0] for row in cursor.fetchall()}


def merge_with_digital_slot(
    *, others: list[Recommendation], digital: list[Recommendation], limit: int
) -> list[Recommendation]:
    """The `limit` best by score, with the best digital offer in when there is one.

    A list of one is left to the scores: replacing its only entry would hide the best offer.
    """
    merged = sorted(others + digital, key=lambda r: (-r.score, r.offer.pk))[:limit]
    if limit > 1 and digital and not any(r.offer.is_digital for r in merged):
        merged = [*merged[: limit - 1], digital[0]]
    return merged


def distance_text(distance_km: float) -> str:
    return "less than 1 km" if distance_km < 1 else f"{distance_km:.0f} km"


def located_index(
    *, service: DistanceService, cell: OriginCell, excluded: set[int], batch_size: int
) -> tuple[GeoIndex, NearbyOrder | None, dict | None]:
    """The current index, the cell's nearby order and its first batch's cached distances.

    The index version and the first batch of distances are read in one round
    trip (a warm request needs no other): the batch is computed from this
    process's index, used if the version read with it says it is current.
    """
    index = _local_index
    if index is None:
        return geo_index(), None, None
    order = nearby_order(index=index, cell=cell, excluded=excluded)
    venues = order.first_venues(index=index, batch_size=batch_size)
    keys = service.distance_keys(cell=cell, venue_ids=index.venue_ids[venues].tolist())
    try:
        entries, reachable = service.cache.get_many([INDEX_VERSION_KEY, *keys]), True
    except CACHE_ERRORS:
        # The distance service reports the outage when it tries itself.
        entries, reachable = {}, False
    version = entries.pop(INDEX_VERSION_KEY, None)
    if current_local_index(version=version, reachable=reachable) is not index:
        return geo_index(), None, None
    return index, order, entries if reachable else None


@strategy_register("geo")
def recommend_geo(*, user: User | None, limit: int) -> list[Recommendation]:
    located = user is not None and user.is_authenticated and user.has_home_coordinates
    # All the user's live bookings at once (a few dozen rows): left out before
    # ranking, they neither cost distance lookups nor a second round of queries.
    booked = offer_ids_booked(user=user)
    if located:
        service = distance_service()
        cell = service.origin_cell(latitude=user.home_latitude, longitude=user.home_longitude)
        batch_size = nearby_batch_size(limit)
        index, order, cached = located_index(
            service=service, cell=cell, excluded=booked, batch_size=batch_size
        )
        others = nearby_candidates(
            index=index,
            cell=cell,
            batch_size=batch_size,
            excluded=booked,
            order=order,
            cached=cached,
        )
        digital_weight = settings.RECOMMENDATION_GEO_DIGITAL_WEIGHT
    else:
        index = geo_index()
        national = index.national_order
        others = ranked_candidates(
            offer_ids=index.offer_ids[national],
            bookings=index.offer_bookings[national],
            weight=1.0,
            excluded=booked,
            chunk=2 * limit,
        )
        # Without a place, a digital offer is as reachable as any other.
        digital_weight = 1.0
    digital = ranked_candidates(
        offer_ids=index.digital_ids,
        bookings=index.digital_bookings,
        weight=digital_weight,
        excluded=booked,
        chunk=2 * limit,
    )
    found = bookable_candidates(
        index=index, streams={"others": others, "digital": digital}, wanted=limit
    )
    place = (user.home_city or "you") if located else ""
    days = index.window_days

    def recommendation(candidate: Candidate, offer: Offer) -> Recommendation:
        if offer.is_digital:
            reason = "online, " + (
                popularity_reason(count=candidate.bookings, days=days)
                if candidate.bookings
                else "available from anywhere"
            )
        elif candidate.distance_km is not None:
            near = f"near {place}, {distance_text(candidate.distance_km)}"
            reason = f"popular {near}" if candidate.bookings else near
        else:
            reason = "nationally " + popularity_reason(count=candidate.bookings, days=days)
        return Recommendation(
            offer=offer, score=candidate.score, reason=reason, distance_km=candidate.distance_km
        )

    return merge_with_digital_slot(
        others=[recommendation(*pair) for pair in found["others"]],
        digital=[recommendation(*pair) for pair in found["digital"]],
        limit=limit,
    )
