"""The strategy interface and its registry: the one entry point other apps call.

A strategy answers a batch of `RecommendationRequest`s with one
`RecommendationList` each, in order: it honours each request's user, limit,
categories, location override and `now` (so history can be replayed), and
loads whatever it needs from the database in a few queries for the whole
batch. Strategies register under a name; settings choose the default one.

Other apps call `recommendation_list_compute(request=…)` or its batch form
`recommendation_lists_compute(requests=…)` and get plain lists of offer ids;
the offers are loaded at the edge (`recommendations.offers`), and the request
path reads through `recommendations.serving`.
"""

from collections.abc import Callable, Sequence
from typing import Protocol

from django.conf import settings

from recommendations.lists import RecommendationList, RecommendationRequest


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
