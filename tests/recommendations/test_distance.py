import logging
import math
import re

import numpy as np
import pytest
from geopy.distance import geodesic, great_circle

from marketplace.geocoding import InvalidCoordinatesError
from recommendations.cache import cache_set_many_whole, recommendations_cache
from recommendations.distance.providers import (
    GreatCircleProvider,
    OsrmTableProvider,
    great_circle_km,
    haversine_km,
)
from recommendations.distance.service import (
    DistanceService,
    distance_service,
    entries_from_km,
    km_from_entries,
)
from recommendations.selectors import distance_cache_stats
from tests.local_http import LocalJsonServer
from tests.recommendations.conftest import DETOUR, osrm_table

LYON = (45.7533, 4.8694)


def venues_around(origin: tuple[float, float], count: int, seed: int = 7):
    """`count` venue ids and coordinates scattered within ~1.5° of `origin`."""
    rng = np.random.default_rng(seed)
    latitudes = origin[0] + rng.uniform(-1.5, 1.5, count)
    longitudes = origin[1] + rng.uniform(-1.5, 1.5, count)
    return list(range(1, count + 1)), latitudes, longitudes


def lookup(origin=LYON, venues=None):
    service = distance_service()
    venue_ids, latitudes, longitudes = venues or venues_around(LYON, 30)
    cell = service.origin_cell(latitude=origin[0], longitude=origin[1])
    return service.venue_distances_km(
        cell=cell, venue_ids=venue_ids, latitudes=latitudes, longitudes=longitudes
    )


def test_vectorised_distances_agree_with_geopy():
    _, latitudes, longitudes = venues_around(LYON, 2_000)
    # Across France and beyond, including antipodes and the poles.
    latitudes = np.append(latitudes, [48.8566, -45.7533, 90.0, -90.0])
    longitudes = np.append(longitudes, [2.3522, -175.1306, 0.0, 180.0])

    vectorised = haversine_km(
        latitude=LYON[0], longitude=LYON[1], latitudes=latitudes, longitudes=longitudes
    )

    expected = [great_circle(LYON, point).km for point in zip(latitudes, longitudes, strict=True)]
    np.testing.assert_allclose(vectorised, expected, rtol=1e-8, atol=1e-6)
    # The sphere is within half a percent of the WGS-84 ellipsoid.
    ellipsoid = [
        geodesic(LYON, point).km for point in zip(latitudes[:300], longitudes[:300], strict=True)
    ]
    np.testing.assert_allclose(vectorised[:300], ellipsoid, rtol=5e-3)
    assert great_circle_km(LYON, (48.8566, 2.3522)) == pytest.approx(392, abs=2)


@pytest.mark.parametrize(
    ("origin", "message"),
    [
        ((91.0, 4.8), "Latitude 91.0 is outside [-90, 90]"),
        ((45.7, -181.0), "Longitude -181.0 is outside [-180, 180]"),
        ((math.nan, 4.8), "Latitude nan is outside"),
        (("Lyon", 4.8), "Coordinates must be numbers"),
    ],
)
def test_the_distance_service_rejects_bad_origins_with_a_clear_error(origin, message):
    service = distance_service()

    with pytest.raises(InvalidCoordinatesError, match=re.escape(message)):
        service.origin_cell(latitude=origin[0], longitude=origin[1])
    with pytest.raises(InvalidCoordinatesError, match=re.escape(message)):
        great_circle_km(origin, LYON)


def test_the_distance_service_rejects_bad_venue_coordinates_naming_the_culprit():
    venue_ids, latitudes, longitudes = venues_around(LYON, 5)
    latitudes[3] = 123.0

    with pytest.raises(InvalidCoordinatesError, match=r"Destination 3: Latitude 123.0 is outside"):
        lookup(venues=(venue_ids, latitudes, longitudes))


def test_neighbours_in_one_cell_share_distances_measured_from_its_centre():
    service = DistanceService(provider=GreatCircleProvider(), cell_degrees=0.01, timeout=60)

    cell = service.origin_cell(latitude=45.7533, longitude=4.8694)
    neighbour = service.origin_cell(latitude=45.7549, longitude=4.8651)
    across_the_river = service.origin_cell(latitude=45.7640, longitude=4.8357)

    assert cell == neighbour
    assert cell.centre == pytest.approx((45.75, 4.87))
    assert across_the_river != cell


@pytest.mark.django_db
def test_a_second_identical_request_makes_no_provider_call(osrm):
    venues = venues_around(LYON, 250)

    first = lookup(venues=venues)
    calls_after_first = len(osrm.requests)
    second = lookup(venues=venues)

    # 250 venues in tables of at most 100 destinations: three real HTTP calls, then none.
    assert calls_after_first == 3
    assert len(osrm.requests) == 3
    np.testing.assert_array_equal(first, second)
    centre = distance_service().origin_cell(latitude=LYON[0], longitude=LYON[1]).centre
    road = great_circle_km(centre, (venues[1][0], venues[2][0])) * DETOUR
    assert first[0] == pytest.approx(road, abs=0.01)
    stats = distance_cache_stats()
    assert stats["provider"] == "osrm"
    assert (stats["hits"], stats["misses"], stats["provider_calls"]) == (250, 250, 3)
    assert stats["hit_rate"] == pytest.approx(0.5)
    assert stats["estimated_cost"] == pytest.approx(0.015)


@pytest.mark.django_db
def test_only_the_venues_missing_from_the_cache_are_asked_for(osrm):
    venue_ids, latitudes, longitudes = venues_around(LYON, 40)
    lookup(venues=(venue_ids[:30], latitudes[:30], longitudes[:30]))

    lookup(venues=(venue_ids, latitudes, longitudes))

    assert len(osrm.requests) == 2
    # The second table carries the origin and the 10 new venues only.
    assert osrm.requests[1].split("?")[0].count(";") == 10


@pytest.mark.django_db
def test_a_user_in_another_cell_gets_distances_of_their_own(osrm):
    venues = venues_around(LYON, 20)
    lookup(origin=LYON, venues=venues)

    from_villeurbanne = lookup(origin=(45.7719, 4.8902), venues=venues)

    assert len(osrm.requests) == 2
    assert from_villeurbanne[0] != lookup(origin=LYON, venues=venues)[0]


@pytest.mark.django_db
def test_a_venue_without_road_is_infinitely_far(osrm):
    distances = lookup(venues=([1, 2], np.array([45.76, 0.0]), np.array([4.83, 4.83])))

    assert math.isfinite(distances[0])
    assert distances[1] == math.inf


@pytest.mark.django_db
def test_a_failing_provider_falls_back_to_great_circle_uncached(settings, caplog):
    with LocalJsonServer(lambda path, query: (500, {"code": "InternalError"})) as broken:
        settings.DISTANCE_PROVIDER = "osrm"
        settings.DISTANCE_OSRM_URL = broken.url
        venues = venues_around(LYON, 10)

        with caplog.at_level(logging.WARNING, logger="recommendations.distance.service"):
            first = lookup(venues=venues)
            lookup(venues=venues)

    centre = distance_service().origin_cell(latitude=LYON[0], longitude=LYON[1]).centre
    expected = haversine_km(
        latitude=centre[0], longitude=centre[1], latitudes=venues[1], longitudes=venues[2]
    )
    np.testing.assert_allclose(first, expected)
    assert len(broken.requests) == 2
    assert "using great-circle distances instead" in caplog.text
    assert distance_cache_stats()["provider_errors"] == 2


@pytest.mark.django_db
def test_an_unavailable_cache_falls_back_to_the_provider_and_logs_a_warning(
    osrm, unavailable_cache, caplog
):
    venues = venues_around(LYON, 10)

    with caplog.at_level(logging.WARNING, logger="recommendations.distance.service"):
        first = lookup(venues=venues)
        second = lookup(venues=venues)

    np.testing.assert_array_equal(first, second)
    assert len(osrm.requests) == 2
    assert "Distance cache unavailable, computing 10 distances through osrm-driving" in caplog.text
    assert distance_cache_stats()["hits"] == 0


@pytest.mark.django_db
def test_distances_live_in_redis_with_the_configured_lifetime(redis, osrm, settings):
    settings.DISTANCE_CACHE_SECONDS = 3600
    cache_db = redis.connection_pool.connection_kwargs["db"] + 1
    cache_client = type(redis)(
        host=redis.connection_pool.connection_kwargs["host"],
        port=redis.connection_pool.connection_kwargs["port"],
        db=cache_db,
    )

    lookup(venues=venues_around(LYON, 3))

    keys = sorted(cache_client.keys("*distance-m:osrm-driving:0.01:4575:487:*"))
    assert [key.decode().rsplit(":", 1)[1] for key in keys] == ["1", "2", "3"]
    assert 3500 < cache_client.ttl(keys[0]) <= 3600


def test_osrm_provider_reports_a_timeout_as_a_provider_error():
    from recommendations.distance.providers import DistanceProviderError

    with LocalJsonServer(osrm_table, delay_seconds=1.0) as slow:
        provider = OsrmTableProvider(
            url=slow.url, profile="driving", timeout=0.2, max_destinations=100
        )
        with pytest.raises(DistanceProviderError, match="osrm-driving table request failed"):
            provider.distances_km(
                origin=LYON, latitudes=np.array([45.76]), longitudes=np.array([4.83])
            )


@pytest.mark.django_db
def test_counts_are_shared_in_batches_and_on_every_read(osrm, settings):
    settings.DISTANCE_COUNTERS_FLUSH_SECONDS = 3600
    venues = venues_around(LYON, 5)
    lookup(venues=venues)
    lookup(venues=venues)

    # Not yet in the shared cache: no Redis write per request.
    assert recommendations_cache.get("distance-stats:hits") is None
    stats = distance_cache_stats()
    assert (stats["hits"], stats["misses"], stats["provider_calls"]) == (5, 5, 1)
    assert recommendations_cache.get("distance-stats:hits") == 5


def test_cache_entries_are_whole_metres_and_keep_no_route_and_no_entry_apart():
    entries = entries_from_km(np.array([1.23456, 0.0, math.inf]))

    assert entries == [1235, 0, -1]
    assert all(type(entry) is int for entry in entries)  # stored by django-redis unpickled
    np.testing.assert_array_equal(
        km_from_entries([*entries, math.nan]), [1.235, 0.0, math.inf, math.nan]
    )


def test_whole_numbers_written_in_one_command_are_what_set_many_writes(redis):
    """`cache_set_many_whole` (one Lua script) against django-redis's own `set_many`."""
    cache = recommendations_cache
    client = cache.client.get_client(write=True)
    values = {"whole-1": 1234, "whole-2": -1, "whole-3": 0}
    cache.set_many({f"{key}-by-set-many": value for key, value in values.items()}, 3600)

    cache_set_many_whole(cache, values, 3600)

    assert cache.get_many(list(values)) == values
    for key in values:
        ours, theirs = cache.make_key(key), cache.make_key(f"{key}-by-set-many")
        assert client.get(ours) == client.get(theirs)
        assert 3_599_000 < client.pttl(ours) <= 3_600_000
    cache.delete_many([*values, *(f"{key}-by-set-many" for key in values)])


def test_other_values_are_written_by_set_many(redis):
    cache_set_many_whole(recommendations_cache, {"not-whole": 1.5, "not-int": True}, 60)

    assert recommendations_cache.get_many(["not-whole", "not-int"]) == {
        "not-whole": 1.5,
        "not-int": True,
    }
    recommendations_cache.delete_many(["not-whole", "not-int"])
