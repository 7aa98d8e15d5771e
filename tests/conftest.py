"""Shared fixtures, and the rules for tests that need real services.

A test marked `postgres`, or using the `redis`, `celery_worker` or browser
fixtures, is skipped on a developer's plain run but fails in CI (CI=true),
where every real service must be there.
"""

import contextlib
import email
import os
import socket
from email.message import Message

import pytest
from django.core.cache import caches
from django.db import connection
from django.utils import translation

from tests.factories import UserFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every transactional test starts with the rows of the data migrations.

    A transactional test ends with a flush, which also empties what data
    migrations wrote (categories, schedules, switches); serialized rollback
    reloads them before each such test. It has to be all of them: a plain
    flush re-creates content types that the reload would then duplicate.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        kwargs = dict(marker.kwargs) if marker else {}
        fixtures = getattr(item, "fixturenames", ())
        if kwargs.get("transaction") or "transactional_db" in fixtures or "live_server" in fixtures:
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: set DATABASE_URL=postgres://…")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def caches_clear() -> None:
    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def empty_cache(monkeypatch):
    """Each test starts with empty caches, so cached rankings never leak between tests.

    That includes the geo strategy's in-process index, which a process keeps for
    minutes when Redis is down (geo is the default strategy everywhere), and the
    champion this process serves.
    """
    caches_clear()
    from recommendations.geo import local_index
    from recommendations.registry import serving as registry_serving

    monkeypatch.setattr(local_index, "local", None)
    # The process's view of the champion too: a test that promoted must not serve its
    # version to the next one.
    monkeypatch.setattr(registry_serving, "champion_watcher", registry_serving.ChampionWatcher())
    yield
    caches_clear()


@pytest.fixture(autouse=True)
def exposure_stream(settings):
    """Each test buffers exposures under a stream key of its own, deleted afterwards,
    so no test drains rows that an earlier test left behind."""
    import uuid

    import redis as redis_client

    key = settings.EXPOSURE_STREAM_KEY = f"test:exposures:{uuid.uuid4().hex}"
    url = settings.EXPOSURE_BUFFER_URL
    yield key
    if url:
        with contextlib.suppress(redis_client.RedisError):
            redis_client.Redis.from_url(url, socket_connect_timeout=0.5).delete(key)


@pytest.fixture
def unavailable_cache(settings):
    """Both cache aliases, configured as in production, on a Redis port where nothing listens."""
    from config.settings.base import redis_caches

    settings.CACHES = redis_caches(
        location=f"redis://127.0.0.1:{free_port()}/0", key_prefix="test", socket_timeout=0.5
    )


@pytest.fixture
def unreachable_broker():
    """Tasks sent during the test go to a Redis port where nothing listens, broker and
    result store alike, as when the production Redis is down.

    A second Celery app, made current, is what `delay()` of shared tasks uses.
    """
    from celery import Celery

    from config.celery import app

    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    broken = Celery("unreachable-broker", broker=nowhere, backend=nowhere)
    # The result store retries for about 20 s before giving up; the error is the same after one.
    broken.conf.result_backend_transport_options = {"retry_policy": {"max_retries": 1}}
    broken.set_current()
    yield
    app.set_current()
    broken.close()


@pytest.fixture(autouse=True)
def site_language():
    """Each test starts in the site's default language: a request leaves the language
    it asked for active in its thread, which would leak into the next test."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def english(settings):
    """The site in English, the second language: for the tests written against the
    English wording; the French default has its own tests (tests/config/test_i18n.py)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def shopper(db):
    return UserFactory()


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def redis(settings):
    """A client of the real Redis named by REDIS_URL."""
    import redis as redis_client

    if not settings.REDIS_URL:
        skip_or_fail("needs Redis: set REDIS_URL=redis://…")
    client = redis_client.Redis.from_url(settings.REDIS_URL)
    try:
        client.ping()
    except redis_client.RedisError as error:
        skip_or_fail(f"Redis at {settings.REDIS_URL} does not answer: {error}")
    return client


@pytest.fixture
def celery_worker(redis, transactional_db):
    """A real Celery worker consuming the Redis broker, in a thread of this process.

    Tasks see the test database through their own connection, hence the
    transactional database. The queue is purged first so no message from an
    earlier run is consumed.
    """
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    app.control.purge()
    with start_worker(
        app, pool="threads", concurrency=2, perform_ping_check=False, loglevel="WARNING"
    ) as worker:
        yield worker


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.recipients: list[str] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        self.recipients.extend(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a local port; Django sends mail to it. Yields its Inbox."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = controller.hostname
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()
