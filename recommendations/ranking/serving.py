"""The `ml` strategy: the registry's champion (else the latest trained ranker) over a snapshot
of the live bookings.

Each process loads the artifact and fits the scorer's snapshot on the live
bookings once, and again when the shared version key expires
(RECOMMENDATION_ML_REFRESH_SECONDS) or the cache is cleared; serving then runs
the pipeline's steps (`recommendations.served`) like the other array strategies.
A missing or corrupt artifact makes the strategy answer with `geo`: one clear
error is logged per refresh period, not per request, and lists keep coming.
Requests placed elsewhere than home (a location override) are `geo`'s too.
Lists name the model version that ranked them. A promotion or a rollback in the
registry reloads at the next request that sees it (within a minute, ADR 0029),
not at the refresh.
"""

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from recommendations.interaction_log import bookable_catalogue
from recommendations.lists import RecommendationList, RecommendationRequest
from recommendations.local_models import LocalModel
from recommendations.pipeline.scoring import scorer_spec
from recommendations.ranking.artifact import ArtifactError, artifact_load
from recommendations.ranking.database import ranking_interactions_from_database
from recommendations.ranking.scorer import RankingScorer
from recommendations.reasons import Reason, learned_reason
from recommendations.registry.serving import serving_model_version
from recommendations.served import ANONYMOUS_USER_ID, ServedModel, served_lists
from recommendations.strategies import STRATEGIES, strategy_register

logger = logging.getLogger(__name__)
FALLBACK = "geo"


# The champion the process's model was last loaded for, usable or not: a broken
# champion is then logged once per refresh, not retried at every request.
_loaded_for: dict[str, str | None] = {"champion": None}


def ml_model_fit(*, now: datetime | None = None) -> ServedModel | None:
    """The champion's ranker (the latest artifact while no version is registered) over the
    live bookings up to `now`; None (logged once) when no usable artifact is stored."""
    now = now or timezone.now()
    champion = serving_model_version()
    _loaded_for["champion"] = champion
    try:
        trained, metadata = artifact_load(version=champion)
    except ArtifactError as error:
        logger.error(
            "Strategy ml answers with %s until a usable model is stored: %s", FALLBACK, error
        )
        return None
    train, extra = ranking_interactions_from_database(until=now, extra_users=[ANONYMOUS_USER_ID])
    train = train.with_catalogue(bookable_catalogue(interactions=train, at=now.timestamp()))
    scorer = RankingScorer(
        trained=trained, extra=extra, strength=settings.RECOMMENDATION_ML_DIVERSITY_STRENGTH
    )
    return ServedModel(
        spec=scorer_spec("ml"),
        scorer=scorer.fit(train=train, now=now.timestamp()),
        train=train,
        data_until=now,
        params={"version": metadata["version"]},
    )


served_ml = LocalModel(
    key="recommendations:model-version:ml",
    lifetime=lambda: settings.RECOMMENDATION_ML_REFRESH_SECONDS,
    build=ml_model_fit,
)


def ml_model_forget() -> None:
    """Load the model and the bookings snapshot again at this process's next request (a
    replayed clock, as the simulator's, moves faster than the refresh)."""
    served_ml.local = None


def ml_model_current() -> ServedModel | None:
    """This process's model, reloaded at once when the registry's champion has changed."""
    model = served_ml.get()
    if serving_model_version() != _loaded_for["champion"]:
        model = served_ml.rebuild()
    return model


def ml_reason(
    model: ServedModel, request: RecommendationRequest, item: int, score: float
) -> Reason:
    return learned_reason()


@strategy_register("ml", current_version=serving_model_version)
def recommend_ml(*, requests: Sequence[RecommendationRequest]) -> list[RecommendationList]:
    """The `ml` strategy's lists (batch form: one call for all requests)."""
    model = ml_model_current()
    ranked = (
        [r.location is None for r in requests] if model is not None else [False] * len(requests)
    )
    answers: list[RecommendationList | None] = [None] * len(requests)
    elsewhere = [position for position, mine in enumerate(ranked) if not mine]
    if elsewhere:
        fallback = STRATEGIES[FALLBACK](requests=[requests[p] for p in elsewhere])
        for position, answer in zip(elsewhere, fallback, strict=True):
            answers[position] = answer
    mine = [position for position, is_mine in enumerate(ranked) if is_mine]
    if mine:
        lists = served_lists(
            strategy="ml",
            requests=[requests[p] for p in mine],
            current=lambda: model,
            fit_at=lambda now: ml_model_fit(now=now) or model,
            reason=ml_reason,
        )
        for position, answer in zip(mine, lists, strict=True):
            answers[position] = replace(answer, model_version=model.params["version"])
    return answers
