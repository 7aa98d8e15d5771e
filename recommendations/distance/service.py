"""Distances from a home to venues through the configured provider, behind a shared cache.

Entries are keyed by the provider, a coarse cell of the origin and the venue
(ADR 0010): everyone whose home falls in the same ~1 km cell shares them, and
the distance is measured from the cell's centre so that an entry never depends
on who asked first. Lookups and writes are batched (`get_many`/`set_many`).
Counters of hits, misses and provider calls live in the same cache, so every
web and worker process adds to one set. When the cache (Redis) is down the
provider answers every request and a warning is logged; when the provider is
down, great-circle distances stand in (uncached) and a warning is logged.
"""

import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from marketplace.geocoding import coordinates_validate
from recommendations.cache import CACHE_ERRORS, cache_set_many_whole, recommendations_cache
from recommendations.distance.providers import (
    DistanceProvider,
    DistanceProviderError,
    GreatCircleProvider,
    coordinates_array_validate,
    provider_from_settings,
)

logger = logging.getLogger(__name__)

COUNTERS = ("hits", "misses", "provider_calls", "provider_errors")
COUNTER_KEY_PREFIX = "distance-stats:"


@dataclass(frozen=True)
class OriginCell:
    """A square of `step` degrees of latitude and longitude; its centre stands for its homes."""

    row: int
    column: int
    step: float

    @classmethod
    def containing(cls, *, latitude: float, longitude: float, step: float) -> "OriginCell":
        return cls(row=round(latitude / step), column=round(longitude / step), step=step)

    @property
    def centre(self) -> tuple[float, float]:
        return (self.row * self.step, self.column * self.step)

    @property
    def key(self) -> str:
        return f"{self.step:g}:{self.row}:{self.column}"


class PendingCounters:
    """This process's counts not yet added to the shared counters.

    Adding them on every request would cost two Redis round trips (a sixth of
    a warm request); they are added at most every DISTANCE_COUNTERS_FLUSH_SECONDS
    instead, and whenever this process reads the counters.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.flushed_at = time.monotonic()

    def take(self) -> Counter[str]:
        with self.lock:
            counts, self.counts = self.counts, Counter()
            self.flushed_at = time.monotonic()
        return counts


pending_counters = PendingCounters()


def counters_add(*, cache=recommendations_cache, **amounts: int) -> None:
    """Count hits, misses and provider calls; a cache outage loses counts, never a request."""
    with pending_counters.lock:
        pending_counters.counts.update({name: amount for name, amount in amounts.items() if amount})
        age = time.monotonic() - pending_counters.flushed_at
    if age >= settings.DISTANCE_COUNTERS_FLUSH_SECONDS:
        counters_flush(cache=cache)


def counters_flush(*, cache=recommendations_cache) -> None:
    counts = pending_counters.take()
    try:
        for name, amount in counts.items():
            key = COUNTER_KEY_PREFIX + name
            # incr() is atomic in Redis; a counter is created once, by add()
            # (a no-op if another process created it meanwhile).
            try:
                cache.incr(key, amount)
            except ValueError:
                cache.add(key, 0, timeout=None)
                cache.incr(key, amount)
    except (*CACHE_ERRORS, ValueError) as error:
        logger.debug("Distance counters not updated: %s", error)


def counters_read(*, cache=recommendations_cache) -> dict[str, int]:
    counters_flush(cache=cache)
    try:
        stored = cache.get_many([COUNTER_KEY_PREFIX + name for name in COUNTERS])
    except CACHE_ERRORS as error:
        logger.warning("Distance counters unreadable, the cache is unavailable: %s", error)
        stored = {}
    return {name: int(stored.get(COUNTER_KEY_PREFIX + name, 0)) for name in COUNTERS}


def counters_reset(*, cache=recommendations_cache) -> None:
    pending_counters.take()
    cache.delete_many([COUNTER_KEY_PREFIX + name for name in COUNTERS])


# A cache entry is a distance in whole metres, or this for "no route" (an infinite distance).
UNREACHABLE_ENTRY = -1


def entries_from_km(distances_km: np.ndarray) -> list[int]:
    """Cache entries (whole metres) for distances in km."""
    return [
        round(distance * 1000) if math.isfinite(distance) else UNREACHABLE_ENTRY
        for distance in np.asarray(distances_km, dtype=float).tolist()
    ]


def km_from_entries(entries: Sequence[float]) -> np.ndarray:
    """Distances in km for cache entries; NaN (no entry) stays NaN."""
    metres = np.asarray(entries, dtype=float)
    return np.where(metres == UNREACHABLE_ENTRY, math.inf, metres / 1000)


class DistanceService:
    def __init__(
        self,
        *,
        provider: DistanceProvider,
        cell_degrees: float,
        timeout: int,
        cache=recommendations_cache,
    ) -> None:
        if not 0 < cell_degrees <= 1:
            raise ValueError(f"The cache cell must be within (0, 1] degree, got {cell_degrees}.")
        self.provider = provider
        self.cell_degrees = cell_degrees
        self.timeout = timeout
        self.cache = cache
        self.fallback = GreatCircleProvider()

    def origin_cell(self, *, latitude: float, longitude: float) -> OriginCell:
        """The cell of a validated origin; raises InvalidCoordinatesError for a bad one."""
        latitude, longitude = coordinates_validate(latitude=latitude, longitude=longitude)
        return OriginCell.containing(latitude=latitude, longitude=longitude, step=self.cell_degrees)

    def venue_distances_km(
        self,
        *,
        cell: OriginCell,
        venue_ids: Sequence[int],
        latitudes: np.ndarray,
        longitudes: np.ndarray,
        cached: dict | None = None,
    ) -> np.ndarray:
        """Distances in km from the centre of `cell` to each venue, cached per (cell, venue).

        `cached`: the entries of `distance_keys()` already read from the cache by
        a caller that batched other keys with them (None: read them here); the
        distances computed here are added to it, for the caller's next lookups.
        """
        latitudes = np.asarray(latitudes, dtype=float)
        longitudes = np.asarray(longitudes, dtype=float)
        if not len(venue_ids) == len(latitudes) == len(longitudes):
            raise ValueError("venue_ids, latitudes and longitudes must have the same length.")
        coordinates_array_validate(latitudes=latitudes, longitudes=longitudes)
        keys = self.distance_keys(cell=cell, venue_ids=venue_ids)
        given = cached is not None
        cached, cache_up = (cached, True) if given else self.cache_get_many(keys)
        distances = km_from_entries([cached.get(key, math.nan) for key in keys])
        missing = np.flatnonzero(np.isnan(distances))
        calls = errors = 0
        if len(missing):
            computed, calls, errors = self.provider_distances(
                origin=cell.centre, latitudes=latitudes[missing], longitudes=longitudes[missing]
            )
            distances[missing] = computed
            # Stand-in distances of a failed provider are not worth keeping for a week.
            if cache_up and not errors:
                entries = entries_from_km(computed)
                found = dict(zip([keys[index] for index in missing], entries, strict=True))
                # Rounded as the cache keeps them, so a distance does not change once cached.
                distances[missing] = km_from_entries(entries)
                self.cache_set_many(found)
                if given:
                    cached.update(found)
        counters_add(
            cache=self.cache,
            hits=len(keys) - len(missing),
            misses=len(missing),
            provider_calls=calls,
            provider_errors=errors,
        )
        return distances

    def distance_keys(self, *, cell: OriginCell, venue_ids: Sequence[int]) -> list[str]:
        """One key per venue. Their values are whole metres: django-redis stores and reads an
        int as it is, where a float is pickled, and unpickling a chunk's distances took a
        quarter of the nightly precomputation. The `distance-m` prefix keeps the entries
        of the float format (in km, under `distance:`) from being read as metres."""
        prefix = f"distance-m:{self.provider.key}:{cell.key}:"
        return [f"{prefix}{venue_id}" for venue_id in venue_ids]

    def provider_distances(
        self, *, origin: tuple[float, float], latitudes: np.ndarray, longitudes: np.ndarray
    ) -> tuple[np.ndarray, int, int]:
        """(distances, provider calls made, calls failed), in batches the provider accepts."""
        size = self.provider.max_destinations
        parts = []
        calls = errors = 0
        for start in range(0, len(latitudes), size):
            batch = slice(start, start + size)
            calls += 1
            destinations = {"latitudes": latitudes[batch], "longitudes": longitudes[batch]}
            try:
                parts.append(self.provider.distances_km(origin=origin, **destinations))
            except DistanceProviderError as error:
                errors += 1
                logger.warning("%s; using great-circle distances instead", error)
                parts.append(self.fallback.distances_km(origin=origin, **destinations))
        return np.concatenate(parts), calls, errors

    def cache_get_many(self, keys: list[str]) -> tuple[dict, bool]:
        try:
            return self.cache.get_many(keys), True
        except CACHE_ERRORS as error:
            logger.warning(
                "Distance cache unavailable, computing %d distances through %s: %s",
                len(keys),
                self.provider.key,
                error,
            )
            return {}, False

    def cache_set_many(self, values: dict[str, int]) -> None:
        try:
            cache_set_many_whole(self.cache, values, self.timeout)
        except CACHE_ERRORS as error:
            logger.warning(
                "Distance cache unavailable, %d distances not kept: %s", len(values), error
            )


def distance_service() -> DistanceService:
    """The service the settings describe (cheap to build: settings may change between calls)."""
    return DistanceService(
        provider=provider_from_settings(),
        cell_degrees=settings.DISTANCE_CACHE_CELL_DEGREES,
        timeout=settings.DISTANCE_CACHE_SECONDS,
    )
