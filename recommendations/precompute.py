"""Precomputation of the stored lists: which users, in which chunks, and one chunk's work.

A chunk goes through the strategy's batch entry point, so it costs a few
queries rather than a few per user, and its lists are stored in one Redis
round trip. Chunks are idempotent: running one twice stores the same lists.
"""

from collections.abc import Iterator

from django.conf import settings
from django.utils import timezone

from marketplace.models import User
from recommendations.lists import RecommendationRequest
from recommendations.stored import stored_lists_save
from recommendations.strategies import recommendation_lists_compute, strategy_resolve


def precompute_strategies() -> list[str]:
    """The strategies whose lists are served: those of the experiment's variants."""
    return sorted(
        {strategy_resolve(name) for name in settings.RECOMMENDATION_VARIANT_STRATEGIES.values()}
    )


def precompute_user_id_chunks(*, users: int | None = None) -> Iterator[list[int]]:
    """Ids of active users (the first `users` by id when given), in chunks of
    RECOMMENDATION_PRECOMPUTE_CHUNK_SIZE."""
    size = settings.RECOMMENDATION_PRECOMPUTE_CHUNK_SIZE
    ids = User.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    if users is not None:
        ids = ids[:users]
    chunk: list[int] = []
    for user_id in ids.iterator(chunk_size=size):
        chunk.append(user_id)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def precompute_user_count(*, users: int | None = None) -> int:
    total = User.objects.filter(is_active=True).count()
    return total if users is None else min(users, total)


def recommendation_lists_precompute(*, user_ids: list[int], strategy: str) -> int:
    """Compute and store the top RECOMMENDATION_STORED_LIST_SIZE of each user; returns how
    many lists were stored. Raises CACHE_ERRORS when Redis is down (a task retries)."""
    name = strategy_resolve(strategy)
    existing = list(
        User.objects.filter(pk__in=user_ids, is_active=True).values_list("pk", flat=True)
    )
    now = timezone.now()
    requests = [
        RecommendationRequest(
            user_id=user_id, limit=settings.RECOMMENDATION_STORED_LIST_SIZE, now=now
        )
        for user_id in existing
    ]
    return stored_lists_save(lists=recommendation_lists_compute(requests=requests, strategy=name))
