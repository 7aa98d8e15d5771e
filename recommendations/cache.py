"""The cache of the recommendation data that chooses its own fallback when Redis is down.

The distance service and the geo index must tell an outage from a miss (a miss
calls the paid provider and stores the answer; an outage computes without
storing, and keeps the process's index), so they use the alias that raises
instead of the forgiving default cache (ADR 0013).
"""

from django.conf import settings
from django.core.cache import caches
from django.utils.connection import ConnectionProxy
from redis.exceptions import RedisError

# What the cache raises when its server is unreachable (Redis, or a socket error).
CACHE_ERRORS = (RedisError, OSError)

recommendations_cache = ConnectionProxy(caches, settings.RECOMMENDATIONS_CACHE)
