"""Exposures travel request → Redis stream → drain → PostgreSQL, and survive a killed
drain worker and a stopped Redis without loss or duplicates (ADR 0021)."""

import os
import signal

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from config.celery import app as celery_app
from experiments.buffer import buffer_ack, buffer_client, buffer_length, buffer_read, group_ensure
from experiments.models import Exposure, Surface
from experiments.services import (
    exposure_rows_build,
    exposure_rows_record,
    exposures_drain,
    exposures_insert,
    exposures_log,
)
from experiments.tasks import exposures_drain_buffer
from recommendations.lists import RecommendationList, RecommendedItem
from tests.conftest import free_port
from tests.factories import OfferFactory, UserFactory
from tests.workers import database_url, wait_until, worker_process_start

LIST_LENGTH = 10


@pytest.fixture
def buffer(redis, settings, exposure_stream):
    """The exposure buffer on the test Redis (under the test's own stream key)."""
    settings.EXPOSURE_BUFFER_URL = settings.REDIS_URL
    return exposure_stream


@pytest.fixture
def offers(db):
    return OfferFactory.create_batch(LIST_LENGTH)


def list_rows(offers, user, number: int) -> list[dict]:
    return exposure_rows_build(
        request_id=f"request-{number}",
        offer_ids=[offer.pk for offer in offers],
        strategy="geo",
        surface=Surface.HOMEPAGE,
        user_id=user.pk,
        variant="treatment",
    )


def stored_keys() -> list[tuple[str, int]]:
    return list(Exposure.objects.values_list("request_id", "position"))


def expected_keys(lists: int) -> set[tuple[str, int]]:
    return {
        (f"request-{number}", position)
        for number in range(lists)
        for position in range(1, LIST_LENGTH + 1)
    }


def test_a_logged_list_waits_in_redis_until_the_drain_writes_one_row_per_position(
    buffer, offers, shopper
):
    recommendation_list = RecommendationList(
        request_id="abc123",
        items=tuple(RecommendedItem(offer_id=o.pk, score=1.0, reason=None) for o in offers),
        strategy="geo",
        generated_at=timezone.now(),
        variant="treatment",
        model_version="v3",
        user_id=shopper.pk,
    )

    assert exposures_log(recommendation_list=recommendation_list, surface=Surface.API) == 10
    assert Exposure.objects.count() == 0
    assert buffer_length() == 1

    assert exposures_drain() == 10
    first = Exposure.objects.get(position=1)
    assert (first.request_id, first.offer_id, first.user_id) == ("abc123", offers[0].pk, shopper.pk)
    assert (first.surface, first.variant, first.strategy, first.model_version) == (
        "api",
        "treatment",
        "geo",
        "v3",
    )
    assert buffer_length() == 0


def test_a_batch_committed_but_not_acknowledged_is_replayed_without_duplicates(
    buffer, offers, shopper
):
    for number in range(3):
        exposure_rows_record(rows=list_rows(offers, shopper, number))
    client = buffer_client()
    group_ensure(client)
    entries = buffer_read(client=client, count=2)
    exposures_insert(rows=[row for _, rows in entries for row in rows])
    # The drain dies here: committed, never acknowledged.

    assert exposures_drain() == 30
    assert sorted(stored_keys()) == sorted(expected_keys(3))
    assert buffer_length() == 0


def test_an_acknowledged_batch_is_not_read_again(buffer, offers, shopper):
    exposure_rows_record(rows=list_rows(offers, shopper, 0))
    client = buffer_client()
    group_ensure(client)
    entries = buffer_read(client=client, count=10)
    buffer_ack(client=client, entry_ids=[entry_id for entry_id, _ in entries])

    assert buffer_read(client=client, count=10) == []


def test_exposures_go_straight_to_the_database_while_redis_is_stopped(
    buffer, offers, shopper, settings
):
    """Lists logged before, during and after an outage all end up stored, once."""
    for number in range(0, 5):
        exposure_rows_record(rows=list_rows(offers, shopper, number))
    settings.EXPOSURE_BUFFER_URL = f"redis://127.0.0.1:{free_port()}/0"
    for number in range(5, 10):
        exposure_rows_record(rows=list_rows(offers, shopper, number))
    assert Exposure.objects.count() == 50
    assert exposures_drain() == 0  # the drain, too, finds Redis down and waits

    settings.EXPOSURE_BUFFER_URL = settings.REDIS_URL
    for number in range(10, 15):
        exposure_rows_record(rows=list_rows(offers, shopper, number))
    exposures_drain()

    keys = stored_keys()
    assert len(keys) == 150
    assert set(keys) == expected_keys(15)


def test_without_redis_configured_exposures_are_written_directly(offers, shopper, settings):
    settings.EXPOSURE_BUFFER_URL = ""

    exposure_rows_record(rows=list_rows(offers, shopper, 0))

    assert set(stored_keys()) == expected_keys(1)


def test_the_drain_drops_exposures_of_an_offer_deleted_meanwhile_and_stores_the_rest(
    buffer, offers, shopper
):
    rows = list_rows(offers, shopper, 0)
    rows[3]["offer_id"] = 10**9

    exposure_rows_record(rows=rows)
    exposures_drain()

    assert Exposure.objects.count() == 9
    assert buffer_length() == 0


def insert_waiting_on_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE 'INSERT INTO \"experiments_exposure\"%%'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.postgres
def test_a_drain_worker_killed_mid_batch_loses_and_duplicates_nothing_once_restarted(
    redis, transactional_db, settings, tmp_path
):
    """A separate worker process is caught inside a batch (its INSERT waits on a row
    that another transaction holds), killed with SIGKILL, and a new one finishes."""
    settings.EXPOSURE_BUFFER_URL = settings.REDIS_URL
    key = settings.EXPOSURE_STREAM_KEY
    offers = OfferFactory.create_batch(LIST_LENGTH)
    user = UserFactory()
    lists = 300
    for number in range(lists):
        exposure_rows_record(rows=list_rows(offers, user, number))
    # Batches of 50 lists: the third batch (lists 100-149) will be held.
    blocker = psycopg.connect(database_url().replace("postgres://", "postgresql://"))
    held = list_rows(offers, user, 120)[0]
    blocker.execute(
        "INSERT INTO experiments_exposure (request_id, position, offer_id, user_id, visitor_id,"
        " surface, variant, strategy, model_version, shown_at)"
        " VALUES (%s, %s, %s, %s, '', 'homepage', 'treatment', 'geo', '', now())",
        (held["request_id"], held["position"], held["offer_id"], user.pk),
    )
    worker_env = {"EXPOSURE_STREAM_KEY": key, "EXPOSURE_DRAIN_BATCH_LISTS": "50"}
    celery_app.control.purge()
    worker = worker_process_start(log_path=tmp_path / "first.log", **worker_env)
    try:
        exposures_drain_buffer.delay()
        wait_until(insert_waiting_on_lock, timeout=60, what="the drain to be mid-batch")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
        blocker.rollback()
        blocker.close()

    assert Exposure.objects.count() == 1000  # two batches committed, the third lost with the worker
    assert buffer_length() == 200  # and its entries still wait, with the ones never read

    restarted = worker_process_start(log_path=tmp_path / "second.log", **worker_env)
    try:
        exposures_drain_buffer.delay()
        wait_until(lambda: buffer_length() == 0, timeout=60, what="the buffer to be drained")
    finally:
        restarted.terminate()
        restarted.wait(timeout=20)
        # The killed worker's unacknowledged task message would come back after
        # the broker's visibility timeout; drop it.
        redis.delete("unacked", "unacked_index", key)

    keys = stored_keys()
    assert len(keys) == lists * LIST_LENGTH
    assert set(keys) == expected_keys(lists)
