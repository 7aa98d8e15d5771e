import logging
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from marketplace.geocoding import (
    RETRY_AFTER_MAX_SECONDS,
    USER_HOME,
    VENUE,
    GeocodingError,
    InvalidCoordinatesError,
    OfflineGeocoder,
    coordinates_validate,
    geocoder_from_settings,
    rows_geocode,
)
from marketplace.models import User, Venue
from marketplace.territories import TERRITORIES, territory_of
from tests.factories import UserFactory, VenueFactory
from tests.local_http import LocalJsonServer

LYON_3 = (45.7597, 4.8422)


def ban_answer(path: str, query: dict[str, list[str]]) -> tuple[int, object]:
    """The BAN's /search: a GeoJSON FeatureCollection, coordinates as [lon, lat]."""
    text = query.get("q", [""])[0]
    if path != "/search" or "69003" not in text:
        return 200, {"type": "FeatureCollection", "features": []}
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [LYON_3[1], LYON_3[0]]},
        "properties": {"label": "12 Rue Servient 69003 Lyon", "postcode": "69003", "score": 0.9},
    }
    return 200, {"type": "FeatureCollection", "features": [feature]}


def nominatim_answer(path: str, query: dict[str, list[str]]) -> tuple[int, object]:
    """Nominatim's /search?format=json: a list of places, coordinates as strings."""
    if path != "/search" or query.get("postalcode") != ["69003"]:
        return 200, []
    place = {"lat": str(LYON_3[0]), "lon": str(LYON_3[1]), "display_name": "Lyon 3e, France"}
    return 200, [place]


@pytest.fixture
def remote_geocoder(settings):
    """Points the ban/nominatim geocoder at a real local server answering with `respond`."""

    def point_at(backend: str, server: LocalJsonServer) -> None:
        settings.GEOCODER_BACKEND = backend
        settings.GEOCODER_DOMAIN = server.host
        settings.GEOCODER_SCHEME = "http"
        settings.GEOCODER_TIMEOUT = 0.3
        settings.GEOCODER_MAX_RETRIES = 2
        settings.GEOCODER_BACKOFF_SECONDS = 0.01

    return point_at


def homeless_user(**fields) -> User:
    return UserFactory(home_latitude=None, home_longitude=None, **fields)


def test_the_offline_geocoder_locates_a_postcode_and_knows_when_it_cannot():
    geocoder = OfflineGeocoder()

    point = geocoder.locate(postcode="69003", city="Lyon")

    assert point.latitude == pytest.approx(45.76, abs=0.05)
    assert point.longitude == pytest.approx(4.84, abs=0.05)
    assert geocoder.locate(postcode="00000") is None


@pytest.mark.django_db
def test_geocoding_stores_coordinates_on_users_and_venues():
    user = homeless_user(home_postcode="13001", home_city="Marseille")
    venue = VenueFactory(postcode="33000", city="Bordeaux", latitude=None, longitude=None)

    users = rows_geocode(fields=USER_HOME, ids=[user.pk])
    venues = rows_geocode(fields=VENUE, ids=[venue.pk])

    user.refresh_from_db()
    venue.refresh_from_db()
    assert (users.located, venues.located) == (1, 1)
    assert (user.home_latitude, user.home_longitude) == pytest.approx((43.30, 5.38), abs=0.05)
    assert (venue.latitude, venue.longitude) == pytest.approx((44.84, -0.58), abs=0.05)


@pytest.mark.django_db
def test_an_unknown_postcode_leaves_the_customer_without_coordinates_and_logs_it(caplog):
    user = UserFactory(home_postcode="00000", home_city="Nowhere")

    with caplog.at_level(logging.WARNING, logger="marketplace.geocoding"):
        summary = rows_geocode(fields=USER_HOME, ids=[user.pk])

    user.refresh_from_db()
    assert summary.as_dict() == {"located": 0, "not_found": 1, "failed": 0}
    assert user.home_latitude is None and user.home_longitude is None
    assert f"Geocoding user {user.pk}: no place for '00000' 'Nowhere'" in caplog.text


@pytest.mark.django_db
def test_the_ban_backend_geocodes_through_a_real_http_server(remote_geocoder):
    user = homeless_user(home_postcode="69003", home_city="Lyon")
    with LocalJsonServer(ban_answer) as ban:
        remote_geocoder("ban", ban)

        summary = rows_geocode(fields=USER_HOME, ids=[user.pk])

    user.refresh_from_db()
    assert summary.located == 1
    assert (user.home_latitude, user.home_longitude) == LYON_3
    assert ban.requests == ["/search?q=69003+Lyon"]


@pytest.mark.django_db
def test_the_nominatim_backend_sends_a_structured_french_query(remote_geocoder):
    venue = VenueFactory(
        address="1 place Bellecour", postcode="69003", city="Lyon", latitude=None, longitude=None
    )
    with LocalJsonServer(nominatim_answer) as nominatim:
        remote_geocoder("nominatim", nominatim)

        rows_geocode(fields=VENUE, ids=[venue.pk])

    venue.refresh_from_db()
    assert (venue.latitude, venue.longitude) == LYON_3
    (request,) = nominatim.requests
    for parameter in ("street=1+place+Bellecour", "postalcode=69003", "countrycodes=fr"):
        assert parameter in request


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("respond", "delay", "error"),
    [
        (lambda path, query: (500, {"error": "boom"}), 0.0, "GeocoderServiceError"),
        (ban_answer, 1.0, "GeocoderTimedOut"),
    ],
    ids=["http-500", "timeout"],
)
def test_a_failing_service_is_retried_then_leaves_the_customer_as_they_were(
    remote_geocoder, caplog, respond, delay, error
):
    user = homeless_user(home_postcode="69003", home_city="Lyon")
    with LocalJsonServer(respond, delay_seconds=delay) as ban:
        remote_geocoder("ban", ban)

        with caplog.at_level(logging.WARNING, logger="marketplace.geocoding"):
            summary = rows_geocode(fields=USER_HOME, ids=[user.pk])

    user.refresh_from_db()
    # One attempt and two retries.
    assert len(ban.requests) == 3
    assert summary.as_dict() == {"located": 0, "not_found": 0, "failed": 1}
    assert user.home_latitude is None
    assert f"Geocoding user {user.pk} (69003 Lyon) failed" in caplog.text
    assert f"ban geocoder failed after 3 attempt(s): {error}" in caplog.text


@pytest.mark.django_db
def test_a_failure_keeps_the_coordinates_a_venue_already_had(remote_geocoder):
    venue = VenueFactory(postcode="69003", city="Lyon", latitude=45.0, longitude=5.0)
    with LocalJsonServer(lambda path, query: (503, {})) as ban:
        remote_geocoder("ban", ban)

        summary = rows_geocode(fields=VENUE, ids=[venue.pk])

    venue.refresh_from_db()
    assert summary.failed == 1
    assert (venue.latitude, venue.longitude) == (45.0, 5.0)


@pytest.mark.django_db
def test_a_service_that_recovers_within_the_retries_geocodes_the_row(remote_geocoder):
    answers = iter([(503, {}), (502, {})])

    def flaky(path, query):
        return next(answers, None) or ban_answer(path, query)

    user = homeless_user(home_postcode="69003", home_city="Lyon")
    with LocalJsonServer(flaky) as ban:
        remote_geocoder("ban", ban)

        summary = rows_geocode(fields=USER_HOME, ids=[user.pk])

    assert len(ban.requests) == 3
    assert summary.located == 1


@pytest.mark.django_db
def test_a_refused_query_is_not_retried(remote_geocoder):
    with LocalJsonServer(lambda path, query: (400, {"message": "q is required"})) as ban:
        remote_geocoder("ban", ban)

        with pytest.raises(GeocodingError, match="after 1 attempt"):
            geocoder_from_settings().locate(postcode="69003", city="Lyon")

    assert len(ban.requests) == 1


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore:Latitude normalization has been prohibited")
def test_a_geocoder_answering_impossible_coordinates_is_a_failure(remote_geocoder, caplog):
    def off_the_map(path, query):
        feature = {"geometry": {"coordinates": [4.84, 123.0]}, "properties": {"label": "?"}}
        return 200, {"features": [feature]}

    user = homeless_user(home_postcode="69003", home_city="Lyon")
    with LocalJsonServer(off_the_map) as ban:
        remote_geocoder("ban", ban)
        with pytest.raises(GeocodingError, match=r"unusable coordinates: Latitude must be in"):
            geocoder_from_settings().locate(postcode="69003", city="Lyon")

        with caplog.at_level(logging.WARNING, logger="marketplace.geocoding"):
            summary = rows_geocode(fields=USER_HOME, ids=[user.pk])

    user.refresh_from_db()
    assert summary.failed == 1
    assert user.home_latitude is None


@pytest.mark.parametrize(
    ("latitude", "longitude", "message"),
    [
        (90.5, 2.0, "Latitude 90.5 is outside [-90, 90]."),
        (45.0, 180.5, "Longitude 180.5 is outside [-180, 180]."),
        (float("inf"), 2.0, "Latitude inf is outside [-90, 90]."),
        (None, 2.0, "Coordinates must be numbers, got None, 2.0."),
    ],
)
def test_bad_coordinates_are_rejected_with_a_clear_error(latitude, longitude, message):
    with pytest.raises(InvalidCoordinatesError, match=re.escape(message)):
        coordinates_validate(latitude=latitude, longitude=longitude)


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
def test_model_validation_rejects_coordinates_out_of_range():
    user = UserFactory.build(home_latitude=91.0, home_longitude=-181.0)
    venue = VenueFactory.build(latitude=-90.5, longitude=4.8)

    with pytest.raises(ValidationError) as user_errors:
        user.full_clean()
    with pytest.raises(ValidationError) as venue_errors:
        venue.full_clean()

    assert "less than or equal to 90" in user_errors.value.message_dict["home_latitude"][0]
    assert "greater than or equal to -180" in user_errors.value.message_dict["home_longitude"][0]
    assert "greater than or equal to -90" in venue_errors.value.message_dict["latitude"][0]


def test_an_unknown_backend_is_refused_by_name(settings):
    settings.GEOCODER_BACKEND = "carrier-pigeon"

    with pytest.raises(CommandError, match="Unknown GEOCODER_BACKEND 'carrier-pigeon'"):
        call_command("geocode")


@pytest.mark.parametrize("option", ["--chunk-size", "--timeout"])
def test_the_geocode_command_refuses_a_size_below_one(option):
    with pytest.raises(CommandError, match=f"{option} must be at least 1"):
        call_command("geocode", option, "0")


@pytest.mark.django_db
def test_with_the_broker_down_the_geocode_command_fails_in_one_line(unreachable_broker):
    homeless_user(home_postcode="69003", home_city="Lyon")

    with pytest.raises(CommandError, match="Could not reach Celery's broker") as failure:
        call_command("geocode", "--users", "--missing-only")

    assert "\n" not in str(failure.value)


@pytest.mark.django_db(transaction=True)
def test_geocode_command_geocodes_missing_rows_in_celery_tasks(celery_worker, capsys):
    missing = [homeless_user(home_postcode="69003", home_city="Lyon") for _ in range(5)]
    located = UserFactory(home_latitude=1.0, home_longitude=1.0)
    lost_venue = VenueFactory(postcode="75011", city="Paris", latitude=None, longitude=None)

    call_command("geocode", "--users", "--venues", "--missing-only", "--chunk-size", "2")

    output = capsys.readouterr()
    assert "users: 5 located, 0 not found (coordinates cleared), 0 failed" in output.out
    assert "venues: 1 located" in output.out
    # tqdm's bar, on stderr: 5 user rows in 3 chunks.
    assert "5/5" in output.err
    geocoded = User.objects.filter(pk__in=[user.pk for user in missing])
    assert all(user.home_latitude is not None for user in geocoded)
    located.refresh_from_db()
    assert located.home_latitude == 1.0
    assert Venue.objects.get(pk=lost_venue.pk).latitude == pytest.approx(48.86, abs=0.05)


class RecordingClock:
    """A clock whose sleep advances its time at once and records each wait."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def answers_in_turn(*answers):
    """A responder giving `answers` one per request, then the BAN's real answer."""
    pending = iter(answers)
    return lambda path, query: next(pending, None) or ban_answer(path, query)


@pytest.mark.django_db
def test_the_geocoder_waits_with_exponential_backoff_between_retries(remote_geocoder, settings):
    clock = RecordingClock()
    with LocalJsonServer(answers_in_turn((503, {}), (502, {}), (504, {}))) as ban:
        remote_geocoder("ban", ban)
        settings.GEOCODER_MAX_RETRIES, settings.GEOCODER_BACKOFF_SECONDS = 3, 1.5

        point = geocoder_from_settings(sleep=clock.sleep).locate(postcode="69003", city="Lyon")

    assert (point.latitude, point.longitude) == LYON_3
    assert len(ban.requests) == 4
    assert clock.waits == [1.5, 3.0, 6.0]
    assert clock.now == 10.5


@pytest.mark.django_db
def test_the_geocoder_honours_a_retry_after_longer_than_its_backoff(remote_geocoder):
    clock = RecordingClock()
    rate_limited = (429, {"message": "slow down"}, {"Retry-After": "7"})
    with LocalJsonServer(answers_in_turn(rate_limited, (503, {}))) as ban:
        remote_geocoder("ban", ban)

        point = geocoder_from_settings(sleep=clock.sleep).locate(postcode="69003", city="Lyon")

    assert point is not None
    # Retry-After wins over the 0.01 s backoff; the next wait is the backoff again.
    assert clock.waits == [7.0, 0.02]


@pytest.mark.django_db
def test_a_retry_after_beyond_the_longest_wait_gives_up_and_keeps_the_row(remote_geocoder):
    clock = RecordingClock()
    user = homeless_user(home_postcode="69003", home_city="Lyon")
    rate_limited = (429, {}, {"Retry-After": str(RETRY_AFTER_MAX_SECONDS + 1)})
    with LocalJsonServer(answers_in_turn(rate_limited)) as ban:
        remote_geocoder("ban", ban)

        summary = rows_geocode(
            fields=USER_HOME, ids=[user.pk], geocoder=geocoder_from_settings(sleep=clock.sleep)
        )

    assert summary.failed == 1
    assert len(ban.requests) == 1
    assert clock.waits == []


@pytest.mark.parametrize(
    ("postcode", "city", "territory"),
    [
        ("97110", "Pointe-à-Pitre", "Guadeloupe"),
        ("97200", "Fort-de-France", "Martinique"),
        ("97300", "Cayenne", "Guyane"),
        ("97400", "Saint-Denis", "La Réunion"),
        ("97500", "Saint-Pierre", "Saint-Pierre-et-Miquelon"),
        ("97600", "Mamoudzou", "Mayotte"),
        ("97150", "Saint-Martin", "Saint-Martin"),
        ("20000", "Ajaccio", "Mainland France and Corsica"),
    ],
)
def test_the_offline_geocoder_locates_overseas_france_on_its_own_land(postcode, city, territory):
    point = OfflineGeocoder().locate(postcode=postcode)

    assert point.label == f"{postcode} {city}"
    position = territory_of(latitude=point.latitude, longitude=point.longitude)
    assert TERRITORIES[position][0] == territory
