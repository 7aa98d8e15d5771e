"""The strategy interface and its registry: the one entry point other apps call.

A strategy takes a user (or None for an anonymous visitor) and a limit and
returns ranked recommendations. Strategies register under a name; settings
choose the default one.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

from marketplace.models import Offer, User


@dataclass(frozen=True)
class Recommendation:
    offer: Offer
    score: float
    reason: str
    distance_km: float | None = None


class Strategy(Protocol):
    def __call__(self, *, user: User | None, limit: int) -> list[Recommendation]: ...


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


def recommendations_for_user(
    *, user: User | None, limit: int = 5, strategy: str | None = None
) -> list[Recommendation]:
    """The `limit` best offers for `user` from `strategy` (default: RECOMMENDATION_STRATEGY)."""
    name = strategy or settings.RECOMMENDATION_STRATEGY
    try:
        recommend = STRATEGIES[name]
    except KeyError:
        known = ", ".join(strategy_names())
        raise UnknownStrategyError(f"Unknown strategy {name!r}; choose one of: {known}.") from None
    if limit < 1:
        return []
    return recommend(user=user, limit=limit)
