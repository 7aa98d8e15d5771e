"""The `popular` strategy: the offers most people booked lately that the user has not booked yet.

Served from the cached popularity ranking (one aggregate query every few
minutes for all processes) through the pipeline's popular scorer and ranking,
the code the offline evaluation runs (ADR 0019). A batch costs the cached
ranking, the offers' categories, every requester's live bookings and one
availability check.
"""

from collections.abc import Sequence
from datetime import datetime

import numpy as np
from django.conf import settings
from django.utils import timezone

from marketplace.models import Offer
from recommendations.lists import RecommendationList, RecommendationRequest
from recommendations.pipeline.interactions import interactions_build
from recommendations.pipeline.scorers.popular import PopularScorer
from recommendations.pipeline.scoring import scorer_spec
from recommendations.popularity import popular_offer_ranking
from recommendations.reasons import Reason, popularity_reason
from recommendations.served import ANONYMOUS_USER_ID, ServedModel, served_lists
from recommendations.strategies import strategy_register


def popular_model(*, now: datetime | None) -> ServedModel:
    """The popular scorer on the ranking at `now` (None: the present, cached ranking)."""
    days = settings.RECOMMENDATION_POPULAR_WINDOW_DAYS
    ranking = popular_offer_ranking(window_days=days, now=now)
    offer_ids = np.array([offer_id for offer_id, _ in ranking], dtype=np.int64)
    categories = dict(
        Offer.objects.filter(pk__in=offer_ids.tolist()).values_list("pk", "category__slug")
    )
    train = interactions_build(
        user_ids=np.array([], dtype=np.int64),
        item_ids=np.array([], dtype=np.int64),
        timestamps=np.array([]),
        item_categories=categories,
        extra_items=offer_ids,
        extra_users=np.array([ANONYMOUS_USER_ID]),
    )
    people = dict(ranking)
    counts = np.array([people[offer_id] for offer_id in train.item_ids.tolist()], dtype=float)
    return ServedModel(
        spec=scorer_spec("popular"),
        scorer=PopularScorer.from_counts(counts, window_days=days),
        train=train,
        data_until=now or timezone.now(),
        params={"window_days": days},
    )


def popular_reason(
    model: ServedModel, request: RecommendationRequest, item: int, score: float
) -> Reason:
    return popularity_reason(count=int(score), days=model.params["window_days"])


@strategy_register("popular")
def recommend_popular(*, requests: Sequence[RecommendationRequest]) -> list[RecommendationList]:
    return served_lists(
        strategy="popular",
        requests=requests,
        current=lambda: popular_model(now=None),
        fit_at=lambda now: popular_model(now=now),
        reason=popular_reason,
    )
