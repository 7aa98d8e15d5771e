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

The steps are modules of their own: candidate sources here (nearby, and the
national and digital rankings), scoring (`pipeline.scorers.geo`'s formula,
which the offline evaluation runs on great-circle distances), the
availability and already-booked filter (`availability`), the digital slot
(diversification) and the reasons (`reasons`). Requests name their user,
limit, categories, location override and `now`: a request replaying the past
ranks against an index built at its `now`.
"""

import heapq
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

import numpy as np
from django.conf import settings
from django.utils import timezone

from marketplace.territories import territories_of, territory_of
from recommendations.availability import (
    batch_availability,
    bookable_offers,
    offer_ids_booked,
    offer_ids_booked_by_users,
    offer_ids_still_bookable,
)
from recommendations.cache import CACHE_ERRORS
from recommendations.distance.providers import haversine_km
from recommendations.distance.service import DistanceService, OriginCell, distance_service
from recommendations.homes import user_home, user_homes
from recommendations.lists import (
    Location,
    RecommendationList,
    RecommendationRequest,
    RecommendedItem,
)
from recommendations.local_models import LocalModel
from recommendations.pipeline.radii import category_radius_km
from recommendations.pipeline.scorers import geo as geo_scoring
from recommendations.pipeline.scorers.geo import popularity_weight
from recommendations.popularity import compute_popular_offer_ranking
from recommendations.reasons import (
    nationally_popular_reason,
    nearby_reason,
    online_reason,
)
from recommendations.served import recommendation_list_build
from recommendations.strategies import strategy_register

INDEX_VERSION_KEY = "recommendations:geo-index-version"
# A distance decay that halves every third of the radius leaves 1/8 at its edge.
DECAY_HALVINGS_PER_RADIUS = 3


def distance_decay(distance_km: np.ndarray, radius_km: np.ndarray) -> np.ndarray:
    return geo_scoring.distance_decay(
        distance_km, radius_km, halvings_per_radius=DECAY_HALVINGS_PER_RADIUS
    )


@dataclass
class GeoIndex:
    """Bookable offers as arrays; physical offers point into the venue arrays by position."""

    built_at: datetime
    window_days: int
    offer_ids: np.ndarray
    offer_category: np.ndarray
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
    digital_category: np.ndarray


def geo_index_build(*, now: datetime | None = None) -> GeoIndex:
    """The index of the offers bookable at `now` (default: the present)."""
    now = now or timezone.now()
    window_days = settings.RECOMMENDATION_POPULAR_WINDOW_DAYS
    bookings = dict(compute_popular_offer_ranking(window_days=window_days, size=None, now=now))
    offers = bookable_offers(now=now)
    physical = list(
        offers.filter(venue__isnull=False)
        .order_by("pk")
        .values_list(
            "pk", "venue_id", "venue__latitude", "venue__longitude", "category__slug", "venue__kind"
        )
    )
    digital = list(
        offers.filter(venue__isnull=True).order_by("pk").values_list("pk", "category__slug")
    )
    digital_ids = [pk for pk, _ in digital]
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
        built_at=now,
        window_days=window_days,
        offer_ids=np.array([row[0] for row in physical], dtype=np.int64),
        offer_category=np.array([row[4] for row in physical], dtype=object),
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
        digital_category=np.array([slug for _, slug in digital], dtype=object)[digital_order],
    )


# This process's index of the present, kept in step with the other processes (ADR 0009).
local_index: LocalModel[GeoIndex] = LocalModel(
    key=INDEX_VERSION_KEY,
    lifetime=lambda: settings.RECOMMENDATION_POPULAR_CACHE_SECONDS,
    build=geo_index_build,
)


def geo_index() -> GeoIndex:
    """This process's index, rebuilt when the shared version key changes or expires."""
    return local_index.get()


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
    *,
    index: GeoIndex,
    cell: OriginCell,
    excluded: set[int] = frozenset(),
    categories: frozenset[str] = frozenset(),
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
    if categories:
        within = within[np.isin(index.offer_category[within], list(categories))]
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
    *,
    streams: dict[str, Iterator[Candidate]],
    wanted: int,
    still_bookable: Callable[[list[int]], set[int]],
) -> dict[str, list[Candidate]]:
    """The first `wanted` candidates of each stream that `still_bookable` keeps.

    Streams are read in chunks checked together, one query a chunk; the index
    is a few minutes old at most, so an offer sold out or withdrawn since is
    rare and a second chunk too. A chunk holds just what is still missing:
    reading further down the nearby stream would make it ask the distance
    service about offers that are not needed.
    """
    usable: dict[str, list[Candidate]] = {name: [] for name in streams}
    open_streams = dict(streams)
    while open_streams:
        asked = {name: wanted - len(usable[name]) for name in open_streams}
        chunks = {name: list(islice(stream, asked[name])) for name, stream in open_streams.items()}
        ids = [candidate.offer_id for chunk in chunks.values() for candidate in chunk]
        bookable = still_bookable(ids)
        for name, chunk in chunks.items():
            usable[name].extend(c for c in chunk if c.offer_id in bookable)
            if len(usable[name]) >= wanted or len(chunk) < asked[name]:
                del open_streams[name]
    return usable


def merge_with_digital_slot(
    *, others: list[Candidate], digital: list[Candidate], limit: int
) -> list[Candidate]:
    """The `limit` best by score, with the best digital offer in when there is one.

    A list of one is left to the scores: replacing its only entry would hide the
    best offer. The served form of `pipeline.diversification.digital_slot`; a
    test holds the two to the same lists.
    """
    merged = sorted(others + digital, key=lambda c: (-c.score, c.offer_id))[:limit]
    digital_ids = {candidate.offer_id for candidate in digital}
    if limit > 1 and digital and not any(c.offer_id in digital_ids for c in merged):
        merged = [*merged[: limit - 1], digital[0]]
    return merged


def located_index(
    *, service: DistanceService, cell: OriginCell, excluded: set[int], batch_size: int
) -> tuple[GeoIndex, NearbyOrder | None, dict | None]:
    """The current index, the cell's nearby order and its first batch's cached distances.

    The index version and the first batch of distances are read in one round
    trip (a warm request needs no other): the batch is computed from this
    process's index, used if the version read with it says it is current.
    """
    held = local_index.local
    if held is None:
        return geo_index(), None, None
    index = held.model
    order = nearby_order(index=index, cell=cell, excluded=excluded)
    venues = order.first_venues(index=index, batch_size=batch_size)
    keys = service.distance_keys(cell=cell, venue_ids=index.venue_ids[venues].tolist())
    try:
        entries, reachable = service.cache.get_many([INDEX_VERSION_KEY, *keys]), True
    except CACHE_ERRORS:
        # The distance service reports the outage when it tries itself.
        entries, reachable = {}, False
    version = entries.pop(INDEX_VERSION_KEY, None)
    if local_index.current(version=version, reachable=reachable) is not held:
        return geo_index(), None, None
    return index, order, entries if reachable else None


def request_replays(request: RecommendationRequest) -> bool:
    """Whether the request's `now` lies in the past; `now` within the index lifetime of the
    present is the present."""
    lifetime = timedelta(seconds=settings.RECOMMENDATION_POPULAR_CACHE_SECONDS)
    return request.now < timezone.now() - lifetime


def request_index(request: RecommendationRequest) -> GeoIndex | None:
    """An index built at the request's `now` when it replays the past, else None (the
    process's index)."""
    return geo_index_build(now=request.now) if request_replays(request) else None


@dataclass(frozen=True)
class Prepared:
    """What a request ranks against: the index, the nearby order of a located request
    (None without a place), and its first batch's cached distances if already read."""

    index: GeoIndex
    order: NearbyOrder | None = None
    cached: dict | None = None


def request_prepare(
    *, request: RecommendationRequest, location: Location | None, booked: set[int]
) -> Prepared:
    """A lone request's index and nearby order; the index version and the first batch of
    distances come in one round trip when it can (`located_index`)."""
    replayed = request_index(request)
    if location is None:
        return Prepared(index=replayed or geo_index())
    service = distance_service()
    cell = service.origin_cell(latitude=location.latitude, longitude=location.longitude)
    categories = frozenset(request.categories)
    if replayed is None and not categories:
        index, order, cached = located_index(
            service=service, cell=cell, excluded=booked, batch_size=nearby_batch_size(request.limit)
        )
        order = order or nearby_order(index=index, cell=cell, excluded=booked)
        return Prepared(index=index, order=order, cached=cached)
    index = replayed or geo_index()
    order = nearby_order(index=index, cell=cell, excluded=booked, categories=categories)
    return Prepared(index=index, order=order)


def geo_list(
    *,
    request: RecommendationRequest,
    location: Location | None,
    booked: set[int],
    prepared: Prepared,
    still_bookable: Callable[[list[int]], set[int]],
) -> RecommendationList:
    """One request's list: nearby (or national) candidates and digital ones, still bookable,
    merged with the digital slot, with their reasons."""
    limit = request.limit
    categories = frozenset(request.categories)
    index = prepared.index
    if location is not None:
        service = distance_service()
        others = nearby_candidates(
            index=index,
            cell=service.origin_cell(latitude=location.latitude, longitude=location.longitude),
            batch_size=nearby_batch_size(limit),
            excluded=booked,
            order=prepared.order,
            cached=prepared.cached,
        )
        digital_weight = settings.RECOMMENDATION_GEO_DIGITAL_WEIGHT
    else:
        national = index.national_order
        if categories:
            national = national[np.isin(index.offer_category[national], list(categories))]
        others = ranked_candidates(
            offer_ids=index.offer_ids[national],
            bookings=index.offer_bookings[national],
            weight=1.0,
            excluded=booked,
            chunk=2 * limit,
        )
        # Without a place, a digital offer is as reachable as any other.
        digital_weight = 1.0
    digital_ids, digital_bookings = index.digital_ids, index.digital_bookings
    if categories:
        in_categories = np.isin(index.digital_category, list(categories))
        digital_ids, digital_bookings = digital_ids[in_categories], digital_bookings[in_categories]
    digital = ranked_candidates(
        offer_ids=digital_ids,
        bookings=digital_bookings,
        weight=digital_weight,
        excluded=booked,
        chunk=2 * limit,
    )
    found = bookable_candidates(
        streams={"others": others, "digital": digital},
        wanted=limit,
        still_bookable=still_bookable,
    )
    place = location.label if location is not None else ""
    days = index.window_days
    digital_found = {candidate.offer_id for candidate in found["digital"]}

    def item(candidate: Candidate) -> RecommendedItem:
        if candidate.offer_id in digital_found:
            reason = online_reason(count=candidate.bookings, days=days)
        elif candidate.distance_km is not None:
            reason = nearby_reason(
                place=place, distance_km=candidate.distance_km, popular=bool(candidate.bookings)
            )
        else:
            reason = nationally_popular_reason(count=candidate.bookings, days=days)
        return RecommendedItem(
            offer_id=candidate.offer_id,
            score=candidate.score,
            reason=reason,
            distance_km=candidate.distance_km,
        )

    merged = merge_with_digital_slot(others=found["others"], digital=found["digital"], limit=limit)
    return recommendation_list_build(
        request=request, items=[item(candidate) for candidate in merged], strategy="geo"
    )


@strategy_register("geo")
def recommend_geo(*, requests: Sequence[RecommendationRequest]) -> list[RecommendationList]:
    """Each request's list. A lone request (a page, the API) costs its home, its bookings
    and an availability check, short compiled queries, and one cache round trip; a batch
    (precomputation, the newsletter) reads its users' homes and bookings in one query each
    and the cached distances of every list's first batch in one round trip."""
    if len(requests) == 1:
        [request] = requests
        location = request.location or user_home(request.user_id)
        # All the user's live bookings at once (a few dozen rows): left out
        # before ranking, they neither cost distance lookups nor a second
        # round of queries.
        booked = offer_ids_booked(user_id=request.user_id)
        prepared = request_prepare(request=request, location=location, booked=booked)
        return [
            geo_list(
                request=request,
                location=location,
                booked=booked,
                prepared=prepared,
                still_bookable=lambda ids: offer_ids_still_bookable(ids, now=request.now),
            )
        ]
    return geo_lists_batch(requests)


def geo_lists_batch(requests: Sequence[RecommendationRequest]) -> list[RecommendationList]:
    """The lists of a batch, each ranked as a lone request would be, with the reads shared."""
    user_ids = {request.user_id for request in requests if request.user_id is not None}
    homes = user_homes(
        request.user_id
        for request in requests
        if request.location is None and request.user_id is not None
    )
    booked = offer_ids_booked_by_users(user_ids=user_ids)
    service = distance_service()
    # The present index once for the batch, and one index per replayed moment.
    indexes: dict[datetime | None, GeoIndex] = {}
    prepared: list[Prepared] = []
    locations: list[Location | None] = []
    keys: set[str] = set()
    for request in requests:
        moment = request.now if request_replays(request) else None
        if moment not in indexes:
            indexes[moment] = geo_index() if moment is None else geo_index_build(now=moment)
        index = indexes[moment]
        location = request.location or homes.get(request.user_id)
        order = None
        if location is not None:
            cell = service.origin_cell(latitude=location.latitude, longitude=location.longitude)
            order = nearby_order(
                index=index,
                cell=cell,
                excluded=booked.get(request.user_id, set()),
                categories=frozenset(request.categories),
            )
            venues = order.first_venues(index=index, batch_size=nearby_batch_size(request.limit))
            keys.update(
                service.distance_keys(cell=cell, venue_ids=index.venue_ids[venues].tolist())
            )
        locations.append(location)
        prepared.append(Prepared(index=index, order=order))
    # One round trip for every list's first batch; venue_distances_km adds what it
    # computes to this dict, so two lists of one cell never ask the provider twice.
    cached, reachable = service.cache_get_many(sorted(keys)) if keys else ({}, True)
    checks = batch_availability(size=len(requests))
    return [
        geo_list(
            request=request,
            location=location,
            booked=booked.get(request.user_id, set()),
            prepared=Prepared(
                index=ready.index, order=ready.order, cached=cached if reachable else None
            ),
            still_bookable=checks(request.now),
        )
        for request, location, ready in zip(requests, locations, prepared, strict=True)
    ]
