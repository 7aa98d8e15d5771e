"""Process-local models kept in step across processes through a version key in the shared cache.

A model (the geo index, a fitted scorer) is built in each process and kept
while the shared cache holds the version it was built under: clearing the
cache, or the key's expiry, makes every process rebuild. Without a reachable
cache each process keeps its model for the same lifetime (ADR 0013).
"""

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from recommendations.cache import CACHE_ERRORS, recommendations_cache

Model = TypeVar("Model")


@dataclass
class Versioned(Generic[Model]):
    model: Model
    version: str
    built_at: float = field(default_factory=time.monotonic)


class LocalModel(Generic[Model]):
    """This process's copy of the model under `key`, rebuilt by `build` when out of date."""

    def __init__(self, *, key: str, lifetime: Callable[[], int], build: Callable[[], Model]):
        self.key = key
        self.lifetime = lifetime
        self.build = build
        self.local: Versioned[Model] | None = None

    def get(self) -> Model:
        try:
            version, reachable = recommendations_cache.get(self.key), True
        except CACHE_ERRORS:
            version, reachable = None, False
        current = self.current(version=version, reachable=reachable)
        return current.model if current is not None else self.rebuild()

    def current(self, *, version: str | None, reachable: bool) -> Versioned[Model] | None:
        """This process's copy if the shared `version` (read from the cache) says it is current."""
        local = self.local
        if local is None:
            return None
        if reachable:
            return local if version == local.version else None
        return local if time.monotonic() - local.built_at < self.lifetime() else None

    def rebuild(self) -> Model:
        built = Versioned(model=self.build(), version=uuid.uuid4().hex)
        try:
            # Processes racing to rebuild agree on the first version stored.
            if not recommendations_cache.add(self.key, built.version, self.lifetime()):
                built.version = recommendations_cache.get(self.key) or built.version
        except CACHE_ERRORS:
            pass
        self.local = built
        return built.model
