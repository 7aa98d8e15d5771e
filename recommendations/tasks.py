"""Celery tasks of the recommendations app: entrances that call the services (the nightly
precomputation's fan-out and chunks, the ranker's training)."""

from celery import group, shared_task

from recommendations.cache import CACHE_ERRORS
from recommendations.precompute import (
    precompute_strategies,
    precompute_user_id_chunks,
    recommendation_lists_precompute,
)
from recommendations.ranking.services import ranker_model_train


# Redis down: retry with backoff (1, 2, 4… up to 300 s, under the visibility timeout).
@shared_task(
    name="recommendations.precompute_chunk",
    acks_late=True,
    autoretry_for=CACHE_ERRORS,
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=6,
)
def precompute_chunk_task(user_ids: list[int], strategy: str) -> int:
    return recommendation_lists_precompute(user_ids=user_ids, strategy=strategy)


def precompute_chunk_signatures(*, strategy: str | None, users: int | None = None) -> group:
    strategies = [strategy] if strategy else precompute_strategies()
    return group(
        precompute_chunk_task.s(chunk, name)
        for name in strategies
        for chunk in precompute_user_id_chunks(users=users)
    )


@shared_task(name="recommendations.precompute_dispatch", acks_late=True)
def precompute_dispatch_task(strategy: str | None = None) -> int:
    """Enqueue one chunk task per chunk of users and strategy; returns how many.

    Never awaited: the stored lists are the record, and a chunk lost with its
    worker is recomputed at the next run (lists outlive a missed night).
    """
    chunks = precompute_chunk_signatures(strategy=strategy)
    chunks.apply_async(ignore_result=True)
    return len(chunks.tasks)


@shared_task(acks_late=True)
def ranker_model_train_task(seed: int = 0) -> str:
    """Train the ranker on every live booking and store it; returns the new version id.

    Idempotent enough for acks_late: a redelivery stores one more version, and
    the latest of equal models wins.
    """
    return ranker_model_train(seed=seed)["version"]
