"""The cache of the recommendation data that chooses its own fallback when Redis is down.

The distance service and the geo index must tell an outage from a miss (a miss
calls the paid provider and stores the answer; an outage computes without
storing, and keeps the process's index), so they use the alias that raises
instead of the forgiving default cache (ADR 0013).
"""

from django.conf import settings
from django.core.cache import caches
from django.utils.connection import ConnectionProxy
from django_redis.client import DefaultClient
from redis.exceptions import RedisError

# What the cache raises when its server is unreachable (Redis, or a socket error).
CACHE_ERRORS = (RedisError, OSError)

recommendations_cache = ConnectionProxy(caches, settings.RECOMMENDATIONS_CACHE)

# Sets each key to its value with the expiry (milliseconds) given last: the SET and PX
# that django-redis's `set` sends, for many keys in one command.
SET_MANY_EXPIRING = """
for index, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[index], 'PX', ARGV[#ARGV])
end
"""


def cache_set_many_whole(cache, values: dict[str, int], timeout: float) -> None:
    """`cache.set_many(values, timeout)` for whole numbers, in one Redis command.

    django-redis's `set_many` sends one SET per key inside MULTI/EXEC, and redis-py
    builds and parses each of them in Python: the distances a precomputation writes
    with an empty cache (about 46 a user, in batches of about 58) cost 0.48-0.53 ms of
    the client's CPU a batch that way, 0.16-0.20 ms in one script (ADR 0010).
    django-redis keeps a whole number as its digits and reads it back as an int, so
    the entries are those `set_many` writes (a test reads them back through the
    cache). Other backends and django-redis clients (sharded, herd: they place or
    wrap values otherwise), other values and no expiry go through `set_many`.
    """
    client = getattr(cache, "client", None)
    if (
        not values
        or type(client) is not DefaultClient
        or not isinstance(timeout, int | float)
        or timeout <= 0
        or any(type(value) is not int for value in values.values())
    ):
        cache.set_many(values, timeout)
        return
    client.get_client(write=True).eval(
        SET_MANY_EXPIRING,
        len(values),
        *(cache.make_key(key) for key in values),
        *values.values(),
        int(timeout * 1000),
    )
