"""The `ml` strategy: the registry's champion (else the latest trained ranker) over a snapshot
of the live bookings.

Each process loads the artifact and builds the snapshot once, then again every
RECOMMENDATION_ML_REFRESH_SECONDS (new bookings, new offers). A missing or
corrupt artifact makes the strategy answer with `geo`: one clear error is
logged per refresh period, not per request, and lists keep coming.
Users the snapshot does not know (anonymous visitors, accounts created since)
get `geo` too; known users without bookings get geo-popular, diversified.
"""

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from marketplace.models import User
from recommendations.candidates import bookable_offers, offer_ids_booked_by_users
from recommendations.geo import recommend_geo
from recommendations.pipeline.interactions import Interactions
from recommendations.pipeline.ranking import NO_ITEM, top_k
from recommendations.ranking.artifact import ArtifactError, artifact_load
from recommendations.ranking.database import ranking_interactions_from_database
from recommendations.ranking.scorer import RankingScorer
from recommendations.registry.serving import serving_model_version
from recommendations.strategies import (
    Recommendation,
    model_version_register,
    strategy_batch_register,
    strategy_register,
)

logger = logging.getLogger(__name__)


@dataclass
class Served:
    """What a process serves `ml` from; `scorer` is None while falling back to geo."""

    loaded_at: float
    scorer: RankingScorer | None
    interactions: Interactions | None
    version: str | None
    # The registry's champion when this was loaded (None: no champion, the latest artifact).
    requested: str | None = None


_served: Served | None = None


def served() -> Served:
    global _served
    current = _served
    # A promotion or rollback in the registry reloads at once (ADR 0029), not at the refresh.
    champion = serving_model_version()
    if (
        current is not None
        and current.requested == champion
        and time.monotonic() - current.loaded_at < settings.RECOMMENDATION_ML_REFRESH_SECONDS
    ):
        return current
    try:
        trained, metadata = artifact_load(version=champion)
    except ArtifactError as error:
        logger.error("Strategy ml falls back to geo: %s", error)
        _served = Served(
            loaded_at=time.monotonic(),
            scorer=None,
            interactions=None,
            version=None,
            requested=champion,
        )
        return _served
    interactions, extra = ranking_interactions_from_database()
    scorer = RankingScorer(
        trained=trained, extra=extra, strength=settings.RECOMMENDATION_ML_DIVERSITY_STRENGTH
    ).fit(train=interactions, now=timezone.now().timestamp())
    _served = Served(
        loaded_at=time.monotonic(),
        scorer=scorer,
        interactions=interactions,
        version=metadata["version"],
        requested=champion,
    )
    return _served


def served_forget() -> None:
    """Load the model and the snapshot again at the next request (a new model was trained)."""
    global _served
    _served = None


@model_version_register("ml")
def ml_model_version() -> str | None:
    return served().version


@strategy_register("ml")
def recommend_ml(*, user: User | None, limit: int) -> list[Recommendation]:
    if user is None or user.pk is None:
        return recommend_geo(user=user, limit=limit)
    return recommend_ml_batch(users=[user], limit=limit)[user.pk]


@strategy_batch_register("ml")
def recommend_ml_batch(*, users: Sequence[User], limit: int) -> dict[int, list[Recommendation]]:
    state = served()
    if state.scorer is None:
        return {user.pk: recommend_geo(user=user, limit=limit) for user in users}
    positions = state.interactions.user_positions([user.pk for user in users])
    known = [user for user, position in zip(users, positions, strict=True) if position >= 0]
    lists = {
        user.pk: recommend_geo(user=user, limit=limit)
        for user, position in zip(users, positions, strict=True)
        if position < 0
    }
    if not known:
        return lists
    known_positions = positions[positions >= 0]
    # Spares cover offers sold out or booked since the snapshot.
    spare = limit * 2 + 5
    scores = state.scorer.score(users=known_positions)
    head = top_k(scores=scores, k=spare)
    item_ids = state.interactions.item_ids
    wanted = {int(item_ids[item]) for item in head.ravel() if item != NO_ITEM}
    offers = bookable_offers().in_bulk(wanted)
    booked = offer_ids_booked_by_users(user_ids=[user.pk for user in known])
    for row, user in enumerate(known):
        picks = []
        for item in head[row]:
            if item == NO_ITEM:
                break
            offer = offers.get(int(item_ids[item]))
            if offer is None or offer.pk in booked.get(user.pk, ()):
                continue
            picks.append(
                Recommendation(
                    offer=offer, score=float(scores[row, item]), reason=reason_for(offer)
                )
            )
            if len(picks) == limit:
                break
        lists[user.pk] = picks
    return lists


def reason_for(offer) -> str:
    return f"chosen for you in {offer.category.name.lower()}"
