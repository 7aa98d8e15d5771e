"""Fixtures of the recommendation tests: a real OSRM-compatible server, a model store."""

import re

import pytest

from recommendations.distance.providers import great_circle_km
from recommendations.ranking.artifact import model_storage
from tests.local_http import LocalJsonServer

# Roads are longer than the crow flies; the local routing server says by this much.
DETOUR = 1.3
TABLE_PATH = re.compile(r"^/table/v1/(?P<profile>[a-z]+)/(?P<points>[-0-9.,;]+)$")


def osrm_table(path: str, query: dict[str, list[str]]) -> tuple[int, object]:
    """An OSRM `table` answer: road distances in metres from the first point to the others."""
    match = TABLE_PATH.match(path)
    if match is None or query.get("sources") != ["0"]:
        return 400, {"code": "InvalidQuery", "message": path}
    points = [tuple(map(float, pair.split(","))) for pair in match["points"].split(";")]
    (origin_lon, origin_lat), *destinations = points
    row = [0.0]
    for lon, lat in destinations:
        # A point in the sea (latitude 0) has no road: OSRM answers null.
        far = great_circle_km((origin_lat, origin_lon), (lat, lon)) * DETOUR * 1000
        row.append(None if lat == 0 else round(far, 1))
    return 200, {"code": "Ok", "distances": [row]}


@pytest.fixture
def osrm(settings):
    """A real OSRM-compatible server; the distance service is pointed at it."""
    with LocalJsonServer(osrm_table) as server:
        settings.DISTANCE_PROVIDER = "osrm"
        settings.DISTANCE_OSRM_URL = server.url
        # Generous: on a loaded CI machine a 2 s timeout turned a slow answer
        # into a provider error and an extra call. Timeouts have their own test.
        settings.DISTANCE_OSRM_TIMEOUT = 15
        settings.DISTANCE_OSRM_MAX_DESTINATIONS = 100
        settings.DISTANCE_PROVIDER_COST_PER_CALL = 0.005
        yield server


@pytest.fixture
def model_folder(settings, tmp_path):
    """The ranker's artifact storage in a temporary folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        settings.RECOMMENDATION_MODEL_STORAGE: {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "models")},
        },
    }
    return model_storage()
