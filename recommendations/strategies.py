"""The strategy interface and its registry: the one entry point other apps call.

A strategy answers a batch of `RecommendationRequest`s with one
`RecommendationList` each, in order: it honours each request's user, limit,
categories, location override and `now` (so history can be replayed), and
loads whatever it needs from the database in a few queries for the whole
batch. Strategies register under a name; settings choose the default one.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

from marketplace.models import Offer, User
from recommendations.lists import Location, RecommendationList, RecommendationRequest


class Strategy(Protocol):
    def __call__(
        self, *, requests: Sequence[RecommendationRequest]
    ) -> list[RecommendationList]: ...


class UnknownStrategyError(LookupError):
    pass


STRATEGIES: dict[str, Strategy] = {}


def strategy_register(name: str) -> Callable[[Strategy], Strategy]:
    def register(strategy: Strategy) -> Strategy:
        STRATEGIES[name] = strategy
        return strategy

    return register


def strategy_names() -> list[str]:
    return sorted(STRATEGIES)


def strategy_resolve(strategy: str | None) -> str:
    """The registered strategy name to use; raises UnknownStrategyError."""
    name = strategy or settings.RECOMMENDATION_STRATEGY
    if name not in STRATEGIES:
        known = ", ".join(strategy_names())
        raise UnknownStrategyError(f"Unknown strategy {name!r}; choose one of: {known}.")
    return name


def recommendation_list_compute(
    *, request: RecommendationRequest, strategy: str | None = None
) -> RecommendationList:
    """The list that `strategy` (default: RECOMMENDATION_STRATEGY) computes for `request`."""
    return recommendation_lists_compute(requests=[request], strategy=strategy)[0]


def recommendation_lists_compute(
    *, requests: Sequence[RecommendationRequest], strategy: str | None = None
) -> list[RecommendationList]:
    """One computed list per request, in the requests' order, from one batch call."""
    name = strategy_resolve(strategy)
    if not requests:
        return []
    return STRATEGIES[name](requests=list(requests))


# Transitional: the newsletter and the `recommend` command still ask for
# offers by user. They move to the request/list entry point above; these
# wrappers go once they have (issue 14).


@dataclass(frozen=True)
class Recommendation:
    offer: Offer
    score: float
    reason: str
    distance_km: float | None = None


def recommendations_for_user(
    *, user: User | None, limit: int = 5, strategy: str | None = None
) -> list[Recommendation]:
    """Transitional: `recommendation_list_compute` for one user, with the offers loaded.

    An unsaved user with a home is ranked as an anonymous request located there.
    """
    name = strategy_resolve(strategy)
    if limit < 1:
        return []
    saved = user is not None and user.pk is not None
    location = None
    if not saved and user is not None and user.has_home_coordinates:
        location = Location(
            latitude=user.home_latitude, longitude=user.home_longitude, label=user.home_city
        )
    request = RecommendationRequest(
        user_id=user.pk if saved else None, limit=limit, location=location
    )
    return offers_attach(recommendation_list_compute(request=request, strategy=name))


def recommendations_for_users(
    *, users: Sequence[User], limit: int = 5, strategy: str | None = None
) -> dict[int, list[Recommendation]]:
    """Transitional: each saved user's (by id) list, from one batch call, offers loaded."""
    name = strategy_resolve(strategy)
    if limit < 1 or not users:
        return {user.pk: [] for user in users}
    requests = [RecommendationRequest(user_id=user.pk, limit=limit) for user in users]
    lists = recommendation_lists_compute(requests=requests, strategy=name)
    offers = Offer.objects.select_related("category", "venue").in_bulk(
        {offer_id for answer in lists for offer_id in answer.offer_ids}
    )
    return {
        user.pk: offers_attach(answer, offers=offers)
        for user, answer in zip(users, lists, strict=True)
    }


def offers_attach(
    answer: RecommendationList, *, offers: dict[int, Offer] | None = None
) -> list[Recommendation]:
    if offers is None:
        offers = Offer.objects.select_related("category", "venue").in_bulk(answer.offer_ids)
    return [
        Recommendation(
            offer=offers[item.offer_id],
            score=item.score,
            reason=item.reason,
            distance_km=item.distance_km,
        )
        for item in answer.items
        if item.offer_id in offers
    ]
