"""Distance providers: great-circle computed here, or road distances from a routing API.

A provider answers one origin against a batch of destinations in one call;
`max_destinations` is the largest batch one call may carry, and each call is
what a paid API would bill.
"""

import json
import logging
import math
from typing import Protocol
from urllib.error import URLError
from urllib.request import Request, urlopen

import numpy as np
from django.conf import settings
from geopy.distance import EARTH_RADIUS, great_circle

from marketplace.geocoding import InvalidCoordinatesError, coordinates_validate

logger = logging.getLogger(__name__)


class DistanceProviderError(Exception):
    """The provider could not answer (timeout, HTTP error, malformed answer)."""


def coordinates_array_validate(*, latitudes: np.ndarray, longitudes: np.ndarray) -> None:
    """Raise InvalidCoordinatesError naming the first pair out of range or not finite."""
    bad = ~(
        np.isfinite(latitudes)
        & np.isfinite(longitudes)
        & (np.abs(latitudes) <= 90)
        & (np.abs(longitudes) <= 180)
    )
    if bad.any():
        index = int(np.argmax(bad))
        try:
            coordinates_validate(latitude=latitudes[index], longitude=longitudes[index])
        except InvalidCoordinatesError as error:
            raise InvalidCoordinatesError(f"Destination {index}: {error}") from None


def great_circle_km(origin: tuple[float, float], destination: tuple[float, float]) -> float:
    """Great-circle distance of one pair, through geopy (validated coordinates)."""
    return great_circle(
        coordinates_validate(latitude=origin[0], longitude=origin[1]),
        coordinates_validate(latitude=destination[0], longitude=destination[1]),
    ).km


def haversine_km(
    *,
    latitude: float | np.ndarray,
    longitude: float | np.ndarray,
    latitudes: np.ndarray,
    longitudes: np.ndarray,
) -> np.ndarray:
    """Great-circle distances from one point to many, or pair by pair when the origin is an
    array too, vectorised (same sphere as geopy's)."""
    lat1, lon1 = np.radians(latitude), np.radians(longitude)
    lat2, lon2 = np.radians(latitudes), np.radians(longitudes)
    half_chord = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    half_chord = np.clip(half_chord, 0.0, 1.0)
    # atan2 rather than arcsin stays precise near antipodes, like geopy's own formula.
    return 2 * EARTH_RADIUS * np.arctan2(np.sqrt(half_chord), np.sqrt(1 - half_chord))


class DistanceProvider(Protocol):
    # Part of the cache key, so that distances of different providers never mix.
    key: str
    max_destinations: int

    def distances_km(
        self, *, origin: tuple[float, float], latitudes: np.ndarray, longitudes: np.ndarray
    ) -> np.ndarray:
        """Distances in km from `origin` to each destination (inf when unreachable)."""
        ...


class GreatCircleProvider:
    """As the crow flies: free, instant, a lower bound of any road distance."""

    key = "great-circle"
    max_destinations = 1_000_000

    def distances_km(
        self, *, origin: tuple[float, float], latitudes: np.ndarray, longitudes: np.ndarray
    ) -> np.ndarray:
        return haversine_km(
            latitude=origin[0], longitude=origin[1], latitudes=latitudes, longitudes=longitudes
        )


class OsrmTableProvider:
    """Road distances from an OSRM-compatible `table` service (one origin, many destinations).

    See http://project-osrm.org/docs/v5.24.0/api/#table-service: coordinates are
    `lon,lat` pairs separated by `;`, the origin first; `sources=0` asks for one
    row, and `annotations=distance` for metres rather than seconds.
    """

    def __init__(self, *, url: str, profile: str, timeout: float, max_destinations: int) -> None:
        self.url = url.rstrip("/")
        self.profile = profile
        self.timeout = timeout
        self.max_destinations = max_destinations
        self.key = f"osrm-{profile}"

    def distances_km(
        self, *, origin: tuple[float, float], latitudes: np.ndarray, longitudes: np.ndarray
    ) -> np.ndarray:
        destinations = zip(longitudes.tolist(), latitudes.tolist(), strict=True)
        points = [(origin[1], origin[0]), *destinations]
        path = ";".join(f"{lon:.6f},{lat:.6f}" for lon, lat in points)
        url = f"{self.url}/table/v1/{self.profile}/{path}?sources=0&annotations=distance"
        request = Request(url, headers={"Accept": "application/json"})
        try:
            with urlopen(request, timeout=self.timeout) as response:
                answer = json.load(response)
        except (URLError, TimeoutError, OSError, ValueError) as error:
            raise DistanceProviderError(f"{self.key} table request failed: {error}") from error
        if answer.get("code") != "Ok":
            raise DistanceProviderError(
                f"{self.key} answered {answer.get('code')!r}: {answer.get('message', '')}"
            )
        try:
            row = answer["distances"][0][1:]
        except (KeyError, IndexError, TypeError) as error:
            raise DistanceProviderError(f"{self.key} answered no distance row") from error
        if len(row) != len(latitudes):
            raise DistanceProviderError(
                f"{self.key} answered {len(row)} distances for {len(latitudes)} destinations"
            )
        # null: no road leads there (an island); it is then out of every radius.
        return np.array([math.inf if metres is None else metres / 1000 for metres in row])


def provider_from_settings() -> DistanceProvider:
    name = settings.DISTANCE_PROVIDER
    if name == "great-circle":
        return GreatCircleProvider()
    if name == "osrm":
        return OsrmTableProvider(
            url=settings.DISTANCE_OSRM_URL,
            profile=settings.DISTANCE_OSRM_PROFILE,
            timeout=settings.DISTANCE_OSRM_TIMEOUT,
            max_destinations=settings.DISTANCE_OSRM_MAX_DESTINATIONS,
        )
    raise ValueError(f"Unknown DISTANCE_PROVIDER {name!r}; choose great-circle or osrm.")
