"""Celery tasks of the recommendations app: entrances that call the services."""

from celery import shared_task

from recommendations.ranking.services import ranker_model_train


@shared_task(acks_late=True)
def ranker_model_train_task(seed: int = 0) -> str:
    """Train the ranker on every live booking and store it; returns the new version id.

    Idempotent enough for acks_late: a redelivery stores one more version, and
    the latest of equal models wins.
    """
    return ranker_model_train(seed=seed)["version"]
