"""The strategy interface and its registry: the one entry point other apps call.

A strategy takes a user (or None for an anonymous visitor) and a limit and
returns ranked recommendations. Strategies register under a name; settings
choose the default one. A strategy may also register a batch form that serves
many users at once (the newsletter asks per chunk of recipients); strategies
without one are called user by user.
"""

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils import timezone

from marketplace.models import Offer, User
from recommendations.lists import RecommendationList, RecommendationRequest, RecommendedItem


@dataclass(frozen=True)
class Recommendation:
    offer: Offer
    score: float
    reason: str
    distance_km: float | None = None


class Strategy(Protocol):
    def __call__(self, *, user: User | None, limit: int) -> list[Recommendation]: ...


class BatchStrategy(Protocol):
    def __call__(self, *, users: Sequence[User], limit: int) -> dict[int, list[Recommendation]]: ...


class UnknownStrategyError(LookupError):
    pass


STRATEGIES: dict[str, Strategy] = {}
BATCH_STRATEGIES: dict[str, BatchStrategy] = {}
# Strategies that serve a trained model say which version answers (None: a fallback did).
MODEL_VERSIONS: dict[str, Callable[[], str | None]] = {}


def strategy_register(name: str) -> Callable[[Strategy], Strategy]:
    def register(strategy: Strategy) -> Strategy:
        STRATEGIES[name] = strategy
        return strategy

    return register


def strategy_batch_register(name: str) -> Callable[[BatchStrategy], BatchStrategy]:
    """Register the batch form of the strategy `name`; it must give each user
    the same list as the per-user form would."""

    def register(batch: BatchStrategy) -> BatchStrategy:
        BATCH_STRATEGIES[name] = batch
        return batch

    return register


def model_version_register(name: str) -> Callable[[Callable[[], str | None]], Callable]:
    """Register what tells the model version behind the strategy `name`'s lists."""

    def register(version: Callable[[], str | None]) -> Callable[[], str | None]:
        MODEL_VERSIONS[name] = version
        return version

    return register


def strategy_model_version(name: str) -> str | None:
    version = MODEL_VERSIONS.get(name)
    return version() if version is not None else None


def strategy_names() -> list[str]:
    return sorted(STRATEGIES)


def strategy_resolve(strategy: str | None) -> str:
    """The registered strategy name to use; raises UnknownStrategyError."""
    name = strategy or settings.RECOMMENDATION_STRATEGY
    if name not in STRATEGIES:
        known = ", ".join(strategy_names())
        raise UnknownStrategyError(f"Unknown strategy {name!r}; choose one of: {known}.")
    return name


def recommendations_for_user(
    *, user: User | None, limit: int = 5, strategy: str | None = None
) -> list[Recommendation]:
    """The `limit` best offers for `user` from `strategy` (default: RECOMMENDATION_STRATEGY)."""
    recommend = STRATEGIES[strategy_resolve(strategy)]
    if limit < 1:
        return []
    return recommend(user=user, limit=limit)


def recommendations_for_users(
    *, users: Sequence[User], limit: int = 5, strategy: str | None = None
) -> dict[int, list[Recommendation]]:
    """Each saved user's (by id) `limit` best offers, as `recommendations_for_user` gives them,
    from the strategy's batch form when it has one (a few queries for all the users)."""
    name = strategy_resolve(strategy)
    if limit < 1 or not users:
        return {user.pk: [] for user in users}
    batch = BATCH_STRATEGIES.get(name)
    if batch is not None:
        return batch(users=users, limit=limit)
    recommend = STRATEGIES[name]
    return {user.pk: recommend(user=user, limit=limit) for user in users}


def recommendation_list_compute(
    *, request: RecommendationRequest, strategy: str | None = None
) -> RecommendationList:
    """The list that `strategy` (default: RECOMMENDATION_STRATEGY) computes for `request`."""
    return recommendation_lists_compute(requests=[request], strategy=strategy)[0]


def recommendation_lists_compute(
    *, requests: Sequence[RecommendationRequest], strategy: str | None = None
) -> list[RecommendationList]:
    """One computed list per request, in the requests' order.

    Requests of saved users without a location override go through the
    strategy's batch form together; the others are computed one by one.
    Categories are applied to a longer list, which a strategy that knows them
    natively will make exact.
    """
    name = strategy_resolve(strategy)
    users = User.objects.in_bulk([r.user_id for r in requests if r.user_id is not None])
    batched = [r for r in requests if r.user_id in users and r.location is None]
    widest = max((fetch_size(r) for r in batched), default=0)
    picks = recommendations_for_users(
        users=[users[r.user_id] for r in batched], limit=widest, strategy=name
    )
    lists = []
    for request in requests:
        if request.user_id in users and request.location is None:
            found = picks.get(request.user_id, [])
        else:
            found = recommendations_for_user(
                user=user_for_request(request=request, users=users),
                limit=fetch_size(request),
                strategy=name,
            )
        lists.append(recommendation_list_from(request=request, found=found, strategy=name))
    return lists


def fetch_size(request: RecommendationRequest) -> int:
    return request.limit * 5 if request.categories else request.limit


def user_for_request(*, request: RecommendationRequest, users: dict[int, User]) -> User | None:
    """The user a per-user strategy ranks for, placed at the request's location if it has one.

    An anonymous request with a location is ranked as an unsaved user living there.
    """
    user = users.get(request.user_id) if request.user_id is not None else None
    if request.location is None:
        return user
    placed = User() if user is None else copy.copy(user)
    placed.home_latitude = request.location.latitude
    placed.home_longitude = request.location.longitude
    placed.home_city = request.location.label
    return placed


def recommendation_list_from(
    *, request: RecommendationRequest, found: list[Recommendation], strategy: str
) -> RecommendationList:
    wanted = set(request.categories)
    kept = [r for r in found if not wanted or r.offer.category.slug in wanted][: request.limit]
    return RecommendationList(
        request_id=request.request_id,
        items=tuple(
            RecommendedItem(
                offer_id=r.offer.pk, score=r.score, reason=r.reason, distance_km=r.distance_km
            )
            for r in kept
        ),
        strategy=strategy,
        generated_at=timezone.now(),
        variant=request.variant,
        model_version=strategy_model_version(strategy),
        user_id=request.user_id,
        personalised=request.user_id is not None,
    )
