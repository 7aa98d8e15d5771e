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
# For strategies whose lists come from a model that can be replaced (a promotion, a
# rollback): the version their lists carry now, or None when any will do.
CURRENT_VERSIONS: dict[str, Callable[[], str | None]] = {}


def strategy_register(
    name: str, *, current_version: Callable[[], str | None] | None = None
) -> Callable[[Strategy], Strategy]:
    def register(strategy: Strategy) -> Strategy:
        STRATEGIES[name] = strategy
        if current_version is not None:
            CURRENT_VERSIONS[name] = current_version
        return strategy

    return register


def strategy_current_version(name: str) -> str | None:
    """The model version that `name`'s lists carry now; None when any will do (a strategy
    without a replaceable model, or no version chosen): a stored list of another version
    was made before a promotion or a rollback and is not served (ADR 0029)."""
    current = CURRENT_VERSIONS.get(name)
    return None if current is None else current()


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
