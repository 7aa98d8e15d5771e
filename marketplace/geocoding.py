"""Geocoding of customers' homes and of venues: pluggable geocoders and the services using them.

The default geocoder is offline: French postcodes from La Poste's official
base (shipped, derived). A postcode can cover several communes; the city named
by the person picks one, otherwise the most populous commune stands for the
postcode. Production can switch to the national address base (BAN) or
Nominatim through geopy (GEOCODER_BACKEND, ADR 0011), with a timeout, a few
retries with backoff, and one failure mode: a row that cannot be geocoded keeps
the coordinates it had (none for a new customer, who then gets location-free
recommendations), and a log line says why.
"""

import csv
import gzip
import logging
import math
import time
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.db import models
from geopy import exc as geopy_errors
from geopy.adapters import URLLibAdapter
from geopy.geocoders import BANFrance, Nominatim
from geopy.location import Location

from marketplace.models import User, Venue

logger = logging.getLogger(__name__)

COMMUNES_FILE = Path(__file__).resolve().parent / "data" / "communes.csv.gz"


@dataclass(frozen=True)
class Place:
    postcode: str
    city: str
    latitude: float
    longitude: float
    population: int


def normalise_name(name: str) -> str:
    """Lower-case ASCII with dashes as spaces, so 'Saint-Étienne' matches 'saint etienne'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(ascii_name.lower().replace("-", " ").replace("'", " ").split())


@lru_cache(maxsize=1)
def places_by_postcode() -> dict[str, list[Place]]:
    """Every commune of each postcode, most populous first."""
    index: dict[str, list[Place]] = {}
    with gzip.open(COMMUNES_FILE, "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            place = Place(
                postcode=row["postcode"],
                city=row["name"],
                latitude=float(row["lat"]),
                longitude=float(row["lon"]),
                population=int(row["population"]),
            )
            index.setdefault(place.postcode, []).append(place)
    for places in index.values():
        places.sort(key=lambda place: (-place.population, place.city))
    return index


def postcode_locate(*, postcode: str, city: str = "") -> Place | None:
    """The place of a French postcode (and city, if given), or None when the postcode is unknown."""
    places = places_by_postcode().get(postcode.strip())
    if not places:
        return None
    wanted = normalise_name(city)
    for place in places:
        if wanted and normalise_name(place.city) == wanted:
            return place
    return places[0]


class InvalidCoordinatesError(ValueError):
    """Coordinates that are not a point on Earth (out of range, infinite or not a number)."""


def coordinates_validate(*, latitude: float, longitude: float) -> tuple[float, float]:
    """(latitude, longitude) as floats, or InvalidCoordinatesError naming what is wrong."""
    try:
        latitude, longitude = float(latitude), float(longitude)
    except (TypeError, ValueError):
        raise InvalidCoordinatesError(
            f"Coordinates must be numbers, got {latitude!r}, {longitude!r}."
        ) from None
    if not (math.isfinite(latitude) and -90 <= latitude <= 90):
        raise InvalidCoordinatesError(f"Latitude {latitude} is outside [-90, 90].")
    if not (math.isfinite(longitude) and -180 <= longitude <= 180):
        raise InvalidCoordinatesError(f"Longitude {longitude} is outside [-180, 180].")
    return latitude, longitude


class GeocodingError(Exception):
    """The geocoding service failed (after its retries) or answered something unusable."""


@dataclass(frozen=True)
class GeocodedPoint:
    latitude: float
    longitude: float
    label: str


class Geocoder(Protocol):
    def locate(self, *, postcode: str, city: str = "", address: str = "") -> GeocodedPoint | None:
        """The point of an address; None when the service knows no such place.

        Raises GeocodingError when the service cannot answer.
        """
        ...


class OfflineGeocoder:
    """The shipped postcode base: commune-level precision, no network, never fails."""

    name = "offline"

    def locate(self, *, postcode: str, city: str = "", address: str = "") -> GeocodedPoint | None:
        place = postcode_locate(postcode=postcode, city=city)
        if place is None:
            return None
        label = f"{place.postcode} {place.city}"
        return GeocodedPoint(latitude=place.latitude, longitude=place.longitude, label=label)


# Errors worth another attempt: the service was slow, down or asked us to wait.
# A 500 comes as the base GeocoderServiceError; refused queries, bad credentials
# and unparsable answers would fail the same way again.
RETRYABLE_ERRORS = (
    geopy_errors.GeocoderTimedOut,
    geopy_errors.GeocoderUnavailable,
    geopy_errors.GeocoderRateLimited,
)


# The longest Retry-After a geocoding task waits out; beyond it the row is left
# for a later run rather than holding a worker.
RETRY_AFTER_MAX_SECONDS = 60


def is_retryable(error: geopy_errors.GeopyError) -> bool:
    return isinstance(error, RETRYABLE_ERRORS) or type(error) is geopy_errors.GeocoderServiceError


class GeopyGeocoder:
    """A geopy geocoder with retries (exponential backoff) and validated answers.

    Subclasses say how an address becomes a query for their service.
    """

    name = "geopy"

    def __init__(
        self,
        *,
        geocoder,
        max_retries: int,
        backoff_seconds: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.geocoder = geocoder
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.sleep = sleep

    def query(self, *, postcode: str, city: str, address: str) -> Location | None:
        raise NotImplementedError

    def retry_delay(self, *, attempt: int, error: geopy_errors.GeopyError) -> float:
        """Seconds to wait before attempt `attempt + 1`: the backoff, or longer if asked.

        A rate-limited answer's Retry-After (seconds or an HTTP date, parsed by
        geopy) is honoured when it asks for more than the backoff; a wait past
        RETRY_AFTER_MAX_SECONDS gives up instead, so a worker is never parked
        for an hour (the row keeps its coordinates and a later run retries it).
        """
        delay = self.backoff_seconds * 2 ** (attempt - 1)
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            if retry_after > RETRY_AFTER_MAX_SECONDS:
                raise GeocodingError(
                    f"{self.name} geocoder asked to wait {retry_after:.0f} s "
                    f"(Retry-After), more than {RETRY_AFTER_MAX_SECONDS} s: giving up for now"
                ) from error
            delay = max(delay, float(retry_after))
        return delay

    def locate(self, *, postcode: str, city: str = "", address: str = "") -> GeocodedPoint | None:
        attempts = self.max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                location = self.query(postcode=postcode, city=city, address=address)
                break
            except geopy_errors.GeopyError as error:
                if not is_retryable(error) or attempt == attempts:
                    raise GeocodingError(
                        f"{self.name} geocoder failed after {attempt} attempt(s): "
                        f"{type(error).__name__}: {error}"
                    ) from error
                delay = self.retry_delay(attempt=attempt, error=error)
                logger.info(
                    "%s geocoder attempt %d/%d failed (%s); retrying in %.1f s",
                    self.name,
                    attempt,
                    attempts,
                    error,
                    delay,
                )
                self.sleep(delay)
            except ValueError as error:
                # geopy refuses to build a Location from impossible coordinates.
                raise GeocodingError(
                    f"{self.name} geocoder answered unusable coordinates: {error}"
                ) from error
        if location is None:
            return None
        try:
            latitude, longitude = coordinates_validate(
                latitude=location.latitude, longitude=location.longitude
            )
        except InvalidCoordinatesError as error:
            raise GeocodingError(
                f"{self.name} geocoder answered unusable coordinates: {error}"
            ) from error
        return GeocodedPoint(latitude=latitude, longitude=longitude, label=location.address or "")


class BanGeocoder(GeopyGeocoder):
    """The national address base (Base Adresse Nationale), free and precise to the address."""

    name = "ban"

    def query(self, *, postcode: str, city: str, address: str) -> Location | None:
        text = " ".join(part.strip() for part in (address, postcode, city) if part.strip())
        return self.geocoder.geocode(text, exactly_one=True)


class NominatimGeocoder(GeopyGeocoder):
    """OpenStreetMap's Nominatim, with a structured query restricted to France."""

    name = "nominatim"

    def query(self, *, postcode: str, city: str, address: str) -> Location | None:
        fields = {"street": address, "postalcode": postcode, "city": city, "country": "France"}
        structured = {key: value.strip() for key, value in fields.items() if value.strip()}
        return self.geocoder.geocode(structured, exactly_one=True, country_codes="fr")


def geocoder_from_settings(*, sleep: Callable[[float], None] = time.sleep) -> Geocoder:
    """The geocoder named by GEOCODER_BACKEND, configured from the GEOCODER_* settings.

    `sleep` waits between retries; tests pass a clock of their own.
    """
    backend = settings.GEOCODER_BACKEND
    if backend == "offline":
        return OfflineGeocoder()
    remote = {"ban": (BanGeocoder, BANFrance), "nominatim": (NominatimGeocoder, Nominatim)}
    if backend not in remote:
        raise ValueError(
            f"Unknown GEOCODER_BACKEND {backend!r}; choose one of: offline, ban, nominatim."
        )
    wrapper, geopy_class = remote[backend]
    options = {
        # The stdlib adapter makes one request per attempt, so the retries and
        # backoff below are the only ones (geopy's requests adapter adds its own).
        "adapter_factory": URLLibAdapter,
        "scheme": settings.GEOCODER_SCHEME,
        "timeout": settings.GEOCODER_TIMEOUT,
        "user_agent": settings.GEOCODER_USER_AGENT,
    }
    if settings.GEOCODER_DOMAIN:
        options["domain"] = settings.GEOCODER_DOMAIN
    return wrapper(
        geocoder=geopy_class(**options),
        max_retries=settings.GEOCODER_MAX_RETRIES,
        backoff_seconds=settings.GEOCODER_BACKOFF_SECONDS,
        sleep=sleep,
    )


@dataclass
class GeocodingSummary:
    """What a geocoding run did: rows located, not found (cleared), failed (left as they were)."""

    located: int = 0
    not_found: int = 0
    failed: int = 0

    def add(self, other: "GeocodingSummary") -> None:
        self.located += other.located
        self.not_found += other.not_found
        self.failed += other.failed

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class GeocodedFields:
    """Which fields of a model hold the address to geocode and the coordinates found."""

    model: type[models.Model]
    postcode: str
    city: str
    address: str | None
    latitude: str
    longitude: str


USER_HOME = GeocodedFields(
    model=User,
    postcode="home_postcode",
    city="home_city",
    address=None,
    latitude="home_latitude",
    longitude="home_longitude",
)
VENUE = GeocodedFields(
    model=Venue,
    postcode="postcode",
    city="city",
    address="address",
    latitude="latitude",
    longitude="longitude",
)


def rows_geocode(
    *, fields: GeocodedFields, ids: list[int], geocoder: Geocoder | None = None
) -> GeocodingSummary:
    """Geocode the rows `ids` of `fields.model` and store their coordinates.

    A row the geocoder does not know loses its coordinates (they no longer match
    its address); a row whose geocoding fails keeps the ones it had, so a
    transient outage never erases good data, and a later `--missing-only` run
    retries the rows still without any. Idempotent: rerunning stores the same values.
    """
    geocoder = geocoder or geocoder_from_settings()
    summary = GeocodingSummary()
    label = fields.model._meta.model_name
    address_fields = [fields.postcode, fields.city] + ([fields.address] if fields.address else [])
    rows = fields.model.objects.filter(pk__in=ids).only(
        *address_fields, fields.latitude, fields.longitude
    )
    changed = []
    for row in rows.order_by("pk"):
        postcode = getattr(row, fields.postcode)
        city = getattr(row, fields.city)
        try:
            point = geocoder.locate(
                postcode=postcode,
                city=city,
                address=getattr(row, fields.address) if fields.address else "",
            )
        except GeocodingError as error:
            summary.failed += 1
            logger.warning(
                "Geocoding %s %s (%s %s) failed, its coordinates are left as they were: %s",
                label,
                row.pk,
                postcode,
                city,
                error,
            )
            continue
        if point is None:
            summary.not_found += 1
            logger.warning(
                "Geocoding %s %s: no place for %r %r, it now has no coordinates",
                label,
                row.pk,
                postcode,
                city,
            )
            coordinates = (None, None)
        else:
            summary.located += 1
            coordinates = (point.latitude, point.longitude)
        if (getattr(row, fields.latitude), getattr(row, fields.longitude)) != coordinates:
            setattr(row, fields.latitude, coordinates[0])
            setattr(row, fields.longitude, coordinates[1])
            changed.append(row)
    fields.model.objects.bulk_update(changed, [fields.latitude, fields.longitude])
    return summary


def row_ids_to_geocode(*, fields: GeocodedFields, missing_only: bool) -> list[int]:
    """Ids of the rows to geocode, all of them or only those still without coordinates."""
    rows = fields.model.objects.all()
    if missing_only:
        rows = rows.filter(
            models.Q(**{f"{fields.latitude}__isnull": True})
            | models.Q(**{f"{fields.longitude}__isnull": True})
        )
    return list(rows.order_by("pk").values_list("pk", flat=True))
