"""Which model version serves, as every process sees it within a minute of a change.

The champion's version id is kept in the shared cache; each process keeps its
own copy and looks again at most every MODEL_REGISTRY_CHAMPION_CHECK_SECONDS.
A promotion or rollback writes the new id to the cache when it commits, and the
process that made it serves the new id at once (its own view is not left to
expire on the real clock: a replayed clock, as the simulator's, would otherwise
serve the old champion or the new one depending on how fast the machine runs); a
cache miss (expired, or Redis down) reads the database. The cache entry lives
no longer than one check interval, so even a write lost to a Redis outage is
corrected within two intervals (ADR 0029).
"""

import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

from recommendations.registry.selectors import model_version_champion_id

CHAMPION_CACHE_KEY = "recommendations:model-registry:champion"
# What the cache holds when there is no champion (None would read as a miss).
NO_CHAMPION = ""


def champion_cache_publish(*, version_id: str | None) -> None:
    """Tell every process (through the shared cache) which version is champion now."""
    cache.set(
        CHAMPION_CACHE_KEY,
        version_id or NO_CHAMPION,
        timeout=settings.MODEL_REGISTRY_CHAMPION_CHECK_SECONDS,
    )


def champion_version_shared() -> str | None:
    """The champion id from the shared cache, else from the database (and cached again)."""
    cached = cache.get(CHAMPION_CACHE_KEY)
    if cached is not None:
        return cached or None
    version_id = model_version_champion_id()
    champion_cache_publish(version_id=version_id)
    return version_id


class ChampionWatcher:
    """A process's view of the champion, refreshed at most every `interval` seconds of `clock`."""

    def __init__(
        self, *, clock: Callable[[], float] = time.monotonic, interval: float | None = None
    ):
        self.clock = clock
        self.interval = interval
        self.lock = threading.Lock()
        self.version_id: str | None = None
        self.checked_at: float | None = None

    def current(self) -> str | None:
        interval = (
            settings.MODEL_REGISTRY_CHAMPION_CHECK_SECONDS
            if self.interval is None
            else self.interval
        )
        now = self.clock()
        with self.lock:
            if self.checked_at is None or now - self.checked_at >= interval:
                self.version_id = champion_version_shared()
                self.checked_at = now
            return self.version_id

    def forget(self) -> None:
        """Look the champion up again at the next call (another database is in use)."""
        with self.lock:
            self.version_id, self.checked_at = None, None

    def know(self, *, version_id: str | None) -> None:
        """This process changed the champion itself: serve `version_id` from now on."""
        with self.lock:
            self.version_id = version_id
            self.checked_at = self.clock()


champion_watcher = ChampionWatcher()


def champion_publish(*, version_id: str | None) -> None:
    """A committed change of the champion: this process serves it at once, the others
    within a check interval (through the shared cache)."""
    champion_cache_publish(version_id=version_id)
    champion_watcher.know(version_id=version_id)


def serving_model_version() -> str | None:
    """The version id this process serves now: what lists, the API and exposures report."""
    return champion_watcher.current()
