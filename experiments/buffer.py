"""The exposure buffer: a Redis stream between the request and PostgreSQL (ADR 0021).

A request appends one entry per list; the drain reads entries through a
consumer group and acknowledges (then deletes) them only after PostgreSQL
committed their rows. An entry read by a drain that died stays pending in the
group and is read again by the next drain: at-least-once delivery, made
exactly-once in the table by its unique (request_id, position) key.
"""

import json
from functools import lru_cache

import redis
from django.conf import settings

GROUP = "exposure-drain"
# Every drain reads as the same consumer: the pending entries of a killed drain
# then belong to whoever drains next, with no claiming step. Two drains that
# overlap may insert the same rows twice, which the unique key absorbs.
CONSUMER = "drain"
ROWS_FIELD = b"rows"


class BufferUnavailable(Exception):
    """The buffer is not configured (no Redis) or did not answer."""


@lru_cache(maxsize=4)
def client_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=settings.EXPOSURE_BUFFER_SOCKET_TIMEOUT,
        socket_timeout=settings.EXPOSURE_BUFFER_SOCKET_TIMEOUT,
    )


def buffer_client() -> redis.Redis:
    if not settings.EXPOSURE_BUFFER_URL:
        raise BufferUnavailable("No Redis is configured for the exposure buffer.")
    return client_for(settings.EXPOSURE_BUFFER_URL)


def buffer_push(*, rows: list[dict]) -> None:
    """Append one list's rows as one stream entry; raises BufferUnavailable on any Redis error."""
    try:
        buffer_client().xadd(settings.EXPOSURE_STREAM_KEY, {ROWS_FIELD: json.dumps(rows)})
    except redis.RedisError as error:
        raise BufferUnavailable(str(error)) from error


def group_ensure(client: redis.Redis) -> None:
    """Create the drain's consumer group once; raises BufferUnavailable when Redis is down."""
    try:
        client.xgroup_create(settings.EXPOSURE_STREAM_KEY, GROUP, id="0", mkstream=True)
    except redis.ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise
    except redis.RedisError as error:
        raise BufferUnavailable(str(error)) from error


def buffer_read(*, client: redis.Redis, count: int) -> list[tuple[bytes, list[dict]]]:
    """Up to `count` entries as (entry id, rows): first those read before but never
    acknowledged (a drain died holding them), then new ones."""
    key = settings.EXPOSURE_STREAM_KEY
    for start in ("0", ">"):
        answer = client.xreadgroup(GROUP, CONSUMER, {key: start}, count=count)
        entries = [(entry_id, fields) for _, stream in answer for entry_id, fields in stream]
        # A pending entry deleted from the stream comes back with no fields.
        readable = [
            (entry_id, json.loads(fields[ROWS_FIELD])) for entry_id, fields in entries if fields
        ]
        gone = [entry_id for entry_id, fields in entries if not fields]
        if gone:
            client.xack(key, GROUP, *gone)
        if readable:
            return readable
    return []


def buffer_ack(*, client: redis.Redis, entry_ids: list[bytes]) -> None:
    """Forget entries whose rows are committed: acknowledge them and delete them from the stream."""
    key = settings.EXPOSURE_STREAM_KEY
    with client.pipeline(transaction=True) as pipeline:
        pipeline.xack(key, GROUP, *entry_ids)
        pipeline.xdel(key, *entry_ids)
        pipeline.execute()


def buffer_length() -> int:
    """Entries waiting in the buffer, read or not (for monitoring and tests)."""
    return buffer_client().xlen(settings.EXPOSURE_STREAM_KEY)
