"""The `itemknn` and `ease` strategies: offers booked by people who booked what the user booked.

Their scorers (recommendations.pipeline.scorers) are fitted on every live
booking, per process, and refitted when the shared model version expires
(RECOMMENDATION_MODEL_REFIT_SECONDS) or the cache is cleared. A request that
replays the past (`now` older than the model) gets a model fitted on the
bookings up to its `now`. Hyper-parameters are the scorers' defaults, chosen
on a validation split of the demo data (ADR 0020). A user without bookings
gets an empty list: surfaces fall back to another strategy.
"""

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from recommendations.interaction_log import bookable_catalogue, interactions_from_database
from recommendations.lists import RecommendationList, RecommendationRequest
from recommendations.local_models import LocalModel
from recommendations.pipeline.scoring import scorer_spec
from recommendations.reasons import Reason, co_booking_reason
from recommendations.served import ANONYMOUS_USER_ID, ServedModel, served_lists
from recommendations.strategies import strategy_register


def collaborative_model_fit(*, name: str, now: datetime | None = None) -> ServedModel:
    """`name`'s scorer fitted on the live bookings up to `now` (default: the present)."""
    now = now or timezone.now()
    train = interactions_from_database(until=now, extra_users=[ANONYMOUS_USER_ID])
    train = train.with_catalogue(bookable_catalogue(interactions=train, at=now.timestamp()))
    spec = scorer_spec(name)
    return ServedModel(
        spec=spec,
        scorer=spec.build().fit(train=train, now=now.timestamp()),
        train=train,
        data_until=now,
        params=dict(spec.defaults),
    )


def collaborative_reason(model, request, item: int, score: float) -> Reason:
    return co_booking_reason()


def collaborative_strategy(name: str):
    local = LocalModel(
        key=f"recommendations:model-version:{name}",
        lifetime=lambda: settings.RECOMMENDATION_MODEL_REFIT_SECONDS,
        build=lambda: collaborative_model_fit(name=name),
    )

    def recommend(*, requests: Sequence[RecommendationRequest]) -> list[RecommendationList]:
        return served_lists(
            strategy=name,
            requests=requests,
            current=local.get,
            fit_at=lambda now: collaborative_model_fit(name=name, now=now),
            reason=collaborative_reason,
        )

    recommend.__name__ = f"recommend_{name}"
    recommend.__doc__ = f"The `{name}` strategy's lists (batch form: one call for all requests)."
    return strategy_register(name)(recommend)


recommend_itemknn = collaborative_strategy("itemknn")
recommend_ease = collaborative_strategy("ease")
